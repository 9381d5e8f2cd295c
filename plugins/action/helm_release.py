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
        spec = {**_args.CLUSTER_ARGS, **_args.HELM_ARGS, **_args.RELEASE_ARGS}
        checked = ArgumentSpecValidator(spec).validate(dict(self._task.args))
        if checked.error_messages:
            return None  # the module reports argument errors in its own words
        p = checked.validated_parameters
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
