# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One read of a host: everything preflight checks and node preparation would change. Private to this collection.

`read()` runs on the host (openlakes.core.host_facts) and changes nothing. Each part is a parser of text the
host already has (/proc, /etc, the output of one command) so that each is tested on its own; the data disks
are read and planned by `_disk`, the module that also prepares them, so there is one copy of that logic.
"""
from __future__ import annotations

import os
import socket

from ansible_collections.openlakes.core.plugins.module_utils import _disk, _fstab

# What systemctl is-enabled reports for a unit that ansible.builtin.systemd_service counts as enabled.
ENABLED_STATES = ("enabled", "static", "generated", "transient")
_TCP_LISTEN = "0A"


def parse_proc_net_tcp(text: str) -> set:
    """Local ports in state LISTEN, from /proc/net/tcp or /proc/net/tcp6."""
    ports = set()
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and fields[3] == _TCP_LISTEN and ":" in fields[1]:
            ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def parse_swaps(text: str) -> list:
    """The active swap areas, from /proc/swaps."""
    return [line.split()[0] for line in text.splitlines()[1:] if line.strip()]


def parse_dpkg_status(text: str) -> set:
    """Installed packages from `dpkg-query -W -f '${db:Status-Abbrev} ${Package}\\n'`."""
    return {parts[1] for parts in (line.split() for line in text.splitlines())
            if len(parts) == 2 and parts[0].startswith("ii")}


def unit(load: str, state: str, active: str) -> dict:
    """A unit as ansible.builtin.systemd_service judges it: enabled, masked (is-enabled says exactly that), active."""
    return {"load": load, "state": state, "enabled": state in ENABLED_STATES, "masked": state == "masked",
            "active": active == "active"}


def parse_systemctl_show(text: str) -> list:
    """unit()s, in the order asked, from `systemctl show -p Id,LoadState,UnitFileState,ActiveState UNIT...`
    (one block per unit, blank-line separated; an alias shows its unit's Id; UnitFileState is what
    `systemctl is-enabled` prints)."""
    out = []
    for block in text.strip().split("\n\n"):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if props:
            out.append(dict(unit(props.get("LoadState", ""), props.get("UnitFileState", ""),
                                 props.get("ActiveState", "")), id=props.get("Id", "")))
    return out


def parse_kernel_modules(proc_modules: str, builtin: str, sys_module: list) -> set:
    """Modules loaded (/proc/modules), built in (modules.builtin) or known to /sys/module, as modprobe names."""
    names = {line.split()[0] for line in proc_modules.splitlines() if line.strip()}
    names |= {os.path.basename(line.strip()).rsplit(".ko", 1)[0] for line in builtin.splitlines() if line.strip()}
    names |= set(sys_module)
    return {n.replace("-", "_") for n in names}


def resolve(name: str) -> str:
    """The first address name resolves to (the system resolver, as getent hosts), or ""."""
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return ""
    return infos[0][4][0] if infos else ""


def root_free_bytes(path: str = "/") -> int:
    vfs = os.statvfs(path)
    return vfs.f_bavail * vfs.f_frsize


def system_facts(module) -> dict:
    """The few standard facts the roles use, from ansible-core's own fact collectors (the same code
    ansible.builtin.setup runs, without its other subsets): distribution and OS family, package manager,
    virtualization, CPUs and memory."""
    from ansible.module_utils.facts.hardware.linux import LinuxHardware
    from ansible.module_utils.facts.system.distribution import DistributionFactCollector
    from ansible.module_utils.facts.system.pkg_mgr import PkgMgrFactCollector
    from ansible.module_utils.facts.virtual.linux import LinuxVirtual

    facts = DistributionFactCollector().collect(module=module)
    facts.update(PkgMgrFactCollector().collect(module=module, collected_facts={
        "ansible_" + k: v for k, v in facts.items()}))
    facts.update(LinuxVirtual(module).get_virtual_facts())
    hardware = LinuxHardware(module)
    cpu = hardware.get_cpu_facts(collected_facts={"ansible_architecture": os.uname().machine})
    memory = hardware.get_memory_facts()
    facts.update({k: cpu[k] for k in ("processor_vcpus", "processor_count", "processor_cores") if k in cpu})
    facts.update({k: memory[k] for k in ("memtotal_mb", "swaptotal_mb") if k in memory})
    return facts


def packages(module, names: list) -> dict:
    """{name: installed} through dpkg-query or rpm (names the package manager does not know are not installed)."""
    if not names:
        return {}
    dpkg = module.get_bin_path("dpkg-query")
    if dpkg:
        _rc, out, _err = module.run_command([dpkg, "-W", "-f", "${db:Status-Abbrev} ${Package}\n", *names])
        installed = parse_dpkg_status(out)
    else:
        rpm = module.get_bin_path("rpm", required=True)
        _rc, out, _err = module.run_command([rpm, "-q", "--qf", "%{NAME}\n", *names])
        installed = {line.strip() for line in out.splitlines() if line.strip() in names}
    return {n: n in installed for n in names}


def units(module, names: list) -> dict:
    if not names:
        return {}
    systemctl = module.get_bin_path("systemctl", required=True)
    _rc, out, _err = module.run_command([systemctl, "show", "-p", "Id,LoadState,UnitFileState,ActiveState", "--",
                                         *[n if "." in n else n + ".service" for n in names]])
    found = parse_systemctl_show(out)
    if len(found) != len(names):
        raise _disk.HostError(f"systemctl show printed {len(found)} unit(s) for {len(names)}: {out.strip()[:300]}")
    return dict(zip(names, found))


def kernel_modules(names: list) -> dict:
    if not names:
        return {}
    release = os.uname().release
    try:
        sys_module = os.listdir("/sys/module")
    except OSError:
        sys_module = []
    present = parse_kernel_modules(_disk.read_file("/proc/modules"), _disk.read_file(f"/lib/modules/{release}/modules.builtin"),
                                   sys_module)
    return {n: n.replace("-", "_") in present for n in names}


def read(module, params: dict) -> dict:
    """Everything the options ask for, and always: free space on /, listening TCP ports, active swap, fstab."""
    probe = _disk.blkid_probe(module)
    fstab = _fstab.parse(_disk.read_file("/etc/fstab"))
    host = params.get("host") or ""
    disks = []
    for p in params.get("disks") or []:
        spec = _disk.DiskSpec.from_params(p)
        state = _disk.disk_state(spec, probe)
        disks.append(dict(state, **_disk.plan(spec, state, fstab, host)) if spec.label else state)
    return {
        "root_free_bytes": root_free_bytes("/"),
        "listening_tcp_ports": sorted(parse_proc_net_tcp(_disk.read_file("/proc/net/tcp"))
                                      | parse_proc_net_tcp(_disk.read_file("/proc/net/tcp6"))),
        "swaps": parse_swaps(_disk.read_file("/proc/swaps")),
        "fstab": [e.as_dict() for e in fstab],
        "disks": disks,
        "mounts": {m: _disk.mount_at(m, probe=probe) for m in params.get("mounts") or []},
        "paths": {p: _disk.path_state(p, content=True) for p in params.get("paths") or []},
        "packages": packages(module, params.get("packages") or []),
        "units": units(module, params.get("units") or []),
        "kernel_modules": kernel_modules(params.get("kernel_modules") or []),
        "resolve": {n: resolve(n) for n in params.get("resolve") or []},
    }
