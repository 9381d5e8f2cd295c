# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loki in one process (the loki-community chart's Monolithic mode), chunks and index (TSDB) on the filesystem of
its own Longhorn volume, lines older than `retention` deleted by its compactor. Private to this collection.

Filesystem on Longhorn rather than MinIO: the logs are what one reads when MinIO (or PostgreSQL, or the network
between them) is what broke, so the log store depends on nothing but its volume; one process needs no shared
object store; Longhorn replicates the volume like every other stateful component's. The price: one replica, and
the volume's size bounds what `retention` can keep.
"""
from __future__ import annotations

LONGHORN_STORAGE_CLASS = "longhorn"
SCHEMA_FROM = "2025-01-01"   # the first day of the TSDB v13 schema; never changed once Loki holds data


def storage_size(u) -> str:
    given = u.setting("storage_size")
    return str(u.sizing().get("storage", "10Gi")) if given == "auto" else given


def loki(u, release: dict) -> dict:
    return {
        "deploymentMode": "Monolithic",
        "loki": {
            "auth_enabled": False,
            "commonConfig": {"replication_factor": 1},
            "storage": {"type": "filesystem"},
            "schemaConfig": {"configs": [{"from": SCHEMA_FROM, "store": "tsdb", "object_store": "filesystem",
                                          "schema": "v13", "index": {"prefix": "loki_index_", "period": "24h"}}]},
            "limits_config": {"retention_period": u.setting("retention")},
            "compactor": {"retention_enabled": True, "delete_request_store": "filesystem"},
        },
        "singleBinary": {
            "replicas": 1,
            "resources": u.resources(),
            "persistence": {"enabled": True, "size": storage_size(u), "storageClass": LONGHORN_STORAGE_CLASS},
        },
        # One process: no gateway in front, no memcached caches (8 GiB and 1 GiB by default), no canary, no test, no
        # rules sidecar (the collection ships no Loki rules). Its images come from platform/components.yml.
        "gateway": {"enabled": False},
        "sidecar": {"rules": {"enabled": False}},
        "chunksCache": {"enabled": False},
        "resultsCache": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},
    }


def monitors(u) -> list:
    return [u.monitor({"app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "loki"})]


RELEASES = {"loki": loki}
