"""Layer 02's servers in the data path tier, configured from what the collection generates (adapter.py):

- Trino: the coordinator and one worker, each in a pod of its own, with the files Trino chart 1.42.2
  writes from the collection's values (the stand-in of its templates, tests/standin-charts/trino/
  configmap_standin.py) and the environment its Deployments give from Secrets. The chart's own paths
  (/etc/trino, /data/trino, /usr/lib/trino/plugin) are the pod's directories. Clients talk to it as
  Traefik does: plain HTTP with X-Forwarded-Proto/Host (`TrinoClient`).
- Spark: a driver in local mode (`local[2]`) in a pod of its own, on pyspark with the jars of the
  collection's image (lab/build-datapath.sh), its SPARK_CONF_DIR holding spark-defaults.conf exactly as
  charts/openlakes-spark renders it, less the `spark.kubernetes.*` lines (no Kubernetes here); Spark's
  MinIO user reaches it as the environment those lines ask the driver pod for.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml

from ansible_collections.openlakes.core.plugins.module_utils._platform import quantity_bytes
import adapter
from pods import Pod
from servers import REPO, HopFailed, Tier, pins, running

trino_chart = adapter.values_configs.standin("trino")   # the stand-in of the Trino chart's templates

TRINO_PINNED = "480 (chart 1.42.2, docker.io/trinodb/trino:480)"
SPARK_UID = 185                     # the Spark image's user
K8S_ONLY = "spark.kubernetes."      # spark-defaults.conf lines for the operator's pods, not a local driver


# --- Trino -----------------------------------------------------------------------------------------

def trino_dir() -> str:
    """The server's directory in the cache, as lab/build-datapath.sh names it (version and plugins kept)."""
    p = pins()
    return f"trino-{p['TRINO_VERSION']}-{hashlib.sha256((p['TRINO_PLUGINS'] + chr(10)).encode()).hexdigest()[:8]}"


def trino_files(t: Tier, pod_dir: Path | None = None, values: dict | None = None, release: str = "trino") -> dict:
    """The chart's rendering for the release's values (or `values`); with `pod_dir`, the chart's paths are the pod's."""
    paths = None
    if pod_dir is not None:
        paths = {"etc": str(pod_dir / "etc"), "data": str(pod_dir / "data"), "plugin": str(pod_dir / "trino" / "plugin")}
    return trino_chart.render(t.gen.releases["trino"]["values"] if values is None else values, release, paths)


def trino(t: Tier, role: str, values: dict | None = None, release: str = "trino") -> tuple:
    """Start the coordinator (`role` "coordinator") or one worker; returns (pod, process name, files shown)."""
    full = trino_files(t, values=values, release=release)["fullname"]
    name = f"{full}-{role}"
    # The coordinator is the Service `trino`; the worker is reached by its address, as it announces it.
    pod = t.cluster.add(name, [t.svc(full)] if role == "coordinator" else [])
    rendered = trino_files(t, pod.dir, values, release)
    uid, gid = rendered["uid"], rendered["gid"]
    etc, data = pod.dir / "etc", pod.dir / "data"
    (etc / "catalog").mkdir(parents=True, exist_ok=True)
    data.mkdir(exist_ok=True)
    for fname, text in rendered[role].items():
        (etc / fname).write_text(text)
    for cat, text in rendered["catalogs"].items():
        (etc / "catalog" / f"{cat}.properties").write_text(text)
    if role == "coordinator" and rendered["password_secret"]:
        # The Secret volume at <etc>/auth: a file per key, readable by the pod's group (fsGroup-like).
        auth = etc / "auth"
        auth.mkdir(exist_ok=True)
        for key, value in t.gen.secrets[rendered["password_secret"]].items():
            (auth / key).write_text(value)
            os.chown(auth / key, 0, gid)
            (auth / key).chmod(0o440)
    for p in (pod.dir, data):
        os.chown(p, uid, gid)
    env = {"HOME": str(pod.dir), "JAVA_HOME": pins()["DATAPATH_JAVA_HOME"]}
    for e in rendered["env"]:
        env[e["name"]] = e["value"] if "value" in e else t.secret(e["secret"], e["key"])
    install = pod.dir / "trino"
    install.mkdir(exist_ok=True)
    t.cluster.bind(pod, t.bins.parent / trino_dir(), install)
    argv = [str(install / "bin" / "launcher"), "run", f"--etc-dir={etc}", f"-Dnode.id={name}"]  # as the image's run-trino
    limit = (rendered["resources"][role].get("limits") or {}).get("memory")
    if limit:  # what the JVM would read from the container's cgroup
        argv.append(f"-J-XX:MaxRAM={quantity_bytes(limit)}")
        t.limits[name] = quantity_bytes(limit)
    java = str(Path(pins()["DATAPATH_JAVA_HOME"]) / "bin" / "java")
    t.cluster.start(pod, name, argv, env, exe=java,
                    launcher=["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"])
    shown = "".join(f"--- etc/{f}\n{text}" for f, text in rendered[role].items())
    shown += "".join(f"--- etc/catalog/{c}.properties\n{text}" for c, text in rendered["catalogs"].items())
    shown += "".join(f"env {e['name']}=<Secret {e['secret']} key {e['key']}>\n" for e in rendered["env"] if "secret" in e)
    return pod, name, shown


def trino_started(t: Tier, name: str, timeout: float = 180) -> None:
    """`======== SERVER STARTED ========` in its log; a process that ends first has refused its configuration."""
    entry = t.cluster.record.data["processes"][name]
    log = t.cluster.log(name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if "======== SERVER STARTED ========" in text:
            return
        if not running(entry):
            # The first ERROR and Guice's numbered causes ("1) [Guice/...]: ...") say why.
            lines = text.splitlines()
            errors = [line.split("]: ", 1)[-1][:300] for line in lines if line[:1].isdigit() and ") [" in line[:6]][:2]
            errors += [line.split("\t")[-1] for line in lines if "\tERROR\t" in line][:1]
            raise HopFailed(f"{name} exited before it started: " + (" | ".join(errors) or "see its log"))
        time.sleep(0.5)
    raise HopFailed(f"{name} did not start within {timeout:.0f}s")


def config_warnings(t: Tier, name: str) -> list:
    """What Trino logged about the configuration it was given (deprecated or unused properties)."""
    return sorted({line.split("\t")[-1].strip()[:200] for line in t.cluster.log(name).read_text(errors="replace").splitlines()
                   if "\tWARN\t" in line and ("deprecated" in line.lower() or "not used" in line.lower())})


class TrinoError(HopFailed):
    """A refused request (HTTP status) or a failed query (status 200, Trino's error with its causes)."""

    def __init__(self, status, error):
        self.status, self.error = status, error
        if isinstance(error, dict):
            causes, info = [], error.get("failureInfo") or {}
            while info:
                causes.append(f"{info.get('type', '').rsplit('.', 1)[-1]}: {info.get('message') or ''}")
                info = info.get("cause") or {}
            text = f"{error.get('errorName', '')} {error.get('message', '')}" + "".join(f" <- {c}" for c in causes[1:])
        else:
            text = str(error)
        super().__init__(f"Trino answered {status}: {text}".strip()[:3000])

    @property
    def name(self) -> str:
        return (self.error or {}).get("errorName", "") if isinstance(self.error, dict) else ""


class TrinoClient:
    """Trino's client protocol (/v1/statement), as a client behind Traefik reaches it: Traefik terminates TLS
    and forwards plain HTTP with X-Forwarded-Proto/Host/Port. Trino then hands out https:// URIs on the UI's
    host, which this client, like the proxy, turns back into requests to the Service."""

    def __init__(self, t: Tier, user: str, password: str, forwarded: bool = True):
        values = t.gen.releases["trino"]["values"]
        self.base = f"http://{t.svc(trino_files(t)['fullname'])}:{trino_files(t)['port']}"
        self.host = values["ingress"]["hosts"][0]["host"] if (values.get("ingress") or {}).get("enabled") else None
        self.headers = {"X-Trino-User": user}
        if password is not None:
            self.headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        if forwarded:
            self.headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-Port": "443"})
            if self.host:
                self.headers["X-Forwarded-Host"] = self.host
        self.forwarded = forwarded
        self.uris: list = []

    def _call(self, method: str, url: str, body: bytes | None = None) -> dict:
        req = urllib.request.Request(url, data=body, method=method, headers=dict(self.headers, **({"Content-Type": "text/plain"} if body else {})))
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read().decode())
        except urllib.error.HTTPError as exc:
            raise TrinoError(exc.code, exc.read().decode(errors="replace")[:500]) from None

    def _proxied(self, uri: str) -> str:
        self.uris.append(uri)
        parts = urllib.parse.urlsplit(uri)
        return self.base + parts.path + (f"?{parts.query}" if parts.query else "")

    def query(self, sql: str, timeout: float = 120) -> list:
        """The rows of `sql`; a query error raises TrinoError (its errorName and message)."""
        doc = self._call("POST", self.base + "/v1/statement", sql.encode())
        rows, deadline = [], time.monotonic() + timeout
        while True:
            rows += doc.get("data") or []
            if doc.get("error"):
                raise TrinoError(200, doc["error"])
            if not doc.get("nextUri"):
                return rows
            if time.monotonic() > deadline:
                raise HopFailed(f"query not finished after {timeout:.0f}s: {sql[:200]}")
            doc = self._call("GET", self._proxied(doc["nextUri"]))


def trino_admin(t: Tier, forwarded: bool = True) -> TrinoClient:
    creds = t.gen.releases["trino"]["values"]["auth"]["passwordAuthSecret"]
    return TrinoClient(t, t.secret(creds, "admin-username"), t.secret(creds, "admin-password"), forwarded)


def wait_select_1(client: TrinoClient, timeout: float = 120) -> dict:
    """`SELECT 1` until it answers (DATAPATH.md pitfall 8: started is not yet ready: NO_NODES_AVAILABLE)."""
    deadline, seen = time.monotonic() + timeout, {}
    while True:
        try:
            if client.query("SELECT 1") == [[1]]:
                return seen
        except TrinoError as exc:
            seen[exc.name or str(exc.status)] = seen.get(exc.name or str(exc.status), 0) + 1
            if exc.name not in ("NO_NODES_AVAILABLE", "SERVER_STARTING_UP") and exc.status != 503:
                raise
        if time.monotonic() > deadline:
            raise HopFailed(f"SELECT 1 did not succeed within {timeout:.0f}s; errors seen: {seen}")
        time.sleep(1)


# --- Spark -----------------------------------------------------------------------------------------

def spark_conf(t: Tier) -> tuple:
    """(spark-defaults.conf as charts/openlakes-spark renders it for the release's values, the file the local
    driver gets, {env: (secret, key)} that the dropped spark.kubernetes.*.secretKeyRef.* lines ask for)."""
    values = t.cluster.root / "spark-values.yaml"
    values.write_text(yaml.safe_dump(t.gen.releases["spark"]["values"]))
    proc = subprocess.run([str(t.bins / "helm"), "template", "spark", str(REPO / "charts" / "openlakes-spark"),
                           "--namespace", t.gen.namespace, "-f", str(values), "--show-only", "templates/spark-defaults.yaml"],
                          capture_output=True, text=True, check=False)
    values.unlink()
    if proc.returncode != 0:
        raise HopFailed(f"helm template charts/openlakes-spark: {proc.stderr}")
    text = yaml.safe_load(proc.stdout)["data"]["spark-defaults.conf"]
    kept, env = [], {}
    for line in text.splitlines():
        key, _sep, value = line.partition(" ")
        if not key.startswith(K8S_ONLY):
            kept.append(line)
        elif ".secretKeyRef." in key:
            secret, _sep, skey = value.partition(":")
            env.setdefault(key.rsplit(".", 1)[1], set()).add((secret, skey))
    if any(len(refs) != 1 for refs in env.values()):
        raise HopFailed(f"driver and executor ask for different Secret keys: {env}")
    return text, "\n".join(kept) + "\n", {name: refs.pop() for name, refs in env.items()}


def spark_job(t: Tier, args: list, timeout: float = 420) -> tuple:
    """Run clients/spark_job.py in a driver pod; returns (results, the conf file fed, the spark.kubernetes.*
    lines left out, the environment variables those lines asked for)."""
    rendered, conf, env_refs = spark_conf(t)
    pod: Pod = t.cluster.add("spark-driver", ["spark-driver"])  # a pod's own name resolves inside it
    for d in ("conf", "tmp", "spark"):
        (pod.dir / d).mkdir(exist_ok=True)
    (pod.dir / "conf" / "spark-defaults.conf").write_text(conf)
    shutil.copy(Path(__file__).with_name("clients") / "spark_job.py", pod.dir / "spark_job.py")
    for p in (pod.dir, pod.dir / "tmp"):
        os.chown(p, SPARK_UID, SPARK_UID)
    spark = t.bins.parent / spark_dir()
    t.cluster.bind(pod, spark, pod.dir / "spark")
    # The image's /etc/passwd has its user (Hadoop's login and the JVM's user.home read it): the pod's has too.
    passwd = pod.dir / "passwd"
    passwd.write_text(Path("/etc/passwd").read_text() + f"spark:x:{SPARK_UID}:{SPARK_UID}:spark:{pod.dir}:/bin/false\n")
    t.cluster.bind(pod, passwd, Path("/etc/passwd"))
    env = {"HOME": str(pod.dir), "JAVA_HOME": pins()["SPARK_JAVA_HOME"], "SPARK_CONF_DIR": str(pod.dir / "conf"),
           "SPARK_LOCAL_DIRS": str(pod.dir / "tmp"), "TMPDIR": str(pod.dir / "tmp"),
           "SPARK_SUBMIT_OPTS": f"-Djava.io.tmpdir={pod.dir / 'tmp'}", "PYSPARK_PYTHON": str(pod.dir / "spark" / "bin" / "python")}
    for name, (secret, key) in env_refs.items():
        env[name] = t.secret(secret, key)
    out = pod.dir / "results.json"
    python = pod.dir / "spark" / "bin" / "python"
    entry = t.cluster.start(pod, "spark-driver", [str(python), str(pod.dir / "spark_job.py"), "--out", str(out), *args], env,
                            exe=os.path.realpath(spark / "bin" / "python"),
                            launcher=["setpriv", f"--reuid={SPARK_UID}", f"--regid={SPARK_UID}", "--clear-groups", "--"])
    deadline = time.monotonic() + timeout
    while running(entry) and time.monotonic() < deadline:
        t.sample()
        time.sleep(1)
    if running(entry):
        t.cluster.stop("spark-driver")
        raise HopFailed(f"the Spark job did not finish within {timeout:.0f}s")
    results = json.loads(out.read_text()) if out.exists() else {}
    dropped = [line for line in rendered.splitlines() if line.startswith(K8S_ONLY)]
    return results, conf, dropped, sorted(env_refs)


def spark_dir() -> str:
    """Spark's directory in the cache, as lab/build-datapath.sh names it (the version and jars.lock)."""
    key = hashlib.sha256((REPO / "images" / "spark" / "jars.lock").read_bytes() + f"{spark_version()}\n".encode())
    return f"spark-{spark_version()}-{key.hexdigest()[:12]}"


def spark_version() -> str:
    env = (REPO / "images" / "spark" / "image.env").read_text()
    return env.split("SPARK_VERSION=", 1)[1].split()[0]
