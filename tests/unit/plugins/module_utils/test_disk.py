"""plugins/module_utils/_disk.py: what each disk needs, decided from what was read, and a batch that refuses
before it changes anything."""
from __future__ import annotations

import os
from dataclasses import asdict

import pytest

from ansible_collections.openlakes.core.plugins.module_utils import _disk, _fstab

HOST = "node-1"
SPEC = _disk.DiskSpec("/dev/disk/by-id/lab-hot1", "/mnt/openlakes/minio/hot1", "xfs", "olm1-9c2e", "minio",
                      uid=1000, gid=1000)
SPARE = _disk.DiskSpec("/dev/disk/by-id/lab-spare", "/mnt/spare", "xfs", "olm2-9c2e", "minio", uid=1000, gid=1000)


def device(spec=SPEC, **kw):
    base = {"path": spec.device, "real": "/dev/loop0", "exists": True, "is_block": True}
    return asdict(_disk.DeviceInfo(**{**base, **kw}))


def prepared(spec=SPEC, **over):
    """A disk node preparation finished: formatted, mounted by label, marked, with its data directory."""
    state = {
        "device": device(spec, fstype=spec.fstype, label=spec.label, mounted_at=[spec.mount], serial="S1"),
        "size_bytes": 1 << 30, "mount": spec.mount, "label": spec.label, "purpose": spec.purpose,
        "mounted": {"source": "/dev/loop0", "fstype": spec.fstype, "label": spec.label, "size_bytes": 1 << 29},
        "marker": {"exists": True, "isreg": True, "uid": 0, "gid": 0, "mode": "0444", "content": spec.marker(HOST)},
        "data": {"exists": True, "isdir": True, "uid": spec.uid, "gid": spec.gid, "mode": "0750"},
    }
    state.update(over)
    return state


def empty(spec=SPEC, **dev):
    return prepared(spec, device=device(spec, **dev), mounted={}, marker={"exists": False}, data={"exists": False})


FSTAB = [SPEC.fstab_entry(), SPARE.fstab_entry()]


def test_a_prepared_disk_needs_nothing_and_passes_its_check():
    out = _disk.plan(SPEC, prepared(), FSTAB, HOST)
    assert out == {"action": "adopt", "message": out["message"], "steps": [], "problem": ""}


def test_an_empty_disk_needs_every_step():
    out = _disk.plan(SPEC, empty(), [], HOST)
    assert (out["action"], out["steps"]) == ("format", ["format", "fstab", "mount", "marker", "data"])
    assert out["problem"] == (
        "host node-1: /mnt/openlakes/minio/hot1 is not mounted (expected LABEL=olm1-9c2e, minio disk "
        "/dev/disk/by-id/lab-hot1; found 'nothing'). Nothing will use /mnt/openlakes/minio/hot1/data until it is: "
        "check the disk, then `mount /mnt/openlakes/minio/hot1`.")


@pytest.mark.parametrize("over,fstab,steps", [
    ({}, [_fstab.Entry("LABEL=olm1-9c2e", SPEC.mount, "xfs", "defaults")], ["fstab"]),
    ({}, [], ["fstab"]),
    ({"mounted": {}}, FSTAB, ["mount"]),
    ({"marker": {"exists": True, "isreg": True, "uid": 0, "gid": 0, "mode": "0644",
                 "content": SPEC.marker(HOST)}}, FSTAB, ["marker"]),
    ({"marker": {"exists": True, "isreg": True, "uid": 0, "gid": 0, "mode": "0444",
                 "content": "label=olm1-9c2e\npurpose=minio\nhost=other\n"}}, FSTAB, ["marker"]),
    ({"data": {"exists": True, "isdir": True, "uid": 0, "gid": 0, "mode": "0750"}}, FSTAB, ["data"]),
    ({"data": {"exists": True, "isdir": True, "uid": 1000, "gid": 1000, "mode": "0755"}}, FSTAB, ["data"]),
])
def test_only_what_differs_is_a_step(over, fstab, steps):
    assert _disk.plan(SPEC, prepared(**over), fstab, HOST)["steps"] == steps


def test_a_disk_holding_data_is_refused_with_no_steps():
    state = empty(fstype="ext4", label="precious", serial="S1")
    out = _disk.plan(SPEC, state, [], HOST)
    assert (out["action"], out["steps"]) == ("refuse", [])
    assert "an ext4 filesystem labelled 'precious'" in out["message"] and "Nothing was changed" in out["message"]


def test_the_check_names_another_disks_marker_and_a_missing_one():
    other = {"exists": True, "isreg": True, "uid": 0, "gid": 0, "mode": "0444", "content": "label=olm2-9c2e\n"}
    assert _disk.problem(SPEC, prepared(marker=other), HOST) == \
        "host node-1: /mnt/openlakes/minio/hot1 holds another disk's marker"
    assert "has no marker .openlakes-disk" in _disk.problem(SPEC, prepared(marker={"exists": False}), HOST)
    assert _disk.problem(SPEC, prepared(marker={"exists": False}), HOST, marker=False) == ""


def test_found_names_what_is_mounted_instead():
    state = prepared(mounted={"source": "/dev/sdz", "fstype": "ext4", "label": "other", "size_bytes": 1})
    assert "found 'other ext4'" in _disk.problem(SPEC, state, HOST)


class FakeModule:
    """Records every command; check_mode and diff as given."""

    def __init__(self, check_mode=False, diff=False):
        self.check_mode, self._diff, self.commands = check_mode, diff, []

    def get_bin_path(self, name, required=False):
        return f"/usr/sbin/{name}"

    def run_command(self, argv, data=None):
        self.commands.append(argv)
        return 0, "", ""


@pytest.fixture
def host(monkeypatch, tmp_path):
    """disk_state() answers from a table; fstab is a file of tmp_path."""
    states = {}
    monkeypatch.setattr(_disk, "disk_state", lambda spec, probe: states[spec.device])
    fstab = tmp_path / "fstab"
    fstab.write_text("UUID=1 / ext4 defaults 0 1\n")
    return states, fstab


def test_a_batch_with_a_refused_disk_changes_none_of_them(host):
    states, fstab = host
    states[SPEC.device] = empty()
    states[SPARE.device] = empty(SPARE, fstype="ext4", label="precious")
    module = FakeModule()
    with pytest.raises(_disk.HostError) as err:
        _disk.prepare(module, [SPEC, SPARE], HOST, str(fstab))
    assert "refusing to format /dev/disk/by-id/lab-spare" in str(err.value)
    assert "Nothing was changed on any of the 2 disk(s)." in str(err.value)
    assert module.commands == [] and fstab.read_text() == "UUID=1 / ext4 defaults 0 1\n"


def test_another_filesystem_where_a_disk_belongs_is_refused_before_any_change(host):
    states, fstab = host
    states[SPEC.device] = empty()
    states[SPEC.device]["mounted"] = {"source": "/dev/sdz1", "fstype": "ext4", "label": "home", "size_bytes": 1}
    module = FakeModule()
    want = r"refusing to prepare /dev/disk/by-id/lab-hot1: /mnt/openlakes/minio/hot1 already has /dev/sdz1 mounted "
    with pytest.raises(_disk.HostError, match=want + r"\(ext4, label 'home'\)"):
        _disk.prepare(module, [SPEC], HOST, str(fstab))
    assert module.commands == []


def test_check_mode_says_what_it_would_do_and_shows_fstab(host):
    states, fstab = host
    states[SPEC.device] = empty()
    states[SPARE.device] = prepared(SPARE)
    module = FakeModule(check_mode=True, diff=True)
    out = _disk.prepare(module, [SPEC, SPARE], HOST, str(fstab))
    assert out["changed"] and [d["steps"] for d in out["disks"]][1] == ["fstab"]
    assert out["diff"][0]["after"] == ("UUID=1 / ext4 defaults 0 1\n" + SPEC.fstab_entry().line() + "\n"
                                       + SPARE.fstab_entry().line() + "\n")
    assert out["diff"][1]["after"] == "/dev/loop0: a xfs filesystem labelled 'olm1-9c2e'\n"
    assert module.commands == [] and fstab.read_text() == "UUID=1 / ext4 defaults 0 1\n"


def test_prepared_disks_run_nothing(host):
    states, fstab = host
    fstab.write_text(SPEC.fstab_entry().line() + "\n")
    states[SPEC.device] = prepared()
    module = FakeModule()
    out = _disk.prepare(module, [SPEC], HOST, str(fstab))
    assert not out["changed"] and module.commands == []


MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 7:0 / /mnt/openlakes/minio/hot1 rw,noatime - xfs /dev/loop0 rw
41 22 7:3 / /srv/my\\040data rw - ext4 /dev/loop3 rw
42 40 7:5 / /mnt/openlakes/minio/hot1 rw - ext4 /dev/loop5 rw
"""


def test_mountinfo_unescapes_and_the_top_mount_wins(monkeypatch):
    monkeypatch.setattr(_disk, "_read", lambda path, default="": MOUNTINFO)
    assert list(_disk.mountinfo())[2] == ("7:3", "/srv/my data", "ext4", "/dev/loop3")
    assert _disk.mounts_by_device()[(7, 0)] == ["/mnt/openlakes/minio/hot1"]
    monkeypatch.setattr(_disk.os, "statvfs", lambda path: type("V", (), {"f_blocks": 4, "f_frsize": 4096})())
    assert _disk.mount_at("/mnt/openlakes/minio/hot1") == {"source": "/dev/loop5", "fstype": "ext4", "label": "",
                                                           "size_bytes": 16384}
    assert _disk.mount_at("/nowhere") == {}


def test_a_written_file_gets_its_mode_whatever_atomic_move_does(tmp_path):
    class Module:
        def atomic_move(self, src, dest):  # as AnsibleModule's for a new file: the umask's mode
            os.replace(src, dest)
            os.chmod(dest, 0o644)
    marker = tmp_path / _disk.MARKER
    _disk.write_file(Module(), str(marker), "label=x\n", _disk.MARKER_MODE, os.getuid(), os.getgid())
    assert marker.read_text() == "label=x\n" and _disk.path_state(str(marker))["mode"] == "0444"


def test_mkfs_never_forces():
    assert _disk.mkfs_argv("xfs", "l", "/dev/x") == ["mkfs.xfs", "-q", "-L", "l", "/dev/x"]
    assert "-F" not in _disk.mkfs_argv("ext4", "l", "/dev/x") and "-f" not in _disk.mkfs_argv("xfs", "l", "/dev/x")
