# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.cluster_nodes: one read of the cluster's Nodes, in the controller's process."""
from __future__ import annotations

from ansible_collections.openlakes.core.plugins.module_utils import _args, _k8s
from ansible_collections.openlakes.core.plugins.plugin_utils._controller import ControllerAction


def summary(node: dict) -> dict:
    status = node.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    return {"name": node["metadata"]["name"], "ready": ready,
            "kubelet_version": (status.get("nodeInfo") or {}).get("kubeletVersion", ""),
            "memory": (status.get("allocatable") or {}).get("memory", "")}


class ActionModule(ControllerAction):
    SPEC = {**_args.CLUSTER_ARGS, "hosts": {"type": "list", "elements": "str", "default": []}}

    def act(self, args, check_mode):
        try:
            nodes = [summary(n) for n in _k8s.Cluster(args["kubeconfig"] or "", args["context"]).list_nodes()]
        except Exception as exc:  # pylint: disable=broad-except  # any failure to reach the API is the answer
            return {"failed": True, "msg": f"reading the cluster's Nodes failed: {exc}; check the kubeconfig and "
                                           "that the API server answers"}
        ready = {n["name"] for n in nodes if n["ready"]}
        missing = [h for h in args["hosts"] if h not in ready]
        out = {"changed": False, "nodes": nodes, "missing": missing,
               "ansible_facts": {"kubernetes_node_memory": [n["memory"] for n in nodes]}}
        if missing:
            out.update(failed=True, msg=f"These storage hosts have no Ready Kubernetes Node: {', '.join(missing)}. "
                                        "Node names must equal inventory host names; check the kubelet on those hosts.")
        return out
