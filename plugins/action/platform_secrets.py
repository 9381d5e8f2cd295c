# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.platform_secrets.

The Secrets are the cluster's, read and written through its API. When the task runs on the controller
(connection local), the work runs here, in the controller's process, without shipping and starting the module
(a no-op site.yml run spent over a second on that); anything else (a delegated task, a remote controller) runs the
module as usual. Values are never returned, in either path.
"""
from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.openlakes.core.plugins.module_utils import _args, _k8s, _secret_store

MODULE = "openlakes.core.platform_secrets"
SPEC = {**_args.CLUSTER_ARGS, **_args.SECRETS_ARGS}


class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        checked = ArgumentSpecValidator(SPEC).validate(dict(self._task.args))
        if getattr(self._connection, "transport", "") != "local" or checked.error_messages or not _k8s.HAS_KUBERNETES:
            result.update(self._execute_module(module_name=MODULE, module_args=self._task.args, task_vars=task_vars))
            return result
        p = checked.validated_parameters
        try:
            sets = _secret_store.checked_sets(p["sets"])
            result.update(_secret_store.ensure(_k8s.Cluster(p["kubeconfig"] or "", p["context"]).api, sets,
                                               bool(self._task.check_mode)))
        except _secret_store.StoreError as exc:
            result.update(failed=True, msg=str(exc), **({"secrets": exc.secrets} if exc.secrets is not None else {}))
        return result
