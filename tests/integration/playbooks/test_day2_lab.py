"""The day-2 playbooks on the lab, in one session: site.yml deploys layers 01 and 02, then uninstall.yml keeps the data
(layer 02 alone, then everything), site.yml reinstalls onto the kept claims (same UIDs, Bound), and purging is refused
without the platform's name typed back and then deletes what was kept.

Each playbook's report is printed with -s."""
from __future__ import annotations

import os
import re
import subprocess
import time

import pytest

from ..conftest import REPO
from .test_site_lab import INVENTORY, RELEASES, lab, recap, site  # noqa: F401 - lab is a fixture

LAYER02 = ["spark-operator", "spark", "trino"]
STATE: dict = {}


def playbook(name: str, *extra, collections: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=collections or str(REPO / ".build" / "collections"),
               CONTAINERS_CONF=str(REPO / "lab" / "podman" / "containers.conf"))
    t0 = time.monotonic()
    res = subprocess.run(["ansible-playbook", "-i", str(INVENTORY), str(REPO / "playbooks" / name), *extra],
                         capture_output=True, text=True, env=env, cwd=REPO, check=False, stdin=subprocess.DEVNULL)
    res.wall = time.monotonic() - t0
    return res


def task_output(out: str, task: str) -> str:
    start = out.rfind(f"TASK [{task}]")
    assert start >= 0, out[-3000:]
    end = out.find("TASK [", start + 10)
    return out[start:end if end > 0 else out.find("PLAY RECAP", start)]


def releases(api) -> dict:
    """name -> (namespace, status, chart) of every release helm stores."""
    from kubernetes import client

    from ansible_collections.openlakes.core.plugins.module_utils import _helm

    out = {}
    for s in client.CoreV1Api(api).list_secret_for_all_namespaces(label_selector="owner=helm").items:
        rec = _helm.record_from_release(_helm.decode_release(s.data["release"]))
        if rec.name not in out or out[rec.name][3] < rec.revision:
            out[rec.name] = (rec.namespace, rec.status, f"{rec.chart_name}-{rec.chart_version}", rec.revision)
    return {k: v[:3] for k, v in out.items() if v[1] != "uninstalled"}


def claims(api) -> dict:
    """namespace/name -> (uid, phase, volume) of every claim."""
    from kubernetes import client

    return {f"{c.metadata.namespace}/{c.metadata.name}": (c.metadata.uid, c.status.phase, c.spec.volume_name)
            for c in client.CoreV1Api(api).list_persistent_volume_claim_for_all_namespaces().items}


def credential_secrets(api) -> set:
    from kubernetes import client

    return {f"{s.metadata.namespace}/{s.metadata.name}" for s in client.CoreV1Api(api).list_secret_for_all_namespaces(
        label_selector="app.kubernetes.io/managed-by=openlakes.core").items}


def show(title: str, res, task: str) -> None:
    print(f"\n== {title}: rc={res.returncode}, {res.wall:.1f} s\n{task_output(res.stdout, task)}")


def test_the_platform_is_deployed(lab, api):
    res = site()
    assert res.returncode == 0, res.stdout[-6000:]
    assert set(RELEASES) <= set(releases(api))
    STATE["claims"] = claims(api)
    assert all(phase == "Bound" for _uid, phase, _v in STATE["claims"].values()), STATE["claims"]
    print(f"\nsite.yml: {res.wall:.1f} s; claims: " + ", ".join(f"{k} {v[0]}" for k, v in sorted(STATE["claims"].items())))


REPORT = "What was removed and what was kept"


def test_uninstall_check_mode_changes_nothing(api):
    before = releases(api)
    res = playbook("uninstall.yml", "--check")
    show("uninstall.yml --check", res, REPORT)
    assert res.returncode == 0, res.stdout[-4000:]
    assert "check mode: nothing was changed" in res.stdout
    assert releases(api) == before and claims(api) == STATE["claims"]


def test_uninstall_of_one_layer_that_another_needs_is_refused(api):
    res = playbook("uninstall.yml", "--tags", "layer01")
    assert res.returncode != 0
    assert "trino (layer 02) stays deployed and needs" in res.stdout and "nothing was removed" in res.stdout, res.stdout[-3000:]
    assert set(RELEASES) <= set(releases(api))


def test_uninstall_layer_02_keeps_layer_01_and_the_credentials(api):
    res = playbook("uninstall.yml", "--tags", "layer02")
    show("uninstall.yml --tags layer02", res, REPORT)
    assert res.returncode == 0, res.stdout[-4000:]
    left = releases(api)
    assert not set(LAYER02) & set(left) and set(RELEASES) - set(LAYER02) <= set(left), left
    assert "default/openlakes-trino-credentials" not in credential_secrets(api)  # never there: trino's is in openlakes
    assert "openlakes/openlakes-trino-credentials" in credential_secrets(api)
    assert "Secret openlakes/openlakes-trino-credentials (from credential set trino: generated credentials)" in res.stdout


def test_uninstall_everything_keeps_every_claim_and_longhorn_that_serves_them(api):
    from kubernetes import client

    core = client.CoreV1Api(api)
    res = playbook("uninstall.yml")
    show("uninstall.yml (keep)", res, REPORT)
    assert res.returncode == 0, res.stdout[-4000:]
    left = releases(api)
    # Longhorn serves PostgreSQL's and Redis' kept claims: it stays, with what it depends on.
    assert set(left) == {"longhorn"}, left
    assert re.search(r"longhorn\s+kept\s+kept \(not uninstalled\): it serves the volumes of 4 PersistentVolumeClaim", res.stdout)
    assert claims(api) == STATE["claims"], "every claim is kept, with its UID and volume"
    # CloudNativePG's claims were owned by the Cluster; that owner reference is gone, so the garbage collector keeps them.
    pg = core.read_namespaced_persistent_volume_claim("pgdata-postgresql-0", "openlakes")
    assert not pg.metadata.owner_references and pg.metadata.labels["openlakes.io/kept"] == "true"
    assert pg.metadata.annotations["openlakes.io/kept-from"] == "openlakes/postgresql"
    for pv in ("openlakes-minio-lab-node-1-0", "openlakes-minio-cold"):
        assert core.read_persistent_volume(pv).status.phase == "Bound"
    assert len(credential_secrets(api)) >= 10
    assert "On the hosts (never touched by uninstall" in res.stdout and "lab-node-2: /mnt/openlakes/minio/hot2/data" in res.stdout
    assert "-e openlakes_uninstall_purge=true -e openlakes_uninstall_confirm=lab" in res.stdout
    again = playbook("uninstall.yml")
    assert again.returncode == 0 and recap(again.stdout)["localhost"]["changed"] == 0, again.stdout[-3000:]


def test_site_reinstalls_onto_the_kept_claims(api):
    res = site()
    assert res.returncode == 0, res.stdout[-6000:]
    assert set(RELEASES) <= set(releases(api))
    now = claims(api)
    assert now == STATE["claims"], {k: (STATE["claims"].get(k), v) for k, v in now.items() if STATE["claims"].get(k) != v}
    print(f"\nsite.yml after uninstall (keep): {res.wall:.1f} s; every claim the same UID, Bound")


def test_purge_needs_the_platforms_name_typed_back(api):
    for extra in ([], ["-e", "openlakes_uninstall_confirm=not-lab"]):
        res = playbook("uninstall.yml", "-e", "openlakes_uninstall_purge=true", *extra)
        assert res.returncode != 0
        assert "type the platform's name back: -e openlakes_uninstall_confirm=lab. Nothing was changed" in res.stdout, \
            res.stdout[-3000:]
    assert set(RELEASES) <= set(releases(api)) and claims(api) == STATE["claims"]


def test_purge_deletes_what_was_kept(api):
    res = playbook("uninstall.yml", "-e", "openlakes_uninstall_purge=true", "-e", "openlakes_uninstall_confirm=lab")
    show("uninstall.yml (purge)", res, REPORT)
    assert res.returncode == 0, res.stdout[-4000:]
    assert releases(api) == {}
    assert claims(api) == {}
    assert credential_secrets(api) == set()
    from kubernetes import client

    pvs = [pv.metadata.name for pv in client.CoreV1Api(api).list_persistent_volume().items]
    assert pvs == [], pvs
