"""plugins/module_utils/_fstab.py: fstab read and edited as ansible.posix.mount does it."""
from __future__ import annotations

from ansible_collections.openlakes.core.plugins.module_utils import _fstab

OPTS = "noatime,nofail,x-systemd.device-timeout=30s"
FSTAB = (
    "# /etc/fstab: static file system information.\n"
    "UUID=1234  /      ext4  errors=remount-ro  0  1\n"
    "\n"
    "LABEL=olm1-9c2e\t/mnt/openlakes/minio/hot1\txfs\t" + OPTS + "\t0\t0\n"
    "/dev/sdb1 /srv/my\\040data ext4 defaults\n"
    "nas:/export /cold-nas nfs _netdev 0 0  # trailing comment\n"
)


def test_parse_reads_active_lines_with_defaults_and_escapes():
    entries = _fstab.parse(FSTAB)
    assert [e.path for e in entries] == ["/", "/mnt/openlakes/minio/hot1", "/srv/my data", "/cold-nas"]
    assert entries[2] == _fstab.Entry("/dev/sdb1", "/srv/my data", "ext4", "defaults", "0", "0")
    assert entries[3].opts == "_netdev"


def test_escape_round_trip():
    for raw in ("/srv/my data", "a&b", "back\\slash", "\\040 literal"):
        assert _fstab.unescape(_fstab.escape(raw)) == raw


def test_an_equal_entry_leaves_the_file_byte_for_byte():
    entry = _fstab.Entry("LABEL=olm1-9c2e", "/mnt/openlakes/minio/hot1", "xfs", OPTS)
    assert _fstab.ensure(FSTAB, [entry]) == FSTAB


def test_a_changed_entry_replaces_its_line_in_place_and_a_new_one_is_appended():
    changed = _fstab.Entry("LABEL=olm1-9c2e", "/mnt/openlakes/minio/hot1", "xfs", "defaults")
    new = _fstab.Entry("LABEL=oll1-9c2e", "/var/lib/openlakes/longhorn/disk1", "ext4", OPTS)
    out = _fstab.ensure(FSTAB, [changed, new]).splitlines()
    assert out[3] == "LABEL=olm1-9c2e /mnt/openlakes/minio/hot1 xfs defaults 0 0"
    assert out[-1] == f"LABEL=oll1-9c2e /var/lib/openlakes/longhorn/disk1 ext4 {OPTS} 0 0"
    assert out[:3] == FSTAB.splitlines()[:3] and out[4:6] == FSTAB.splitlines()[4:6]


def test_every_line_of_a_mount_point_is_set_and_a_missing_final_newline_is_added():
    text = "a /m xfs defaults 0 0\nb /m xfs defaults 0 0"
    entry = _fstab.Entry("LABEL=x", "/m", "xfs")
    assert _fstab.ensure(text, [entry]) == "LABEL=x /m xfs defaults 0 0\n" * 2
    assert _fstab.ensure("", [entry]) == "LABEL=x /m xfs defaults 0 0\n"


def test_a_path_with_a_space_is_written_escaped():
    entry = _fstab.Entry("LABEL=x", "/srv/my data", "xfs")
    assert entry.line() == "LABEL=x /srv/my\\040data xfs defaults 0 0"
    assert _fstab.parse(entry.line()) == [entry]
