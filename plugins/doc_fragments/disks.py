# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The data disks of one host, as openlakes.core.host_facts reads them and openlakes.core.data_disks
    # prepares them (argument spec: plugins/module_utils/_args.py DISK_ARGS).
    DOCUMENTATION = r"""
options:
  host:
    description: The inventory name of the host, used in messages and written into each disk's marker.
    type: str
    default: ""
  disks:
    description:
      - This host's data disks. Each is prepared as a filesystem with I(label), mounted by label at I(mount) from
        C(/etc/fstab) (C(noatime,nofail,x-systemd.device-timeout=30s)), marked by C(<mount>/.openlakes-disk)
        and given the data directory C(<mount>/data), which exists only on the mounted filesystem.
    type: list
    elements: dict
    default: []
    suboptions:
      device:
        description: Stable path of the device (such as C(/dev/disk/by-id/...)).
        type: path
        required: true
      mount:
        description: Where its filesystem is mounted.
        type: path
        required: true
      fstype:
        description: Its filesystem. MinIO drives are XFS.
        type: str
        choices: [xfs, ext4]
        default: xfs
      label:
        description:
          - Filesystem label, unique per host and purpose (XFS allows 12 characters, ext4 16).
          - Without it, M(openlakes.core.host_facts) reads the disk but plans nothing.
        type: str
        default: ""
      purpose:
        description: What the disk is for (C(longhorn), C(minio)), in the marker and in messages.
        type: str
        default: ""
      confirm_serial:
        description: The device's serial. Only with it is a device that holds a signature wiped.
        type: str
        default: ""
      owner:
        description: UID and GID owning the data directory.
        type: dict
        default: {uid: 0, gid: 0}
        suboptions:
          uid:
            description: Owner of the data directory.
            type: int
            default: 0
          gid:
            description: Group of the data directory.
            type: int
            default: 0
"""
