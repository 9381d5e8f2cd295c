"""Pods for the data path tier: each server in a network, mount and UTS namespace of its own, joined
by a veth pair to a bridge in the hub, the private network namespace this pytest runs in
(tests/run-all.sh starts it under `unshare --net --mount`). Nothing is reachable from the machine's
own network: the hub has no link to it. In-cluster names resolve through a hosts file and a
resolv.conf bind-mounted over /etc/hosts and /etc/resolv.conf inside the hub's mount namespace only
(the pods inherit them): the machine's files are never touched.

Every process is started with openlakes_lab.procs and recorded in the lab's state directory
(`datapath.json`); `down()` stops exactly those, by PID, servers first, then the pods' holders
(when a namespace's last process ends, the namespace is gone).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from openlakes_lab import procs
from openlakes_lab.state import Record

SUBNET = "10.243.7"          # pod addresses, visible only inside the hub and the pods
HUB_ADDRESS = f"{SUBNET}.1"
BRIDGE = "dp0"
RECORD = "datapath"


class PodError(RuntimeError):
    pass


def in_private_network() -> bool:
    """True when this process does not share the machine's network namespace: its only interfaces are
    loopback and the tier's own (a sandbox may forbid reading /proc/1/ns, so interfaces decide)."""
    try:
        return os.stat("/proc/self/ns/net").st_ino != os.stat("/proc/1/ns/net").st_ino
    except PermissionError:
        return all(name == "lo" or name == BRIDGE or name.startswith("vh") for _i, name in socket.if_nameindex())


def _run(argv: list[str]) -> str:
    proc = subprocess.run(argv, text=True, capture_output=True, check=False)
    if proc.returncode != 0:
        raise PodError(f"{' '.join(argv)} failed (rc={proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


@dataclass
class Pod:
    name: str
    ip: str
    holder: dict
    dir: Path

    def enter(self, *, wd: Path | None = None) -> list[str]:
        """The argv prefix that runs a program inside this pod."""
        return ["nsenter", "-t", str(self.holder["pid"]), "-n", "-m", "-u", f"--wd={wd or self.dir}", "--"]


@dataclass
class Cluster:
    """The hub and its pods. `names` maps each in-cluster name to a pod."""

    root: Path
    namespace: str
    pods: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    record: Record = field(default_factory=lambda: Record.load(RECORD))

    def up(self) -> None:
        if not in_private_network():
            raise PodError("the data path tier must run in a network namespace of its own: "
                           "run it with `make datapath` or `tests/run-all.sh datapath`")
        down()  # whatever an interrupted run left behind, by its recorded PIDs
        self.record.data = {"root": str(self.root), "processes": {}, "pods": {}}
        self.record.save()
        _run(["ip", "link", "set", "lo", "up"])
        _run(["ip", "link", "add", BRIDGE, "type", "bridge"])
        _run(["ip", "addr", "add", f"{HUB_ADDRESS}/24", "dev", BRIDGE])
        _run(["ip", "link", "set", BRIDGE, "up"])
        etc = self.root / "etc"
        etc.mkdir(parents=True, exist_ok=True)
        self._write_hosts()
        # Kubernetes gives a pod its namespace's search domains and ndots:5; nothing answers DNS here, so a
        # name missing from the hosts file fails at once, as an unknown name does in the cluster.
        (etc / "resolv.conf").write_text(
            f"search {self.namespace}.svc.cluster.local svc.cluster.local cluster.local\n"
            f"nameserver {HUB_ADDRESS}\noptions ndots:5 attempts:2 timeout:1\n")
        for name in ("hosts", "resolv.conf"):
            _run(["mount", "--bind", str(etc / name), f"/etc/{name}"])
        # The cluster's DNS (dns.py): the names of the hosts file, NXDOMAIN for any other.
        entry = procs.start("dns", [sys.executable, str(Path(__file__).with_name("dns.py")), str(etc / "hosts"), HUB_ADDRESS],
                            self.root / "logs")
        self.record.data["processes"]["dns"] = entry
        self.record.save()

    def add(self, name: str, names: list[str]) -> Pod:
        """A pod `name` answering to each of `names` (fully qualified in-cluster names)."""
        ip = f"{SUBNET}.{10 + len(self.pods)}"
        pod_dir = self.root / "pods" / name
        pod_dir.mkdir(parents=True, exist_ok=True)
        holder = procs.start(f"pod-{name}", ["unshare", "--net", "--mount", "--uts", "--propagation", "private",
                                             "--", "sleep", "infinity"], self.root / "logs",
                             exe=shutil.which("sleep"))
        self.record.data["pods"][name] = {"holder": holder, "ip": ip}
        self.record.save()
        _wait_exec(holder)
        pid = str(holder["pid"])
        veth = f"vh{len(self.pods)}"
        _run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", pid])
        _run(["ip", "link", "set", veth, "master", BRIDGE, "up"])
        inside = ["nsenter", "-t", pid, "-n", "-u", "--"]
        _run(inside + ["ip", "link", "set", "lo", "up"])
        _run(inside + ["ip", "addr", "add", f"{ip}/24", "dev", "eth0"])
        _run(inside + ["ip", "link", "set", "eth0", "up"])
        _run(inside + ["hostname", name])
        pod = Pod(name, ip, holder, pod_dir)
        self.pods[name] = pod
        for n in names:
            self.names[n] = pod
        self._write_hosts()
        return pod

    def _write_hosts(self) -> None:
        """In place (the bind mount holds the inode): FQDNs, plus the short forms a pod of this
        namespace reaches through its search domains."""
        lines = ["127.0.0.1 localhost"]
        for fqdn, pod in sorted(self.names.items()):
            aliases = [fqdn]
            suffix = ".svc.cluster.local"
            if fqdn.endswith(suffix):
                short = fqdn[:-len(suffix)]           # minio.openlakes
                aliases += [short + ".svc", short]
                if short.endswith("." + self.namespace):
                    aliases.append(short[:-len(self.namespace) - 1])  # minio
            lines.append(f"{pod.ip} {' '.join(aliases)}")
        with open(self.root / "etc" / "hosts", "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")

    def bind(self, pod: Pod, source: Path, target: Path) -> None:
        """`source` appears at `target` inside the pod only (target exists in the tier's directory)."""
        _run(["nsenter", "-t", str(pod.holder["pid"]), "-m", "--", "mount", "--bind", str(source), str(target)])

    def start(self, pod: Pod, name: str, argv: list[str], env: dict, *, wd: Path | None = None,
              launcher: list[str] | None = None, exe: str | None = None) -> dict:
        """Start argv[0] (an absolute path) in `pod`, with exactly `env` (plus PATH), recorded by PID.
        `launcher` (e.g. setpriv to drop to a user) goes between nsenter and the program; `exe` is the
        program the process ends up as, when argv[0] execs another (Trino's launcher execs java)."""
        full_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOSTNAME": pod.name, **env}
        entry = procs.start(name, pod.enter(wd=wd) + (launcher or []) + argv, self.root / "logs",
                            env=full_env, exe=exe or argv[0])
        entry["pod"] = pod.name
        self.record.data["processes"][name] = entry
        self.record.save()
        return entry

    def stop(self, name: str) -> None:
        entry = self.record.data["processes"].pop(name, None)
        if entry:
            procs.stop(entry, timeout=20)
            self.record.save()

    def log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"


def _wait_exec(entry: dict, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not procs.alive(entry):
        if time.monotonic() > deadline:
            raise PodError(f"pod holder {entry['pid']} did not start")
        time.sleep(0.02)


def down() -> list:
    """Stop what the record lists: servers first (SIGTERM, then SIGKILL after 20 s), then holders."""
    rec = Record.load(RECORD)
    stopped = []
    for name, entry in sorted((rec.data.get("processes") or {}).items()):
        if procs.stop(entry, timeout=20):
            stopped.append(name)
    for name, pod in sorted((rec.data.get("pods") or {}).items()):
        if procs.stop(pod["holder"], timeout=5):
            stopped.append(f"pod-{name}")
    rec.clear()
    return stopped
