# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.wiring_check: the check only reads the cluster's API, so on the controller it
runs in the controller's process (plugin_utils/_controller.InProcessAction)."""
from __future__ import annotations

from ansible_collections.openlakes.core.plugins.module_utils import _args, _k8s, _wiring
from ansible_collections.openlakes.core.plugins.plugin_utils._controller import InProcessAction


class ActionModule(InProcessAction):
    MODULE = "openlakes.core.wiring_check"
    SPEC = {**_args.CLUSTER_ARGS, **_args.WIRING_ARGS}

    def in_process(self, params, check_mode):
        return _wiring.run(_k8s.Cluster(params["kubeconfig"] or "", params["context"]), params["links"],
                           params["releases"])
