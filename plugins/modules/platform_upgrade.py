#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: platform_upgrade
short_description: Upgrade the deployed platform to this collection's versions, resumably, along the plan's graph
description:
  - Compares each deployed release (helm's record, read without helm) with the platform plan of this collection
    (chart versions and images of C(platform/components.yml), values built from core-config.yaml) and says, per
    release, chart and app version from -> to, images from -> to, changed values (paths, never values), the
    CustomResourceDefinitions it carries against the live ones, and what restarts (workloads whose pod template
    changes; custom resources whose spec changes, which their operator applies). Targets are rendered with
    C(helm template); nothing changes while planning.
  - Before changing anything, checks the upstream rules and refuses, naming what to do, a downgrade, a move past a
    component's C(upgrade.minor_step) (Longhorn upgrades one minor version at a time), across one of its documented
    breaking versions (C(upgrade.breaking)), a chart whose C(crds/) change while the release does not apply them (helm
    does not), and a release rendering custom resources whose CRD comes with another changing release it does not
    depend on.
  - Upgrades with the release engine of M(openlakes.core.release_plan) along the plan's graph (CRDs and operators
    before their resources, providers before consumers), each release waited on with its readiness rules.
  - Records its progress in the ConfigMap C(openlakes-upgrade) of the platform namespace (each release's from, to,
    state and times, the claims' UIDs when it started, and a lease renewed while it runs). A run that finds an
    upgrade to the same target interrupted continues it. What was done is one read, what was running is waited on
    until ready, a release left C(pending-*) is recovered by the engine once older than I(pending_timeout).
  - After the upgrade, every claim there when it started must be there with the same UID and Bound, else it fails.
  - With I(plan_only), or in check mode, returns the plan and changes nothing.
version_added: 0.3.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.cluster
  - openlakes.core.helm
options:
  nodes:
    description: The plan's C(nodes), with values (M(openlakes.core.platform_plan)).
    type: list
    elements: dict
    required: true
  slices:
    description: The plan's C(slices); a slice with no deployed release is left to site.yml.
    type: dict
    required: true
  rules:
    description: The plan's C(upgrade_rules) (release to C(minor_step), C(breaking)).
    type: dict
    default: {}
  name:
    description: The platform's name, for the plan's heading.
    type: str
    default: ""
  namespace:
    description: The namespace of the progress ConfigMap (the platform namespace).
    type: str
    required: true
  chart_mirror:
    description: Air-gap chart mirror applied to every release that does not set its own.
    type: str
    default: ""
  variables:
    description: Values of the ansible-vault variables that object nodes read (never logged).
    type: dict
    default: {}
  plan_only:
    description: Plan and check the rules only.
    type: bool
    default: false
  max_workers:
    description: How many releases may upgrade at the same time.
    type: int
    default: 6
  pending_timeout:
    description: Seconds after which a C(pending-*) release is taken to be left by an interrupted helm and recovered.
    type: int
    default: 300
"""

EXAMPLES = r"""
- name: The upgrade plan
  openlakes.core.platform_upgrade:
    nodes: "{{ platform_plan.nodes }}"
    slices: "{{ platform_plan.slices }}"
    rules: "{{ platform_plan.upgrade_rules }}"
    namespace: openlakes
    plan_only: true
"""

RETURN = r"""
plan:
  description: The plan as lines (per release what changes, the order, the refusals).
  returned: always
  type: list
  elements: str
changes:
  description: Per release, C(action), C(chart_from), C(chart_to), C(app_from), C(app_to), C(images_from), C(images_to), C(crds), C(restarts), C(values).
  returned: always
  type: list
  elements: dict
releases:
  description: The engine's rows (as M(openlakes.core.release_plan) returns them), when it ran.
  returned: when it ran
  type: list
  elements: dict
progress:
  description: The record in the cluster (C(state), C(target), C(started), C(releases), C(runs)), and C(resumed).
  returned: when it ran
  type: dict
log:
  description: What this run found and did beyond the plan (resuming, waiting for a pending release, the claims check).
  returned: always
  type: list
  elements: str
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _args, _deploy, _helm, _k8s, _plan, _upgrade


def main():
    module = AnsibleModule(argument_spec={
        **_args.CLUSTER_ARGS,
        **_args.HELM_ARGS,
        "nodes": _args.PLAN_ARGS["nodes"],
        "slices": {"type": "dict", "required": True},
        "rules": {"type": "dict", "default": {}},
        "name": {"type": "str", "default": ""},
        "namespace": {"type": "str", "required": True},
        "chart_mirror": {"type": "str", "default": ""},
        "variables": {"type": "dict", "default": {}, "no_log": True},
        "plan_only": {"type": "bool", "default": False},
        "max_workers": {"type": "int", "default": 6},
        "pending_timeout": {"type": "int", "default": 300},
    }, supports_check_mode=True)
    if not _k8s.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
    p = module.params
    t0 = time.monotonic()
    cluster = _k8s.Cluster(p["kubeconfig"] or "", p["context"])
    deployed = {n["name"] for n in p["nodes"] if n["type"] == "release"
                and any(r.status != "uninstalled" for r in _helm.read_records(cluster, n["name"], n["namespace"]))}
    mine, requires, live = _upgrade.scope(p["nodes"], p["slices"], deployed)
    if not live:
        module.fail_json(msg="nothing of the platform is deployed: there is nothing to upgrade; playbooks/site.yml "
                             "deploys it", plan=[], changes=[], log=[])
    try:
        graph, secrets = _deploy.nodes_from(requires + mine, p["chart_mirror"])
    except _deploy.DeployError as exc:
        module.fail_json(msg=str(exc))
    module.no_log_values.update(secrets)
    from kubernetes import client

    live_crds = {c.metadata.name: cluster.api.sanitize_for_serialization(c)
                 for c in client.ApiextensionsV1Api(cluster.api).list_custom_resource_definition().items}
    helm = _helm.Helm(p["helm_binary"], p["kubeconfig"] or "", p["context"], secrets=list(secrets))
    changes, refusals = _upgrade.plan_changes(graph, {n["name"]: n for n in mine}, cluster, helm, p["rules"], live_crds)
    levels = [[name for name in level if name in {n["name"] for n in mine}] for level in _plan.validate(graph)]
    plan = _upgrade.plan_lines(p["name"], changes, levels, refusals)
    out = {"plan": plan, "changes": _upgrade.as_dicts(changes), "layers": live, "log": []}
    if refusals:
        module.fail_json(msg="the upgrade is refused, nothing was changed:\n" + "\n".join(refusals), **out)
    if p["plan_only"] or module.check_mode:
        module.exit_json(changed=any(c.action != "none" for c in changes), **out)
    try:
        result = _upgrade.execute(cluster, graph, changes, p, out["log"])
    except _upgrade.UpgradeError as exc:
        module.fail_json(msg=str(exc), **out)
    out.update(result)
    out["wall_seconds"] = round(time.monotonic() - t0, 3)
    if result["failed"]:
        module.fail_json(msg=f"the upgrade stopped: {len(result['failed'])} release(s) did not upgrade; the next run "
                             f"continues from here:\n" + "\n".join(r["msg"] for r in result["failed"]), **out)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
