# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Longhorn: replicated block storage on the disks node preparation mounted. Private to this collection."""
from __future__ import annotations

import json

from .._platform import INGRESS_CLASS, PlanError


def longhorn(u, release: dict) -> dict:
    replicas = u.config["derived"]["longhorn_replicas"]
    values = {
        "persistence": {
            "defaultClass": True,
            "defaultClassReplicaCount": replicas,
            "reclaimPolicy": u.config["storage"]["longhorn"]["reclaim_policy"],
        },
        "defaultSettings": {
            # Disks come only from the node annotation written from node prep's result.
            "createDefaultDiskLabeledNodes": True,
            "defaultReplicaCount": json.dumps({"v1": str(replicas), "v2": str(replicas)}, separators=(",", ":")),
        },
        "longhornUI": {"replicas": 1 if u.profile == "compact" else 2},
        "longhornManager": {"resources": u.resources()},
    }
    if u.enabled("traefik"):
        values["ingress"] = {"enabled": True, "ingressClassName": INGRESS_CLASS, "host": u.host_name(),
                             "pathType": "Prefix", "annotations": u.ingress_annotations()}
    return values


def objects(u, build_values: bool) -> list:
    """Per storage host with Longhorn disks: the label and annotation with which Longhorn creates exactly
    the disks node prep mounted (createDefaultDiskLabeledNodes). Applied before the release."""
    patches = []
    for host in u.config["derived"]["longhorn_hosts"]:
        disks = (u.inp.hosts.get(host) or {}).get("longhorn_disks") or []
        if not disks and build_values:
            raise PlanError(f"host {host}: core-config.yaml lists Longhorn disks but node preparation reported none; "
                            f"run the node_prep tag for {host} first")
        config = [{"name": f"openlakes-{i + 1}", "path": d["path"], "allowScheduling": True, "tags": ["openlakes"]}
                  for i, d in enumerate(disks)]
        patches.append({"apiVersion": "v1", "kind": "Node", "metadata": {
            "name": host, "labels": {"node.longhorn.io/create-default-disk": "config"},
            "annotations": {"node.longhorn.io/default-disks-config": json.dumps(config, separators=(",", ":"))}}})
    if not patches:
        return []
    return [{"name": "longhorn-nodes", "objects": patches, "patch_only": True, "before": ["longhorn"]}]


def monitors(u) -> list:
    """longhorn-manager's metrics on every node (volumes, nodes, disks)."""
    return [u.monitor({"app": "longhorn-manager"})]


RELEASES = {"longhorn": longhorn}
