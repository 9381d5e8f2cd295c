#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of openlakes.core.layer_plan; the work is done by its action plugin."""
from __future__ import annotations

DOCUMENTATION = r"""
module: layer_plan
short_description: The Helm releases of one platform layer, with values generated from core-config.yaml
description:
  - Reads the layer's components from C(platform/components.yml) (charts, pinned versions, images,
    namespaces, dependencies) and generates each release's values from the validated configuration
    (C(openlakes_config)), the disks node preparation reported per host, and the names of the credential
    Secrets. Values never hold a credential; charts are given Secret names and keys.
  - Releases of disabled components are left out, and so are dependencies on them. A component's
    C(values) from core-config.yaml are merged last into its main release.
  - Returns releases ready for M(openlakes.core.release_plan), and for layer 01 the label and annotation
    of each Longhorn node (the disks node preparation mounted).
  - Changes nothing, in or out of check mode.
version_added: 0.1.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.attributes.controller
options:
  layer:
    description: The layer, C(01) to C(08).
    type: str
    required: true
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
  credentials:
    description: Per service, the Secret holding its credentials (C(secret)), as returned by M(openlakes.core.platform_secrets).
    type: dict
    default: {}
  node_memory:
    description:
      - Each node's allocatable memory (Kubernetes quantities such as C(32Gi)). With C(resources.profile) C(auto),
        less than 48 GiB in total picks C(compact), less than 192 GiB C(small), more C(full).
    type: list
    elements: str
    default: []
notes:
  - Runs on the controller only; the task's host is never contacted.
"""

EXAMPLES = r"""
- name: Plan layer 01
  openlakes.core.layer_plan:
    layer: "01"
    config: "{{ openlakes_config }}"
    hosts: "{{ {'node-1': {'longhorn_disks': [{'path': '/var/lib/openlakes/longhorn/disk1/data'}], 'minio_drives': []}} }}"
    credentials: "{{ credentials_secrets }}"
  register: plan
"""

RETURN = r"""
releases:
  description: The layer's releases as M(openlakes.core.release_plan) takes them (C(name), C(namespace), C(chart), C(values), C(depends_on), C(timeout)).
  returned: success
  type: list
  elements: dict
components:
  description: The component each release belongs to.
  returned: success
  type: dict
secrets_to_write:
  description:
    - Secrets to write from controller-side input before the releases, C(tls) (the user's certificate files)
      and C(cloudflare_token) (a token kept in ansible-vault; also C(key) and C(variable)), each with C(name) and C(namespace).
  returned: success
  type: dict
profile:
  description: The resource profile used (C(auto) resolved).
  returned: success
  type: str
longhorn_nodes:
  description: Per Longhorn node, the C(labels) and C(annotations) that make Longhorn use the prepared disks.
  returned: success
  type: list
  elements: dict
"""
