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

import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.openlakes.core.plugins.module_utils import _args, _helm, _k8s, _objects, _plan, _release

COMMON = {"depends_on": {"type": "list", "elements": "str", "default": []},
          "type": {"type": "str", "default": "release", "choices": ["release", "objects", "require"]},
          # What the platform plan says of a node; informative here.
          "component": {"type": "str", "default": ""}, "layer": {"type": "str", "default": ""},
          "slice": {"type": "str", "default": ""}}
ITEMS = {
    "release": {**_args.RELEASE_ARGS, **COMMON},
    "objects": {"name": {"type": "str", "required": True}, "namespace": {"type": "str", "default": ""},
                "objects": {"type": "list", "elements": "dict", "required": True},
                "data_from": {"type": "dict", "default": {}}, "patch_only": {"type": "bool", "default": False},
                **COMMON},
    "require": {"name": {"type": "str", "required": True}, "namespace": {"type": "str", "default": ""},
                "objects": {"type": "list", "elements": "dict", "default": []}, **COMMON},
}


def main():
    module = AnsibleModule(argument_spec={
        **_args.CLUSTER_ARGS,
        **_args.HELM_ARGS,
        # Each item is checked against RELEASE_ITEM below, so that its options are documented once,
        # in openlakes.core.helm_release.
        "releases": {"type": "list", "elements": "dict", "required": True},
        "max_workers": {"type": "int", "default": 6},
        "chart_mirror": {"type": "str", "default": ""},
        "variables": {"type": "dict", "default": {}, "no_log": True},
    }, supports_check_mode=True)
    if not _k8s.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
    p = module.params
    nodes = []
    # The plan's own names are never credentials, even under a credential-looking key (MinIO's `accessKey: nessie`
    # is a user name): masking them would hide every release and Secret named after them.
    names = {raw.get(k) for raw in p["releases"] for k in ("name", "namespace", "component")}
    for i, raw in enumerate(p["releases"]):
        module.no_log_values.update(s for s in _helm.secret_strings(raw.get("values") or {}) if s not in names)
        kind = raw.get("type", "release")
        checked = ArgumentSpecValidator(ITEMS.get(kind, ITEMS["release"])).validate(raw)
        if checked.error_messages:
            module.fail_json(msg=f"releases[{i}] ({raw.get('name', '?')}): {'; '.join(checked.error_messages)}; "
                                 f"nothing was deployed")
        item = checked.validated_parameters
        if kind == "release":
            item = dict(item, chart_mirror=item["chart_mirror"] or p["chart_mirror"])
            nodes.append(_plan.Node(item["name"], item["depends_on"], (kind, _args.release_spec(item))))
        else:
            nodes.append(_plan.Node(item["name"], item["depends_on"], (kind, item)))
    try:
        levels = _plan.validate(nodes)
    except _plan.PlanError as exc:
        module.fail_json(msg=f"the release plan is not valid, nothing was deployed: {exc}")
    cluster = _k8s.Cluster(p["kubeconfig"] or "", p["context"])
    if not module.check_mode:
        cluster.warm()

    def work(node):
        kind, payload = node.payload
        if kind == "objects":
            res = _objects.apply(cluster, payload, p["variables"], check_mode=module.check_mode)
        elif kind == "require":
            res = _objects.require(cluster, payload)
        else:
            helm = _helm.Helm(p["helm_binary"], p["kubeconfig"] or "", p["context"])
            res = _release.apply(payload, helm, cluster, check_mode=module.check_mode).as_dict()
            res.pop("diff", None)
        res["type"] = kind
        return not res["failed"], res

    t0 = time.monotonic()
    # In check mode nothing waits, so every release can be read at once.
    outcome = _plan.run(nodes, work, max_workers=len(nodes) if module.check_mode else p["max_workers"])
    wall = time.monotonic() - t0
    durations = {n: (o["end"] - o["start"]) for n, o in outcome.items() if o["start"] is not None}
    by_name = {n.name: n.payload[0] for n in nodes}
    deps_of = {n.name: n.depends_on for n in nodes}
    rows = []
    for level in levels:
        for name in level:
            o = outcome[name]
            res = o["result"] or {}
            rows.append({"name": name, "type": res.get("type", by_name[name]), "outcome": o["outcome"],
                         "action": res.get("action", "none"),
                         "reasons": res.get("reasons", []), "revision": res.get("revision"), "msg": res.get("msg",
                         f"{name}: skipped, because {', '.join(o['blocked_by'])} failed" if o["blocked_by"] else ""),
                         "start": o["start"], "end": o["end"], "depends_on": deps_of[name],
                         "blocked_by": o["blocked_by"], "result": res})
    failed = [r for r in rows if r["outcome"] != "ok"]
    result = {"changed": any(r["result"].get("changed") for r in rows if r["result"]), "releases": rows,
              "levels": levels, "wall_seconds": round(wall, 3),
              "critical_path_seconds": round(_plan.critical_path(nodes, durations), 3)}
    if failed:
        lines = [r["msg"] for r in failed]
        module.fail_json(msg=f"{len(failed)} of {len(rows)} releases did not deploy:\n" + "\n".join(lines), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
