# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.release_plan.

On the controller, the whole graph is first read here, in the controller's process, as check mode reads it (one read
per release, object set and requirement, all at once): a graph where nothing would change is answered without
shipping and starting the module, as helm_release answers an up-to-date release. Anything else (a change, a failure,
a result holding a credential the module would mask) runs the module (plugin_utils/_controller.InProcessAction).
"""
from __future__ import annotations

import json

from ansible_collections.openlakes.core.plugins.module_utils import _args, _deploy, _k8s
from ansible_collections.openlakes.core.plugins.plugin_utils._controller import InProcessAction


class ActionModule(InProcessAction):
    MODULE = "openlakes.core.release_plan"
    SPEC = {**_args.CLUSTER_ARGS, **_args.HELM_ARGS, **_args.RELEASE_PLAN_ARGS}

    def in_process(self, params, check_mode):
        p = params
        try:
            nodes, secrets = _deploy.nodes_from(p["releases"], p["chart_mirror"])
            res = _deploy.run(nodes, _k8s.Cluster(p["kubeconfig"] or "", p["context"]), p["helm_binary"],
                              p["kubeconfig"] or "", p["context"], p["variables"], check_mode=True,
                              max_workers=p["max_workers"])
        except Exception:  # noqa: BLE001 - any doubt: let the module do the full job
            return None
        if res.pop("failed") or res["changed"] or any(r["action"] != "none" for r in res["releases"]):
            return None
        text = json.dumps(res, default=str)
        values = [v for v in (p["variables"] or {}).values() if isinstance(v, str)]
        if any(s and s in text for s in (*secrets, *values)):
            return None
        return res
