#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: data_disk
short_description: Prepare one data disk for one purpose, never destroying data
description:
  - Resolves I(device) (a stable path such as C(/dev/disk/by-id/...)) and creates the filesystem for one purpose,
    a Longhorn disk or a MinIO drive, with I(label).
  - Refuses the root or boot disk, any device mounted elsewhere, and any device that holds a signature (partition
    table, filesystem, LVM, RAID, LUKS), unless it is already this I(fstype) with this I(label) (then it is adopted
    and nothing changes).
  - Wipes a device only when I(confirm_serial) is given and equals the device's serial (for loop devices in the lab,
    their backing file). A mismatch refuses.
  - Mounting is left to M(ansible.posix.mount) by label; this module only decides and formats.
version_added: 0.1.0
author: OpenLakes maintainers (@openlakes)
options:
  device:
    description: Stable path of the device.
    type: path
    required: true
  fstype:
    description: Filesystem to create. MinIO drives are XFS.
    type: str
    choices: [xfs, ext4]
    default: xfs
  label:
    description: Filesystem label, unique per host and purpose (XFS allows 12 characters, ext4 16).
    type: str
    required: true
  mount:
    description: Where the filesystem will be mounted; a device already mounted there is not "mounted elsewhere".
    type: path
    required: true
  confirm_serial:
    description: The device's serial. Only with it does the module wipe a device that holds a signature.
    type: str
    default: ""
  host:
    description: The inventory name of the host, used in messages.
    type: str
    default: ""
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: What the device holds before, and what it will hold after.
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
requirements:
  - blkid, wipefs (util-linux), mkfs.xfs or mkfs.ext4 on the host
"""

EXAMPLES = r"""
- name: Prepare a MinIO drive
  openlakes.core.data_disk:
    device: /dev/disk/by-id/wwn-0x5000c500a1b2c301
    fstype: xfs
    label: olm1-9c2e
    mount: /mnt/openlakes/minio/hot1
"""

RETURN = r"""
action:
  description: C(adopt), C(format) or C(wipe) (what was, or in check mode would be, done).
  returned: success
  type: str
real_device:
  description: The device node the path resolves to.
  returned: always
  type: str
serial:
  description: The device's serial as read on the host.
  returned: always
  type: str
uuid:
  description: The filesystem UUID after the run.
  returned: success and not check mode
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _disk


def main():
    module = AnsibleModule(argument_spec={
        "device": {"type": "path", "required": True},
        "fstype": {"type": "str", "choices": ["xfs", "ext4"], "default": "xfs"},
        "label": {"type": "str", "required": True},
        "mount": {"type": "path", "required": True},
        "confirm_serial": {"type": "str", "default": ""},
        "host": {"type": "str", "default": ""},
    }, supports_check_mode=True)
    p = module.params
    if len(p["label"]) > _disk.label_limit(p["fstype"]):
        module.fail_json(msg=f"label '{p['label']}' is longer than {p['fstype']} allows ({_disk.label_limit(p['fstype'])})")
    probe = _disk.blkid_probe(module)
    try:
        dev = _disk.inspect(p["device"], probe)
    except _disk.HostError as exc:
        module.fail_json(msg=str(exc))
    decision = _disk.decide(dev, p["fstype"], p["label"], p["mount"], p["confirm_serial"], p["host"])
    result = {"changed": False, "action": decision.action, "real_device": dev.real, "serial": dev.serial,
              "msg": decision.message}
    if module._diff:
        result["diff"] = {"before": f"{dev.real}: {dev.signature() or 'empty'}\n",
                          "after": f"{dev.real}: a {p['fstype']} filesystem labelled '{p['label']}'\n"}
    if decision.action == "refuse":
        module.fail_json(**result)
    if decision.action == "adopt":
        result["uuid"] = dev.uuid
        _disk.register_label(module, dev.real)
        module.exit_json(**result)
    result["changed"] = True
    if module.check_mode:
        module.exit_json(**result)
    try:
        result["uuid"] = _disk.make_filesystem(module, dev, decision.action, p["fstype"], p["label"], probe)
    except _disk.HostError as exc:
        result["msg"] = str(exc)
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
