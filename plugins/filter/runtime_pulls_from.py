# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a host's container runtime is configured to pull from a registry."""
from __future__ import annotations

DOCUMENTATION = r"""
name: runtime_pulls_from
short_description: Whether a host's container runtime is configured to pull from a registry
description:
  - Takes what M(openlakes.core.host_facts) read of the paths C(openlakes.core.runtime_files) names (its C(paths)
    result) and the registry, and says whether any of them configures the runtime for it, k3s or RKE2
    C(registries.yaml) naming it under C(mirrors) (as a mirror or an endpoint) or C(configs), a containerd
    C(hosts.toml) for it, or containerd's C(config.toml), CRI-O's C(registries.conf) or Docker's C(daemon.json)
    naming it.
version_added: 0.2.0
author: OpenLakes maintainers (@openlakes)
positional: _input, registry
options:
  _input:
    description: Path to what was read (C(exists), C(content)).
    type: dict
    required: true
  registry:
    description: The registry, C(host[:port][/path]).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Judge one host
  ansible.builtin.debug:
    msg: "{{ node_prep_host.paths | openlakes.core.runtime_pulls_from(openlakes_config.air_gap.image_registry) }}"
"""

RETURN = r"""
_value:
  description: C(ok), and C(found), the files that name the registry or where it was looked for.
  type: dict
"""

from ansible_collections.openlakes.core.plugins.module_utils import _airgap


def runtime_pulls_from(paths, registry) -> dict:
    return _airgap.runtime_pulls_from(str(registry), dict(paths or {}))


class FilterModule:
    def filters(self):
        return {"runtime_pulls_from": runtime_pulls_from}
