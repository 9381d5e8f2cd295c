# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a host's container runtime is told how to pull from a registry."""
from __future__ import annotations

DOCUMENTATION = r"""
name: runtime_files
short_description: The files that configure a host's container runtime for a registry
description:
  - Takes C(air_gap.image_registry) and returns the paths preflight reads on each host to see whether its container
    runtime pulls from it, k3s and RKE2 C(registries.yaml), containerd's C(config.toml) and C(certs.d/<host>/hosts.toml),
    CRI-O's C(registries.conf) and Docker's C(daemon.json).
version_added: 0.2.0
author: OpenLakes maintainers (@openlakes)
positional: _input
options:
  _input:
    description: The registry, C(host[:port][/path]).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Read them with the host's one read
  ansible.builtin.set_fact:
    files: "{{ openlakes_config.air_gap.image_registry | openlakes.core.runtime_files }}"
"""

RETURN = r"""
_value:
  description: Absolute paths.
  type: list
  elements: str
"""

from ansible_collections.openlakes.core.plugins.module_utils import _airgap


def runtime_files(registry) -> list:
    return _airgap.runtime_files(str(registry)) if registry else []


class FilterModule:
    def filters(self):
        return {"runtime_files": runtime_files}
