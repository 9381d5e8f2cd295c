#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of openlakes.core.cluster_nodes; the work is done by its action plugin."""
from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_nodes
short_description: Read the cluster's Nodes once and check that every storage host is a Ready one
description:
  - Lists the cluster's Nodes with one API read from the controller and fails, naming each, when a host of
    I(hosts) has no Node of its name whose C(Ready) condition is C(True).
  - Sets the fact C(kubernetes_node_memory) (each Node's allocatable memory, as the API gives it), which the
    platform plan sizes its workloads by.
  - Read-only, also in check mode.
version_added: 0.2.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.attributes.controller
  - openlakes.core.cluster
options:
  hosts:
    description: Inventory host names that must be Ready Nodes (node names equal inventory host names).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Every storage host is a Ready node
  openlakes.core.cluster_nodes:
    kubeconfig: "{{ openlakes_config.derived.kubeconfig }}"
    hosts: "{{ openlakes_config.derived.storage_hosts }}"
"""

RETURN = r"""
nodes:
  description: Each Node's name, whether it is Ready, its kubelet version and allocatable memory.
  returned: always
  type: list
  elements: dict
  sample: [{name: node1, ready: true, kubelet_version: v1.36.3, memory: 16Gi}]
missing:
  description: The hosts of I(hosts) without a Ready Node.
  returned: always
  type: list
  elements: str
"""
