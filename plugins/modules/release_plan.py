#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: release_plan
short_description: Deploy many Helm releases as a dependency graph
description:
  - Takes releases with C(depends_on) and deploys them as a graph, each exactly as M(openlakes.core.helm_release) does.
    Independent releases run concurrently in a bounded pool; a release starts as soon as every release it depends on
    is ready; a failed release skips its dependents while independent branches finish.
  - Nodes that are not Helm releases are deployed by the same graph (I(type=objects)), each a set of Kubernetes objects
    (namespaces, node labels, a Secret whose data comes from a file on the controller or an ansible-vault variable),
    each applied with server-side apply only when a field it sets differs. I(type=require) nodes are what the
    plan needs from elsewhere (another layer), checked deployed with one read and never changed.
  - Rejects unknown dependencies, duplicate names and cycles before anything runs.
  - In check mode returns the plan, the order (levels) and for each release whether and why it would change.
  - Returns each release's outcome, action, reasons and timings, and the plan's wall time against its critical path.
version_added: 0.1.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.cluster
  - openlakes.core.helm
options:
  releases:
    description:
      - The releases. Each takes the options of M(openlakes.core.helm_release) (I(name), I(namespace), I(chart),
        I(values), I(wait), I(timeout), I(atomic), ...) and I(depends_on), a list of node names.
      - A node with I(type=objects) takes I(name), I(objects) (manifests), I(data_from) (Secret key to C(file) or
        C(variable)), I(patch_only) and I(depends_on); one with I(type=require) takes I(name), I(namespace) and
        I(objects) (what must exist). Other keys the platform plan adds (C(component), C(layer), C(slice)) are ignored.
    type: list
    elements: dict
    required: true
  variables:
    description: Values of the ansible-vault variables that I(data_from) names (never logged).
    type: dict
    default: {}
  max_workers:
    description: How many releases may deploy at the same time.
    type: int
    default: 6
  chart_mirror:
    description: Air-gap chart mirror applied to every release that does not set its own.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Deploy layer 01
  openlakes.core.release_plan:
    kubeconfig: ~/.kube/lake.conf
    releases:
      - {name: cnpg-operator, namespace: cnpg-system, chart: {repository: "https://cloudnative-pg.github.io/charts", name: cloudnative-pg, version: 0.29.0}}
      - name: postgresql
        namespace: openlakes
        chart: {repository: "https://cloudnative-pg.github.io/charts", name: cluster, version: 0.8.1}
        depends_on: [cnpg-operator]
"""

RETURN = r"""
releases:
  description:
    - Per release, in plan order, its outcome (C(ok), C(failed), C(skipped)), action, reasons, revision,
      start and end (seconds from the start) and the release's own result.
  returned: always
  type: list
  elements: dict
levels:
  description: The order, as lists of releases that may run together.
  returned: always
  type: list
  elements: list
wall_seconds:
  description: The plan's wall time.
  returned: always
  type: float
critical_path_seconds:
  description: The longest dependency chain of the releases' own durations, the lower bound of any schedule.
  returned: always
  type: float
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _args, _deploy, _k8s


def main():
    module = AnsibleModule(argument_spec={**_args.CLUSTER_ARGS, **_args.HELM_ARGS, **_args.RELEASE_PLAN_ARGS},
                           supports_check_mode=True)
    if not _k8s.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
    p = module.params
    try:
        nodes, secrets = _deploy.nodes_from(p["releases"], p["chart_mirror"])
    except _deploy.DeployError as exc:
        module.fail_json(msg=str(exc))
    module.no_log_values.update(secrets)
    cluster = _k8s.Cluster(p["kubeconfig"] or "", p["context"])
    result = _deploy.run(nodes, cluster, p["helm_binary"], p["kubeconfig"] or "", p["context"], p["variables"],
                         check_mode=module.check_mode, max_workers=p["max_workers"])
    failed = result.pop("failed")
    if failed:
        lines = [r["msg"] for r in failed]
        module.fail_json(msg=f"{len(failed)} of {len(result['releases'])} releases did not deploy:\n" + "\n".join(lines),
                         **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
