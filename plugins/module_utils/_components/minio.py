# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MinIO: the hot tier distributed over every hot drive, its cold tier on /cold-nas, and one user and policy per
consuming service (buckets, prefixes, the tier and lifecycle: the setup Job, _minio_setup.py). Private to this
collection."""
from __future__ import annotations

from .._platform import INGRESS_CLASS, MIB, PlanError

STORAGE_CLASS = "openlakes-minio-local"
COLD_TIER_NAME = "COLD"
COLD_BUCKET = "openlakes-cold"
MAIN_PREFIXES = ("raw/", "warehouse/", "spark-history/")
NOTEBOOK_PREFIXES = ("shared/", "workspace/", "published/", "artifacts/")
READ_ACTIONS = ("s3:GetObject",)
WRITE_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                 "s3:ListMultipartUploadParts")


def _images(u, release: dict) -> dict:
    return {"image": u.image(release, 0), "mcImage": u.image(release, 1)}


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
    if u.inp.tiering_on():
        cold = u.config["storage"]["cold_nas"]
        values["cold"] = {"enabled": True, "path": f"{cold['mount'].rstrip('/')}/openlakes-minio-cold",
                          "nodes": hosts, "size": "100Gi", "claim": "minio-cold"}
    return values


def policy_name(user: str) -> str:
    return f"openlakes-{user}"


def policy_statements(u, grants: list) -> list:
    """Least privilege for one consumer, in chart 5.4.0's `policies[].statements` form: objects under each
    granted prefix (read: get; readwrite: get, put, delete, multipart), listing only under those prefixes."""
    out = []
    for g in grants:
        bucket, prefix = u.inp.bucket(g["bucket"]), g.get("prefix", "")
        actions = WRITE_ACTIONS if g["access"] == "readwrite" else READ_ACTIONS
        out.append({"effect": "Allow", "resources": [f"arn:aws:s3:::{bucket}/{prefix}*"], "actions": list(actions)})
        listing = {"effect": "Allow", "resources": [f"arn:aws:s3:::{bucket}"],
                   "actions": ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]}
        if prefix:
            listing["conditions"] = [{"StringLike": f'"s3:prefix": ["{prefix}*"]'}]
        out.append(listing)
    return out


def minio(u, release: dict) -> dict:
    users = u.consumers("grants")
    values = {
        "mode": "distributed",
        **_images(u, release),
        "existingSecret": u.own_secret(),
        "replicas": len(u.config["derived"]["minio_hosts"]),
        "drivesPerNode": u.config["derived"]["minio_drives_per_host"],
        "pools": 1,
        "persistence": {"enabled": True, "storageClass": STORAGE_CLASS, "size": drive_size(u),
                        "accessMode": "ReadWriteOnce"},
        "resources": u.resources(),
        # One user per consuming service, its secret key from that service's own Secret, limited by its
        # own policy. The chart's default user `console` with a well-known password is gone.
        "policies": [{"name": policy_name(name), "statements": policy_statements(u, decl["grants"])}
                     for name, decl in users],
        "users": [{"accessKey": name, "existingSecret": _consumer_secret(u, name), "existingSecretKey": "s3-secret-key",
                   "policy": policy_name(name)} for name, _decl in users],
        # Buckets, prefixes, versioning, the tier and lifecycle are the collection's own setup Job
        # (charts/openlakes-minio-setup, _minio_setup.py): the chart's job races, suspends versioning of
        # unversioned buckets and puts the root password on mc's command line (issue 20).
        "buckets": [],
        "customCommands": [],
    }
    if u.enabled("traefik"):
        values["consoleIngress"] = {"enabled": True, "ingressClassName": INGRESS_CLASS, "path": "/",
                                    "hosts": [u.host_name()], "annotations": u.ingress_annotations()}
    return values


def _consumer_secret(u, consumer: str) -> str:
    from .._platform import Unit
    return Unit(u.inp, consumer).minio_user(u.name)["secret"]


def minio_cold(u, release: dict) -> dict:
    """A single-drive MinIO whose drive is a directory on the /cold-nas NFS mount: MinIO tiers only to
    an S3-compatible remote, so the cold tier is served as one."""
    return {
        "mode": "standalone",
        **_images(u, release),
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


RELEASES = {"minio-volumes": minio_volumes, "minio-cold": minio_cold, "minio": minio}
