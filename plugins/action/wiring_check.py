# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.wiring_check.

The check only reads the cluster's API. When the task runs on the controller (connection local), it runs here,
in the controller's process, without shipping and starting the module; anything else (a delegated task, a
remote controller) runs the module as usual.
"""
from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.openlakes.core.plugins.module_utils import _args, _k8s, _wiring

MODULE = "openlakes.core.wiring_check"
SPEC = {**_args.CLUSTER_ARGS, **_args.WIRING_ARGS}


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        checked = ArgumentSpecValidator(SPEC).validate(dict(self._task.args))
        if getattr(self._connection, "transport", "") != "local" or checked.error_messages or not _k8s.HAS_KUBERNETES:
            result.update(self._execute_module(module_name=MODULE, module_args=self._task.args, task_vars=task_vars))
            return result
        p = checked.validated_parameters
        result.update(_wiring.run(_k8s.Cluster(p["kubeconfig"] or "", p["context"]), p["links"], p["releases"]))
        return result
