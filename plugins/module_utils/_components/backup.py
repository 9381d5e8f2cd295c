# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backups of the platform's PostgreSQL through CloudNativePG's barman-cloud plugin, to MinIO's cold tier.
Private to this collection.

The plugin (release `barman-cloud`, beside the operator) archives WAL continuously and takes base backups into the
`ObjectStore` this unit renders: a bucket of the cold MinIO on /cold-nas, reached with this component's own MinIO user,
limited to the backup prefix (`consumes.minio.grants` with `server: cold`). A `ScheduledBackup` takes base backups on
`components.backup.schedule`; playbooks/backup.yml takes one on demand and lists them, playbooks/restore.yml restores
one into a new Cluster (_backup.py).
"""
from __future__ import annotations

from .._platform import PlanError, Unit
from .postgresql import CLUSTER

PLUGIN = "barman-cloud.cloudnative-pg.io"      # the plugin's name, as Clusters and Backups name it
OBJECT_STORE = "postgresql-backup"              # the ObjectStore (barmancloud.cnpg.io/v1) of the platform's Cluster
SCHEDULED = "postgresql-scheduled"
OBJECT_STORE_API = "barmancloud.cnpg.io/v1"
CNPG_API = "postgresql.cnpg.io/v1"


def barman_cloud(u, release: dict) -> dict:
    """The plugin's chart: its CRDs (ObjectStore) and the plugin; its images come from platform/components.yml."""
    return {"crds": {"create": True}, "resources": {"requests": u.resources()["requests"]}}


def _grant(u) -> dict:
    grants = u.comp["consumes"]["minio"]["grants"]
    if len(grants) != 1:
        raise PlanError("backup: platform/components.yml must grant exactly one backup prefix (consumes.minio.grants)")
    return grants[0]


def destination(u) -> str:
    grant = _grant(u)
    return f"s3://{u.inp.bucket(grant['bucket'])}/{grant['prefix']}"


def object_store(u) -> dict:
    """The ObjectStore: the cold MinIO's backup prefix, this component's own keys, the retention. The ScheduledBackup
    may exist before its Cluster (CloudNativePG waits for it; `immediate` is off)."""
    if u.setting("target") != "cold":
        raise PlanError("backup: only the cold tier is built as a backup target (components.backup.target: cold)")
    for key in ("minio_mirror", "longhorn"):   # refused by the config check; never accepted and ignored
        if u.setting(key) is not None:
            raise PlanError(f"backup: components.backup.{key} is not built in this version")
    user = u.minio_user()
    return {"apiVersion": OBJECT_STORE_API, "kind": "ObjectStore",
            "metadata": {"name": OBJECT_STORE, "namespace": u.platform_ns,
                         "labels": {"app.kubernetes.io/part-of": "openlakes", "openlakes.io/component": u.name}},
            "spec": {"retentionPolicy": f"{u.setting('retention_days')}d",
                     "configuration": {
                         "destinationPath": destination(u),
                         "endpointURL": u.service("minio", "cold-s3").url,
                         "s3Credentials": {"accessKeyId": {"name": user["secret"], "key": user["access_key"]},
                                           "secretAccessKey": {"name": user["secret"], "key": user["secret_key"]}},
                         # No server-side encryption: MinIO without a KMS refuses SSE-S3 (the cluster chart's default
                         # AES256 is why its own ObjectStore is not used).
                         "wal": {"compression": "gzip"},
                         "data": {"compression": "gzip"}}}}


def scheduled_backup(u) -> dict:
    return {"apiVersion": CNPG_API, "kind": "ScheduledBackup",
            "metadata": {"name": SCHEDULED, "namespace": u.platform_ns,
                         "labels": {"app.kubernetes.io/part-of": "openlakes", "openlakes.io/component": u.name}},
            "spec": {"schedule": u.setting("schedule"), "backupOwnerReference": "self", "immediate": False,
                     "cluster": {"name": CLUSTER}, "method": "plugin", "pluginConfiguration": {"name": PLUGIN}}}


def cluster_plugins(u) -> list:
    """The Cluster's `spec.plugins` (the cluster chart's `cluster.plugins`): the plugin archives its WAL into the
    ObjectStore. Empty unless the backup component is enabled."""
    if not u.enabled("backup"):
        return []
    return [{"name": PLUGIN, "enabled": True, "isWALArchiver": True, "parameters": {"barmanObjectName": OBJECT_STORE}}]


def postgresql_backup(u, release: dict) -> dict:
    """The collection's openlakes-backup chart: the ObjectStore and the ScheduledBackup."""
    store, sched = object_store(u), scheduled_backup(u)
    return {"objectStore": {"name": store["metadata"]["name"], "spec": store["spec"]},
            "scheduledBackup": {"name": sched["metadata"]["name"], "spec": sched["spec"]}}


def spec(u) -> dict:
    """What playbooks/backup.yml and restore.yml act on: the Cluster, the ObjectStore and the plugin."""
    user, grant = u.minio_user(), _grant(u)
    minio = u.inp.manifest["components"]["minio"]
    setup = next(r for r in minio["releases"] if r["name"] == minio["provides"]["grants"]["release"])
    return {"cluster": CLUSTER, "namespace": Unit(u.inp, "postgresql").ns, "object_store": OBJECT_STORE,
            "plugin": PLUGIN, "destination": destination(u), "scheduled_backup": SCHEDULED,
            "retention": f"{u.setting('retention_days')}d", "schedule": u.setting("schedule"),
            # What a listing Job needs to read the store with this component's own user: mc (the image of the
            # release that makes MinIO users, already in the air-gap list), the endpoint, the bucket and prefix.
            "lister": {"image": Unit(u.inp, "minio").image_ref(setup), "endpoint": u.service("minio", "cold-s3").url,
                       "bucket": u.inp.bucket(grant["bucket"]), "prefix": grant["prefix"], "secret": user["secret"],
                       "access_key": user["access_key"], "secret_key": user["secret_key"]}}


RELEASES = {"barman-cloud": barman_cloud, "postgresql-backup": postgresql_backup}
