"""The data path tier's servers, configured from what the collection generates (adapter.py), and its
hops. A hop that fails raises HopFailed with the hop, the generated configuration it used (credentials
masked) and the server's log tail."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import adapter
from ansible_collections.openlakes.core.plugins.module_utils._platform import quantity_bytes
from pods import Cluster, Pod

REPO = adapter.REPO
sys.path.insert(0, str(REPO / "tests" / "standin-charts" / "nessie"))
import configmap_standin  # noqa: E402  (stand-in of the Nessie chart's configmap and env templates)

PG_BIN = Path("/usr/lib/postgresql/15/bin")
MINIO_UID = 1000        # chart 5.4.0's securityContext
NESSIE_UID = 185        # the Nessie image's user
JOB_UID = 1000          # charts/openlakes-minio-setup's securityContext
PINNED = {"nessie": "0.108.4 (chart and image)", "minio": "pgsty/minio RELEASE.2026-03-14T12-00-00Z",
          "mc": "pgsty/mc RELEASE.2026-03-13T08-57-32Z", "postgresql": "16 (ghcr.io/cloudnative-pg/postgresql:16)",
          "kafka": "4.3.1 (quay.io/strimzi/kafka:1.2.0-kafka-4.3.1)"}


class HopFailed(AssertionError):
    pass


def pins() -> dict:
    out = {}
    for line in (REPO / "lab" / "datapath.env").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


def cache_dir() -> Path:
    out = subprocess.run([str(REPO / "lab" / "build-datapath.sh")], text=True, capture_output=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"lab/build-datapath.sh failed:\n{out.stderr[-3000:]}")
    return Path(out.stdout.strip().splitlines()[-1])


def rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


@dataclass
class Hop:
    name: str
    seconds: float
    ok: bool
    note: str = ""


@dataclass
class Tier:
    gen: adapter.Generated
    cluster: Cluster
    bins: Path
    hops: list = field(default_factory=list)
    rss: dict = field(default_factory=dict)       # server -> peak KiB seen after a hop
    notes: list = field(default_factory=list)
    failed: set = field(default_factory=set)
    limits: dict = field(default_factory=dict)    # server -> its container memory limit in bytes, from the values

    # --- reporting --------------------------------------------------------------------------
    def mask(self, text: str) -> str:
        for value in self.gen.secret_values():
            if len(value) >= 6:
                text = text.replace(value, "****")
        return text

    @contextmanager
    def hop(self, name: str, config=None, logs: tuple = (), seconds: float | None = None):
        """A hop of the data path; `seconds` is its time when the work was done elsewhere (a Spark job's step)."""
        start = time.monotonic()
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - every failure becomes the hop's report
            took = time.monotonic() - start if seconds is None else seconds
            self.hops.append(Hop(name, took, False, str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__))
            self.failed.add(name)
            shown = config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False, width=140) if config else "(none)"
            parts = [f"hop FAILED: {name} (after {took:.1f}s): {exc}", "--- generated configuration used (credentials masked):",
                     self.mask(shown)]
            for log in logs:
                parts += [f"--- log tail of {log.name}:", self.mask(tail(log))]
            raise HopFailed(self.mask("\n".join(parts))) from None
        self.hops.append(Hop(name, time.monotonic() - start if seconds is None else seconds, True))
        self.sample()

    def require(self, *hops: str) -> None:
        import pytest
        missing = [h for h in hops if h in self.failed or not any(x.name == h and x.ok for x in self.hops)]
        if missing:
            pytest.skip(f"needs hop(s) that did not pass: {', '.join(missing)}")

    def sample(self) -> None:
        for name, entry in self.cluster.record.data.get("processes", {}).items():
            kib = rss_kib(entry["pid"])
            self.rss[name] = max(self.rss.get(name, 0), kib)

    # --- helpers ----------------------------------------------------------------------------
    def secret(self, name: str, key: str) -> str:
        data = self.gen.secrets.get(name)
        if data is None:
            raise HopFailed(f"the configuration names Secret {name}, which the credentials role does not create")
        if key not in data:
            raise HopFailed(f"Secret {name} has no key {key!r} (it has: {', '.join(sorted(data))})")
        return data[key]

    def svc(self, service: str) -> str:
        return f"{service}.{self.gen.namespace}.svc.cluster.local"

    def mc(self, *args: str, env: dict | None = None, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
        full = {"PATH": "/usr/bin:/bin", "MC_CONFIG_DIR": str(self.cluster.root / "mc-tier"), **(env or {})}
        proc = subprocess.run([str(self.bins / "mc"), *args], text=True, capture_output=True, env=full, input=stdin,
                              check=False, timeout=60)
        if check and proc.returncode != 0:
            raise HopFailed(f"mc {' '.join(args)}: {proc.stdout.strip()} {proc.stderr.strip()}")
        return proc

    def mc_as(self, access_key: str, secret_key: str, service: str = "minio") -> dict:
        """Environment for mc acting as a user of the hot MinIO, through its in-cluster name."""
        return {f"MC_HOST_{service.replace('-', '_')}": f"http://{access_key}:{secret_key}@{self.svc(service)}:9000"}

    def assert_policy(self, secret: str, args: tuple, allowed: bool) -> None:
        """mc `args` as the MinIO user of credential Secret `secret`: it succeeds, or MinIO refuses it."""
        keys = self.gen.secrets[secret]
        proc = self.mc(*args, env=self.mc_as(keys["s3-access-key"], keys["s3-secret-key"]), check=False,
                       stdin="probe\n" if args[0] == "pipe" else None)
        if allowed:
            assert proc.returncode == 0, proc.stderr
        else:
            assert proc.returncode != 0 and ("Access Denied" in proc.stderr or "Insufficient permissions" in proc.stderr), \
                (proc.stdout, proc.stderr)

    def root_env(self, service: str = "minio") -> dict:
        sec = self.gen.releases["minio"]["values"]["existingSecret"]
        return self.mc_as(self.secret(sec, "rootUser"), self.secret(sec, "rootPassword"), service)


def running(entry: dict) -> bool:
    """The recorded process has not ended (it may still be its launcher, before the exec)."""
    try:
        stat = Path(f"/proc/{entry['pid']}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_http(url: str, timeout: float, ok=lambda status, body: status == 200, give_up=None, process: dict | None = None) -> str:
    """Poll `url` until ok(status, body); give_up(status, body, seconds_answering) may end it early, and
    so does the end of `process` (a recorded entry)."""
    deadline = time.monotonic() + timeout
    first_answer = None
    last = "no answer"
    while time.monotonic() < deadline:
        if process and not running(process):
            raise HopFailed(f"the server exited before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=3) as r:
                status, body = r.status, r.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode(errors="replace")
        except (OSError, ValueError) as exc:
            status, body = None, str(exc)
        if status is not None:
            first_answer = first_answer or time.monotonic()
            if ok(status, body):
                return body
            if give_up and give_up(status, body, time.monotonic() - first_answer):
                raise HopFailed(f"{url} answers {status}: {body[:1500]}")
        last = f"{status}: {body[:1500]}"
        time.sleep(0.5)
    raise HopFailed(f"{url} not ready after {timeout:.0f}s; last answer {last}")


# --- PostgreSQL: the CloudNativePG cluster's roles and databases, the tier playing the operator -----

def postgresql(t: Tier) -> Pod:
    values = t.gen.releases["postgresql"]["values"]
    name = values["fullnameOverride"]
    pod = t.cluster.add(f"{name}-1", [t.svc(f"{name}-{s}") for s in ("rw", "ro", "r")])
    data, sock = pod.dir / "data", pod.dir / "run"
    for d in (data, sock):
        d.mkdir(parents=True, exist_ok=True)
    shutil.chown(pod.dir, "postgres", "postgres")
    for d in (data, sock):
        shutil.chown(d, "postgres", "postgres")
        d.chmod(0o700)
    cluster = values["cluster"]
    superuser = t.secret(cluster["superuserSecret"], "password")
    pw = pod.dir / "pwfile"
    pw.write_text(superuser)
    shutil.chown(pw, "postgres", "postgres")
    pw.chmod(0o600)
    as_pg = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]
    proc = subprocess.run(as_pg + [str(PG_BIN / "initdb"), "-D", str(data), "-U", t.secret(cluster["superuserSecret"], "username"),
                                   f"--pwfile={pw}", "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8"],
                          capture_output=True, text=True, check=False)
    pw.unlink()
    if proc.returncode != 0:
        raise HopFailed(f"initdb: {proc.stderr}")
    with open(data / "pg_hba.conf", "a", encoding="utf-8") as fh:  # like CloudNativePG: passwords over the network
        fh.write("host all all 0.0.0.0/0 scram-sha-256\n")
    t.cluster.start(pod, "postgresql", [str(PG_BIN / "postgres"), "-D", str(data), "-c", "listen_addresses=*",
                                        "-c", "port=5432", "-c", f"unix_socket_directories={sock}"],
                    {"HOME": str(pod.dir)}, launcher=as_pg)
    deadline = time.monotonic() + 30
    while subprocess.run([str(PG_BIN / "pg_isready"), "-h", str(sock), "-q"], check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise HopFailed("PostgreSQL did not accept connections within 30 s")
        time.sleep(0.2)
    return pod


def postgresql_operator(t: Tier, pod: Pod) -> list:
    """What CloudNativePG does with the `cluster` chart's values: the bootstrap's application database and
    its owner (`initdb`; CloudNativePG gives that owner a generated password nothing here uses), each role
    with the password of its passwordSecret (a basic-auth Secret whose username must be the role's name)
    and its memberships (`inRoles`), each database owned by its role."""
    values = t.gen.releases["postgresql"]["values"]
    sql, made = [], []
    initdb = values["cluster"].get("initdb") or {}
    if initdb.get("database"):
        owner = initdb.get("owner") or initdb["database"]
        sql += [f'CREATE ROLE "{owner}" LOGIN NOSUPERUSER;', f'CREATE DATABASE "{initdb["database"]}" OWNER "{owner}";']
    for role in values["cluster"]["roles"]:
        sec = role["passwordSecret"]["name"]
        if t.secret(sec, "username") != role["name"]:
            raise HopFailed(f"role {role['name']}: its passwordSecret {sec} has username {t.secret(sec, 'username')!r}; "
                            "CloudNativePG requires the role's name")
        password = t.secret(sec, "password").replace("'", "''")
        sql.append(f"CREATE ROLE \"{role['name']}\" {'LOGIN' if role.get('login') else 'NOLOGIN'} "
                   f"{'SUPERUSER' if role.get('superuser') else 'NOSUPERUSER'} PASSWORD '{password}';")
        sql += [f'GRANT "{parent}" TO "{role["name"]}";' for parent in role.get("inRoles") or []]
        made.append(role["name"])
    for db in values.get("databases") or []:
        sql.append(f"CREATE DATABASE \"{db['name']}\" OWNER \"{db['owner']}\";")
    psql_local(pod, "postgres", "\n".join(sql))
    return made


def psql_local(pod: Pod, database: str, sql: str) -> str:
    """`sql` as the superuser, over the server's socket (what the operator and a DBA do)."""
    proc = subprocess.run(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--",
                           str(PG_BIN / "psql"), "-h", str(pod.dir / "run"), "-U", "postgres", "-d", database,
                           "-v", "ON_ERROR_STOP=1", "-tA", "-q", "-f", "-"], input=sql, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise HopFailed(f"psql: {proc.stderr.strip()}")
    return proc.stdout.strip()


def postgresql_passwords(t: Tier, pod: Pod) -> list:
    """What CloudNativePG does when a managed role's passwordSecret changes: the role's password set again from it."""
    values = t.gen.releases["postgresql"]["values"]
    sql = [f"ALTER ROLE \"{r['name']}\" PASSWORD '{t.secret(r['passwordSecret']['name'], 'password').replace(chr(39), chr(39) * 2)}';"
           for r in values["cluster"]["roles"]]
    proc = subprocess.run(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--",
                           str(PG_BIN / "psql"), "-h", str(pod.dir / "run"), "-U", "postgres", "-v", "ON_ERROR_STOP=1",
                           "-q", "-f", "-"], input="\n".join(sql), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise HopFailed(f"psql: {proc.stderr.strip()}")
    return [r["name"] for r in values["cluster"]["roles"]]


def psql_as(t: Tier, user: str, password: str, database: str, query: str) -> str:
    proc = subprocess.run([str(PG_BIN / "psql"), "-tA", "-c", query,
                           f"host={t.svc('postgresql-rw')} port=5432 dbname={database} user={user} connect_timeout=5"],
                          env={"PGPASSWORD": password, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise HopFailed(f"psql as {user} to {t.svc('postgresql-rw')}:5432/{database}: {proc.stderr.strip()}")
    return proc.stdout.strip()


# --- MinIO: the hot cluster (distributed, one pod per MinIO host) and the cold single drive ----------

def minio(t: Tier, release: str, drive_mib: int = 256) -> list:
    """The release's MinIO pods, each with its drives as tmpfs mounts of its own (a drive on the root
    disk is refused by MinIO's erasure mode, as on a real node), running as the chart's user."""
    values = t.gen.releases[release]["values"]
    env = {"MINIO_ROOT_USER": t.secret(values["existingSecret"], "rootUser"),
           "MINIO_ROOT_PASSWORD": t.secret(values["existingSecret"], "rootPassword"),
           "HOME": "/tmp", "MINIO_BROWSER": "on"}
    standalone = values["mode"] == "standalone"
    nodes = 1 if standalone else int(values["replicas"])
    drives = 1 if standalone else int(values["drivesPerNode"])
    drive_root = t.cluster.root / "drives" / release
    args = adapter.minio_server(values, release, t.gen.namespace, str(drive_root))
    mount = drive_root / "export"
    targets = [mount] if drives == 1 else [Path(f"{mount}-{d}") for d in range(drives)]
    for target in targets:
        target.mkdir(parents=True, exist_ok=True)
    pods = []
    for i in range(nodes):
        pod_name = release if standalone else f"{release}-{i}"
        names = [t.svc(release)] if standalone else [f"{release}-{i}.{release}-svc.{t.gen.namespace}.svc.cluster.local"]
        if not standalone and i == 0:
            names.append(t.svc(release))  # the Service: any pod serves it
        pod = t.cluster.add(pod_name, names)
        for target in targets:
            subprocess.run(["nsenter", "-t", str(pod.holder["pid"]), "-m", "--", "mount", "-t", "tmpfs", "-o",
                            f"size={drive_mib}m,uid={MINIO_UID},gid={MINIO_UID},mode=0750", f"drive-{pod_name}",
                            str(target)], check=True)
        certs = pod.dir / "certs"
        certs.mkdir(exist_ok=True)
        os.chown(certs, MINIO_UID, MINIO_UID)
        t.cluster.start(pod, pod_name, [str(t.bins / "minio"), *args, "-S", str(certs)], env,
                        launcher=["setpriv", f"--reuid={MINIO_UID}", f"--regid={MINIO_UID}", "--clear-groups", "--"])
        pods.append(pod)
    return pods


def minio_ready(t: Tier, release: str, timeout: float = 60) -> None:
    path = "/minio/health/live" if t.gen.releases[release]["values"]["mode"] == "standalone" else "/minio/health/cluster"
    wait_http(f"http://{t.svc(release)}:9000{path}", timeout)


# --- the MinIO setup Job, as charts/openlakes-minio-setup renders it --------------------------------

def render_setup_chart(t: Tier, workdir: Path | None = None) -> dict:
    values = (workdir or t.cluster.root) / "setup-values.yaml"
    values.write_text(yaml.safe_dump(t.gen.setup_values))
    proc = subprocess.run([str(t.bins / "helm"), "template", "minio-setup", str(REPO / "charts" / "openlakes-minio-setup"),
                           "--namespace", t.gen.namespace, "-f", str(values)], capture_output=True, text=True, check=False)
    values.unlink()
    if proc.returncode != 0:
        raise HopFailed(f"helm template charts/openlakes-minio-setup: {proc.stderr}")
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    return {d["kind"]: d for d in docs}


def run_setup_job(t: Tier, rendered: dict, run: str, audit: bool = False) -> subprocess.CompletedProcess:
    """Run the rendered Job's container as the kubelet would: a root file system of the image's
    programs, read-only; the ConfigMap, each Secret (files per key, mode 0440, group fsGroup) and the
    emptyDir at their mount paths; the container's command and env; the pod's user. With `audit`, `mc`
    is a shim that records every argument list it is given (to prove no credential is one)."""
    job, cm = rendered["Job"], rendered["ConfigMap"]
    spec = job["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    jdir = t.cluster.root / "jobs" / f"{job['metadata']['name']}-{run}"
    root, vols = jdir / "root", jdir / "volumes"
    root.mkdir(parents=True, exist_ok=True)
    uid, gid = spec["securityContext"]["runAsUser"], spec["securityContext"]["runAsGroup"]
    fs_group = spec["securityContext"]["fsGroup"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = []
    for m in container["volumeMounts"]:
        vol = volumes[m["name"]]
        src = vols / m["name"]
        src.mkdir(parents=True, exist_ok=True)
        if "configMap" in vol:
            for key, text in cm["data"].items():
                (src / key).write_text(text)
                (src / key).chmod(vol["configMap"].get("defaultMode", 0o644))
        elif "secret" in vol:
            data = t.gen.secrets[vol["secret"]["secretName"]]
            for key, value in data.items():
                (src / key).write_text(value)
                os.chown(src / key, 0, fs_group)
                (src / key).chmod(vol["secret"].get("defaultMode", 0o644))
        if "emptyDir" in vol:
            os.chown(src, uid, fs_group)
            src.chmod(0o2770)
        else:
            os.chown(src, 0, fs_group)
            src.chmod(0o750)
        mounts.append((src, m["mountPath"], bool(m.get("readOnly"))))
    mc_dir = jdir / "bin"
    mc_dir.mkdir(exist_ok=True)
    shutil.copy(t.bins / "mc", mc_dir / ("mc.real" if audit else "mc"))
    if audit:
        (jdir / "audit").mkdir(exist_ok=True)
        os.chown(jdir / "audit", uid, gid)
        (mc_dir / "mc").write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done >> /audit/argv\n'
                                   'printf -- "--\\n" >> /audit/argv\nexec /usr/local/bin/mc.real "$@"\n')
        (mc_dir / "mc").chmod(0o755)
    script = ["set -e", f"mount -t tmpfs -o size=16m,mode=0755 jobroot {root}"]
    for d in ("usr", "etc", "dev", "proc", "tmp", "audit"):
        script.append(f"mkdir -p {root}/{d}")
    for link in ("bin", "lib", "lib64", "sbin"):
        script.append(f"ln -s usr/{link} {root}/{link}")
    for src, path, _ro in mounts:
        script.append(f"mkdir -p {root}{path}")
    script += [f"mount --rbind /usr {root}/usr", f"mount -o remount,bind,ro {root}/usr",
               f"mount --bind {mc_dir} {root}/usr/local/bin", f"mount -o remount,bind,ro {root}/usr/local/bin",
               f"mount --rbind /etc {root}/etc", f"mount --rbind /dev {root}/dev", f"mount -t proc proc {root}/proc"]
    if audit:
        script.append(f"mount --bind {jdir / 'audit'} {root}/audit")
    for src, path, ro in mounts:
        script.append(f"mount --bind {src} {root}{path}")
        if ro:
            script.append(f"mount -o remount,bind,ro {root}{path}")
    script.append(f"mount -o remount,ro {root}")  # readOnlyRootFilesystem
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME": job["metadata"]["name"],
           "HOME": "/"}
    for e in container.get("env") or []:
        env[e["name"]] = e["value"]
    cmd = " ".join(f"'{c}'" for c in container["command"] + container.get("args", []))
    script.append(f"exec chroot --userspec={uid}:{gid} --groups={fs_group} {root} {cmd}")
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", "\n".join(script)],
                          env=env, capture_output=True, text=True, check=False, timeout=400)


# --- Nessie: its chart's properties and environment, from the stand-in of the chart's templates ------

def nessie(t: Tier, release: str = "nessie", values: dict | None = None, timeout: float = 120) -> tuple:
    values = values if values is not None else t.gen.releases["nessie"]["values"]
    rendered = configmap_standin.render(values, release)
    full = configmap_standin.fullname(values, release)
    pod = t.cluster.add(full, [t.svc(full), t.svc(f"{full}-mgmt")])
    (pod.dir / "config").mkdir(exist_ok=True)
    props = configmap_standin.application_properties(rendered)
    (pod.dir / "config" / "application.properties").write_text(props)
    (pod.dir / "tmp").mkdir(exist_ok=True)
    env = {"HOME": str(pod.dir)}
    for e in rendered["env"]:
        env[e["name"]] = e["value"] if "value" in e else t.secret(e["secret"], e["key"])
    # The image's launcher adds JAVA_OPTS_APPEND to the JVM's options; the container's memory limit, which
    # the JVM would read from its cgroup, is given as MaxRAM (the heap is a share of it).
    jvm = env.pop("JAVA_OPTS_APPEND", "").split()
    limit = ((values.get("resources") or {}).get("limits") or {}).get("memory")
    if limit:
        jvm.append(f"-XX:MaxRAM={quantity_bytes(limit)}")
        t.limits[full] = quantity_bytes(limit)
    for p in (pod.dir, pod.dir / "config", pod.dir / "tmp"):
        os.chown(p, NESSIE_UID, NESSIE_UID)
    java = Path(pins()["DATAPATH_JAVA_HOME"]) / "bin" / "java"
    # The image has the jar in /deployments; here the cache directory is bound into the pod (the cache
    # may sit under a home directory the pod's user cannot enter).
    deployments = pod.dir / "deployments"
    deployments.mkdir(exist_ok=True)
    t.cluster.bind(pod, t.bins.parent / f"nessie-{pins()['NESSIE_VERSION']}", deployments)
    jar = deployments / f"nessie-quarkus-{pins()['NESSIE_VERSION']}-runner.jar"
    t.cluster.start(pod, full, [str(java), *jvm, f"-Djava.io.tmpdir={pod.dir / 'tmp'}", "-jar", str(jar)], env,
                    launcher=["setpriv", f"--reuid={NESSIE_UID}", f"--regid={NESSIE_UID}", "--clear-groups", "--"])
    shown = props + "".join(f"env {e['name']}=" + (e["value"] if "value" in e else f"<Secret {e['secret']} key {e['key']}>") + "\n"
                            for e in rendered["env"])
    return pod, full, shown, rendered


def nessie_ready(t: Tier, full: str, port: int, timeout: float = 150) -> str:
    """Ready as the chart's readinessProbe sees it; DOWN for 20 s once it answers ends the wait."""
    def down_with_error(status, body, answering):
        return status == 503 and answering > 20 and '"DOWN"' in body
    return wait_http(f"http://{t.svc(full + '-mgmt')}:{port}/q/health/ready", timeout, give_up=down_with_error,
                     process=t.cluster.record.data["processes"].get(full))


def iceberg(t: Tier, full: str, port: int, namespace: str, table: str) -> dict:
    # The venv lab/build-datapath.sh made for this requirements file (the cache may hold others' too).
    key = hashlib.sha256((REPO / "requirements" / "datapath.txt").read_bytes()).hexdigest()[:12]
    py = t.bins.parent / f"venv-{key}" / "bin" / "python"
    proc = subprocess.run([str(py), str(Path(__file__).parent / "clients" / "iceberg_client.py"),
                           "--uri", f"http://{t.svc(full)}:{port}/iceberg", "--warehouse",
                           t.gen.releases["nessie"]["values"]["catalog"]["iceberg"]["defaultWarehouse"],
                           "--namespace", namespace, "--table", table],
                          capture_output=True, text=True, check=False, timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    if proc.returncode != 0:
        raise HopFailed(f"pyiceberg through {t.svc(full)}:{port}/iceberg: {proc.stderr.strip()[-2500:]}")
    return json.loads(proc.stdout)


# --- Kafka: the openlakes-kafka chart's Kafka as Strimzi runs it, its users, and a client of the platform's ---------

sys.path.insert(0, str(REPO / "tests" / "standin-charts" / "strimzi-kafka-operator"))
import broker_standin  # noqa: E402  (stand-in of what Strimzi's operator writes for each broker)

KAFKA_UID = 1001        # the Strimzi Kafka image's user


def render_kafka_chart(t: Tier) -> dict:
    """The custom resources charts/openlakes-kafka renders from the plan's values of the `kafka` release."""
    rel = t.gen.releases["kafka"]
    values = t.cluster.root / "kafka-values.yaml"
    values.write_text(yaml.safe_dump(rel["values"]))
    proc = subprocess.run([str(t.bins / "helm"), "template", "kafka", rel["chart"]["path"], "--namespace", rel["namespace"],
                           "-f", str(values)], capture_output=True, text=True, check=False)
    values.unlink()
    if proc.returncode != 0:
        raise HopFailed(f"helm template charts/openlakes-kafka: {proc.stderr}")
    return broker_standin.resources([d for d in yaml.safe_load_all(proc.stdout) if d])


def kafka(t: Tier, crs: dict) -> list:
    """One pod per node (`<cluster>-<pool>-<id>`, answering to its name under the headless brokers Service; the first
    one also to the bootstrap Service), its log directory formatted (KRaft) and the broker started, as the image's
    launcher does, with the stand-in operator's server.properties. Returns [(pod, process name, properties)]."""
    import base64
    import uuid

    cluster = crs["Kafka"]["metadata"]["name"]
    cached = t.bins.parent / f"kafka-{pins()['KAFKA_VERSION']}" / "libs"
    cluster_id = base64.urlsafe_b64encode(uuid.uuid5(uuid.NAMESPACE_DNS, cluster).bytes).decode().rstrip("=")
    out = []
    for index, (pool, node_id, _roles) in enumerate(broker_standin.nodes(crs)):
        name = f"{cluster}-{pool}-{node_id}"
        fqdn = broker_standin.broker_host(cluster, pool, node_id, t.gen.namespace) + ".cluster.local"
        pod = t.cluster.add(name, [fqdn] + ([t.svc(f"{cluster}-kafka-bootstrap")] if index == 0 else []))
        data = pod.dir / "data-0"
        data.mkdir(exist_ok=True)
        props = broker_standin.broker_properties(crs, node_id, t.gen.namespace, str(data / f"kafka-log{node_id}"))
        conf = pod.dir / "server.properties"
        conf.write_text(broker_standin.properties_text(props))
        for p in (pod.dir, data, conf):
            os.chown(p, KAFKA_UID, KAFKA_UID)
        # The image has its jars in /opt/kafka/libs; here the cache directory is bound into the pod (the cache may sit
        # under a home directory the pod's user cannot enter).
        libs = pod.dir / "libs"
        libs.mkdir(exist_ok=True)
        t.cluster.bind(pod, cached, libs)
        classpath = ":".join(str(libs / j.name) for j in sorted(cached.glob("*.jar")))
        as_kafka = ["setpriv", f"--reuid={KAFKA_UID}", f"--regid={KAFKA_UID}", "--clear-groups", "--"]
        fmt = subprocess.run(pod.enter() + as_kafka + ["/usr/bin/java", "-cp", classpath, "kafka.tools.StorageTool", "format",
                                                       "--config", str(conf), "--cluster-id", cluster_id, "--ignore-formatted"],
                             capture_output=True, text=True, check=False, timeout=120)
        if fmt.returncode != 0:
            raise HopFailed(f"kafka-storage format for {name}: {fmt.stdout[-1500:]} {fmt.stderr[-1500:]}")
        heap = []
        limit = ((crs["KafkaNodePool"][0]["spec"].get("resources") or {}).get("limits") or {}).get("memory")
        if limit:
            heap.append(f"-XX:MaxRAM={quantity_bytes(limit)}")
            t.limits[name] = quantity_bytes(limit)
        xx = ((crs["KafkaNodePool"][0]["spec"].get("jvmOptions") or {}).get("-XX") or {})
        heap += [f"-XX:+{k}" if v == "true" else f"-XX:{k}={v}" for k, v in xx.items()]
        t.cluster.start(pod, name, ["/usr/bin/java", *heap, f"-Djava.io.tmpdir={pod.dir}", "-cp", classpath, "kafka.Kafka",
                                    str(conf)], {"HOME": str(pod.dir)}, launcher=as_kafka)
        out.append((pod, name, props))
    return out


def kafka_client(t: Tier, action: str, bootstrap: str, protocol: str, mechanism: str = "", user: str = "",
                 password: str | None = None, stdin: str | None = None, timeout: float = 30, **extra) -> dict:
    """tests/datapath/clients/kafka_client.py in a pod of its own (`kafka-client`), the password in a file only
    that run reads."""
    py = next(t.bins.parent.glob("venv-*/bin/python"))
    pod = t.cluster.pods.get("kafka-client") or t.cluster.add("kafka-client", [])
    argv = [str(py), str(Path(__file__).parent / "clients" / "kafka_client.py"), action, "--bootstrap", bootstrap,
            "--security-protocol", protocol, "--timeout", str(timeout)]
    pw_file = pod.dir / "password"
    if mechanism:
        pw_file.write_text(password or "")
        pw_file.chmod(0o600)
        argv += ["--mechanism", mechanism, "--user", user, "--password-file", str(pw_file)]
    for k, v in extra.items():
        argv += [f"--{k.replace('_', '-')}", str(v)]
    try:
        proc = subprocess.run(pod.enter() + argv, input=stdin, capture_output=True, text=True, check=False,
                              timeout=timeout * 3 + 30, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    finally:
        pw_file.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise HopFailed(f"kafka client {action} through {bootstrap}: {(proc.stderr or proc.stdout).strip()[-2000:]}")
    return json.loads(proc.stdout)


def kafka_ready(t: Tier, bootstrap: str, name: str, timeout: float = 90) -> dict:
    """The broker answers metadata on its replication listener (what Strimzi's operator and User Operator use)."""
    deadline, last = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        if not running(t.cluster.record.data["processes"][name]):
            raise HopFailed(f"the broker {name} exited")
        try:
            return kafka_client(t, "metadata", bootstrap, "PLAINTEXT", timeout=10)
        except HopFailed as exc:
            last = str(exc)
            time.sleep(1)
    raise HopFailed(f"the broker {name} did not answer on {bootstrap} within {timeout:.0f}s: {last}")
