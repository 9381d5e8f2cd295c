# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL through CloudNativePG: one role and one database per consuming service. Private to this collection."""
from __future__ import annotations

from .._platform import Unit
from .. import _monitoring as m
from . import backup

LONGHORN_STORAGE_CLASS = "longhorn"
CLUSTER = "postgresql"   # the Cluster (fullnameOverride): its Services are postgresql-rw/-ro (provides.services)
READ_ONLY_ROLE = "pg_read_all_data"


def cnpg_operator(u, release: dict) -> dict:
    return {"crds": {"create": True}, "resources": {"requests": u.resources()["requests"]}}


def postgresql(u, release: dict) -> dict:
    """CloudNativePG `cluster` chart: instances over the Longhorn hosts (at most 3), one role and one
    database per consuming service, each role's password from that service's own Secret."""
    hosts = len(u.config["derived"]["longhorn_hosts"]) or 1
    roles = [Unit(u.inp, name).database(u.name) for name, _decl in u.consumers("database")]
    dbs = [r for r in roles if r["name"]]
    data = u.comp["provides"]["databases"]["data_database"]
    return {
        "fullnameOverride": CLUSTER,
        "type": "postgresql",
        "mode": "standalone",
        "version": {"postgresql": "16"},
        "cluster": {
            "instances": min(3, hosts),
            "storage": {"size": str(u.sizing().get("storage", "5Gi")), "storageClass": LONGHORN_STORAGE_CLASS},
            "enableSuperuserAccess": True,
            "superuserSecret": u.own_secret(),
            "resources": u.resources(),
            "roles": [{"name": r["user"], "ensure": "present", "login": True, "superuser": False,
                       "passwordSecret": {"name": r["secret"]},
                       # A read-only consumer (Trino's postgresql catalog) reads every table and writes none.
                       **({"inRoles": [READ_ONLY_ROLE]} if r["access"] == "read" else {})} for r in roles],
            # The database for the platform's own data (what Trino's postgresql catalog reads, a CDC source).
            "initdb": {"database": data, "owner": data},
            # WAL archived by the barman-cloud plugin when backups are on (components.backup, _components/backup.py).
            "plugins": backup.cluster_plugins(u),
        },
        "databases": [{"name": db["name"], "owner": db["user"], "ensure": "present"} for db in dbs],
    }


def backups(u) -> list:
    """What of PostgreSQL is backed up: the Cluster (every service's database), through the backup component's
    ObjectStore when it is on."""
    return [dict(backup.spec(Unit(u.inp, "backup")), kind="cloudnative-pg")] if u.enabled("backup") else []


def monitors(u) -> list:
    """The exporter CloudNativePG runs in every instance of the cluster."""
    return [u.monitor({"cnpg.io/cluster": CLUSTER})]


REPLICATION_LAG_SECONDS = 300


def alerts(u) -> list:
    """An instance whose exporter cannot reach PostgreSQL, a replica behind its primary (CloudNativePG's own
    collector and its default `pg_replication` query)."""
    return [
        m.alert("OpenLakesPostgreSQLDown", "cnpg_collector_up == 0", "A PostgreSQL instance is down",
                "CloudNativePG's exporter in {{ $labels.namespace }}/{{ $labels.pod }} cannot reach PostgreSQL.",
                for_="5m", severity="critical"),
        m.alert("OpenLakesPostgreSQLReplicationLag", f"cnpg_pg_replication_lag > {REPLICATION_LAG_SECONDS}",
                "A PostgreSQL replica lags behind its primary",
                "{{ $labels.namespace }}/{{ $labels.pod }} replays {{ $value | humanizeDuration }} behind the primary.",
                for_="10m"),
    ]


def dashboards(u) -> list:
    """Instances, replication, connections and database sizes."""
    return [m.dashboard(u, "postgresql", "PostgreSQL", [
        m.panel("Instances up", "sum(cnpg_collector_up)", "stat"),
        m.panel("Streaming replicas", "max(cnpg_pg_replication_streaming_replicas)", "stat"),
        m.panel("Replicas in recovery", "sum(cnpg_pg_replication_in_recovery)", "stat"),
        m.panel("Max replication lag", "max(cnpg_pg_replication_lag)", "stat", unit="s"),
        m.panel("Replication lag", "max by (pod) (cnpg_pg_replication_lag)", unit="s", legend="{{pod}}"),
        m.panel("Connections by database", "sum by (datname) (cnpg_backends_total)", legend="{{datname}}"),
        m.panel("Database size", "max by (datname) (cnpg_pg_database_size_bytes)", unit="bytes",
                legend="{{datname}}"),
        m.panel("Longest transaction", "max by (datname) (cnpg_backends_max_tx_duration_seconds)", unit="s",
                legend="{{datname}}"),
    ])]


RELEASES = {"cnpg-operator": cnpg_operator, "postgresql": postgresql}
