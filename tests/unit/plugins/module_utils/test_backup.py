"""plugins/module_utils/_backup.py and the backup unit (_components/backup.py): what the plan deploys for PostgreSQL
backups (the plugin, the ObjectStore on the cold MinIO with the backup component's own user, the Cluster's WAL
archiving, the ScheduledBackup), and the control flow of backup.yml and restore.yml against a fake API: a Backup
taken and waited on, the listing, a restore into a new Cluster from the chosen backup that never touches the running
one."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

from ansible_collections.openlakes.core.plugins.module_utils import _backup, _minio_setup

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

CONFIG = values_configs.configs()["lab+backup-cold-no-tiering"][0]
PLAN = values_configs.plan(CONFIG)
NODES = {n["name"]: n for n in PLAN["nodes"]}
ITEM = _backup.item_of(PLAN["backups"])


def test_the_plan_backs_up_postgresql_to_the_cold_minio_with_its_own_user():
    assert ITEM == {"component": "postgresql", "kind": "cloudnative-pg", "cluster": "postgresql",
                    "namespace": "openlakes", "object_store": "postgresql-backup",
                    "plugin": "barman-cloud.cloudnative-pg.io", "destination": "s3://openlakes-backups/postgresql/",
                    "scheduled_backup": "postgresql-scheduled", "retention": "7d", "schedule": "0 30 1 * * *",
                    "lister": {"image": "docker.io/pgsty/mc:RELEASE.2026-03-13T08-57-32Z",
                               "endpoint": "http://minio-cold.openlakes.svc.cluster.local:9000",
                               "bucket": "openlakes-backups", "prefix": "postgresql/",
                               "secret": "openlakes-backup-credentials", "access_key": "s3-access-key",
                               "secret_key": "s3-secret-key"}}
    # The listing Job's image is one the air-gap list already holds.
    assert ITEM["lister"]["image"] in {i["source"] for i in PLAN["images"]}
    plugin = NODES["barman-cloud"]
    assert plugin["namespace"] == "cnpg-system" and {"cnpg-operator", "cert-manager"} <= set(plugin["depends_on"])
    backup = NODES["postgresql-backup"]
    assert backup["chart"]["name"] == "openlakes-backup" and {"barman-cloud", "cnpg-operator"} <= set(backup["depends_on"])
    store = backup["values"]["objectStore"]
    assert store["name"] == "postgresql-backup" and store["spec"]["retentionPolicy"] == "7d"
    conf = store["spec"]["configuration"]
    assert conf["endpointURL"] == "http://minio-cold.openlakes.svc.cluster.local:9000"   # the cold MinIO, on /cold-nas
    assert conf["destinationPath"] == "s3://openlakes-backups/postgresql/"
    assert conf["s3Credentials"]["accessKeyId"] == {"name": "openlakes-backup-credentials", "key": "s3-access-key"}
    assert "encryption" not in conf["wal"] and "encryption" not in conf["data"]   # MinIO without a KMS refuses SSE
    # The Cluster archives its WAL into it, and waits for it.
    cluster = NODES["postgresql"]
    assert cluster["values"]["cluster"]["plugins"] == [{"name": "barman-cloud.cloudnative-pg.io", "enabled": True,
                                                        "isWALArchiver": True,
                                                        "parameters": {"barmanObjectName": "postgresql-backup"}}]
    assert "postgresql-backup" in cluster["depends_on"]
    assert backup["values"]["scheduledBackup"] == {"name": "postgresql-scheduled", "spec": {
        "schedule": "0 30 1 * * *", "backupOwnerReference": "self", "immediate": False,
        "cluster": {"name": "postgresql"}, "method": "plugin",
        "pluginConfiguration": {"name": "barman-cloud.cloudnative-pg.io"}}}
    # The wiring check finds the cold MinIO's address and the backup Secret in this release's objects.
    links = [w for w in PLAN["wiring"] if w["consumer"] == "backup"]
    assert {w["what"] for w in links} == {"service cold-s3", "MinIO user (consumer side)", "MinIO user (provider side)"}
    assert {r["name"] for w in links if w["what"] != "MinIO user (provider side)" for r in w["in_releases"]} == {
        "barman-cloud", "postgresql-backup"}
    # Without tiering the cold MinIO still runs, for the backups; the backup user is the cold MinIO's, limited to
    # its prefix, and its bucket and prefix are made there.
    assert "minio-cold" in NODES
    script = NODES["minio-setup"]["values"]["script"]
    assert "user_apply cold /secrets/backup/s3-access-key /secrets/backup/s3-secret-key openlakes-backup" in script
    assert "user_apply hot /secrets/backup/" not in script
    assert "marker cold openlakes-backups 'postgresql/'" in script or "marker cold openlakes-backups postgresql/" in script
    assert "ilm tier add" not in script   # no tiering was asked for
    policy = _minio_setup.policy([{"bucket": "openlakes-backups", "prefix": "postgresql/", "access": "readwrite"}])
    assert {r for s in policy["Statement"] for r in s["Resource"]} == {
        "arn:aws:s3:::openlakes-backups", "arn:aws:s3:::openlakes-backups/postgresql/*",
        "arn:aws:s3:::openlakes-backups/postgresql"}


def test_without_backups_nothing_of_them_is_planned():
    plan = values_configs.plan(values_configs.configs()["lab"][0])
    names = {n["name"] for n in plan["nodes"]}
    assert plan["backups"] == [] and not names & {"barman-cloud", "postgresql-backup"}
    cluster = next(n for n in plan["nodes"] if n["name"] == "postgresql")
    assert cluster["values"]["cluster"]["plugins"] == [] and "postgresql-backup" not in cluster["depends_on"]
    with pytest.raises(_backup.BackupError, match="enable components.backup"):
        _backup.item_of(plan["backups"])


def test_a_cold_user_needs_the_cold_server():
    spec = {"hot": {"alias": "hot", "endpoint": "http://h:9000", "credentials_dir": "/secrets/minio"},
            "buckets": [], "users": [{"name": "backup", "credentials_dir": "/secrets/backup",
                                      "access_key_file": "a", "secret_key_file": "s", "server": "cold",
                                      "grants": [{"bucket": "openlakes-backups", "prefix": "postgresql/",
                                                  "access": "readwrite"}]}]}
    with pytest.raises(_minio_setup.SpecError, match="server"):
        _minio_setup.script(spec)


# --- the control flow, against a fake API ---------------------------------------------------------------------

class FakeApiException(Exception):
    def __init__(self, status):
        super().__init__(status)
        self.status = status


class FakeCustom:
    """Custom objects by (group, plural, namespace, name); a created Backup completes at the first read (the operator)."""

    def __init__(self, objects, complete="completed"):
        self.objects = {(o["apiVersion"].split("/")[0], _plural(o["kind"]), o["metadata"]["namespace"],
                         o["metadata"]["name"]): copy.deepcopy(o) for o in objects}
        self.complete, self.created = complete, []

    def get_namespaced_custom_object(self, group, version, ns, plural, name):
        obj = self.objects.get((group, plural, ns, name))
        if obj is None:
            raise FakeApiException(404)
        if plural == "backups" and not obj.get("status"):
            obj["status"] = ({"phase": "completed", "backupId": "20261202T013000", "startedAt": "2026-12-02T01:30:00Z",
                              "stoppedAt": "2026-12-02T01:30:04Z", "beginWal": "0001", "endWal": "0002"}
                             if self.complete == "completed" else {"phase": "failed", "error": "no route to MinIO"})
        if plural == "clusters" and (obj["spec"].get("bootstrap") or {}).get("recovery"):
            obj["status"] = {"conditions": [{"type": "Ready", "status": "True"}]}
        return copy.deepcopy(obj)

    def list_namespaced_custom_object(self, group, version, ns, plural):
        return {"items": [copy.deepcopy(o) for (g, p, n, _name), o in self.objects.items()
                          if (g, p, n) == (group, plural, ns)]}

    def create_namespaced_custom_object(self, group, version, ns, plural, body):
        key = (group, plural, ns, body["metadata"]["name"])
        if key in self.objects:
            raise FakeApiException(409)
        self.objects[key] = copy.deepcopy(body)
        self.created.append(key)


def _plural(kind):
    return {"Cluster": "clusters", "Backup": "backups", "ObjectStore": "objectstores"}[kind]


def _ops(custom, monkeypatch):
    import kubernetes.client.rest

    monkeypatch.setattr(kubernetes.client.rest, "ApiException", FakeApiException)
    ops = _backup.Backups.__new__(_backup.Backups)
    ops.custom, ops.timeout, ops.poll = custom, 5, 0
    return ops


ORIGIN = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
          "metadata": {"name": "postgresql", "namespace": "openlakes"},
          "spec": {"instances": 3, "imageName": "ghcr.io/cloudnative-pg/postgresql:16",
                   "storage": {"size": "5Gi", "storageClass": "longhorn"}, "plugins": [{"name": ITEM["plugin"]}]}}
STORE = {"apiVersion": "barmancloud.cnpg.io/v1", "kind": "ObjectStore",
         "metadata": {"name": "postgresql-backup", "namespace": "openlakes"}, "spec": {},
         "status": {"serverRecoveryWindow": {"postgresql": {"firstRecoverabilityPoint": "2026-12-01T02:00:00Z",
                                                            "lastSuccessfulBackupTime": "2026-12-02T01:30:04Z"}}}}
OLD = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Backup",
       "metadata": {"name": "postgresql-scheduled-20261201020000", "namespace": "openlakes",
                    "labels": {"cnpg.io/scheduled-backup": "postgresql-scheduled"}},
       "spec": {"cluster": {"name": "postgresql"}, "method": "plugin"},
       "status": {"phase": "completed", "backupId": "20261201T020000", "startedAt": "2026-12-01T02:00:00Z",
                  "stoppedAt": "2026-12-01T02:00:09Z"}}


def test_a_backup_is_taken_waited_on_and_listed(monkeypatch):
    custom = FakeCustom([ORIGIN, STORE, OLD])
    ops = _ops(custom, monkeypatch)
    taken = ops.take(ITEM, check=False)
    assert taken["phase"] == "completed" and taken["backup_id"] == "20261202T013000"
    created = custom.objects[custom.created[0]]
    assert created["spec"] == {"cluster": {"name": "postgresql"}, "method": "plugin",
                               "pluginConfiguration": {"name": "barman-cloud.cloudnative-pg.io"}}
    listing = ops.listing(ITEM)
    assert [r["name"] for r in listing["backups"]] == ["postgresql-scheduled-20261201020000", taken["name"]]
    assert listing["first_recoverability_point"] == "2026-12-01T02:00:00Z"
    assert listing["lines"][0] == ("postgresql-scheduled-20261201020000: completed at 2026-12-01T02:00:09Z "
                                   "(scheduled, backup ID 20261201T020000, size unknown)")
    # Check mode creates nothing.
    assert ops.take(ITEM, check=True)["phase"] == "would be taken" and len(custom.created) == 1


def test_a_failed_backup_fails_with_the_operators_error(monkeypatch):
    ops = _ops(FakeCustom([ORIGIN, STORE], complete="failed"), monkeypatch)
    with pytest.raises(_backup.BackupError, match="failed: no route to MinIO"):
        ops.take(ITEM, check=False)


def test_restore_makes_a_new_cluster_from_the_chosen_backup_and_never_the_running_one(monkeypatch):
    custom = FakeCustom([ORIGIN, STORE, OLD])
    ops = _ops(custom, monkeypatch)
    with pytest.raises(_backup.BackupError, match="never overwrites the running Cluster"):
        ops.restore(ITEM, OLD["metadata"]["name"], "postgresql", check=False)
    with pytest.raises(_backup.BackupError, match="no Backup 'nope'.*completed ones: postgresql-scheduled-2026"):
        ops.restore(ITEM, "nope", "restored", check=False)
    assert ops.restore(ITEM, OLD["metadata"]["name"], "restored", check=True)["changed"] and not custom.created
    out = ops.restore(ITEM, OLD["metadata"]["name"], "restored", check=False)
    assert out["ready"] and out["changed"] and out["backup_id"] == "20261201T020000"
    new = custom.objects[("postgresql.cnpg.io", "clusters", "openlakes", "restored")]
    assert new["spec"]["bootstrap"] == {"recovery": {"source": "origin", "recoveryTarget": {"backupID": "20261201T020000"}}}
    assert new["spec"]["externalClusters"] == [{"name": "origin", "plugin": {
        "name": "barman-cloud.cloudnative-pg.io",
        "parameters": {"barmanObjectName": "postgresql-backup", "serverName": "postgresql"}}}]
    assert new["spec"]["imageName"] == ORIGIN["spec"]["imageName"] and new["spec"]["instances"] == 1
    assert "plugins" not in new["spec"]   # a restored Cluster archives nothing into the origin's backups
    assert custom.objects[("postgresql.cnpg.io", "clusters", "openlakes", "postgresql")] == ORIGIN   # untouched
    # Again: the same restore is waited on, not made twice; another backup into the same name is refused.
    assert not ops.restore(ITEM, OLD["metadata"]["name"], "restored", check=False)["changed"]
    other = copy.deepcopy(OLD)
    other["metadata"]["name"] = "postgresql-20261202013000"
    custom.objects[("postgresql.cnpg.io", "backups", "openlakes", other["metadata"]["name"])] = other
    with pytest.raises(_backup.BackupError, match="exists already and is not a restore of postgresql-2026120201"):
        ops.restore(ITEM, other["metadata"]["name"], "restored", check=False)


def test_a_backup_not_completed_is_not_restored_from(monkeypatch):
    running = copy.deepcopy(OLD)
    running["status"] = {"phase": "running"}
    ops = _ops(FakeCustom([ORIGIN, STORE, running]), monkeypatch)
    with pytest.raises(_backup.BackupError, match="is running, not completed"):
        ops.restore(ITEM, running["metadata"]["name"], "restored", check=False)


def test_sizes_come_from_the_object_store_listed_by_a_job_with_the_backup_user():
    job = _backup.lister_job(ITEM, "postgresql-backup-listing-1")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    script = container["command"][2]
    assert "mc ls --recursive --json store/openlakes-backups/postgresql/postgresql/base/" in script
    assert "cat /secrets/store/s3-secret-key" in script and "| mc alias set store" in script   # keys on stdin only
    assert job["spec"]["template"]["spec"]["volumes"][0]["secret"]["secretName"] == "openlakes-backup-credentials"
    assert container["securityContext"]["readOnlyRootFilesystem"] and job["spec"]["backoffLimit"] == 0
    log = "\n".join([
        '{"status":"success","type":"file","size":1234,"key":"20261202T013000/data.tar.gz"}',
        '{"status":"success","type":"file","size":100,"key":"20261202T013000/backup.info"}',
        '{"status":"success","type":"folder","key":"20261201T020000/"}',
        '{"status":"success","type":"file","size":7,"key":"20261201T020000/backup.info"}', "not json"])
    sizes = _backup.sizes_of(log)
    assert sizes == {"20261202T013000": 1334, "20261201T020000": 7}
    assert _backup.line(_backup.row(OLD, {"20261201T020000": 7})).endswith("(scheduled, backup ID 20261201T020000, 7 bytes)")
