#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: platform_backup
short_description: Take a PostgreSQL backup on demand, list the backups, or restore one into a new Cluster
description:
  - Acts on what the platform plan says is backed up (M(openlakes.core.platform_plan)'s C(backups), each declared by
    its component's own unit), the platform's CloudNativePG Cluster, through the barman-cloud plugin and its
    ObjectStore on MinIO's cold tier.
  - C(action=backup) creates a C(Backup) (method C(plugin)) and waits until the operator reports it C(completed); a
    failed one fails the task with the operator's error. Then lists every backup.
  - C(action=list) lists every C(Backup) of the Cluster (scheduled and on demand) with its phase, time, backup ID and
    WAL range, the object store's recovery window, and each backup's size in the object store, read by a short Job in
    the cluster (mc, with the backup component's own MinIO user) that is removed afterwards; when the store cannot be
    listed the sizes are unknown and the listing says why.
  - C(action=restore) creates a new Cluster bootstrapped by recovery from the chosen completed backup and waits until it
    is Ready. It never touches the running Cluster, refuses its name and any existing Cluster that is not the same
    restore; run again, it changes nothing.
  - In check mode says what it would create, creating nothing.
version_added: 0.3.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.cluster
options:
  backups:
    description: The plan's C(backups).
    type: list
    elements: dict
    required: true
  action:
    description: What to do.
    type: str
    choices: [backup, list, restore]
    default: list
  backup:
    description: With C(action=restore), the name of the completed C(Backup) to restore.
    type: str
    default: ""
  restore_cluster:
    description: With C(action=restore), the name of the new Cluster (never the running one's).
    type: str
    default: ""
  timeout:
    description: Seconds to wait for the backup to complete or the restored Cluster to be Ready.
    type: int
    default: 1800
"""

EXAMPLES = r"""
- name: Take a backup now and wait for it
  openlakes.core.platform_backup:
    backups: "{{ platform_plan.backups }}"
    action: backup

- name: Restore a backup into a new Cluster
  openlakes.core.platform_backup:
    backups: "{{ platform_plan.backups }}"
    action: restore
    backup: postgresql-20261202013000
    restore_cluster: postgresql-restored
"""

RETURN = r"""
taken:
  description: With C(action=backup), the Backup taken (C(name), C(phase), C(backup_id), C(started), C(stopped)).
  returned: when action is backup
  type: dict
listing:
  description: C(cluster), C(destination), C(first_recoverability_point), C(last_successful_backup), C(backups) (per
    Backup C(name), C(phase), C(backup_id), C(started), C(stopped), C(begin_wal), C(end_wal), C(error), C(scheduled),
    C(size_bytes)) and C(lines).
  returned: when action is backup or list
  type: dict
restored:
  description: With C(action=restore), C(cluster), C(backup), C(backup_id), C(ready) and C(services).
  returned: when action is restore
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _args, _backup, _k8s


def main():
    module = AnsibleModule(argument_spec={
        **_args.CLUSTER_ARGS,
        "backups": {"type": "list", "elements": "dict", "required": True},
        "action": {"type": "str", "choices": ["backup", "list", "restore"], "default": "list"},
        "backup": {"type": "str", "default": ""},
        "restore_cluster": {"type": "str", "default": ""},
        "timeout": {"type": "int", "default": 1800},
    }, supports_check_mode=True)
    if not _k8s.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
    p = module.params
    try:
        item = _backup.item_of(p["backups"])
        ops = _backup.Backups(_k8s.Cluster(p["kubeconfig"] or "", p["context"]), timeout=p["timeout"])
        if p["action"] == "restore":
            if not p["backup"] or not p["restore_cluster"]:
                raise _backup.BackupError("a restore needs the backup to restore (-e openlakes_restore_backup=<name>, "
                                          "listed by playbooks/backup.yml) and a new Cluster's name "
                                          "(-e openlakes_restore_cluster=<name>); nothing was changed")
            restored = ops.restore(item, p["backup"], p["restore_cluster"], module.check_mode)
            module.exit_json(changed=restored.pop("changed"), restored=restored)
        taken = ops.take(item, module.check_mode) if p["action"] == "backup" else None
        sizes, why = ({}, "not read in check mode") if module.check_mode else ops.store_sizes(item)
        listing = ops.listing(item, sizes)
        if why:
            listing["lines"].append(f"sizes: {why}")
        out = {"listing": listing}
        if taken is not None:
            out["taken"] = {k: v for k, v in taken.items() if k != "changed"}
        module.exit_json(changed=bool(taken and taken["changed"]), **out)
    except _backup.BackupError as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
