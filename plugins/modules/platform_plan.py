#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of openlakes.core.platform_plan; the work is done by its action plugin."""
from __future__ import annotations

DOCUMENTATION = r"""
module: platform_plan
short_description: The whole platform as one dependency graph, with values generated from core-config.yaml
description:
  - Reads every component of C(platform/components.yml) (charts, pinned versions, images, namespaces, what it
    provides and consumes) and asks each enabled component's unit for its releases' values and extra objects,
    from the validated configuration (C(openlakes_config)) and the disks node preparation reported per host.
    Values never hold a credential; charts are given Secret names and keys.
  - One graph across all layers. Each node (a Helm release, or a set of objects such as namespaces, node labels or
    a Secret written from a controller-side file or ansible-vault) has its layer and the slice it deploys with,
    its own layer or an earlier one whose nodes need it. Each slice lists what it requires from other slices.
  - Returns the credential sets the enabled components need (keys and namespaces, for
    M(openlakes.core.platform_secrets)) and every declared link between components (for M(openlakes.core.wiring_check)).
  - Changes nothing, in or out of check mode.
version_added: 0.2.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.attributes.controller
options:
  config:
    description: The effective configuration, as set by M(openlakes.core.core_config).
    type: dict
    required: true
  hosts:
    description:
      - Per inventory host, what node preparation reported, C(longhorn_disks) (list of C(path)) and
        C(minio_drives) (list of C(path) and C(size_bytes)).
    type: dict
    default: {}
  node_memory:
    description:
      - Each node's allocatable memory (Kubernetes quantities such as C(32Gi)). With C(resources.profile) C(auto),
        less than 48 GiB in total picks C(compact), less than 192 GiB C(small), more C(full).
    type: list
    elements: str
    default: []
  build_values:
    description: Build every release's values. Without them the plan still has its nodes, slices, credentials and links.
    type: bool
    default: true
notes:
  - Runs on the controller only; the task's host is never contacted.
"""

EXAMPLES = r"""
- name: Plan the platform
  openlakes.core.platform_plan:
    config: "{{ openlakes_config }}"
    hosts: "{{ {'node-1': {'longhorn_disks': [{'path': '/var/lib/openlakes/longhorn/disk1/data'}], 'minio_drives': []}} }}"
  register: plan
"""

RETURN = r"""
nodes:
  description:
    - Every node of the graph. Releases as M(openlakes.core.release_plan) takes them (C(name), C(namespace), C(chart),
      C(values), C(depends_on), C(timeout)); object sets with C(objects) and C(data_from). Each with C(type),
      C(component), C(layer) and C(slice).
  returned: success
  type: list
  elements: dict
slices:
  description: Per layer, C(nodes) (names) and C(requires) (nodes of other slices it depends on).
  returned: success
  type: dict
credentials:
  description: Each credential set, with C(name), C(secret), C(keys) (key to generator), C(namespaces) and C(existing).
  returned: success
  type: list
  elements: dict
wiring:
  description: Each declared link (C(consumer), C(provider), C(kind) service or secret, and what to check).
  returned: success
  type: list
  elements: dict
backups:
  description: >-
    What the enabled components hold that is backed up, each declared by its own unit (C(backups(u))): per item its
    C(component), C(kind) (C(cloudnative-pg)), C(cluster), C(namespace), C(object_store), C(plugin), C(destination),
    C(schedule) and C(retention). Read by playbooks/backup.yml and restore.yml.
  returned: success
  type: list
  elements: dict
volume_providers:
  description: Release name to the provisioner of the PersistentVolumes it serves (C(provides.volumes)), for uninstall.
  returned: success
  type: dict
upgrade_rules:
  description: Release name to the upstream rules of its upgrades (C(minor_step), C(breaking)), for upgrade.
  returned: success
  type: dict
variables:
  description: The ansible-vault variables object sets read (C(data_from) with C(variable)).
  returned: success
  type: list
  elements: str
images:
  description:
    - Every image of every release, C(release), C(component), C(source) (where it is published), C(image) (as the
      cluster pulls it, after C(air_gap.image_registry)), C(at) (the values key that sets it), C(set_by) (C(values),
      C(builder), or C(chart) for one the chart hard-codes, a C(hook)) and C(built_by) (the collection's recipe).
  returned: success
  type: list
  elements: dict
profile:
  description: The resource profile used (C(auto) resolved).
  returned: success
  type: str
"""
