# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.platform_secrets: the Secrets are read and written through the cluster's API,
so on the controller the work runs in the controller's process (plugin_utils/_controller.InProcessAction; a no-op
site.yml spent over a second starting the module). Values are never returned, on either path."""
from __future__ import annotations

from ansible_collections.openlakes.core.plugins.module_utils import _args, _k8s, _secret_store
from ansible_collections.openlakes.core.plugins.plugin_utils._controller import InProcessAction


class ActionModule(InProcessAction):
    MODULE = "openlakes.core.platform_secrets"
    SPEC = {**_args.CLUSTER_ARGS, **_args.SECRETS_ARGS}

    def in_process(self, params, check_mode):
        try:
            sets = _secret_store.checked_sets(params["sets"])
            return _secret_store.ensure(_k8s.Cluster(params["kubeconfig"] or "", params["context"]).api, sets,
                                        check_mode)
        except _secret_store.StoreError as exc:
            return {"failed": True, "msg": str(exc), **({"secrets": exc.secrets} if exc.secrets is not None else {})}
