"""Backup and restore on the lab: site.yml with components.backup on deploys the barman-cloud plugin, the ObjectStore on
the cold MinIO, the Cluster's WAL archiving and the ScheduledBackup; backup.yml takes a Backup and waits until the
operator (the lab's player: no barman runs under kwok) reports it completed, then lists every backup; restore.yml
refuses the running Cluster's name and restores the chosen backup into a new Cluster, which is Ready and recovers
from exactly that backup ID; run again it changes nothing. The datapath tier is where a real base backup is taken.

Each playbook's report is printed with -s. The lab cluster is the session's: the module ends with uninstall.yml's
purge of the platform it deployed (backups on), which leaves no release, claim, credential Secret or CloudNativePG
resource behind, so the modules that follow (in whatever order) start from an empty platform."""
from __future__ import annotations

import yaml

import pytest

from .test_day2_lab import UPGRADED, claims, credential_secrets, flat, playbook, releases, show
# The N+1 collection fixture, taken by the upgrade test below.
from .test_day2_lab import newer  # noqa: F401  # pylint: disable=unused-import
from .test_site_lab import INVENTORY, recap, site, wiring

CONFIG = INVENTORY.parent / "core-config.backup-test.yaml"
NS = "openlakes"
CNPG = ("postgresql.cnpg.io", "v1")
STATE: dict = {}
OTHER_LAYERS = ("spark", "trino", "kafka", "apicurio", "kube_prometheus_stack", "loki", "alloy", "statsd_exporter")


@pytest.fixture(scope="module")
def config_file():
    config = yaml.safe_load((INVENTORY.parent / "core-config.yaml").read_text())
    config.setdefault("components", {}).update({"cert_manager": {"enabled": True},
                                                "backup": {"enabled": True, "schedule": "0 0 2 * * *", "retention_days": 7}})
    # Layer 01 alone (what backups concern): the other layers' components off, so site.yml deploys less.
    for name in OTHER_LAYERS:
        config["components"].setdefault(name, {})["enabled"] = False
    CONFIG.write_text(yaml.safe_dump(config, sort_keys=False))
    yield ["-e", f"openlakes_core_config_file={CONFIG}"]
    CONFIG.unlink()


def _custom(api):
    from kubernetes import client

    return client.CustomObjectsApi(api)


def _backups(api) -> dict:
    items = _custom(api).list_namespaced_custom_object(*CNPG, NS, "backups").get("items", [])
    return {b["metadata"]["name"]: b for b in items}


def test_site_deploys_the_plugin_the_object_store_and_the_schedule(lab, api, config_file):
    res = site(*config_file)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]
    assert all(r["failed"] == 0 for r in recap(res.stdout).values())
    # The backup component's links, proven live: the cold MinIO's Service, its own MinIO user on both sides.
    links = [w for w in wiring(res.stdout) if w.startswith("backup -> minio")]
    assert len(links) == 3 and all(w.endswith("ok") for w in links), links
    custom = _custom(api)
    store = custom.get_namespaced_custom_object("barmancloud.cnpg.io", "v1", NS, "objectstores", "postgresql-backup")
    assert store["spec"]["configuration"]["endpointURL"].startswith("http://minio-cold.")
    cluster = custom.get_namespaced_custom_object(*CNPG, NS, "clusters", "postgresql")
    assert [p["name"] for p in cluster["spec"]["plugins"]] == ["barman-cloud.cloudnative-pg.io"]
    sched = custom.get_namespaced_custom_object(*CNPG, NS, "scheduledbackups", "postgresql-scheduled")
    assert sched["spec"]["schedule"] == "0 0 2 * * *" and sched["spec"]["method"] == "plugin"
    from kubernetes import client

    secret = client.CoreV1Api(api).read_namespaced_secret("openlakes-backup-credentials", NS)
    assert {"s3-access-key", "s3-secret-key"} <= set(secret.data)
    STATE["origin"] = (cluster["metadata"]["uid"], cluster["metadata"]["generation"])
    print(f"\n== site.yml with backups on: rc={res.returncode}, {res.wall:.1f} s")


def test_backup_takes_a_backup_waits_for_it_and_lists_every_backup(api, config_file):
    before = _backups(api)
    checked = playbook("backup.yml", "--check", *config_file)
    assert checked.returncode == 0, checked.stdout[-4000:]
    assert _backups(api).keys() == before.keys(), "check mode took a backup"
    res = playbook("backup.yml", *config_file)
    show("backup.yml", res, "Every backup (time, status, backup ID)")
    assert res.returncode == 0, res.stdout[-4000:]
    new = sorted(set(_backups(api)) - set(before))
    assert len(new) == 1, new
    taken = _backups(api)[new[0]]
    assert taken["status"]["phase"] == "completed" and taken["status"]["backupId"]
    text = flat(res.stdout)
    assert f"{new[0]}: completed at {taken['status']['stoppedAt']} (on demand, backup ID {taken['status']['backupId']}" in text
    assert "s3://openlakes-backups/postgresql/" in text
    second = playbook("backup.yml", *config_file)
    assert second.returncode == 0 and len(set(_backups(api)) - set(before)) == 2
    listed = playbook("backup.yml", "-e", "openlakes_backup_take=false", *config_file)
    assert listed.returncode == 0 and recap(listed.stdout)["localhost"]["changed"] == 0
    assert all(name in flat(listed.stdout) for name in set(_backups(api)) - set(before))
    STATE["chosen"] = new[0]
    STATE["chosen_id"] = taken["status"]["backupId"]


def test_restore_refuses_the_running_cluster_and_makes_a_new_one_from_the_chosen_backup(api, config_file):
    chosen = STATE["chosen"]
    refused = playbook("restore.yml", "-e", f"openlakes_restore_backup={chosen}", "-e", "openlakes_restore_cluster=postgresql",
                       *config_file)
    assert refused.returncode != 0 and "never overwrites the running Cluster postgresql" in flat(refused.stdout)
    unnamed = playbook("restore.yml", *config_file)
    assert unnamed.returncode != 0 and "a restore needs the backup to restore" in flat(unnamed.stdout)
    res = playbook("restore.yml", "-e", f"openlakes_restore_backup={chosen}", "-e",
                   "openlakes_restore_cluster=postgresql-restored", *config_file)
    show("restore.yml", res, "What was restored")
    assert res.returncode == 0, res.stdout[-4000:]
    custom = _custom(api)
    new = custom.get_namespaced_custom_object(*CNPG, NS, "clusters", "postgresql-restored")
    assert new["spec"]["bootstrap"]["recovery"]["recoveryTarget"]["backupID"] == STATE["chosen_id"]
    assert new["spec"]["externalClusters"][0]["plugin"]["parameters"] == {"barmanObjectName": "postgresql-backup",
                                                                          "serverName": "postgresql"}
    assert any(c["type"] == "Ready" and c["status"] == "True" for c in new["status"]["conditions"])
    origin = custom.get_namespaced_custom_object(*CNPG, NS, "clusters", "postgresql")
    assert (origin["metadata"]["uid"], origin["metadata"]["generation"]) == STATE["origin"], "the running Cluster changed"
    again = playbook("restore.yml", "-e", f"openlakes_restore_backup={chosen}", "-e",
                     "openlakes_restore_cluster=postgresql-restored", *config_file)
    assert again.returncode == 0 and recap(again.stdout)["localhost"]["changed"] == 0
    # A backup ID the object store does not hold never makes a Ready Cluster (the player fails the recovery).
    bogus = dict(new, metadata={"name": "postgresql-bogus", "namespace": NS})
    bogus["spec"] = dict(new["spec"], bootstrap={"recovery": {"source": "origin", "recoveryTarget": {"backupID": "19700101T000000"}}})
    bogus.pop("status", None)
    custom.create_namespaced_custom_object(*CNPG, NS, "clusters", bogus)
    import time

    deadline = time.monotonic() + 60
    status = {}
    while time.monotonic() < deadline:
        status = custom.get_namespaced_custom_object(*CNPG, NS, "clusters", "postgresql-bogus").get("status") or {}
        if status.get("conditions"):
            break
        time.sleep(1)
    assert [(c["status"], c["reason"]) for c in status["conditions"]] == [("False", "RecoveryFailed")], status
    for name in ("postgresql-bogus", "postgresql-restored"):
        custom.delete_namespaced_custom_object(*CNPG, NS, "clusters", name)


def test_upgrade_takes_a_backup_before_the_first_release_changes(api, config_file, newer):
    before = set(_backups(api))
    res = playbook("upgrade.yml", *config_file, collection=newer)
    show("upgrade.yml (N -> N+1, backups on)", res, "The backup taken before the upgrade")
    assert res.returncode == 0, res.stdout[-6000:]
    (taken,) = sorted(set(_backups(api)) - before)
    status = _backups(api)[taken]["status"]
    assert status["phase"] == "completed"
    out = res.stdout
    assert out.index("TASK [The backup taken before the upgrade]") < out.index("TASK [Upgrade along the plan's graph")
    assert f"{taken} completed at {status['stoppedAt']} (backup ID {status['backupId']})" in flat(out)
    now = releases(api)
    assert all(now[name][1:] == ("deployed", chart) for name, chart in UPGRADED.items() if name in now), now
    # Nothing to upgrade any more: no backup either.
    again = playbook("upgrade.yml", *config_file, collection=newer)
    assert again.returncode == 0 and set(_backups(api)) - before == {taken}
    assert recap(again.stdout)["localhost"]["changed"] == 0


def test_purge_with_backups_on_leaves_nothing_behind(api, config_file):
    res = playbook("uninstall.yml", "-e", "openlakes_uninstall_purge=true", "-e", "openlakes_uninstall_confirm=lab",
                   *config_file)
    show("uninstall.yml (purge, backups on)", res, "What was removed and what was kept")
    assert res.returncode == 0, res.stdout[-4000:]
    assert releases(api) == {} and claims(api) == {} and credential_secrets(api) == set()
    # Volumes are not asserted: the restored Clusters this module made (and deleted) leave their Released volumes
    # (Longhorn's class retains), which are not the platform's; the day-2 module's purge asserts no volume is left.
    from kubernetes.client.rest import ApiException

    custom = _custom(api)
    for group, plural in ((CNPG, "clusters"), (CNPG, "backups"), (CNPG, "scheduledbackups"),
                          (("barmancloud.cnpg.io", "v1"), "objectstores")):
        try:
            left = custom.list_cluster_custom_object(*group, plural).get("items", [])
        except ApiException as exc:  # the resource went with its chart's CRDs
            assert exc.status == 404, exc
            left = []
        assert left == [], (plural, [i["metadata"]["name"] for i in left])
