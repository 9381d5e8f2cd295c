#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of openlakes.core.core_config; the work is done by its action plugin."""
from __future__ import annotations

DOCUMENTATION = r"""
module: core_config
short_description: Read, validate and complete core-config.yaml
description:
  - Reads C(core-config.yaml) on the controller, validates it against the JSON Schema shipped in
    C(platform/core-config.schema.yml), fills its defaults and applies the cross-field rules
    (inventory hosts, MinIO erasure sets, Kubernetes server count, TLS completeness, component
    dependencies, devices and mount points, no plaintext credentials).
  - Reports B(every) problem in one failure, each with its YAML path, line, what is wrong and what
    would be right. Touches no host.
  - On success sets one fact, by default C(openlakes_config), the effective configuration that every
    role of this collection reads. Nothing else reads the YAML file.
version_added: 0.1.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.attributes.controller
options:
  path:
    description: Path of core-config.yaml on the controller. Defaults to the variable C(openlakes_core_config_file).
    type: path
  inventory_hosts:
    description: Host names the configuration may refer to. Defaults to every host of the inventory.
    type: list
    elements: str
  check_files:
    description: Check that referenced controller files (kubeconfig, certificates, chart mirror) exist.
    type: bool
    default: true
  fact_name:
    description: Name of the fact to set.
    type: str
    default: openlakes_config
requirements:
  - jsonschema (on the controller)
notes:
  - Runs on the controller only; the task's host is never contacted.
"""

EXAMPLES = r"""
- name: Validate core-config.yaml before touching any host
  openlakes.core.core_config:
    path: "{{ inventory_dir }}/core-config.yaml"
  run_once: true
"""

RETURN = r"""
ansible_facts:
  description: The effective configuration under C(openlakes_config) (or I(fact_name)), with a C(derived) section.
  returned: success
  type: dict
problems:
  description: Every problem found, each with its dotted YAML path, line and message.
  returned: failure
  type: list
  elements: dict
"""
