#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: data_disks
short_description: Prepare all data disks of a host in one call, never destroying data
description:
  - For every disk in I(disks), decides as M(openlakes.core.data_disk) does (the same code) before anything
    changes, and fails listing every refusal when any disk is refused (the root or boot disk, a device mounted
    elsewhere, a device holding a signature without its I(confirm_serial)), or when another filesystem is
    mounted where a disk belongs. Nothing is changed on any disk then.
  - Otherwise formats the disks that are empty (or wiped with their serial confirmed), writes one C(/etc/fstab)
    line per disk (by label, C(noatime,nofail,x-systemd.device-timeout=30s)), mounts each, checks that its own
    filesystem is what is mounted there, and only then writes its marker C(.openlakes-disk) and creates its data
    directory C(data) with I(owner).
  - A disk that is already prepared is left alone; when none needs anything, nothing is run on the host but reads.
version_added: 0.1.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.disks
attributes:
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: C(/etc/fstab) before and after, and what each disk to be formatted holds before and after.
requirements:
  - blkid, wipefs, mount (util-linux), mkfs.xfs or mkfs.ext4 on the host
"""

EXAMPLES = r"""
- name: Prepare this host's Longhorn disk and MinIO drive
  openlakes.core.data_disks:
    host: "{{ inventory_hostname }}"
    disks:
      - {device: /dev/disk/by-id/wwn-0x5000c500a1b2c300, mount: /var/lib/openlakes/longhorn/disk1, fstype: ext4,
         label: oll1-9c2e, purpose: longhorn}
      - {device: /dev/disk/by-id/wwn-0x5000c500a1b2c301, mount: /mnt/openlakes/minio/hot1, label: olm1-9c2e,
         purpose: minio, owner: {uid: 1000, gid: 1000}}
"""

RETURN = r"""
disks:
  description:
    - Per disk, in order, as M(openlakes.core.host_facts) returns it, read after the changes (before them in check
      mode), with C(performed), the steps taken (C(format) or C(wipe), C(fstab), C(mount), C(marker), C(data)).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _disk
from ansible_collections.openlakes.core.plugins.module_utils._args import DISK_ARGS


def main():
    module = AnsibleModule(argument_spec=DISK_ARGS, supports_check_mode=True)
    host = module.params["host"]
    specs = [_disk.DiskSpec.from_params(d) for d in module.params["disks"]]
    bad = [f"disk {s.device} has no label" if not s.label else
           f"label '{s.label}' of {s.device} is longer than {s.fstype} allows ({_disk.label_limit(s.fstype)})"
           for s in specs if not s.label or len(s.label) > _disk.label_limit(s.fstype)]
    if bad:
        module.fail_json(msg="; ".join(bad))
    try:
        result = _disk.prepare(module, specs, host)
    except _disk.HostError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg=f"host {host or 'this host'}: preparing the data disks stopped: {exc}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
