# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preparing one data disk, safely. Private to this collection.

`inspect()` gathers what the host knows of a device (real path, whether it is
the root or boot disk, mounts, partitions, signatures, serial); `decide()` is
pure: from that and the desired filesystem and label it says adopt, format,
wipe-and-format or refuse, and why. Nothing is ever formatted that holds a
signature, unless the configuration names the device's serial.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field


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


# --- reading the host ---------------------------------------------------------------

def _read(path, default=""):
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return default


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
    for line in _read("/proc/self/mountinfo").splitlines():
        parts = line.split()
        if len(parts) > 4 and ":" in parts[2]:
            maj, mi = parts[2].split(":")
            out.setdefault((int(maj), int(mi)), []).append(parts[4].replace("\\040", " "))
    return out


def system_disks():
    """{disk name: why} for the disks holding /, /boot and /boot/efi."""
    found = {}
    for line in _read("/proc/self/mountinfo").splitlines():
        parts = line.split()
        if len(parts) > 4 and parts[4] in ("/", "/boot", "/boot/efi") and ":" in parts[2]:
            link = f"/sys/dev/block/{parts[2]}"
            if os.path.exists(link):
                name = parent_disk(os.path.basename(os.path.realpath(link)))
                found.setdefault(name, f"the disk that holds {parts[4]}")
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
