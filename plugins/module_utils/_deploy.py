# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A graph of releases, object sets and requirements, deployed: what M(openlakes.core.release_plan) runs and what the
day-2 upgrade runs with its progress record. Private to this collection.

`nodes_from()` checks each item against its kind's options (a release's are M(openlakes.core.helm_release)'s) and
`run()` deploys the graph with `_plan.run`, each release with `_release.apply`, each object set with `_objects.apply`;
`on_start`/`on_done` are told of each node as it starts and ends (the upgrade records them in the cluster).
"""
from __future__ import annotations

import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from . import _args, _helm, _objects, _plan, _release

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


class DeployError(ValueError):
    """An item that is not a valid node, or a graph that is not valid: nothing was deployed."""


def nodes_from(items: list, chart_mirror: str = "") -> tuple:
    """(`_plan.Node`s with (kind, payload), the credential strings their values hold). Raises DeployError."""
    nodes, secrets = [], set()
    # The plan's own names are never credentials, even under a credential-looking key (MinIO's `accessKey: nessie`
    # is a user name): masking them would hide every release and Secret named after them.
    names = {raw.get(k) for raw in items for k in ("name", "namespace", "component")}
    for i, raw in enumerate(items):
        secrets.update(s for s in _helm.secret_strings(raw.get("values") or {}) if s not in names)
        kind = raw.get("type", "release")
        checked = ArgumentSpecValidator(ITEMS.get(kind, ITEMS["release"])).validate(raw)
        if checked.error_messages:
            raise DeployError(f"releases[{i}] ({raw.get('name', '?')}): {'; '.join(checked.error_messages)}; "
                              f"nothing was deployed")
        item = checked.validated_parameters
        if kind == "release":
            item = dict(item, chart_mirror=item["chart_mirror"] or chart_mirror)
            nodes.append(_plan.Node(item["name"], item["depends_on"], (kind, _args.release_spec(item))))
        else:
            nodes.append(_plan.Node(item["name"], item["depends_on"], (kind, item)))
    try:
        _plan.validate(nodes)
    except _plan.PlanError as exc:
        raise DeployError(f"the release plan is not valid, nothing was deployed: {exc}") from exc
    return nodes, secrets


def run(nodes: list, cluster, helm_binary: str, kubeconfig: str, context: str, variables: dict, *, check_mode=False,
        max_workers=6, on_start=None, on_done=None) -> dict:
    """Deploys the graph. Returns {changed, releases (rows in plan order), levels, wall_seconds, critical_path_seconds,
    failed (the rows that did not deploy)}."""
    levels = _plan.validate(nodes)
    if not check_mode:
        cluster.warm()

    def work(node):
        kind, payload = node.payload
        if on_start:
            on_start(node.name, kind)
        if kind == "objects":
            res = _objects.apply(cluster, payload, variables, check_mode=check_mode)
        elif kind == "require":
            res = _objects.require(cluster, payload)
        else:
            helm = _helm.Helm(helm_binary, kubeconfig, context)
            res = _release.apply(payload, helm, cluster, check_mode=check_mode).as_dict()
            res.pop("diff", None)
        res["type"] = kind
        if on_done:
            on_done(node.name, kind, res)
        return not res["failed"], res

    t0 = time.monotonic()
    # In check mode nothing waits, so every release can be read at once.
    outcome = _plan.run(nodes, work, max_workers=len(nodes) if check_mode else max_workers)
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
    return {"changed": any(r["result"].get("changed") for r in rows if r["result"]), "releases": rows,
            "levels": levels, "wall_seconds": round(wall, 3),
            "critical_path_seconds": round(_plan.critical_path(nodes, durations), 3),
            "failed": [r for r in rows if r["outcome"] != "ok"]}
