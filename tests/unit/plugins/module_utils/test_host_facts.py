"""plugins/module_utils/_host_facts.py: each part of the one read, from the text the host has."""
from __future__ import annotations

import pytest

from ansible_collections.openlakes.core.plugins.module_utils import _disk, _host_facts

PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1A0B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
   2: 0A580002:A4B2 0A580001:1F90 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1
"""


def test_listening_ports_are_those_in_state_listen():
    assert _host_facts.parse_proc_net_tcp(PROC_NET_TCP) == {6667, 3306}
    assert _host_facts.parse_proc_net_tcp("") == set()


def test_active_swap_areas():
    text = "Filename\tType\tSize\tUsed\tPriority\n/dev/sda2 partition 999420 0 -2\n/swapfile file 1024 0 -3\n"
    assert _host_facts.parse_swaps(text) == ["/dev/sda2", "/swapfile"]
    assert _host_facts.parse_swaps("Filename\tType\tSize\tUsed\tPriority\n") == []


def test_installed_packages_are_those_dpkg_marks_ii():
    text = "ii  xfsprogs\nrc  chrony\nun  open-iscsi\nii  util-linux\n"
    assert _host_facts.parse_dpkg_status(text) == {"xfsprogs", "util-linux"}


def test_units_from_systemctl_show():
    text = ("Id=iscsid.service\nLoadState=loaded\nUnitFileState=enabled\nActiveState=inactive\n\n"
            "Id=swap.target\nLoadState=masked\nUnitFileState=masked\nActiveState=inactive\n\n"
            "Id=chronyd.service\nLoadState=not-found\nUnitFileState=\nActiveState=inactive\n")
    iscsid, swap, chronyd = _host_facts.parse_systemctl_show(text)
    assert iscsid == {"id": "iscsid.service", "load": "loaded", "state": "enabled", "enabled": True, "masked": False,
                      "active": False}
    assert swap["masked"] and not swap["enabled"]
    assert chronyd["load"] == "not-found" and not chronyd["enabled"]


@pytest.mark.parametrize("state,enabled", [("enabled", True), ("static", True), ("generated", True),
                                           ("enabled-runtime", False), ("indirect", False), ("alias", False),
                                           ("disabled", False), ("masked", False), ("", False)])
def test_enabled_as_systemd_service_counts_it(state, enabled):
    text = f"Id=x.service\nLoadState=loaded\nUnitFileState={state}\nActiveState=active\n"
    assert _host_facts.parse_systemctl_show(text)[0]["enabled"] is enabled


def test_kernel_modules_loaded_built_in_or_in_sys_module():
    proc = "overlay 151552 0 - Live 0x0\nbr_netfilter 32768 0 - Live 0x0\n"
    builtin = "kernel/drivers/md/dm-crypt.ko\nkernel/fs/nfs/nfs.ko\n"
    assert _host_facts.parse_kernel_modules(proc, builtin, ["iscsi_tcp"]) == \
        {"overlay", "br_netfilter", "dm_crypt", "nfs", "iscsi_tcp"}


def test_names_resolve_with_the_system_resolver():
    assert _host_facts.resolve("localhost") in ("127.0.0.1", "::1")
    assert _host_facts.resolve("no-such-host.invalid") == ""


class FakeModule:
    def __init__(self, outputs):
        self.outputs, self.commands, self.check_mode, self._diff = outputs, [], False, False

    def get_bin_path(self, name, required=False):
        return f"/usr/bin/{name}" if name in self.outputs or name in ("blkid", "systemctl") else None

    def run_command(self, argv, data=None):
        self.commands.append(argv)
        return 0, self.outputs.get(argv[0].rsplit("/", 1)[1], ""), ""


def test_packages_and_units_each_take_one_command():
    module = FakeModule({"dpkg-query": "ii  xfsprogs\n",
                         "systemctl": "Id=iscsid.service\nLoadState=loaded\nUnitFileState=enabled\nActiveState=active\n\n"
                                      "Id=chronyd.service\nLoadState=not-found\nUnitFileState=\nActiveState=inactive\n"})
    assert _host_facts.packages(module, ["xfsprogs", "nfs-utils"]) == {"xfsprogs": True, "nfs-utils": False}
    units = _host_facts.units(module, ["iscsid", "chronyd"])
    assert units["iscsid"]["enabled"] and units["chronyd"]["load"] == "not-found"
    assert [c[0] for c in module.commands] == ["/usr/bin/dpkg-query", "/usr/bin/systemctl"]
    assert module.commands[1][-2:] == ["iscsid.service", "chronyd.service"]


def test_read_plans_each_labelled_disk_with_the_same_code_as_data_disks(monkeypatch):
    spec = {"device": "/dev/disk/by-id/lab-hot1", "mount": "/mnt/hot1", "fstype": "xfs", "label": "olm1-9c2e",
            "purpose": "minio", "confirm_serial": "", "owner": {"uid": 1000, "gid": 1000}}
    empty = {"device": {"path": spec["device"], "real": "/dev/loop0", "exists": True, "is_block": True},
             "size_bytes": 1 << 30, "mount": "/mnt/hot1", "label": "olm1-9c2e", "purpose": "minio", "mounted": {},
             "marker": {"exists": False}, "data": {"exists": False}}
    empty["device"] = {**_disk.DeviceInfo(spec["device"]).__dict__, **empty["device"]}
    monkeypatch.setattr(_disk, "disk_state", lambda s, probe: dict(empty))
    out = _host_facts.read(FakeModule({}), {"host": "node-1", "disks": [spec, {**spec, "label": ""}]})
    assert out["disks"][0]["steps"] == ["format", "fstab", "mount", "marker", "data"]
    assert "host node-1: /mnt/hot1 is not mounted" in out["disks"][0]["problem"]
    assert "steps" not in out["disks"][1]  # no label: read, not planned
    assert set(out) >= {"root_free_bytes", "listening_tcp_ports", "swaps", "fstab", "paths", "packages", "units",
                        "kernel_modules", "resolve", "mounts"}
