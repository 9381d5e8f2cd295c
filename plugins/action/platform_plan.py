# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.platform_plan: runs on the controller only, where the
collection's manifest and charts are files."""
from __future__ import annotations

import os

from ansible.plugins.action import ActionBase

from ansible_collections.openlakes.core.plugins.module_utils import _config, _platform

ARGS = {"config", "hosts", "node_memory", "build_values"}
CHARTS_DIR = os.path.join(_config.COLLECTION_ROOT, "charts")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars or {})
        args = self._task.args
        unknown = sorted(set(args) - ARGS)
        if unknown or "config" not in args:
            return {**result, "failed": True,
                    "msg": f"platform_plan takes config (and hosts, node_memory, build_values); got {', '.join(sorted(args))}"}
        inputs = _platform.Inputs(config=args["config"], manifest=_config.load_manifest(), hosts=args.get("hosts") or {},
                                  charts_dir=CHARTS_DIR, node_memory=list(args.get("node_memory") or []))
        try:
            plan = _platform.plan(inputs, build_values=bool(args.get("build_values", True)))
        except _platform.PlanError as exc:
            return {**result, "failed": True, "msg": f"the platform plan: {exc}. Nothing was deployed."}
        return {**result, "changed": False, **plan}
