#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: platform_uninstall
short_description: Remove the platform's releases in reverse dependency order, keeping its data unless told to purge
description:
  - Removes the nodes of the chosen layers of M(openlakes.core.platform_plan) (releases, node labels, Secrets written
    from files, namespaces) in the reverse order of the plan's graph, independent ones concurrently. A node is removed
    only once every chosen node that depends on it is gone; one that is kept keeps what it depends on.
  - Refuses, before anything changes, when a release that stays deployed (of a layer not chosen) depends on a chosen one.
  - By default keeps, and lists with the command that removes each, the PersistentVolumeClaims of every removed release
    (rendered by it, made from its StatefulSets' claim templates, or owned by its objects, whose owner references are
    removed first), their volumes, the CustomResourceDefinitions helm's keep policy protects, Secrets, namespaces, the
    generated credential Secrets and the hosts' data directories. A release is kept whole when removing it would delete
    data anyway (it serves the volumes of kept claims, or renders a claim, or a CustomResourceDefinition that has custom
    resources, without helm's keep policy).
  - With I(purge) and I(confirm) equal to the platform's name (C(cluster.name)), also deletes those claims, the volumes
    they were bound to (Retain), the kept CustomResourceDefinitions, the chosen components' generated credentials, and
    the namespaces the collection made, also what an earlier keeping run kept. Never touches the hosts' disks.
  - A release left C(pending-*) by a helm that may still run (younger than I(pending_timeout)) is refused.
  - In check mode says what it would remove and keep, and changes nothing.
version_added: 0.3.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.cluster
  - openlakes.core.helm
  - openlakes.core.plan
options:
  volume_providers:
    description: The plan's C(volume_providers) (release to provisioner).
    type: dict
    default: {}
  config:
    description: The effective configuration (C(openlakes_config)), for the platform's name and the hosts' data directories.
    type: dict
    required: true
  layers:
    description: The layers to remove (C(01) to C(08)); every layer when empty.
    type: list
    elements: str
    default: []
  purge:
    description: Delete what a default run keeps. Requires I(confirm).
    type: bool
    default: false
  confirm:
    description: The platform's name (C(cluster.name) of core-config.yaml), typed back to allow I(purge).
    type: str
    default: ""
  max_workers:
    description: How many nodes may be removed at the same time.
    type: int
    default: 6
  pending_timeout:
    description: Seconds after which a C(pending-*) release is taken to be abandoned by an interrupted helm.
    type: int
    default: 300
"""

EXAMPLES = r"""
- name: Remove layer 02, keeping its data
  openlakes.core.platform_uninstall:
    nodes: "{{ platform_plan.nodes }}"
    credentials: "{{ platform_plan.credentials }}"
    volume_providers: "{{ platform_plan.volume_providers }}"
    config: "{{ openlakes_config }}"
    layers: ["02"]
"""

RETURN = r"""
nodes:
  description: Per node in removal order, C(name), C(type), C(layer), C(outcome) (C(ok), C(kept), C(failed), C(skipped)), C(action) and C(msg).
  returned: always
  type: list
  elements: dict
kept:
  description: What was kept, each with C(kind), C(namespace), C(name), C(source), C(detail), C(reason) and C(remove) (a command that removes it).
  returned: always
  type: list
  elements: dict
removed:
  description: What was removed, one line each.
  returned: always
  type: list
  elements: str
host_data:
  description: The hosts' data directories, never touched (C(host), C(path), C(purpose), C(device)).
  returned: always
  type: list
  elements: dict
report:
  description: The outcome as lines for a person to read.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _args, _k8s, _uninstall


def main():
    module = AnsibleModule(argument_spec={
        **_args.CLUSTER_ARGS,
        **_args.HELM_ARGS,
        **_args.PLAN_ARGS,
        "volume_providers": {"type": "dict", "default": {}},
        "config": {"type": "dict", "required": True},
        "layers": {"type": "list", "elements": "str", "default": []},
        "purge": {"type": "bool", "default": False},
        "confirm": {"type": "str", "default": ""},
        "max_workers": {"type": "int", "default": 6},
        "pending_timeout": {"type": "int", "default": 300},
    }, supports_check_mode=True)
    if not _k8s.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
    p = module.params
    name = p["config"]["cluster"]["name"]
    if p["purge"] and p["confirm"] != name and not module.check_mode:
        module.fail_json(msg=f"purging deletes the platform's data (claims, volumes, credentials, namespaces). To go on, "
                             f"type the platform's name back: -e openlakes_uninstall_confirm={name}. Nothing was changed")
    try:
        result = _uninstall.run(p, check_mode=module.check_mode)
    except _uninstall.UninstallError as exc:
        module.fail_json(msg=str(exc))
    failed = [r for r in result["nodes"] if r["outcome"] in ("failed", "skipped")]
    if failed:
        module.fail_json(msg=f"{len(failed)} node(s) were not removed:\n" + "\n".join(r["msg"] for r in failed), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
