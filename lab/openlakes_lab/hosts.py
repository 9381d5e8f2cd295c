"""Lab hosts: Debian systemd containers under podman, each with its own loop-device disks.

The hosts are never privileged: each gets CAP_SYS_ADMIN and only its own loop
devices (`--device`), so a wrong device path inside a host cannot reach the
machine's disk or another host's disks (LAB.md section 2).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .state import LabError, Record, cache_dir, podman_env, run, state_dir

LABEL = "io.openlakes.lab"
NETWORK = "openlakes-lab"
SUBNET = "10.89.77.0/24"
IMAGE_REPO = "localhost/openlakes-lab-debian"
# What debootstrap puts into a host image: the minimum for Ansible and systemd.
# (python3-apt: Ansible's apt module needs it, as on any Debian or Ubuntu server.)
# Everything the platform needs on a host is installed by the node-prep role.
IMAGE_PACKAGES = ["python3", "python3-apt", "systemd", "systemd-sysv", "iproute2", "ca-certificates"]
DISK_SIZE = 1 << 30


@dataclass(frozen=True)
class Disk:
    name: str  # the stable link inside the host: /dev/disk/by-id/lab-<name>
    size: int = DISK_SIZE


@dataclass(frozen=True)
class Host:
    name: str
    release: str = "bookworm"
    disks: tuple[Disk, ...] = (Disk("hot1"), Disk("hot2"), Disk("longhorn1"))

    @property
    def container(self) -> str:
        return f"openlakes-{self.name}"


def default_hosts() -> list[Host]:
    releases = os.environ.get("OPENLAKES_LAB_RELEASES", "bookworm,bookworm,trixie").split(",")
    return [Host(f"lab-node-{i + 1}", rel.strip()) for i, rel in enumerate(releases)]


def podman(*args: str, check: bool = True):
    return run(["podman", *args], check=check, env=podman_env())


# --- images -----------------------------------------------------------------

def image_ref(release: str) -> str:
    key = hashlib.sha256(" ".join([release, *IMAGE_PACKAGES]).encode()).hexdigest()[:8]
    return f"{IMAGE_REPO}:{release}-{key}"


def ensure_image(release: str, log=print) -> str:
    """Build the host image from Debian's archive with debootstrap (no registry can be reached)."""
    ref = image_ref(release)
    if podman("image", "exists", ref, check=False).returncode == 0:
        return ref
    tarball = cache_dir() / "images" / f"{ref.split(':')[1]}.tar"
    if not tarball.exists():
        rootfs = cache_dir() / "images" / f"rootfs-{release}.tmp"
        shutil.rmtree(rootfs, ignore_errors=True)
        rootfs.parent.mkdir(parents=True, exist_ok=True)
        log(f"debootstrap {release} (about 40 s)")
        run(["debootstrap", "--variant=minbase", f"--include={','.join(IMAGE_PACKAGES)}",
             release, str(rootfs), "http://deb.debian.org/debian"])
        # An image-wide apt setting so package installs inside hosts stay lean.
        (rootfs / "etc/apt/apt.conf.d/90openlakes-lab").write_text('APT::Install-Recommends "false";\n')
        (rootfs / "etc/hostname").write_text("")
        run(["tar", "-C", str(rootfs), "-cf", str(tarball) + ".tmp", "."])
        os.replace(str(tarball) + ".tmp", tarball)
        shutil.rmtree(rootfs, ignore_errors=True)
    log(f"podman import {ref}")
    podman("import", "--change", "CMD=/sbin/init", str(tarball), ref)
    return ref


# --- disks ------------------------------------------------------------------

def _loop_backing(dev: str) -> str | None:
    p = Path("/sys/block") / Path(dev).name / "loop" / "backing_file"
    try:
        return p.read_text().strip()
    except OSError:
        return None


def attach_disk(path: Path, size: int) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        with open(path, "wb") as fh:
            fh.truncate(size)
    for line in run(["losetup", "-j", str(path)]).stdout.splitlines():
        return line.split(":", 1)[0]
    return run(["losetup", "-f", "--show", str(path)]).stdout.strip()


def detach_disk(dev: str, path: str) -> None:
    """Detach a loop device only while it is still backed by our own file."""
    backing = _loop_backing(dev)
    if backing and Path(backing.removesuffix(" (deleted)")) == Path(path):
        run(["losetup", "-d", dev], check=False)


def attach_disks(prefix: str, disks) -> dict:
    """Loop disks for one host, backed by <state>/disks/<prefix>-<name>.img: {name: {file, device}}."""
    out = {}
    for disk in disks:
        img = state_dir() / "disks" / f"{prefix}-{disk.name}.img"
        out[disk.name] = {"file": str(img), "device": attach_disk(img, disk.size)}
    return out


def release_disks(disks: dict) -> None:
    """Detach and delete what attach_disks made (only devices still backed by our files)."""
    for disk in disks.values():
        detach_disk(disk["device"], disk["file"])
        Path(disk["file"]).unlink(missing_ok=True)


MOLECULE_DISKS = (Disk("hot1"), Disk("hot2"), Disk("longhorn1"), Disk("spare"))


def disk_set_up(set_name: str, host_names: list) -> dict:
    """Loop disks for hosts that something else creates (molecule): {host: {disk: device}}."""
    rec = Record.load(f"disks-{set_name}")
    rec.data.setdefault("hosts", {})
    for host in host_names:
        rec.data["hosts"][host] = attach_disks(f"{set_name}-{host}", MOLECULE_DISKS)
        rec.save()
    return {h: {d: v["device"] for d, v in e.items()} for h, e in rec.data["hosts"].items()}


def disk_set_down(set_name: str) -> None:
    rec = Record.load(f"disks-{set_name}")
    for disks in rec.data.get("hosts", {}).values():
        release_disks(disks)
    rec.clear()


# --- hosts ------------------------------------------------------------------

def ensure_network() -> None:
    if podman("network", "exists", NETWORK, check=False).returncode != 0:
        podman("network", "create", "--label", f"{LABEL}=1", "--subnet", SUBNET, NETWORK)


def _tmpfiles(disks: dict[str, str]) -> str:
    lines = ["# Stable disk links for this lab host (the lab's stand-in for udev by-id links)."]
    lines += [f"L+ /dev/disk/by-id/lab-{name} - - - - {dev}" for name, dev in sorted(disks.items())]
    return "\n".join(lines) + "\n"


def up(hosts: list[Host] | None = None, log=print) -> dict:
    hosts = hosts or default_hosts()
    rec = Record.load("hosts")
    rec.data.setdefault("hosts", {})
    ensure_network()
    for host in hosts:
        image = ensure_image(host.release, log)
        entry = rec.data["hosts"].setdefault(host.name, {"disks": {}})
        entry.update(container=host.container, release=host.release, image=image)
        entry["disks"] = attach_disks(host.name, host.disks)
        rec.save()
        devices = sorted(d["device"] for d in entry["disks"].values())
        current = _lab_container(host.container)
        if current and (current != entry.get("id") or entry.get("devices") != devices):
            # Ours (labelled) but not as recorded: left by an interrupted start, or made for other loop
            # devices. It cannot be given new devices, so it is replaced (removed by its ID).
            podman("rm", "-f", "-t", "2", current, check=False)
            log(f"replaced stale host container {host.container} ({current[:12]})")
            current = ""
        if not current:
            argv = ["create", "--name", host.container, "--hostname", host.name,
                    "--label", f"{LABEL}=1", "--network", NETWORK, "--network-alias", host.name,
                    "--systemd=always", "--cap-add", "SYS_ADMIN", "--tmpfs", "/run/lock"]
            for dev in devices:
                argv += ["--device", dev]
            argv += [image, "/sbin/init"]
            # Recorded before it starts, so a failed start still leaves a container `down` can remove.
            entry["id"], entry["devices"] = podman(*argv).stdout.strip(), devices
            rec.save()
            podman("start", entry["id"])
            log(f"started host {host.name} ({host.release}) as container {entry['id'][:12]}")
        else:
            podman("start", current)
        conf = _tmpfiles({n: d["device"] for n, d in entry["disks"].items()})
        _exec_write(host.container, "/etc/tmpfiles.d/openlakes-lab-disks.conf", conf)
        podman("exec", host.container, "systemd-tmpfiles", "--create", "/etc/tmpfiles.d/openlakes-lab-disks.conf")
    for host in hosts:
        wait_running(host.container)
    return rec.data


def _lab_container(name: str) -> str:
    """The ID of the lab's own container of that name (it carries the lab's label), or ''."""
    proc = podman("container", "inspect", "--format", "{{.Id}} {{index .Config.Labels \"" + LABEL + "\"}}", name,
                  check=False)
    cid, _sep, label = proc.stdout.strip().partition(" ")
    return cid if proc.returncode == 0 and label == "1" else ""


def _exec_write(container: str, path: str, content: str) -> None:
    run(["podman", "exec", "-i", container, "sh", "-c", f"cat > {path}"], input=content, env=podman_env())


def wait_running(container: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    state = ""
    while time.monotonic() < deadline:
        state = podman("exec", container, "systemctl", "is-system-running", check=False).stdout.strip()
        if state in ("running", "degraded"):
            return
        time.sleep(0.5)
    raise LabError(f"host {container}: systemd did not come up (state {state!r})")


def down(log=print) -> None:
    rec = Record.load("hosts")
    for name, entry in rec.data.get("hosts", {}).items():
        cid = entry.get("id")
        if cid:
            podman("rm", "-f", "-t", "2", cid, check=False)
            log(f"removed host {name} ({cid[:12]})")
        release_disks(entry.get("disks", {}))
    if rec.data.get("hosts"):
        podman("network", "rm", NETWORK, check=False)
    rec.clear()
