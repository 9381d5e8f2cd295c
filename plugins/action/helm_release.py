# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.helm_release.

When the task runs on the controller (connection local), the release record
is read here, in the controller's process: an up-to-date release is answered
without shipping and starting the module at all. Anything else - a change, a
recovery, a wait, an error, a delegated task - runs the module as usual.
"""
from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.openlakes.core.plugins.module_utils import _args, _helm, _k8s, _release

MODULE = "openlakes.core.helm_release"


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        fast = self._up_to_date()
        if fast is not None:
            result.update(fast)
            return result
        result.update(self._execute_module(module_name=MODULE, module_args=self._task.args, task_vars=task_vars))
        return result

    def _up_to_date(self):
        if getattr(self._connection, "transport", "") != "local":
            return None
        checked = ArgumentSpecValidator({**_args.CLUSTER_ARGS, **_args.HELM_ARGS, **_args.RELEASE_ARGS}).validate(dict(self._task.args))
        if checked.error_messages:
            return None  # the module reports argument errors in its own words
        p = checked.validated_parameters
        try:
            spec = _args.release_spec(p)
            records = _helm.read_records(_k8s.Cluster(p["kubeconfig"] or "", p["context"]), spec.name, spec.namespace)
        except Exception:  # noqa: BLE001 - any doubt: let the module do the full job
            return None
        if _release.decide(spec, records).action != "none":
            return None
        rec = records[0]
        return {"changed": False, "action": "none", "reasons": [], "name": spec.name, "namespace": spec.namespace,
                "revision": rec.revision, "revision_before": rec.revision, "status": rec.status,
                "fingerprint": spec.fingerprint, "helm_commands": [], "readiness": {},
                "msg": f"{spec.name}: up to date (revision {rec.revision}, {rec.status})"}
