# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Longhorn: replicated block storage on the disks node preparation mounted. Private to this collection."""
from __future__ import annotations

import json

from .._platform import INGRESS_CLASS, PlanError
from .. import _monitoring as m


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


def alerts(u) -> list:
    """A volume degraded (a replica lost, rebuilding) or faulted (no healthy replica): Longhorn 1.12 reports the
    robustness as a `state` label whose series is 1."""
    return [
        m.alert("OpenLakesLonghornVolumeDegraded", 'max by (volume, pvc, pvc_namespace) '
                '(longhorn_volume_robustness{state="degraded"}) == 1', "A Longhorn volume is degraded",
                "Volume {{ $labels.volume }} ({{ $labels.pvc_namespace }}/{{ $labels.pvc }}) has fewer healthy "
                "replicas than it asks for.", for_="10m"),
        m.alert("OpenLakesLonghornVolumeFaulted", 'max by (volume, pvc, pvc_namespace) '
                '(longhorn_volume_robustness{state="faulted"}) == 1', "A Longhorn volume is faulted",
                "Volume {{ $labels.volume }} ({{ $labels.pvc_namespace }}/{{ $labels.pvc }}) has no healthy replica.",
                for_="2m", severity="critical"),
    ]


def dashboards(u) -> list:
    """Volumes' robustness, size and I/O; nodes' and disks' storage."""
    return [m.dashboard(u, "longhorn", "Longhorn", [
        m.panel("Volumes healthy", 'sum(longhorn_volume_robustness{state="healthy"})', "stat"),
        m.panel("Volumes degraded", 'sum(longhorn_volume_robustness{state="degraded"})', "stat"),
        m.panel("Volumes faulted", 'sum(longhorn_volume_robustness{state="faulted"})', "stat"),
        m.panel("Nodes ready", 'sum(longhorn_node_status{condition="ready"})', "stat"),
        m.panel("Volume used / capacity", "max by (volume) (longhorn_volume_actual_size_bytes) / "
                "max by (volume) (longhorn_volume_capacity_bytes)", unit="percentunit", legend="{{volume}}"),
        m.panel("Volume read throughput", "sum by (volume) (longhorn_volume_read_throughput)", unit="Bps",
                legend="{{volume}}"),
        m.panel("Volume write throughput", "sum by (volume) (longhorn_volume_write_throughput)", unit="Bps",
                legend="{{volume}}"),
        m.panel("Disk usage", "sum by (node, disk) (longhorn_disk_usage_bytes) / "
                "sum by (node, disk) (longhorn_disk_capacity_bytes)", unit="percentunit", legend="{{node}} {{disk}}"),
    ])]


RELEASES = {"longhorn": longhorn}
