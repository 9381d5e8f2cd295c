"""The day-2 playbooks on the lab, in one session: site.yml deploys layers 01 and 02; status.yml reports each release;
support-bundle.yml writes a bundle in which none of the lab's credential values is found; upgrade.yml takes the
platform from the stand-ins' versions N to N+1 (a newer collection, new chart versions in the lab's mirror), refuses
a Longhorn upgrade that skips a minor version, is killed in the middle and resumed; rotate-credentials.yml rotates
Nessie's set and MinIO's root credentials and every consumer follows, in order; uninstall.yml keeps the data
(layer 02 alone, then everything), site.yml reinstalls onto the kept claims (same UIDs, Bound), and purging is refused
without the platform's name typed back and then deletes what was kept.

Each playbook's report is printed with -s."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from ..conftest import REPO
from .test_site_lab import INVENTORY, RELEASES, recap, site

LAYER02 = ["spark-operator", "spark", "trino"]
STATE: dict = {}


def _argv_env(name, extra, collection):
    root = collection or REPO
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=str(root.parents[2]) if collection else str(REPO / ".build" / "collections"),
               CONTAINERS_CONF=str(REPO / "lab" / "podman" / "containers.conf"))
    return ["ansible-playbook", "-i", str(INVENTORY), str(root / "playbooks" / name), *extra], env


def playbook(name: str, *extra, collection: Path | None = None) -> subprocess.CompletedProcess:
    """Runs a playbook of this checkout, or of `collection` (another copy of the collection: a newer one)."""
    argv, env = _argv_env(name, extra, collection)
    t0 = time.monotonic()
    res = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO, check=False, stdin=subprocess.DEVNULL)
    res.wall = time.monotonic() - t0
    return res


def flat(text: str) -> str:
    """Output as one line: the YAML callback folds long lines and doubles single quotes."""
    return re.sub(r"\s+", " ", text).replace("''", "'")


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
    STATE["credentials"] = credential_secrets(api)
    assert all(phase == "Bound" for _uid, phase, _v in STATE["claims"].values()), STATE["claims"]
    print(f"\nsite.yml: {res.wall:.1f} s; claims: " + ", ".join(f"{k} {v[0]}" for k, v in sorted(STATE["claims"].items())))


def test_status_reports_state_versions_readiness_and_age(api):
    res = playbook("status.yml")
    show("status.yml", res, "openlakes.core.status : Wiring table")
    assert res.returncode == 0, res.stdout[-4000:]
    text = flat(res.stdout)
    for name in RELEASES:
        assert re.search(rf"\d\d {re.escape(name)} +deployed +revision \d+, [\w.-]+ \(app [^)]+\), ready, last change "
                         rf"\d+[smhd] ago", text), name
    # A release that is not ready is named with what is not ready, and the run fails.
    from kubernetes import client

    apps = client.AppsV1Api(api)
    apps.patch_namespaced_deployment("nessie", "openlakes", {"spec": {"template": {"metadata": {"labels": {
        "lab.openlakes.io/fault": "CrashLoopBackOff"}}}}})
    try:
        time.sleep(3)
        bad = playbook("status.yml")
        assert bad.returncode != 0
        assert "release openlakes/nessie is not ready: Deployment openlakes/nessie:" in flat(bad.stdout), bad.stdout[-3000:]
    finally:
        apps.patch_namespaced_deployment("nessie", "openlakes", [{"op": "remove", "path": "/spec/template/metadata/labels/"
                                                                  "lab.openlakes.io~1fault"}])
    deadline = time.monotonic() + 60
    while playbook("status.yml").returncode != 0:
        assert time.monotonic() < deadline, "nessie did not come back"


def lab_credential_values(api) -> list:
    """Every credential value the lab holds: the collection's Secrets (not their fixed names) and every other Secret
    in the platform's namespaces that is not helm's (TLS key, the operator's app password)."""
    from kubernetes import client

    core = client.CoreV1Api(api)
    out = set()
    for ns in ("openlakes", "traefik", "longhorn-system", "cnpg-system"):
        for s in core.list_namespaced_secret(ns).items:
            if s.type == "helm.sh/release.v1":
                continue
            mine = (s.metadata.labels or {}).get("app.kubernetes.io/managed-by") == "openlakes.core"
            for key, value in (s.data or {}).items():
                text = base64.b64decode(value).decode()
                if mine and key in ("username", "s3-access-key", "admin-username", "admin-user"):
                    continue   # fixed names (nessie, admin): not secret
                if not mine and key in ("username", "host", "port", "dbname", "tls.crt", "ca.crt"):
                    continue
                out.add(text)
    return sorted(v for v in out if len(v) >= 8)


def test_the_support_bundle_holds_no_credential_value(api, tmp_path):
    res = playbook("support-bundle.yml", "-e", f"openlakes_support_bundle_dir={tmp_path}")
    show("support-bundle.yml", res, "Where the bundle is")
    assert res.returncode == 0, res.stdout[-4000:]
    [bundle] = list(tmp_path.glob("openlakes-support-lab-*.tar.gz"))
    assert oct(bundle.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(bundle) as tar:
        files = {m.name.split("/", 1)[1]: tar.extractfile(m).read().decode() for m in tar.getmembers() if m.isfile()}
    for name in ("README.txt", "releases.json", "events.json", "pods.json", "workloads.json", "claims.json", "nodes.json",
                 "core-config.yaml", "core-config.effective.json", "hosts/lab-node-1.json", "hosts/lab-node-3.json"):
        assert name in files, sorted(files)
    assert sum(1 for f in files if f.startswith("logs/")) >= 10
    assert all(f'"name": "{r}"' in files["releases.json"] for r in RELEASES)
    secrets = lab_credential_values(api)
    assert len(secrets) >= 12, len(secrets)
    forms = {v for s in secrets for v in (s, base64.b64encode(s.encode()).decode())}
    forms |= {line for s in secrets if "\n" in s.strip() for line in s.splitlines() if len(line) >= 16}
    hits = [(path, v[:4] + "...") for path, text in files.items() for v in forms if v in text]
    print(f"\nsupport bundle {bundle.name}: {len(files)} files, {bundle.stat().st_size} bytes; scanned for "
          f"{len(secrets)} credential values ({len(forms)} forms): {len(hits)} hits")
    assert hits == []
    assert not [v for v in forms if v in res.stdout], "the run printed a credential"


# --- upgrade N -> N+1 ------------------------------------------------------------------------------------

# The stand-ins' next versions (in the lab's chart mirror) and the newer collection's manifest that names them.
NEXT = {
    "cloudnative-pg": ("0.29.0", "0.29.1", [('"Cluster:clusters"', '"Publication:publications" "Cluster:clusters"'),
                                            ("appVersion: 1.30.0", "appVersion: 1.30.1")]),
    # Nessie's pods take 20 s to be ready: the upgrade is killed while it waits for them.
    "nessie": ("0.108.4", "0.108.5", [("  replicas: {{ .Values.replicaCount }}\n",
                                       '  replicas: {{ .Values.replicaCount }}\n  podAnnotations: {lab.openlakes.io/ready-delay: "20s"}\n')]),
    "minio": ("5.4.0", "5.4.1", []),
    "trino": ("1.42.2", "1.42.3", []),
}
MANIFEST_EDITS = [
    ("name: cloudnative-pg, version: 0.29.0", "name: cloudnative-pg, version: 0.29.1"),
    ('"ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0"', '"ghcr.io/cloudnative-pg/cloudnative-pg:1.30.1"'),
    ("name: nessie, version: 0.108.4", "name: nessie, version: 0.108.5"),
    ('"ghcr.io/projectnessie/nessie:0.108.4"', '"ghcr.io/projectnessie/nessie:0.108.5"'),
    ("name: minio, version: 5.4.0", "name: minio, version: 5.4.1"),
    ("pgsty/minio:RELEASE.2026-03-14T12-00-00Z", "pgsty/minio:RELEASE.2026-04-01T00-00-00Z"),
    ("name: trino, version: 1.42.2", "name: trino, version: 1.42.3"),
]
UPGRADED = {"cnpg-operator": "cloudnative-pg-0.29.1", "nessie": "nessie-0.108.5", "minio": "minio-5.4.1",
            "minio-cold": "minio-5.4.1", "trino": "trino-1.42.3"}


@pytest.fixture(scope="module")
def newer(lab, tmp_path_factory):
    """A copy of this collection whose platform/components.yml names N+1, and those charts in the lab's mirror."""
    tmp = tmp_path_factory.mktemp("newer")
    root = tmp / "collections" / "ansible_collections" / "openlakes" / "core"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for f in filter(None, files):
        if (REPO / f).is_file() and not f.startswith(("lab/", "tests/")):
            (root / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, root / f)
    manifest = root / "platform" / "components.yml"
    text = manifest.read_text()
    for old, new in MANIFEST_EDITS:
        assert old in text, old
        text = text.replace(old, new)
    manifest.write_text(text)
    mirror, packaged = REPO / ".lab" / "chart-mirror", []
    for chart, (old, new, edits) in NEXT.items():
        src = tmp / "charts" / chart
        shutil.copytree(REPO / "tests" / "standin-charts" / chart, src)
        matched = set()
        for path in [src / "Chart.yaml", *sorted((src / "templates").glob("*.yaml"))]:
            body = path.read_text().replace(f"version: {old}", f"version: {new}")
            for a, b in edits:
                matched |= {a} if a in body else set()
                body = body.replace(a, b)
            path.write_text(body)
        assert matched == {a for a, _b in edits}, f"{chart}: an edit matches nothing in the stand-in"
        subprocess.run([str(REPO / ".lab" / "bin" / "helm"), "package", str(src), "--destination", str(mirror)],
                       check=True, capture_output=True)
        packaged.append(mirror / f"{chart}-{new}.tgz")
    yield root
    for tgz in packaged:
        tgz.unlink(missing_ok=True)


def progress(api) -> dict:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    try:
        data = client.CoreV1Api(api).read_namespaced_config_map("openlakes-upgrade", "openlakes").data or {}
    except ApiException:
        return {}
    return {k: json.loads(v) if k in ("releases", "runs", "claims") else v for k, v in data.items()}


def descendants(pid: int) -> list:
    """The process and everything it started (by walking /proc): what a kill of the whole run stops."""
    children: dict = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def test_upgrade_plan_n_to_n_plus_1_in_check_mode(api, newer):
    before = releases(api)
    res = playbook("upgrade.yml", "--check", collection=newer)
    show("upgrade.yml --check (N -> N+1)", res, "Upgrade plan")
    assert res.returncode == 0, res.stdout[-5000:]
    text = flat(task_output(res.stdout, "Upgrade plan"))
    assert f"5 of {len(RELEASES)} release(s) change" in text, text
    assert "cnpg-operator upgrade: cloudnative-pg 0.29.0 -> 0.29.1; app 1.30.0 -> 1.30.1; images " \
           "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0 -> ghcr.io/cloudnative-pg/cloudnative-pg:1.30.1" in text
    assert "CRDs: publications.postgresql.cnpg.io: new (v1)" in text
    assert re.search(r"minio upgrade: minio 5.4.0 -> 5.4.1; images \S+RELEASE.2026-03-14T12-00-00Z -> "
                     r"\S+RELEASE.2026-04-01T00-00-00Z; values image.tag; restarts: StatefulSet openlakes/minio \(rolling restart\)", text)
    assert "nessie upgrade: nessie 0.108.4 -> 0.108.5" in text and "trino upgrade: trino 1.42.2 -> 1.42.3" in text
    assert "longhorn up to date" in text
    order = re.search(r"Order \(.*?\): (.*?) (?:Refused|$)", text)
    assert order and order.group(1).index("minio-cold") < order.group(1).index("minio ->") < \
        order.group(1).index("nessie") < order.group(1).index("trino"), text
    assert releases(api) == before, "check mode changed nothing"


def test_a_longhorn_upgrade_that_skips_a_minor_version_is_refused(api, newer):
    manifest = newer / "platform" / "components.yml"
    text = manifest.read_text()
    manifest.write_text(text.replace("name: longhorn, version: 1.12.1", "name: longhorn, version: 1.14.0"))
    try:
        res = playbook("upgrade.yml", "--check", collection=newer)
    finally:
        manifest.write_text(text)
    show("upgrade.yml --check (Longhorn 1.12.1 -> 1.14.0)", res, "Upgrade plan and what happened before it stopped")
    assert res.returncode != 0
    assert "longhorn upgrades one minor version at a time (1.12 -> 1.13 -> ... -> 1.14)" in flat(res.stdout)
    assert "the upgrade is refused, nothing was changed" in flat(res.stdout)


def test_upgrade_killed_in_the_middle_then_resumed(api, newer):
    argv, env = _argv_env("upgrade.yml", ["-e", "openlakes_upgrade_pending_timeout=30"], newer)
    log = open(REPO / ".lab" / "upgrade-killed.log", "w")
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    seen, deadline = {}, time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        seen = progress(api)
        states = {n: r.get("state") for n, r in (seen.get("releases") or {}).items()}
        if "done" in states.values() and states.get("nessie") == "running":
            break
        time.sleep(0.3)
    assert proc.poll() is None and seen.get("releases"), "the upgrade ended before it could be killed"
    pids = descendants(proc.pid)
    for pid in reversed(pids):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()
    log.close()
    killed_at = time.monotonic() - t0
    at_kill = {n: r.get("state") for n, r in seen["releases"].items()}
    print(f"\n== upgrade.yml killed after {killed_at:.1f} s ({len(pids)} processes, SIGKILL); progress then: {at_kill}")
    res = playbook("upgrade.yml", "-e", "openlakes_upgrade_pending_timeout=30", collection=newer)
    show("upgrade.yml resumed", res, "What the upgrade did")
    assert res.returncode == 0, res.stdout[-6000:]
    assert "resuming the upgrade to sha256:" in flat(res.stdout)
    now = releases(api)
    for name, chart in UPGRADED.items():
        assert now[name][1:] == ("deployed", chart), (name, now[name])
    assert all(status == "deployed" for _ns, status, _c in now.values())
    after = claims(api)
    assert after == STATE["claims"], "every claim has the same UID and volume, Bound"
    record = progress(api)
    assert record["state"] == "complete" and len(record["runs"]) == 2 and record["runs"][1]["resumed"] is True
    print(f"resume: {res.wall:.1f} s; claims before/after (UID, phase): " +
          ", ".join(f"{k} {v[0][:8]} {v[1]}/{after[k][0][:8]} {after[k][1]}" for k, v in sorted(STATE["claims"].items())))
    print("progress record: " + json.dumps({k: v for k, v in record.items() if k != "claims"}, sort_keys=True))
    again = playbook("upgrade.yml", collection=newer)
    assert again.returncode == 0 and "every release is at this collection's version: nothing to upgrade" in flat(again.stdout)
    assert recap(again.stdout)["localhost"]["changed"] == 0, again.stdout[-3000:]


# --- credential rotation ------------------------------------------------------------------------------------

ROTATION = "What was rotated and what followed"


def secret_data(api, name, namespace="openlakes") -> tuple:
    from kubernetes import client

    s = client.CoreV1Api(api).read_namespaced_secret(name, namespace)
    return {k: base64.b64decode(v).decode() for k, v in s.data.items()}, s.metadata.resource_version


def every_secret_value(api) -> set:
    from kubernetes import client

    return {base64.b64decode(v).decode() for s in client.CoreV1Api(api).list_secret_for_all_namespaces().items
            if s.type != "helm.sh/release.v1" for v in (s.data or {}).values()}


def test_rotation_in_check_mode_lists_what_would_rotate(api):
    before = secret_data(api, "openlakes-nessie-credentials")
    res = playbook("rotate-credentials.yml", "--check", "-e", "openlakes_rotate_credentials=all")
    show("rotate-credentials.yml --check (all)", res, ROTATION)
    assert res.returncode == 0, res.stdout[-4000:]
    text = flat(task_output(res.stdout, ROTATION))
    assert "nessie: Secret openlakes-nessie-credentials in openlakes would get new values for password, s3-secret-key" in text
    assert "Cluster openlakes/postgresql: CloudNativePG would set the password of role nessie" in text
    assert re.search(r"Job openlakes/minio-setup-\w+: would run again", text)
    assert "Deployment openlakes/nessie: would restart (rolling restart)" in text
    assert "StatefulSet openlakes/minio: would restart (all pods at once)" in text
    assert secret_data(api, "openlakes-nessie-credentials") == before


def test_no_set_named_is_refused(api):
    res = playbook("rotate-credentials.yml")
    assert res.returncode != 0 and "Name the credential sets to rotate" in flat(res.stdout)
    res = playbook("rotate-credentials.yml", "-e", "openlakes_rotate_credentials=nosuch")
    assert res.returncode != 0 and "no credential set nosuch in this platform" in flat(res.stdout)


def test_rotating_nessie_and_minio_root_moves_every_consumer(api):
    from kubernetes import client

    apps = client.AppsV1Api(api)
    old_nessie, _rv = secret_data(api, "openlakes-nessie-credentials")
    old_root, _rv = secret_data(api, "openlakes-minio-credentials")
    pods_before = {p.metadata.name: p.metadata.uid for p in client.CoreV1Api(api).list_namespaced_pod("openlakes").items}
    res = playbook("rotate-credentials.yml", "-e", "openlakes_rotate_credentials=nessie,minio")
    show("rotate-credentials.yml (nessie, minio)", res, ROTATION)
    assert res.returncode == 0, res.stdout[-5000:]
    new_nessie, rv = secret_data(api, "openlakes-nessie-credentials")
    new_root, _rv = secret_data(api, "openlakes-minio-credentials")
    assert new_nessie["username"] == old_nessie["username"] == "nessie"
    assert new_nessie["password"] != old_nessie["password"] and new_nessie["s3-secret-key"] != old_nessie["s3-secret-key"]
    assert new_root["rootUser"] == old_root["rootUser"] and new_root["rootPassword"] != old_root["rootPassword"]
    values = every_secret_value(api)
    for old in (old_nessie["password"], old_nessie["s3-secret-key"], old_root["rootPassword"]):
        assert old not in values, "an old value is still in a Secret"
    # The consumer side: CloudNativePG reports the Secret's new version for the role; the setup Job ran again.
    pg = client.CustomObjectsApi(api).get_namespaced_custom_object("postgresql.cnpg.io", "v1", "openlakes", "clusters", "postgresql")
    assert pg["status"]["managedRolesStatus"]["passwordStatus"]["nessie"]["resourceVersion"] == rv
    text = flat(task_output(res.stdout, ROTATION))
    order = [text.index(s) for s in ("CloudNativePG set the password of role nessie", "ran again as Job",
                                     "Deployment openlakes/nessie: restarted (rolling restart) and ready")]
    assert order == sorted(order), text
    root_steps = text[text.index("minio: Secret"):]
    assert root_steps.index("StatefulSet openlakes/minio: restarted (all pods at once)") < root_steps.index("ran again as Job")
    ann = apps.read_namespaced_deployment("nessie", "openlakes").spec.template.metadata.annotations
    assert "openlakes.io/credentials-rotated" in ann
    pods_after = {p.metadata.name: p.metadata.uid for p in client.CoreV1Api(api).list_namespaced_pod("openlakes").items}
    assert all(pods_after.get(f"minio-{i}") not in (None, pods_before[f"minio-{i}"]) for i in range(3)), "minio pods replaced"
    assert not [v for v in (new_nessie["password"], new_root["rootPassword"], old_root["rootPassword"]) if v in res.stdout]
    status = playbook("status.yml")
    assert status.returncode == 0, status.stdout[-3000:]


REPORT = "What was removed and what was kept"


def test_uninstall_check_mode_changes_nothing(api):
    before = releases(api)
    res = playbook("uninstall.yml", "--check")
    show("uninstall.yml --check", res, REPORT)
    assert res.returncode == 0, res.stdout[-4000:]
    assert "check mode: nothing was changed" in flat(res.stdout)
    assert releases(api) == before and claims(api) == STATE["claims"]


def test_uninstall_of_one_layer_that_another_needs_is_refused(api):
    res = playbook("uninstall.yml", "--tags", "layer01")
    assert res.returncode != 0
    assert "trino (layer 02) stays deployed and needs" in flat(res.stdout) and "nothing was removed" in flat(res.stdout), \
        res.stdout[-3000:]
    assert set(RELEASES) <= set(releases(api))


def test_uninstall_layer_02_keeps_layer_01_and_the_credentials(api):
    res = playbook("uninstall.yml", "--tags", "layer02")
    show("uninstall.yml --tags layer02", res, REPORT)
    assert res.returncode == 0, res.stdout[-4000:]
    left = releases(api)
    assert not set(LAYER02) & set(left) and set(RELEASES) - set(LAYER02) <= set(left), left
    assert "default/openlakes-trino-credentials" not in credential_secrets(api)  # never there: trino's is in openlakes
    assert "openlakes/openlakes-trino-credentials" in credential_secrets(api)
    assert "Secret openlakes/openlakes-trino-credentials (from credential set trino: generated credentials)" in flat(res.stdout)


def test_uninstall_everything_keeps_every_claim_and_longhorn_that_serves_them(api):
    from kubernetes import client

    core = client.CoreV1Api(api)
    res = playbook("uninstall.yml")
    show("uninstall.yml (keep)", res, REPORT)
    assert res.returncode == 0, res.stdout[-4000:]
    left = releases(api)
    # Longhorn serves PostgreSQL's and Redis' kept claims: it stays, with what it depends on.
    assert set(left) == {"longhorn"}, left
    assert re.search(r"longhorn kept kept \(not uninstalled\): it serves the volumes of \d+ PersistentVolumeClaim", flat(res.stdout))
    assert claims(api) == STATE["claims"], "every claim is kept, with its UID and volume"
    # CloudNativePG's claims were owned by the Cluster; that owner reference is gone, so the garbage collector keeps them.
    pg = core.read_namespaced_persistent_volume_claim("pgdata-postgresql-0", "openlakes")
    assert not pg.metadata.owner_references and pg.metadata.labels["openlakes.io/kept"] == "true"
    assert pg.metadata.annotations["openlakes.io/kept-from"] == "openlakes/postgresql"
    for pv in ("openlakes-minio-lab-node-1-0", "openlakes-minio-cold"):
        assert core.read_persistent_volume(pv).status.phase == "Bound"
    assert credential_secrets(api) == STATE["credentials"], "every generated credential is kept"
    text = flat(res.stdout)
    assert "On the hosts (never touched by uninstall" in text and "lab-node-2: /mnt/openlakes/minio/hot2/data" in text
    assert "-e openlakes_uninstall_purge=true -e openlakes_uninstall_confirm=lab" in text
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
        assert "type the platform's name back: -e openlakes_uninstall_confirm=lab. Nothing was changed" in flat(res.stdout), \
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


def on_host(host: str, *argv) -> int:
    env = dict(os.environ, CONTAINERS_CONF=str(REPO / "lab" / "podman" / "containers.conf"))
    return subprocess.run(["podman", "exec", f"openlakes-{host}", *argv], env=env, capture_output=True, check=False).returncode


def test_the_hosts_data_goes_only_when_asked_and_each_serial_is_confirmed(api):
    data = [f"/mnt/openlakes/minio/hot{d}/data" for d in (1, 2)] + ["/var/lib/openlakes/longhorn/disk1/data"]
    assert all(on_host(h, "test", "-d", path) == 0 for h in ("lab-node-1", "lab-node-2", "lab-node-3") for path in data)
    ask = ["-e", "openlakes_uninstall_purge=true", "-e", "openlakes_uninstall_confirm=lab",
           "-e", "openlakes_uninstall_wipe_host_data=true"]
    refused = playbook("uninstall.yml", *ask)
    text = flat(refused.stdout)
    assert refused.returncode != 0 and "lab-node-1: nothing of this host was removed" in text, refused.stdout[-3000:]
    assert all(on_host(h, "test", "-d", path) == 0 for h in ("lab-node-1", "lab-node-2", "lab-node-3") for path in data)
    # The serials the refusal named, confirmed in a copy of core-config.yaml (per host: each host has its own disks).
    import yaml

    serials: dict = {}
    for host, block in re.findall(r"(lab-node-\d): nothing of this host was removed(.*?)(?=lab-node-\d: nothing|$)", text):
        for device, serial in re.findall(r"(/dev/disk/by-id/lab-\w+) \(\w+ at \S+\): wipe.confirm_serial is not set, "
                                         r"the serial is (\S+?)(?=[;'\"\s]|$)", block):
            serials.setdefault(host, {})[device] = serial
    assert sorted(serials) == ["lab-node-1", "lab-node-2", "lab-node-3"] and all(len(v) == 3 for v in serials.values()), serials
    config = yaml.safe_load((INVENTORY.parent / "core-config.yaml").read_text())
    shared = config["storage"]["hosts"]["lab-node-1"]
    config["storage"]["hosts"] = {h: {k: [dict(d, wipe={"confirm_serial": serials[h][d["device"]]}) for d in shared[k]]
                                      for k in ("longhorn_disks", "minio_drives")} for h in serials}
    confirmed = INVENTORY.parent / "core-config.wipe-test.yaml"
    confirmed.write_text(yaml.safe_dump(config, sort_keys=False))
    try:
        res = playbook("uninstall.yml", *ask, "-e", f"openlakes_core_config_file={confirmed}")
    finally:
        confirmed.unlink()
    show("uninstall.yml (purge, host data, serials confirmed)", res, "Remove the data directory of each disk (its filesystem, "
         "label and marker stay)")
    assert res.returncode == 0, res.stdout[-4000:]
    for h in ("lab-node-1", "lab-node-2", "lab-node-3"):
        for path in data:
            assert on_host(h, "test", "-e", path) != 0, f"{h}:{path} is still there"
            assert on_host(h, "test", "-e", path.rsplit("/", 1)[0] + "/.openlakes-disk") == 0, "the disk stays prepared"
