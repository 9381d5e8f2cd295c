"""The lab's Kubernetes control plane: real etcd, kube-apiserver,
kube-controller-manager and kube-scheduler on 127.0.0.1, with kwok simulating
one Node per lab host (no real containers run; see README "What is real")."""
from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

from . import charts, pki, procs
from .state import LAB_DIR, LabError, Record, run, state_dir

FAULT_LABEL = "lab.openlakes.io/fault"
READY_DELAY_ANNOTATION = "lab.openlakes.io/ready-delay"
# Provisioners whose volumes the lab simulates (kwok volume stages): the lab's
# default StorageClass and Longhorn's CSI driver, which cannot run here.
SIMULATED_PROVISIONERS = ("lab.openlakes.io/volume", "driver.longhorn.io")
NODE_CAPACITY = {"cpu": "8", "memory": "32Gi", "pods": "110", "ephemeral-storage": "200Gi"}


def binaries(log=print) -> Path:
    log("building or reusing the lab binaries (a cold build takes 10-15 min on 2 cores)")
    proc = subprocess.run([str(LAB_DIR / "build-binaries.sh")], stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise LabError(f"building the lab binaries failed (rc={proc.returncode}); see the messages above")
    return Path(proc.stdout.strip().splitlines()[-1])


def cluster_dir() -> Path:
    return state_dir() / "cluster"


def kubeconfig_path() -> Path:
    return state_dir() / "kubeconfig"


def _kubeconfig(path: Path, server: str, pki_dir: Path, user: str) -> None:
    doc = {
        "apiVersion": "v1", "kind": "Config", "current-context": "openlakes-lab",
        "clusters": [{"name": "openlakes-lab", "cluster": {"server": server,
                                                            "certificate-authority": str(pki_dir / "ca.crt")}}],
        "users": [{"name": user, "user": {"client-certificate": str(pki_dir / f"{user}.crt"),
                                          "client-key": str(pki_dir / f"{user}.key")}}],
        "contexts": [{"name": "openlakes-lab", "context": {"cluster": "openlakes-lab", "user": user}}],
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        yaml.safe_dump(doc, fh)


# --- kwok stages --------------------------------------------------------------

def _not_faulted():
    return {"key": f'.metadata.labels["{FAULT_LABEL}"]', "operator": "DoesNotExist"}


def _provisioned_by_lab(field: str) -> dict:
    names = ", ".join(f"'{p}'" for p in SIMULATED_PROVISIONERS)
    return {"cel": {"expression": (f"has(self.metadata.annotations) && '{field}' in self.metadata.annotations"
                                   f" && self.metadata.annotations['{field}'] in [{names}]")}}


def stages(kwok_stages: Path, ready_delay_ms: int) -> list[dict]:
    """kwok's own stages, adapted: faulted objects are left to the fault stages,
    pods become Ready after a delay, and volumes of the simulated provisioners bind."""
    docs: list[dict] = []

    def load(rel: str) -> dict:
        return yaml.safe_load((kwok_stages / rel).read_text())

    for rel in ("node/fast/node-initialize.yaml", "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml"):
        st = load(rel)
        st["spec"]["selector"]["matchExpressions"].append(_not_faulted())
        docs.append(st)
    ready = load("pod/fast/pod-ready.yaml")
    ready["spec"]["selector"]["matchExpressions"].append(_not_faulted())
    ready["spec"]["delay"] = {"durationMilliseconds": ready_delay_ms,
                              "durationFrom": {"expressionFrom": f'.metadata.annotations["{READY_DELAY_ANNOTATION}"]'}}
    docs += [ready, load("pod/fast/pod-complete.yaml"), load("pod/fast/pod-delete.yaml")]
    for rel in ("pvc-provision.yaml", "pvc-delete.yaml", "pv-bind.yaml", "pv-delete.yaml"):
        st = load(f"volume/fast/{rel}")
        exprs = st["spec"]["selector"]["matchExpressions"]
        kind = st["spec"]["resourceRef"]["kind"]
        field = "volume.kubernetes.io/storage-provisioner" if kind == "PersistentVolumeClaim" else "pv.kubernetes.io/provisioned-by"
        exprs[:] = [e for e in exprs if "kwok-volume" not in e.get("cel", {}).get("expression", "")]
        exprs.insert(0, _provisioned_by_lab(field))
        docs.append(st)
    docs += list(yaml.safe_load_all((LAB_DIR / "kwok" / "fault-stages.yaml").read_text()))
    return docs


# --- lifecycle -----------------------------------------------------------------

def _wait_ready(server: str, pki_dir: Path, timeout: float = 60) -> None:
    ctx = ssl.create_default_context(cafile=str(pki_dir / "ca.crt"))
    ctx.load_cert_chain(str(pki_dir / "admin.crt"), str(pki_dir / "admin.key"))
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{server}/readyz", context=ctx, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception as exc:  # noqa: BLE001 - keep the last error for the message
            last = exc
        time.sleep(0.3)
    raise LabError(f"kube-apiserver at {server} not ready after {timeout:.0f}s: {last}")


def up(host_names: list[str], log=print) -> dict:
    rec = Record.load("cluster")
    procs_rec = rec.data.get("processes", {})
    if procs_rec and all(procs.alive(p) for p in procs_rec.values()):
        log(f"cluster already running ({rec.data['server']})")
        _platform_files(Path(rec.data["bin"]), log)
        return rec.data
    if procs_rec:
        down(log)
        rec = Record.load("cluster")
    started = time.monotonic()
    bindir = binaries(log)
    cdir = cluster_dir()
    pki_dir = cdir / "pki"
    pki.ensure(pki_dir)
    ports = {name: procs.free_port() for name in ("etcd", "etcd_peer", "apiserver", "kcm", "scheduler", "kwok")}
    server = f"https://127.0.0.1:{ports['apiserver']}"
    rec.data = {"server": server, "ports": ports, "bin": str(bindir), "processes": {}}
    rec.save()
    for user in ("admin", "controller-manager", "scheduler"):
        _kubeconfig(cdir / f"{user}.kubeconfig", server, pki_dir, user)
    shutil.copy(cdir / "admin.kubeconfig", kubeconfig_path())
    os.chmod(kubeconfig_path(), 0o600)
    logs = cdir / "logs"

    def start(name, argv):
        rec.data["processes"][name] = procs.start(name, [str(bindir / argv[0]), *argv[1:]], logs)
        rec.save()

    etcd_url = f"http://127.0.0.1:{ports['etcd']}"
    start("etcd", ["etcd", "--name=lab", f"--data-dir={cdir / 'etcd'}",
                   f"--listen-client-urls={etcd_url}", f"--advertise-client-urls={etcd_url}",
                   f"--listen-peer-urls=http://127.0.0.1:{ports['etcd_peer']}",
                   f"--initial-advertise-peer-urls=http://127.0.0.1:{ports['etcd_peer']}",
                   f"--initial-cluster=lab=http://127.0.0.1:{ports['etcd_peer']}",
                   "--listen-metrics-urls=", "--unsafe-no-fsync", "--log-level=warn"])
    p = str(pki_dir)
    start("kube-apiserver", [
        "kube-apiserver", f"--etcd-servers={etcd_url}", "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1", f"--secure-port={ports['apiserver']}",
        f"--tls-cert-file={p}/apiserver.crt", f"--tls-private-key-file={p}/apiserver.key",
        f"--client-ca-file={p}/ca.crt", "--authorization-mode=Node,RBAC",
        f"--service-account-key-file={p}/sa.pub", f"--service-account-signing-key-file={p}/sa.key",
        "--service-account-issuer=https://kubernetes.default.svc", "--service-cluster-ip-range=10.96.0.0/16",
        "--endpoint-reconciler-type=none", "--allow-privileged=true", "--v=0"])
    _wait_ready(server, pki_dir)
    start("kube-controller-manager", [
        "kube-controller-manager", f"--kubeconfig={cdir}/controller-manager.kubeconfig",
        f"--authentication-kubeconfig={cdir}/controller-manager.kubeconfig",
        f"--authorization-kubeconfig={cdir}/controller-manager.kubeconfig",
        "--bind-address=127.0.0.1", f"--secure-port={ports['kcm']}", "--leader-elect=false",
        f"--service-account-private-key-file={p}/sa.key", f"--root-ca-file={p}/ca.crt",
        f"--cluster-signing-cert-file={p}/ca.crt", f"--cluster-signing-key-file={p}/ca.key",
        "--use-service-account-credentials=true", "--controllers=*,-nodeipam,-cloud-node-lifecycle",
        # kwok renews the simulated nodes' leases; on a busy 2-core machine it can fall behind the default
        # 40 s, and a node would go NotReady without any fault. Injected faults set the status directly.
        "--node-monitor-grace-period=5m"])
    start("kube-scheduler", [
        "kube-scheduler", f"--kubeconfig={cdir}/scheduler.kubeconfig",
        f"--authentication-kubeconfig={cdir}/scheduler.kubeconfig",
        f"--authorization-kubeconfig={cdir}/scheduler.kubeconfig",
        "--bind-address=127.0.0.1", f"--secure-port={ports['scheduler']}", "--leader-elect=false"])
    delay = int(os.environ.get("OPENLAKES_LAB_READY_DELAY_MS", "1000"))
    stage_file = cdir / "kwok-stages.yaml"
    stage_file.write_text(yaml.safe_dump_all(stages(bindir / "kwok-stages", delay)))
    start("kwok", ["kwok", f"--kubeconfig={cdir}/admin.kubeconfig", f"--config={stage_file}",
                   "--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                   # The heartbeat stage above expects node Leases: without them the node controller sees every
                   # node silent and, after its grace period, marks every pod NotReady (seen 5 min into a run).
                   "--node-lease-duration-seconds=40",
                   "--cidr=10.244.0.0/16", "--node-ip=10.89.77.1",
                   f"--server-address=127.0.0.1:{ports['kwok']}"])
    # The operators whose pods cannot run here (operators.py says what it plays, and that it is a stand-in).
    rec.data["processes"]["operators"] = procs.start(
        "operators", [sys.executable, "-m", "openlakes_lab.operators", f"--kubeconfig={cdir}/admin.kubeconfig"], logs,
        env=dict(os.environ, PYTHONPATH=str(LAB_DIR)))
    rec.save()
    bootstrap(host_names, log)
    _platform_files(bindir, log)
    rec.data["started_seconds"] = round(time.monotonic() - started, 1)
    rec.save()
    log(f"cluster up at {server} in {rec.data['started_seconds']}s; KUBECONFIG={kubeconfig_path()}")
    return rec.data


LAB_CONFIG = LAB_DIR.parent / "inventories" / "lab" / "core-config.yaml"


def _platform_files(bindir: Path, log) -> None:
    """What the lab's core-config.yaml and inventory name: helm, the chart mirror, the TLS certificate
    (for the domain that core-config.yaml gives)."""
    charts.link_helm(bindir / "helm")
    charts.build_mirror(bindir / "helm", log)
    pki.ensure_wildcard(state_dir() / "tls", yaml.safe_load(LAB_CONFIG.read_text())["networking"]["domain"])


def bootstrap(host_names: list[str], log=print) -> None:
    """One Node per lab host, a default StorageClass, and wait for the nodes to be Ready."""
    from kubernetes import client, config

    api_client = config.new_client_from_config(str(kubeconfig_path()))
    core = client.CoreV1Api(api_client)
    storage = client.StorageV1Api(api_client)
    existing = {n.metadata.name for n in core.list_node().items}
    for name in host_names:
        if name in existing:
            continue
        core.create_node({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
                         "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                    "kubernetes.io/arch": "amd64", "type": "kwok"}},
            "status": {"capacity": NODE_CAPACITY, "allocatable": NODE_CAPACITY},
        })
    if not any(sc.metadata.name == "standard" for sc in storage.list_storage_class().items):
        storage.create_storage_class({
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": SIMULATED_PROVISIONERS[0], "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        nodes = core.list_node().items
        ready = [n.metadata.name for n in nodes
                 if any(c.type == "Ready" and c.status == "True" for c in (n.status.conditions or []))]
        if set(host_names) <= set(ready):
            # The ServiceAccount controller creates "default" in each namespace; pods need it.
            while not core.list_namespaced_service_account("default").items and time.monotonic() < deadline:
                time.sleep(0.2)
            return
        time.sleep(0.3)
    raise LabError(f"lab nodes not Ready after 60s: want {host_names}")


def down(log=print) -> None:
    rec = Record.load("cluster")
    for name in ("operators", "kwok", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"):
        entry = rec.data.get("processes", {}).get(name)
        if entry and procs.stop(entry):
            log(f"stopped {name} (pid {entry['pid']})")
    shutil.rmtree(cluster_dir(), ignore_errors=True)
    kubeconfig_path().unlink(missing_ok=True)
    rec.clear()
