# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.helm_release.

On the controller, the release record is read here, in the controller's process: an up-to-date release is answered
without shipping and starting the module at all. Anything else - a change, a recovery, a wait, an error, a
delegated task - runs the module as usual (plugin_utils/_controller.InProcessAction).
"""
from __future__ import annotations

from ansible_collections.openlakes.core.plugins.module_utils import _args, _helm, _k8s, _release
from ansible_collections.openlakes.core.plugins.plugin_utils._controller import InProcessAction


class ActionModule(InProcessAction):
    MODULE = "openlakes.core.helm_release"
    SPEC = {**_args.CLUSTER_ARGS, **_args.HELM_ARGS, **_args.RELEASE_ARGS}

    def in_process(self, params, check_mode):
        p = params
        try:
            # Check mode only reads: it is the module's own no-op path, run here in-process.
            res = _release.apply(_args.release_spec(p), _helm.Helm(p["helm_binary"]),
                                 _k8s.Cluster(p["kubeconfig"] or "", p["context"]), check_mode=True).as_dict()
        except Exception:  # noqa: BLE001 - any doubt: let the module do the full job
            return None
        if res["action"] != "none" or res["failed"]:
            return None
        res.pop("diff", None)
        return res
