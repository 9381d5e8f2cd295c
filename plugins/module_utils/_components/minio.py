# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MinIO: the hot tier distributed over every hot drive, its cold tier on /cold-nas, and one user and policy per
consuming service (buckets, prefixes, the tier and lifecycle: the setup Job, _minio_setup.py). Private to this
collection."""
from __future__ import annotations

from .._platform import INGRESS_CLASS, MIB, PlanError, Unit
from .. import _monitoring as m

STORAGE_CLASS = "openlakes-minio-local"
COLD_TIER_NAME = "COLD"
COLD_BUCKET = "openlakes-cold"
MAIN_PREFIXES = ("raw/", "warehouse/", "spark-history/")
NOTEBOOK_PREFIXES = ("shared/", "workspace/", "published/", "artifacts/")


def drive_size(u) -> str:
    """Every drive's PersistentVolume and claim have the smallest drive's size, in MiB (MinIO uses the
    smallest drive of an erasure set anyway)."""
    sizes = [d.get("size_bytes") or 0 for h in u.config["derived"]["minio_hosts"]
             for d in (u.inp.hosts.get(h) or {}).get("minio_drives") or []]
    smallest = min(sizes) if sizes else 0
    # 0: not mounted yet (check mode on fresh hosts); the plan is only compared then, never applied.
    return f"{smallest // MIB}Mi" if smallest >= MIB else "1024Mi"


def minio_volumes(u, release: dict) -> dict:
    """The collection's openlakes-minio-volumes chart: pod ordinal i of the StatefulSet `minio` runs on the
    i-th MinIO host (sorted), and its claim `export-<d>-minio-<i>` is bound to that host's drive d."""
    hosts = u.config["derived"]["minio_hosts"]
    per_host = u.config["derived"]["minio_drives_per_host"]
    size = drive_size(u)
    volumes = []
    for ordinal, host in enumerate(hosts):
        drives = (u.inp.hosts.get(host) or {}).get("minio_drives") or []
        if len(drives) != per_host:
            raise PlanError(f"host {host}: core-config.yaml lists {per_host} MinIO drives but node preparation "
                            f"reported {len(drives)}; run the node_prep tag for {host} first")
        for d, drive in enumerate(drives):
            claim = f"export-{d}-minio-{ordinal}" if per_host > 1 else f"export-minio-{ordinal}"
            volumes.append({"name": f"openlakes-minio-{host}-{d}", "node": host, "path": drive["path"],
                            "size": size, "claim": claim})
    values = {"storageClassName": STORAGE_CLASS, "volumes": volumes}
    if u.inp.cold_tier_on():
        cold = u.config["storage"]["cold_nas"]
        values["cold"] = {"enabled": True, "path": f"{cold['mount'].rstrip('/')}/openlakes-minio-cold",
                          "nodes": hosts, "size": "100Gi", "claim": "minio-cold"}
    return values


def minio(u, release: dict) -> dict:
    values = {
        "mode": "distributed",
        "existingSecret": u.own_secret(),
        "replicas": len(u.config["derived"]["minio_hosts"]),
        "drivesPerNode": u.config["derived"]["minio_drives_per_host"],
        "pools": 1,
        "persistence": {"enabled": True, "storageClass": STORAGE_CLASS, "size": drive_size(u),
                        "accessMode": "ReadWriteOnce"},
        "resources": u.resources(),
        # Buckets, prefixes, versioning, each consumer's user and policy, the tier and lifecycle are the
        # collection's own setup Job (release minio-setup): the chart's jobs race, suspend versioning of
        # unversioned buckets and put passwords on mc's command line (issue 20). The chart's default user
        # `console` with a well-known password is gone.
        "users": [],
        "policies": [],
        "buckets": [],
        "customCommands": [],
        # Public cluster metrics (MINIO_PROMETHEUS_AUTH_TYPE=public, see monitors); the chart's own ServiceMonitor
        # stays off: the unit renders the monitor.
        "metrics": {"serviceMonitor": {"enabled": False, "public": True}},
    }
    if u.enabled("traefik"):
        values["consoleIngress"] = {"enabled": True, "ingressClassName": INGRESS_CLASS, "path": "/",
                                    "hosts": [u.host_name()], "annotations": u.ingress_annotations()}
    return values


SETUP_ROOT_MOUNT = "/secrets/minio"     # where the setup Job mounts MinIO's root credentials


def setup_spec(u) -> tuple:
    """The setup Job's spec (_minio_setup.script) from the declarations: the buckets and prefixes, one user per
    component that consumes MinIO's `grants` (its keys from its own Secret, mounted at /secrets/<name>), the cold
    tier and the lifecycle rule. Returns (spec, [(Secret, mount path)])."""
    buckets = u.config["storage"]["minio"]["buckets"]
    main = buckets["main"]
    mounts, users = [(u.own_secret(), SETUP_ROOT_MOUNT)], []
    for consumer, decl in u.consumers("grants"):
        user = Unit(u.inp, consumer).minio_user(u.name)
        path = f"/secrets/{consumer}"
        mounts.append((user["secret"], path))
        # A grant on the cold MinIO (`server: cold`, a backup prefix) makes the user there; one user is on one server.
        servers = {g.get("server", "hot") for g in decl["grants"]}
        if len(servers) > 1:
            raise PlanError(f"{consumer}'s MinIO grants name both servers (hot and cold); one user is on one server")
        server = servers.pop()
        users.append({"name": consumer, "credentials_dir": path, "access_key_file": user["access_key"],
                      "secret_key_file": user["secret_key"], **({"server": server} if server != "hot" else {}),
                      "grants": [{k: v for k, v in dict(g, bucket=u.inp.bucket(g["bucket"])).items() if k != "server"}
                                 for g in decl["grants"]]})
    # Each bucket's layout, plus every prefix a consumer is granted (its marker object exists before the consumer
    # starts: Spark's event log and Trino's metastore directories must exist).
    layout = {main["name"]: list(MAIN_PREFIXES), buckets["notebooks"]["name"]: list(NOTEBOOK_PREFIXES)}
    for user in users:
        for g in user["grants"]:
            if g["bucket"] in layout and g["prefix"] and g["prefix"] not in layout[g["bucket"]]:
                layout[g["bucket"]].append(g["prefix"])
    tiered = u.inp.tiering_on()
    cold_on = u.inp.cold_tier_on()
    cold_buckets: dict = {}
    for user in users:
        if user.get("server") == "cold":
            for g in user["grants"]:
                cold_buckets.setdefault(g["bucket"], []).extend([g["prefix"]] if g["prefix"] else [])
    # Only users of a server that runs: without the cold tier, a cold user's consumer cannot be enabled (config check).
    users = [user for user in users if user.get("server", "hot") == "hot" or cold_on]
    spec = {
        "hot": {"alias": "hot", "endpoint": u.service(u.name, "s3").url, "credentials_dir": SETUP_ROOT_MOUNT},
        "cold": ({"alias": "cold", "endpoint": u.service(u.name, "cold-s3").url, "credentials_dir": SETUP_ROOT_MOUNT,
                  "bucket": COLD_BUCKET} if cold_on else None),
        "cold_buckets": [{"name": name, "prefixes": sorted(set(prefixes))} for name, prefixes in sorted(cold_buckets.items())
                         ] if cold_on else [],
        "buckets": [{"name": b["name"], "versioning": bool(b.get("versioning")), "prefixes": layout[b["name"]]}
                    for b in (main, buckets["notebooks"])],
        "users": users,
        "tiering": ({"tier": COLD_TIER_NAME, "bucket": main["name"], "prefix": f"{main['name']}/",
                     "transition_days": u.config["storage"]["tiering"]["cold_after_days"],
                     "noncurrent": bool(main.get("versioning"))} if tiered else None),
    }
    return spec, mounts


def minio_setup(u, release: dict) -> dict:
    """The collection's openlakes-minio-setup chart: one Job running the generated script."""
    from .. import _minio_setup

    spec, mounts = setup_spec(u)
    # The image itself comes from platform/components.yml, like every release's (Unit.image_values).
    return {"image": {"pullPolicy": "IfNotPresent"}, "script": _minio_setup.script(spec),
            "secrets": [{"name": secret, "mountPath": path} for secret, path in mounts],
            "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}}}


def minio_cold(u, release: dict) -> dict:
    """A single-drive MinIO whose drive is a directory on the /cold-nas NFS mount: MinIO tiers only to
    an S3-compatible remote, so the cold tier is served as one."""
    return {
        "mode": "standalone",
        "existingSecret": u.own_secret(),
        "replicas": 1,
        "persistence": {"enabled": True, "existingClaim": "minio-cold"},
        # One process per drive: never two pods on the same NFS directory during an update.
        "deploymentUpdate": {"type": "Recreate"},
        "resources": {"requests": {"cpu": "100m", "memory": "512Mi"}},
        "users": [],
        # The cold bucket is the setup Job's too: its versioning is never suspended (issue 20 fault 1b).
        "buckets": [],
    }


def monitors(u) -> list:
    """The cluster's metrics (v2), scraped through the MinIO Service. The S3 port is served inside the cluster only
    (no Ingress routes it), and the metrics hold no object data: they are public (MINIO_PROMETHEUS_AUTH_TYPE, the
    chart's metrics.serviceMonitor.public) rather than a bearer token signed with the root key."""
    return [u.monitor({"app": "minio", "release": "minio"})]


def alerts(u) -> list:
    """A drive or a server offline (MinIO's v2 cluster metrics, the same figures on every server: max)."""
    return [
        m.alert("OpenLakesMinIODriveOffline", "max by (namespace) (minio_cluster_drive_offline_total) > 0",
                "A MinIO drive is offline",
                "{{ $value }} of MinIO's drives are offline in {{ $labels.namespace }}: erasure coding still serves "
                "the data, one more lost drive per set may not.", for_="5m", severity="critical"),
        m.alert("OpenLakesMinIONodeOffline", "max by (namespace) (minio_cluster_nodes_offline_total) > 0",
                "A MinIO server is offline", "{{ $value }} MinIO servers are offline in {{ $labels.namespace }}.",
                for_="5m", severity="critical"),
    ]


def dashboards(u) -> list:
    """Throughput, requests, errors, drives and capacity."""
    return [m.dashboard(u, "minio", "MinIO", [
        m.panel("Drives online", "max(minio_cluster_drive_online_total)", "stat"),
        m.panel("Drives offline", "max(minio_cluster_drive_offline_total)", "stat"),
        m.panel("Servers offline", "max(minio_cluster_nodes_offline_total)", "stat"),
        m.panel("Usable free", "max(minio_cluster_capacity_usable_free_bytes)", "stat", unit="bytes"),
        m.panel("S3 received", "sum(rate(minio_s3_traffic_received_bytes[5m]))", unit="Bps"),
        m.panel("S3 sent", "sum(rate(minio_s3_traffic_sent_bytes[5m]))", unit="Bps"),
        m.panel("S3 requests by API", "sum by (api) (rate(minio_s3_requests_total[5m]))", unit="reqps",
                legend="{{api}}"),
        m.panel("S3 errors (4xx, 5xx)", "sum(rate(minio_s3_requests_4xx_errors_total[5m])) + "
                "sum(rate(minio_s3_requests_5xx_errors_total[5m]))", unit="reqps"),
        m.panel("Usable capacity used", "1 - max(minio_cluster_capacity_usable_free_bytes) / "
                "max(minio_cluster_capacity_usable_total_bytes)", unit="percentunit"),
    ])]


RELEASES = {"minio-volumes": minio_volumes, "minio-cold": minio_cold, "minio": minio, "minio-setup": minio_setup}
