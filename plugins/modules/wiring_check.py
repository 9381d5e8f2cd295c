#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: wiring_check
short_description: Prove every declared link between the platform's components in the live cluster
description:
  - For each link of M(openlakes.core.platform_plan)'s C(wiring) (consumer -> provider), a C(service) link holds when
    the provider's Service exists with the declared port, has a ready endpoint, and the consumer's live objects name
    its C(host) and C(port); a C(secret) link holds when the Secret exists with the declared keys in the namespace that
    reads it and the reader's live objects name it.
  - Reads each release's state too, with status, revision, chart and app version, whether every object of its
    deployed revision is ready now (the readiness rules of M(openlakes.core.k8s_ready), judged once), and when it last
    changed.
  - Fails listing every mismatch at once. Reads only; changes nothing, in or out of check mode.
version_added: 0.2.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.cluster
options:
  links:
    description: The links, as M(openlakes.core.platform_plan) returns them in C(wiring).
    type: list
    elements: dict
    required: true
  releases:
    description: Releases whose state to report (C(name), C(namespace), C(layer)); one that is not deployed is a failure.
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
- name: Check every link
  openlakes.core.wiring_check:
    links: "{{ platform_plan.wiring }}"
"""

RETURN = r"""
rows:
  description: Per link, C(consumer), C(provider), C(what), C(checked), C(ok) and C(problems).
  returned: always
  type: list
  elements: dict
releases:
  description:
    - Per release, C(status), C(revision), C(chart), C(app_version), C(ready), C(not_ready) (what is not ready, one
      sentence each), C(last_deployed), C(age) (e.g. C(3h)), C(age_seconds) and C(ok).
  returned: always
  type: list
  elements: dict
table:
  description: The wiring table, one line per link and one with what was checked.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _k8s, _wiring
from ansible_collections.openlakes.core.plugins.module_utils._args import CLUSTER_ARGS, WIRING_ARGS


def main():
    module = AnsibleModule(argument_spec={**CLUSTER_ARGS, **WIRING_ARGS}, supports_check_mode=True)
    if not _k8s.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
    p = module.params
    result = _wiring.run(_k8s.Cluster(p["kubeconfig"] or "", p["context"]), p["links"], p["releases"])
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
