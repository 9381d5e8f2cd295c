# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.release_plan.

When the task runs on the controller (connection local), the whole graph is first read here, in the controller's
process, as check mode reads it (one read per release, object set and requirement, all at once): a graph where
nothing would change is answered without shipping and starting the module, as helm_release answers an up-to-date
release. Anything else (a change, a failure, a delegated task, argument errors) runs the module as usual.
"""
from __future__ import annotations

import json

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.openlakes.core.plugins.module_utils import _args, _deploy, _k8s

MODULE = "openlakes.core.release_plan"
SPEC = {**_args.CLUSTER_ARGS, **_args.HELM_ARGS, **_args.RELEASE_PLAN_ARGS}


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        fast = self._nothing_to_do()
        if fast is not None:
            result.update(fast)
            return result
        result.update(self._execute_module(module_name=MODULE, module_args=self._task.args, task_vars=task_vars))
        return result

    def _nothing_to_do(self):
        if getattr(self._connection, "transport", "") != "local" or not _k8s.HAS_KUBERNETES:
            return None
        checked = ArgumentSpecValidator(SPEC).validate(dict(self._task.args))
        if checked.error_messages:
            return None  # the module reports argument errors in its own words
        p = checked.validated_parameters
        try:
            nodes, secrets = _deploy.nodes_from(p["releases"], p["chart_mirror"])
            res = _deploy.run(nodes, _k8s.Cluster(p["kubeconfig"] or "", p["context"]), p["helm_binary"],
                              p["kubeconfig"] or "", p["context"], p["variables"], check_mode=True,
                              max_workers=p["max_workers"])
        except Exception:  # noqa: BLE001 - any doubt: let the module do the full job
            return None
        if res.pop("failed") or res["changed"] or any(r["action"] != "none" for r in res["releases"]):
            return None
        # The module masks the credentials the values hold; a result holding one goes through the module instead.
        text = json.dumps(res, default=str)
        values = [v for v in (p["variables"] or {}).values() if isinstance(v, str)]
        if any(s and s in text for s in (*secrets, *values)):
            return None
        return res
