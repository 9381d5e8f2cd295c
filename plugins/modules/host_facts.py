#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: host_facts
short_description: Read in one call what preflight checks and node preparation would change on a host
description:
  - Reads, without changing anything, the host's data disks (device, signatures, serial, size, what is mounted at
    each mount point, fstab entry, marker, data directory) and, for each disk with a I(label), what
    M(openlakes.core.data_disks) would do to it and what a check of it reports now.
  - Also reads the free space of C(/), the listening TCP ports, the active swap areas and C(/etc/fstab) always, and
    the I(paths), I(packages), I(units), I(kernel_modules), I(mounts) and names to I(resolve) it is given.
  - Sets the few standard facts the roles use (distribution, OS family, package manager, virtualization, CPUs,
    memory) with ansible-core's own fact collectors, so a play that runs this module needs no fact gathering.
version_added: 0.1.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.disks
options:
  paths:
    description: Paths to describe (type, owner, mode; the text of regular files up to 64 KiB). Links are followed.
    type: list
    elements: path
    default: []
  packages:
    description: Packages whose installed state to read; names the package manager does not know are not installed.
    type: list
    elements: str
    default: []
  units:
    description: systemd units whose load, enablement (as C(systemctl is-enabled) says) and activity to read.
    type: list
    elements: str
    default: []
  kernel_modules:
    description: Kernel modules to look for (loaded, built in, or known to C(/sys/module)).
    type: list
    elements: str
    default: []
  mounts:
    description: Mount points whose current mount to read (source, type, label, size).
    type: list
    elements: path
    default: []
  resolve:
    description: Host names to resolve with the host's own resolver.
    type: list
    elements: str
    default: []
requirements:
  - blkid (util-linux) and systemctl on the host; dpkg-query or rpm when I(packages) is given
"""

EXAMPLES = r"""
- name: Read this host
  openlakes.core.host_facts:
    host: "{{ inventory_hostname }}"
    disks:
      - {device: /dev/disk/by-id/wwn-0x5000c500a1b2c301, mount: /mnt/openlakes/minio/hot1, label: olm1-9c2e,
         purpose: minio, owner: {uid: 1000, gid: 1000}}
    paths: [/etc/sysctl.d/90-openlakes.conf]
    packages: [xfsprogs]
    units: [iscsid]
    resolve: [node-2]
  register: host
"""

RETURN = r"""
disks:
  description:
    - Per disk, in order, what was read (C(device) as M(openlakes.core.data_disk) inspects it, C(size_bytes) of the
      device, C(mounted) with the filesystem's C(size_bytes), C(marker), C(data)) and, with a label, the plan
      (C(action), C(message), C(steps) still to take, C(problem) a check reports now).
  returned: always
  type: list
  elements: dict
root_free_bytes:
  description: Space available on C(/) to unprivileged users, in bytes (C(df --output=avail)).
  returned: always
  type: int
listening_tcp_ports:
  description: TCP ports some socket listens on.
  returned: always
  type: list
  elements: int
swaps:
  description: Active swap areas.
  returned: always
  type: list
  elements: str
fstab:
  description: The active entries of C(/etc/fstab) (src, path, fstype, opts, dump, passno).
  returned: always
  type: list
  elements: dict
paths:
  description: Per path, C(exists), C(isdir), C(isreg), C(uid), C(gid), C(mode) (octal string) and C(content).
  returned: always
  type: dict
packages:
  description: Per package, whether it is installed.
  returned: always
  type: dict
units:
  description: Per unit, C(load), C(enabled) (the unit file state) and C(active).
  returned: always
  type: dict
kernel_modules:
  description: Per module, whether it is present.
  returned: always
  type: dict
mounts:
  description: Per mount point, what is mounted there (C(source), C(fstype), C(label), C(size_bytes)), or nothing.
  returned: always
  type: dict
resolve:
  description: Per name, the first address it resolves to, or an empty string.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _disk, _host_facts
from ansible_collections.openlakes.core.plugins.module_utils._args import DISK_ARGS


def main():
    module = AnsibleModule(argument_spec={
        **DISK_ARGS,
        "paths": {"type": "list", "elements": "path", "default": []},
        "packages": {"type": "list", "elements": "str", "default": []},
        "units": {"type": "list", "elements": "str", "default": []},
        "kernel_modules": {"type": "list", "elements": "str", "default": []},
        "mounts": {"type": "list", "elements": "path", "default": []},
        "resolve": {"type": "list", "elements": "str", "default": []},
    }, supports_check_mode=True)
    try:
        result = _host_facts.read(module, module.params)
        facts = _host_facts.system_facts(module)
    except _disk.HostError as exc:
        module.fail_json(msg=f"host {module.params['host'] or 'this host'}: {exc}")
    module.exit_json(changed=False, ansible_facts=facts, **result)


if __name__ == "__main__":
    main()
