#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: credential_rotation
short_description: Rotate credential sets, change the consumer side to match, restart what reads them in order
description:
  - For each chosen credential set of M(openlakes.core.platform_plan), generates new values for every key that holds a
    secret (names such as a service's user name stay; derived keys such as an htpasswd line are made again from the new
    password) and writes them into the Secret in every namespace that holds it.
  - Then, release by release in the plan's order (providers before consumers), everything found live that reads the
    Secret follows it. CloudNativePG Clusters whose managed roles or superuser name it set the new password; the
    rotation waits until the Cluster's status reports the Secret's new version. Jobs that read it (the MinIO setup Job,
    which sets each MinIO user's secret key) run again as a copy, to completion. Deployments, StatefulSets and
    DaemonSets that read it restart and are waited on until ready; a set marked C(restart=together) (MinIO's root
    credentials) has all their pods replaced at once.
  - The old values are kept nowhere. A user's own Secret (C(credentials.existing_secrets)) is not rotated.
  - In check mode lists what would rotate and what would follow, changing nothing.
  - Values are never returned or logged.
version_added: 0.3.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.cluster
  - openlakes.core.plan
options:
  rotate:
    description: The credential sets to rotate (names, e.g. C(nessie)), or C(all).
    type: list
    elements: str
    required: true
  timeout:
    description: Seconds to wait for each step (an operator's report, a Job, a restart).
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Rotate Nessie's credentials (its PostgreSQL role and MinIO user)
  openlakes.core.credential_rotation:
    credentials: "{{ platform_plan.credentials }}"
    nodes: "{{ platform_plan.nodes }}"
    rotate: [nessie]
"""

RETURN = r"""
sets:
  description: Per rotated set, C(name), C(secret), C(namespaces), C(keys) (rotated, never their values) and C(steps) (what followed, in order).
  returned: always
  type: list
  elements: dict
lines:
  description: The outcome as lines for a person to read.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _args, _k8s, _rotation


def main():
    module = AnsibleModule(argument_spec={
        **_args.CLUSTER_ARGS,
        **_args.PLAN_ARGS,
        "rotate": {"type": "list", "elements": "str", "required": True},
        "timeout": {"type": "int", "default": 600},
    }, supports_check_mode=True)
    if not _k8s.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
    p = module.params
    known = {c["name"]: c for c in p["credentials"]}
    wanted = sorted(known) if p["rotate"] == ["all"] else p["rotate"]
    unknown = sorted(set(wanted) - set(known))
    if unknown or not wanted:
        module.fail_json(msg=f"no credential set {', '.join(unknown) or '(none given)'} in this platform; the sets are "
                             f"{', '.join(sorted(known))}, or all. Nothing was rotated")
    try:
        result = _rotation.rotate(_k8s.Cluster(p["kubeconfig"] or "", p["context"]), [known[n] for n in wanted],
                                  p["nodes"], module.check_mode, p["timeout"])
    except _rotation.RotationError as exc:
        module.fail_json(msg=str(exc))
    module.no_log_values.update(v for v in result.pop("values") if len(v) >= 4)
    module.exit_json(changed=bool(result["sets"]), **result)


if __name__ == "__main__":
    main()
