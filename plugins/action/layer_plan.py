# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.layer_plan: runs on the controller only, where the
collection's manifest and charts are files."""
from __future__ import annotations

import os

from ansible.plugins.action import ActionBase

from ansible_collections.openlakes.core.plugins.module_utils import _config, _values

ARGS = {"layer", "config", "hosts", "credentials", "node_memory"}
CHARTS_DIR = os.path.join(_config.COLLECTION_ROOT, "charts")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars or {})
        args = self._task.args
        unknown = sorted(set(args) - ARGS)
        if unknown or "layer" not in args or "config" not in args:
            return {**result, "failed": True,
                    "msg": f"layer_plan takes layer and config (and hosts, credentials, node_memory); "
                           f"got {', '.join(sorted(args))}"}
        inputs = _values.Inputs(config=args["config"], hosts=args.get("hosts") or {},
                                secrets=args.get("credentials") or {}, manifest=_config.load_manifest(),
                                charts_dir=CHARTS_DIR, node_memory=list(args.get("node_memory") or []))
        try:
            plan = _values.layer_plan(inputs, str(args["layer"]))
        except _values.PlanError as exc:
            return {**result, "failed": True, "msg": f"layer {args['layer']}: {exc}. Nothing was deployed."}
        return {**result, "changed": False, "profile": inputs.profile, **plan}
