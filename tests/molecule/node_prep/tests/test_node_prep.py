"""What node preparation leaves on each host (testinfra, after converge, idempotence and the safety tests)."""
import hashlib

import pytest

MOUNTS = [
    # (mount, fstype, purpose letter, index, uid)
    ("/var/lib/openlakes/longhorn/disk1", "ext4", "l", 1, 0),
    ("/mnt/openlakes/minio/hot1", "xfs", "m", 1, 1000),
    ("/mnt/openlakes/minio/hot2", "xfs", "m", 2, 1000),
]


def label(host, letter, index):
    name = host.backend.get_hostname()
    return f"ol{letter}{index}-{hashlib.sha1(name.encode()).hexdigest()[:4]}"


def mounted(host, path):
    out = host.run(f"findmnt --noheadings --output LABEL,FSTYPE --mountpoint {path}")
    return out.stdout.split()


@pytest.mark.parametrize("path,fstype,letter,index,uid", MOUNTS)
def test_disks_are_mounted_by_label(host, path, fstype, letter, index, uid):
    assert mounted(host, path) == [label(host, letter, index), fstype]
    marker = host.file(f"{path}/.openlakes-disk")
    assert marker.content_string.startswith(f"label={label(host, letter, index)}\n")
    assert marker.mode == 0o444 and marker.uid == 0 and marker.gid == 0
    data = host.file(f"{path}/data")
    assert data.is_directory and data.uid == uid and data.mode == 0o750


@pytest.mark.parametrize("path,fstype,letter,index,uid", MOUNTS)
def test_fstab_lines_are_exact(host, path, fstype, letter, index, uid):
    want = f"LABEL={label(host, letter, index)} {path} {fstype} noatime,nofail,x-systemd.device-timeout=30s 0 0"
    lines = [" ".join(line.split()) for line in host.file("/etc/fstab").content_string.splitlines()]
    assert lines.count(want) == 1


def test_mounts_survive_unmount_and_mount_all(host):
    """A reboot stand-in: every data disk comes back from fstab alone."""
    assert host.run("umount -a -t xfs,ext4").rc == 0
    assert mounted(host, MOUNTS[1][0]) == []
    assert host.run("mount -a -t xfs,ext4").rc == 0  # the NFS entry cannot mount here (LAB.md 3)
    for path, fstype, letter, index, _uid in MOUNTS:
        assert mounted(host, path) == [label(host, letter, index), fstype]


def test_cold_nas_fstab_entry(host):
    lines = [" ".join(line.split()) for line in host.file("/etc/fstab").content_string.splitlines()]
    assert ("nas.molecule.internal:/export/openlakes-cold /cold-nas nfs _netdev,nofail,nfsvers=4.2,hard,noatime 0 0"
            in lines)
    assert host.file("/cold-nas").is_directory
    assert host.package("nfs-common").is_installed


def test_sysctls_and_modules_are_persisted(host):
    sysctl = host.file("/etc/sysctl.d/90-openlakes.conf").content_string
    assert "vm.max_map_count = 262144" in sysctl
    assert "net.ipv4.ip_forward = 1" in sysctl
    assert "fs.inotify.max_user_watches = 1048576" in sysctl
    modules = host.file("/etc/modules-load.d/openlakes.conf").content_string.split()
    for name in ("iscsi_tcp", "dm_crypt", "br_netfilter", "overlay", "nfs"):
        assert name in modules


def test_multipath_blacklist_present(host):
    conf = host.file("/etc/multipath/conf.d/openlakes.conf").content_string
    assert 'devnode "^sd[a-z0-9]+"' in conf and "blacklist {" in conf


def test_services_and_swap(host):
    assert host.service("iscsid").is_enabled
    assert host.package("open-iscsi").is_installed
    assert host.package("xfsprogs").is_installed and host.package("cryptsetup").is_installed
    assert host.run("systemctl is-enabled swap.target").stdout.strip() == "masked"
