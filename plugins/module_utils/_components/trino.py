# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Trino: a coordinator and workers with three catalogs generated from the declarations. Private to this collection.

- `<catalog_name>` (default `lakehouse`): Iceberg through Nessie's REST catalog, files on MinIO with Trino's own
  user (Trino's native S3 takes nothing from Nessie: endpoint, region, path style and keys are its own);
- `postgresql`: the platform's data database through a read-only role of Trino's own;
- `raw`: the Hive connector on a file metastore in MinIO (trino-metastore/), for external tables over the
  files under raw/ (read only for Trino). A file metastore needs no other service to run.

Credentials reach the catalogs as environment variables from Trino's Secret (`${ENV:...}`); the catalog files in
the chart's ConfigMap name only the variables. The UI and clients log in with a password (the password file in the
same Secret); Traefik terminates TLS, so Trino trusts X-Forwarded-* headers. Trino takes a password only on a
request it sees as secure: through Traefik (https://trino.<domain>), or on port 8080 with X-Forwarded-Proto: https
as Traefik sends it. `http-server.authentication.allow-insecure-over-http` stays off: it never lets a password in
over plain HTTP, it lets a user name alone in (the data path tier showed it), which would skip the password.
"""
from __future__ import annotations

from .._platform import HEAP_PERCENT, INGRESS_CLASS, MIB, quantity_bytes
from .. import _monitoring as m

PG_CATALOG = "postgresql"
RAW_CATALOG = "raw"
QUERY_SHARE_OF_HEAP = 0.5    # query.max-memory-per-node; Trino keeps 30% of the heap as headroom by default
# The chart's values.yaml ships these sample catalogs; helm merges `catalogs` with them unless each is set to null.
CHART_SAMPLE_CATALOGS = ("tpch", "tpcds")


def env_ref(name: str) -> str:
    return "${ENV:%s}" % name


def environment(u) -> dict:
    """Environment variable -> key of Trino's own Secret, what the catalogs and the config read."""
    db, user = u.database(), u.minio_user()
    return {"TRINO_S3_ACCESS_KEY": user["access_key"], "TRINO_S3_SECRET_KEY": user["secret_key"],
            "TRINO_PG_USER": db["username_key"], "TRINO_PG_PASSWORD": db["password_key"],
            "TRINO_SHARED_SECRET": "shared-secret"}


def properties(props: dict) -> str:
    """A catalog file's text, as the chart writes it into the catalog ConfigMap."""
    return "".join(f"{k}={v}\n" for k, v in props.items())


def _s3(u) -> dict:
    s3 = u.service("minio", "s3")
    return {"fs.native-s3.enabled": "true", "s3.endpoint": s3.url, "s3.region": s3.region,
            "s3.path-style-access": "true", "s3.aws-access-key": env_ref("TRINO_S3_ACCESS_KEY"),
            "s3.aws-secret-key": env_ref("TRINO_S3_SECRET_KEY")}


def catalogs(u) -> dict:
    """Catalog name -> properties (dict), the three catalogs of the module docstring."""
    pg, db = u.service("postgresql", "ro"), u.database()
    metastore = next(g for g in u.comp["consumes"]["minio"]["grants"] if g["prefix"] == "trino-metastore/")
    database = u.setting("postgresql_database") or db["data_database"]
    return {
        u.setting("catalog_name"): {
            "connector.name": "iceberg",
            "iceberg.catalog.type": "rest",
            "iceberg.rest-catalog.uri": u.service("nessie", "iceberg").url,
            # Nessie's STATIC S3 authentication vends no credentials: Trino signs with its own user.
            "iceberg.rest-catalog.vended-credentials-enabled": "false",
            **_s3(u),
        },
        PG_CATALOG: {
            "connector.name": "postgresql",
            "connection-url": f"jdbc:postgresql://{pg.address}/{database}",
            "connection-user": env_ref("TRINO_PG_USER"),
            "connection-password": env_ref("TRINO_PG_PASSWORD"),
        },
        RAW_CATALOG: {
            "connector.name": "hive",
            "hive.metastore": "file",
            "hive.metastore.catalog.dir": f"s3://{u.inp.bucket(metastore['bucket'])}/{metastore['prefix']}",
            **_s3(u),
        },
    }


def workers(u) -> int:
    chosen = u.setting("workers")
    if chosen != "auto":
        return int(chosen)
    return max(0, len(u.config["derived"]["storage_hosts"]) - 1)


def _memory(u, nodes: int) -> dict:
    """Query memory bounded by the heap the container's limit allows (Trino refuses to start when
    max-memory-per-node plus the heap headroom exceeds the heap)."""
    limit = u.resources().get("limits", {}).get("memory") or u.resources()["requests"]["memory"]
    per_node_mb = max(64, int(quantity_bytes(limit) * HEAP_PERCENT / 100 * QUERY_SHARE_OF_HEAP) // MIB)
    return {"per_node": f"{per_node_mb}MB", "total": f"{per_node_mb * nodes}MB"}


def trino(u, release: dict) -> dict:
    image = u.image(release)
    count = workers(u)
    memory = _memory(u, count or 1)
    secret = u.own_secret()
    # The one heap rule for every JVM, a share of the container's limit (HEAP_PERCENT, what Unit.heap_options
    # passes other JVMs), through the chart's own maxHeapPercent instead of its fixed -Xmx8G.
    node = {"jvm": {"maxHeapSize": None, "maxHeapPercent": HEAP_PERCENT}, "resources": u.resources()}
    values = {
        "image": {"registry": "", "repository": image["repository"], "tag": image["tag"]},
        "server": {
            "workers": count,
            "config": {"authenticationType": "PASSWORD", "query": {"maxMemory": memory["total"]}},
        },
        "auth": {"passwordAuthSecret": secret},
        # Only the three catalogs: null removes the chart's samples (each would be a catalog of its own).
        "catalogs": {**dict.fromkeys(CHART_SAMPLE_CATALOGS), **{name: properties(props) for name, props in catalogs(u).items()}},
        "env": [{"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
                for name, key in environment(u).items()],
        "additionalConfigProperties": [
            # Traefik terminates TLS and forwards X-Forwarded-Proto: without this Trino refuses the password login.
            "http-server.process-forwarded=true",
            # Password authentication requires a secret shared by the coordinator and the workers.
            f"internal-communication.shared-secret={env_ref('TRINO_SHARED_SECRET')}",
        ],
        "coordinator": dict(node, config={"nodeScheduler": {"includeCoordinator": count == 0},
                                          "query": {"maxMemoryPerNode": memory["per_node"]}}),
        "worker": dict(node, config={"query": {"maxMemoryPerNode": memory["per_node"]}}),
    }
    if u.enabled("traefik"):
        values["ingress"] = {"enabled": True, "className": INGRESS_CLASS, "annotations": u.ingress_annotations(),
                             "hosts": [{"host": u.host_name(), "paths": [{"path": "/", "pathType": "Prefix"}]}]}
    return values


def monitors(u) -> list:
    """Trino's OpenMetrics endpoint on the coordinator and workers, which asks for a login like every other: Trino's own admin
    password from its Secret (in the same namespace as the monitor)."""
    secret, admin = u.own_secret(), u.comp["provides"]["credentials"]["admin"]["keys"]
    return [u.monitor({"app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "trino"},
                      basicAuth={"username": {"name": secret, "key": admin[0]},
                                 "password": {"name": secret, "key": admin[1]}})]


QUERY_MANAGER = "trino_execution_name_QueryManager_"    # Trino's QueryManager MBean, as its /metrics names it


def dashboards(u) -> list:
    """Queries: running, queued, started, failed (the coordinator's QueryManager)."""
    q = QUERY_MANAGER
    return [m.dashboard(u, "trino", "Trino queries", [
        m.panel("Running queries", f"sum({q}RunningQueries)", "stat"),
        m.panel("Queued queries", f"sum({q}QueuedQueries)", "stat"),
        m.panel("Failed queries (1m)", f"sum({q}FailedQueries_OneMinute_Count)", "stat"),
        m.panel("Completed queries (1m)", f"sum({q}CompletedQueries_OneMinute_Count)", "stat"),
        m.panel("Running and queued", f"sum({q}RunningQueries) + sum({q}QueuedQueries)", legend="running + queued"),
        m.panel("Started per minute", f"sum({q}StartedQueries_OneMinute_Count)"),
        m.panel("Failed per minute", f"sum({q}FailedQueries_OneMinute_Count)"),
        m.panel("Failed since start", f"sum({q}FailedQueries_TotalCount)"),
    ])]


RELEASES = {"trino": trino}
