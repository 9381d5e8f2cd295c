# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preparing data disks, safely. Private to this collection.

`inspect()` gathers what the host knows of a device (real path, whether it is
the root or boot disk, mounts, partitions, signatures, serial); `decide()` is
pure: from that and the desired filesystem and label it says adopt, format,
wipe-and-format or refuse, and why. Nothing is ever formatted that holds a
signature, unless the configuration names the device's serial.

`disk_state()` adds what node preparation leaves on a disk (the fstab entry,
the mount by label, the marker, the data directory) and `plan()` says, from a
state alone, which steps a disk still needs and what a check of it would
report. `openlakes.core.host_facts` returns both without changing anything;
`openlakes.core.data_disks` (`prepare()`) takes the steps, re-reading each disk
first, and verifies each mount before writing to it.
"""
from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import asdict, dataclass, field

from ansible_collections.openlakes.core.plugins.module_utils import _fstab

MARKER = ".openlakes-disk"          # names the disk on its own filesystem
DATA_DIR = "data"                   # exists only on the mounted filesystem; services use <mount>/data
MOUNT_OPTIONS = "noatime,nofail,x-systemd.device-timeout=30s"
DATA_DIR_MODE = "0750"
MARKER_MODE = "0444"


@dataclass
class DeviceInfo:
    path: str                      # as configured (a stable link)
    real: str = ""                 # what it resolves to
    exists: bool = False
    is_block: bool = False
    system_disk: str = ""          # why it is the root/boot disk, when it is
    mounted_at: list = field(default_factory=list)
    partitions: list = field(default_factory=list)
    fstype: str = ""               # TYPE from blkid (filesystem, LVM2_member, crypto_LUKS, linux_raid_member, ...)
    label: str = ""
    uuid: str = ""
    pttype: str = ""               # partition table type
    serial: str = ""
    serial_source: str = ""

    def signature(self) -> str:
        parts = []
        if self.pttype:
            parts.append(f"a {self.pttype} partition table" if self.pttype != "atari" else "an atari partition table")
        if self.partitions:
            parts.append(f"partitions {', '.join(self.partitions)}")
        if self.fstype:
            desc = {"LVM2_member": "an LVM physical volume", "linux_raid_member": "a RAID member",
                    "crypto_LUKS": "a LUKS container"}.get(
                        self.fstype, f"{'an' if self.fstype[:1] in 'aeiouAEIOU' else 'a'} {self.fstype} filesystem")
            if self.label:
                desc += f" labelled '{self.label}'"
            parts.append(desc)
        return " and ".join(parts)


@dataclass
class Decision:
    action: str        # adopt | format | wipe | refuse
    message: str


def decide(dev: DeviceInfo, fstype: str, label: str, mount: str, confirm_serial: str = "", host: str = "") -> Decision:
    who = f"host {host}: " if host else ""
    name = f"{dev.path}" + (f" ({dev.real})" if dev.real and dev.real != dev.path else "")
    if not dev.exists:
        return Decision("refuse", f"{who}device {dev.path} does not exist; check the stable path in core-config.yaml "
                                  f"(ls -l /dev/disk/by-id/ on the host)")
    if not dev.is_block:
        return Decision("refuse", f"{who}{name} is not a block device")
    if dev.system_disk:
        return Decision("refuse", f"{who}refusing {name}: it is {dev.system_disk}")
    ours = dev.fstype == fstype and dev.label == label and not dev.pttype and not dev.partitions
    other_mounts = [m for m in dev.mounted_at if m != mount]
    if other_mounts:
        return Decision("refuse", f"{who}refusing {name}: it is mounted at {', '.join(other_mounts)}; "
                                  f"unmount it first if it is really meant for this purpose")
    if ours:
        return Decision("adopt", f"{name} already holds {fstype} labelled '{label}'")
    if not dev.signature():
        return Decision("format", f"{name} is empty: create {fstype} labelled '{label}'")
    if dev.mounted_at:
        return Decision("refuse", f"{who}refusing {name}: it is mounted at {dev.mounted_at[0]} and holds {dev.signature()}")
    if not confirm_serial:
        serial = f"'{dev.serial}'" if dev.serial else "(none found; see its udev properties)"
        return Decision("refuse", f"{who}refusing to format {name}: it holds {dev.signature()}. Nothing was changed. "
                                  f"If its data may be destroyed, set wipe.confirm_serial for this disk to the "
                                  f"device's serial {serial}")
    if not dev.serial or confirm_serial != dev.serial:
        return Decision("refuse", f"{who}refusing to wipe {name}: wipe.confirm_serial is '{confirm_serial}' but the "
                                  f"device's serial is '{dev.serial or 'unknown'}'. Nothing was changed")
    return Decision("wipe", f"{name}: wipe {dev.signature()} (serial {dev.serial} confirmed), then create {fstype} "
                            f"labelled '{label}'")


class HostError(Exception):
    """A command on the host failed; the message says which and why."""


@dataclass(frozen=True)
class DiskSpec:
    """One data disk as node preparation wants it (the options of openlakes.core.data_disks' disks)."""
    device: str
    mount: str
    fstype: str = "xfs"
    label: str = ""
    purpose: str = ""
    confirm_serial: str = ""
    uid: int = 0
    gid: int = 0

    @classmethod
    def from_params(cls, p: dict) -> "DiskSpec":
        owner = p.get("owner") or {}
        return cls(p["device"], p["mount"], p.get("fstype") or "xfs", p.get("label") or "", p.get("purpose") or "",
                   p.get("confirm_serial") or "", int(owner.get("uid") or 0), int(owner.get("gid") or 0))

    def fstab_entry(self) -> _fstab.Entry:
        return _fstab.Entry(f"LABEL={self.label}", self.mount, self.fstype, MOUNT_OPTIONS)

    def marker(self, host: str) -> str:
        return f"label={self.label}\npurpose={self.purpose}\nhost={host}\n"

    @property
    def marker_path(self) -> str:
        return os.path.join(self.mount, MARKER)

    @property
    def data_path(self) -> str:
        return os.path.join(self.mount, DATA_DIR)


def plan(spec: DiskSpec, state: dict, fstab: list, host: str = "") -> dict:
    """From a disk's state (disk_state()) and the host's fstab entries: the decision, the steps still to take
    (format or wipe, fstab, mount, marker, data) and the problem a check of the disk reports now ("" when none)."""
    dev = DeviceInfo(**state["device"])
    decision = decide(dev, spec.fstype, spec.label, spec.mount, spec.confirm_serial, host)
    steps = []
    if decision.action != "refuse":
        formats = decision.action in ("format", "wipe")
        if formats:
            steps.append(decision.action)
        lines = [e for e in fstab if e.path == spec.mount]
        if not lines or any(e != spec.fstab_entry() for e in lines):
            steps.append("fstab")
        if formats or state["mounted"].get("label") != spec.label:
            steps.append("mount")
        if not marker_ok(spec, state, host):
            steps.append("marker")
        if not _is(state["data"], "isdir", DATA_DIR_MODE, spec.uid, spec.gid):
            steps.append("data")
    return {"action": decision.action, "message": decision.message, "steps": steps,
            "problem": problem(spec, state, host)}


def marker_ok(spec: DiskSpec, state: dict, host: str) -> bool:
    return _is(state["marker"], "isreg", MARKER_MODE, 0, 0) and state["marker"].get("content") == spec.marker(host)


def _is(path_state: dict, kind: str, mode: str, uid: int, gid: int) -> bool:
    return bool(path_state.get(kind)) and (path_state.get("mode"), path_state.get("uid"), path_state.get("gid")) == \
        (mode, uid, gid)


def problem(spec: DiskSpec, state: dict, host: str = "", marker: bool = True) -> str:
    """Why nothing may use the disk now: not mounted with its own filesystem, or another disk's marker."""
    who = f"host {host}: " if host else ""
    mounted = state["mounted"]
    if mounted.get("label") != spec.label:
        found = " ".join(v for v in (mounted.get("label"), mounted.get("fstype")) if v) or "nothing"
        return (f"{who}{spec.mount} is not mounted (expected LABEL={spec.label}, {spec.purpose} disk {spec.device}; "
                f"found '{found}'). Nothing will use {spec.mount}/{DATA_DIR} until it is: check the disk, then "
                f"`mount {spec.mount}`.")
    if marker and f"label={spec.label}" not in (state["marker"].get("content") or ""):
        if not state["marker"].get("exists"):
            return f"{who}{spec.mount} has no marker {MARKER}: node preparation has not finished this disk"
        return f"{who}{spec.mount} holds another disk's marker"
    return ""


def occupied(spec: DiskSpec, state: dict, host: str = "") -> str:
    """The refusal when another filesystem is mounted where the disk belongs (it would be mounted over)."""
    who = f"host {host}: " if host else ""
    m = state["mounted"]
    return (f"{who}refusing to prepare {spec.device}: {spec.mount} already has {m.get('source') or 'something'} "
            f"mounted ({m.get('fstype') or 'unknown type'}, label '{m.get('label', '')}'); unmount it first if "
            f"{spec.device} is to take its place")


# --- reading the host ---------------------------------------------------------------

def blkid_probe(module):
    """`probe(device) -> dict` of blkid's low-level probe (signatures as KEY=value)."""
    blkid = module.get_bin_path("blkid", required=True)

    def probe(device):
        rc, out, err = module.run_command([blkid, "-p", "-o", "export", device])
        if rc not in (0, 2):  # 2: nothing found
            raise HostError(f"blkid -p {device} failed (rc={rc}): {err.strip()}")
        return parse_blkid_export(out)
    return probe


def path_state(path: str, content: bool = False, limit: int = 65536) -> dict:
    """What is at a path (links followed, as the file and copy modules do): type, owner, mode, and for a small
    regular file with content=True its text."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return {"exists": False}
    except OSError as exc:
        return {"exists": False, "error": str(exc)}
    out = {"exists": True, "isdir": stat.S_ISDIR(st.st_mode), "isreg": stat.S_ISREG(st.st_mode),
           "uid": st.st_uid, "gid": st.st_gid, "mode": f"{stat.S_IMODE(st.st_mode):04o}"}
    if content and out["isreg"] and st.st_size <= limit:
        with open(path, encoding="utf-8", errors="replace") as fh:
            out["content"] = fh.read()
    return out


def mount_at(path: str, dev: DeviceInfo = None, probe=None) -> dict:
    """What is mounted at path now (the top-most mount): source, fstype, label and the filesystem's size in
    bytes (findmnt's SIZE); {} when nothing is. The label comes from dev's probe when dev is the source."""
    found = [m for m in mountinfo() if m[1] == path]
    if not found:
        return {}
    maj_min, _point, fstype, source = found[-1]
    label = ""
    if dev is not None and dev.is_block and maj_min == "%d:%d" % majmin(dev.real):
        label = dev.label
    elif probe is not None and source.startswith("/dev/") and os.path.exists(source):
        try:
            label = probe(source).get("LABEL", "")
        except HostError:
            label = ""
    try:
        vfs = os.statvfs(path)
        size = vfs.f_blocks * vfs.f_frsize
    except OSError:
        size = 0
    return {"source": source, "fstype": fstype, "label": label, "size_bytes": size}


def device_size(dev: DeviceInfo) -> int:
    """The device's size in bytes (sysfs counts 512-byte sectors), 0 when it is not a block device."""
    if not dev.is_block:
        return 0
    sectors = _read(f"/sys/class/block/{sys_block_name(dev.real)}/size", "0")
    return int(sectors) * 512 if sectors.isdigit() else 0


def disk_state(spec: DiskSpec, probe) -> dict:
    """Everything about one data disk, read-only: the device (inspect()), its size, what is mounted at its mount
    point, its marker and its data directory."""
    dev = inspect(spec.device, probe)
    return {"device": asdict(dev), "size_bytes": device_size(dev), "mount": spec.mount, "label": spec.label,
            "purpose": spec.purpose, "mounted": mount_at(spec.mount, dev, probe),
            "marker": path_state(spec.marker_path, content=True), "data": path_state(spec.data_path)}


def read_file(path: str, default: str = "") -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return default


def _read(path, default=""):
    return read_file(path, default).strip()


def mountinfo():
    """(major:minor, mount point, fstype, source) of each mount, in order, from /proc/self/mountinfo."""
    for line in _read("/proc/self/mountinfo").splitlines():
        left, _sep, right = line.partition(" - ")
        parts, rest = left.split(), right.split() + ["", ""]
        if len(parts) > 4 and ":" in parts[2]:
            yield parts[2], _fstab.unescape(parts[4]), rest[0], _fstab.unescape(rest[1])


def majmin(path):
    st = os.stat(path)
    return os.major(st.st_rdev), os.minor(st.st_rdev)


def sys_block_name(real):
    """The kernel name (sda, loop3, nvme0n1p1) of a device node."""
    try:
        maj, mi = majmin(real)
    except OSError:
        return os.path.basename(real)
    link = f"/sys/dev/block/{maj}:{mi}"
    return os.path.basename(os.path.realpath(link)) if os.path.exists(link) else os.path.basename(real)


def parent_disk(name):
    """The whole disk of a partition (sda1 -> sda), or the name itself."""
    link = os.path.realpath(f"/sys/class/block/{name}")
    if os.path.exists(os.path.join(link, "partition")):
        return os.path.basename(os.path.dirname(link))
    return name


def mounts_by_device():
    """{(major, minor): [mount points]} from /proc/self/mountinfo."""
    out = {}
    for maj_min, point, _fstype, _source in mountinfo():
        maj, mi = maj_min.split(":")
        out.setdefault((int(maj), int(mi)), []).append(point)
    return out


def system_disks():
    """{disk name: why} for the disks holding /, /boot and /boot/efi."""
    found = {}
    for maj_min, point, _fstype, _source in mountinfo():
        if point in ("/", "/boot", "/boot/efi"):
            link = f"/sys/dev/block/{maj_min}"
            if os.path.exists(link):
                name = parent_disk(os.path.basename(os.path.realpath(link)))
                found.setdefault(name, f"the disk that holds {point}")
    return found


def serial_of(name):
    """The device's serial, or the lab's equivalent for a loop device (its backing file)."""
    disk = parent_disk(name)
    for path in (f"/sys/block/{disk}/device/serial", f"/sys/block/{disk}/device/vpd_pg80"):
        value = _read(path)
        if value:
            return "".join(ch for ch in value if ch.isprintable()).strip(), path
    value = _read(f"/sys/block/{disk}/device/wwid")
    if value:
        return value, "wwid"
    udev = {}
    maj_min = _read(f"/sys/block/{disk}/dev")
    for line in _read(f"/run/udev/data/b{maj_min}").splitlines():
        if line.startswith("E:") and "=" in line:
            k, v = line[2:].split("=", 1)
            udev[k] = v
    for key in ("ID_SERIAL_SHORT", "ID_SERIAL", "ID_WWN"):
        if udev.get(key):
            return udev[key], f"udev {key}"
    backing = _read(f"/sys/block/{disk}/loop/backing_file")
    if backing:
        return backing, "loop backing file (lab)"
    return "", ""


def inspect(path, blkid) -> DeviceInfo:
    """`blkid(real_path) -> dict` probes signatures (blkid -p -o export)."""
    dev = DeviceInfo(path=path)
    dev.real = os.path.realpath(path)
    dev.exists = os.path.exists(dev.real)
    if not dev.exists:
        return dev
    dev.is_block = stat.S_ISBLK(os.stat(dev.real).st_mode)
    if not dev.is_block:
        return dev
    name = sys_block_name(dev.real)
    disk = parent_disk(name)
    sysd = system_disks()
    if disk in sysd:
        dev.system_disk = sysd[disk]
    mounts = mounts_by_device()
    dev.mounted_at = list(mounts.get(majmin(dev.real), []))
    dev.partitions = sorted(p for p in os.listdir(f"/sys/block/{disk}") if p.startswith(disk)) \
        if os.path.isdir(f"/sys/block/{disk}") else []
    for part in dev.partitions:
        link = f"/sys/class/block/{part}/dev"
        mm = _read(link)
        if mm:
            maj, mi = (int(x) for x in mm.split(":"))
            dev.mounted_at += mounts.get((maj, mi), [])
    probe = blkid(dev.real)
    dev.fstype, dev.label, dev.uuid, dev.pttype = (probe.get("TYPE", ""), probe.get("LABEL", ""),
                                                   probe.get("UUID", ""), probe.get("PTTYPE", ""))
    dev.serial, dev.serial_source = serial_of(name)
    return dev


def parse_blkid_export(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def mkfs_argv(fstype: str, label: str, device: str) -> list:
    """No force flag: mkfs refuses an existing signature by itself, a second guard behind decide()."""
    if fstype == "xfs":
        return ["mkfs.xfs", "-q", "-L", label, device]
    if fstype == "ext4":
        return ["mkfs.ext4", "-q", "-m", "0", "-L", label, device]
    raise ValueError(f"unsupported filesystem {fstype}")


def label_limit(fstype: str) -> int:
    return 12 if fstype == "xfs" else 16


# --- changing the host --------------------------------------------------------------

def register_label(module, device):
    """Make LABEL= resolvable at once: let udev create its links, and record the
    device in libblkid's cache (the only lookup where no udev runs, as in containers)."""
    udevadm = module.get_bin_path("udevadm")
    if udevadm:
        module.run_command([udevadm, "settle", "--timeout=10"])
    module.run_command([module.get_bin_path("blkid", required=True), device])


def make_filesystem(module, dev: DeviceInfo, action: str, fstype: str, label: str, probe) -> str:
    """Wipe (only for action "wipe", which decide() allows only with the serial confirmed) and create the
    filesystem; returns its UUID."""
    if action == "wipe":
        rc, _out, err = module.run_command([module.get_bin_path("wipefs", required=True), "-a", dev.real])
        if rc != 0:
            raise HostError(f"wipefs -a {dev.real} failed (rc={rc}): {err.strip()}")
    argv = mkfs_argv(fstype, label, dev.real)
    argv[0] = module.get_bin_path(argv[0], required=True)
    rc, out, err = module.run_command(argv, data="")
    if rc != 0:
        raise HostError(f"{' '.join(argv)} failed (rc={rc}): {err.strip() or out.strip()}")
    register_label(module, dev.real)
    return probe(dev.real).get("UUID", "")


def write_file(module, path: str, content: str, mode: str, uid: int = 0, gid: int = 0) -> None:
    """Replace path atomically with content, then set its owner and mode (atomic_move gives a new file the
    umask's mode and an existing one its old mode)."""
    fd, tmp = tempfile.mkstemp(prefix=".openlakes-", dir=os.path.dirname(path))
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(content)
    module.atomic_move(tmp, path)
    os.chown(path, uid, gid)
    os.chmod(path, int(mode, 8))


def prepare(module, specs: list, host: str, fstab_path: str = "/etc/fstab") -> dict:
    """Every data disk of a host in one go: decide for all of them first (a refusal, or another filesystem
    mounted where a disk belongs, fails before anything changes), then format what is empty or confirmed, write
    fstab, mount by label, verify each mount, and only then write the marker and the data directory. In check
    mode, says what it would do."""
    probe = blkid_probe(module)
    before = read_file(fstab_path)
    fstab = _fstab.parse(before)
    states = [disk_state(s, probe) for s in specs]
    plans = [plan(s, st, fstab, host) for s, st in zip(specs, states)]
    after = _fstab.ensure(before, [s.fstab_entry() for s in specs])
    result = {"changed": any(p["steps"] for p in plans), "disks": [dict(st, **p) for st, p in zip(states, plans)],
              "msg": "; ".join(f"{s.mount}: {', '.join(p['steps'])}" for s, p in zip(specs, plans) if p["steps"])
              or f"all {len(specs)} disk(s) prepared"}
    if module._diff:
        result["diff"] = [{"before_header": fstab_path, "after_header": fstab_path, "before": before, "after": after}]
        result["diff"] += [{"before_header": s.device, "after_header": s.device,
                            "before": f"{st['device']['real']}: {DeviceInfo(**st['device']).signature() or 'empty'}\n",
                            "after": f"{st['device']['real']}: a {s.fstype} filesystem labelled '{s.label}'\n"}
                           for s, st, p in zip(specs, states, plans) if p["action"] in ("format", "wipe")]
    refused = [p["message"] for p in plans if p["action"] == "refuse"]
    refused += [occupied(s, st, host) for s, st, p in zip(specs, states, plans)
                if p["action"] != "refuse" and "mount" in p["steps"] and st["mounted"]]
    if refused:
        raise HostError(" ".join(m.rstrip(".") + "." for m in refused)
                        + f" Nothing was changed on any of the {len(specs)} disk(s).")
    if module.check_mode or not result["changed"]:
        return result
    for s, st, p in zip(specs, states, plans):
        if p["action"] in ("format", "wipe"):
            make_filesystem(module, DeviceInfo(**st["device"]), p["action"], s.fstype, s.label, probe)
    if after != before:
        write_file(module, fstab_path, after, "0644")
    mount = module.get_bin_path("mount", required=True)
    result["disks"] = []
    for s, st, p in zip(specs, states, plans):
        if "mount" in p["steps"]:
            if p["action"] == "adopt":
                register_label(module, st["device"]["real"])
            os.makedirs(s.mount, exist_ok=True)
            _run(module, [mount, s.mount])
        elif "fstab" in p["steps"]:
            _run(module, [mount, "-o", "remount", s.mount])  # new options, as ansible.posix.mount does
        now = disk_state(s, probe)
        if problem(s, now, host, marker=False):  # verify the mount before anything is written to it
            raise HostError(problem(s, now, host, marker=False))
        if not marker_ok(s, now, host):
            write_file(module, s.marker_path, s.marker(host), MARKER_MODE)
        if not _is(now["data"], "isdir", DATA_DIR_MODE, s.uid, s.gid):
            if not now["data"].get("exists"):
                os.mkdir(s.data_path)
            os.chown(s.data_path, s.uid, s.gid)
            os.chmod(s.data_path, int(DATA_DIR_MODE, 8))
        now.update(marker=path_state(s.marker_path, content=True), data=path_state(s.data_path))
        result["disks"].append(dict(now, **plan(s, now, _fstab.parse(after), host), performed=p["steps"]))
    return result


def _run(module, argv):
    rc, out, err = module.run_command(argv)
    if rc != 0:
        raise HostError(f"{' '.join(argv)} failed (rc={rc}): {err.strip() or out.strip()}")
