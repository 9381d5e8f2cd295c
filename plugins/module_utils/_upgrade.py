# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The day-2 upgrade: the platform plan of a newer collection against what is deployed. Private to this collection.

`change()` compares one release's deployed record with its target (the plan's chart and values, rendered with
`helm template`): chart and app version, images, the CustomResourceDefinitions it carries against the live ones,
and what restarts (workloads whose pod template differs; custom resources whose spec differs, which their operator
applies). `refusals()` checks the upstream rules before anything changes: no downgrade, a component's
`upgrade.minor_step` (Longhorn: one minor version at a time), its documented breaking versions
(`upgrade.breaking`), crds/ changes helm would not apply, and that every custom resource's operator is upgraded
first (the release that carries its CRD is one it depends on). `Progress` is the record in the cluster (a
ConfigMap, with a lease) that lets an interrupted upgrade continue where it stopped. The upgrade itself is the
release engine's (`_deploy.run`), along the plan's graph.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import socket
import threading
import time
from dataclasses import asdict, dataclass, field

PROGRESS = "openlakes-upgrade"
LEASE_SECONDS = 60
HEARTBEAT_SECONDS = 15
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
CORE_GROUPS = ("", "v1", "apps", "batch", "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io",
               "apiextensions.k8s.io", "autoscaling", "scheduling.k8s.io", "admissionregistration.k8s.io",
               "coordination.k8s.io", "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io")


class UpgradeError(Exception):
    pass


# --- versions and rules -------------------------------------------------------------------------

def version_tuple(v: str) -> tuple:
    """`v1.21.1` -> (1, 21, 1); `0.108.4-rc1` -> (0, 108, 4, 'rc1')."""
    text = str(v or "").lstrip("vV")
    core, _sep, pre = text.partition("-")
    nums = tuple(int(x) if x.isdigit() else 0 for x in core.split("."))
    return nums + ((pre,) if pre else ())


def _minor(v) -> tuple:
    t = version_tuple(v)
    return (t + (0, 0))[:2]


def refusal(name: str, component: str, chart: str, deployed: str, target: str, rules: dict, namespace: str) -> str:
    """Why moving `name` from chart version `deployed` to `target` is refused, with what to do; or ''."""
    if not deployed or deployed == target:
        return ""
    old, new = version_tuple(deployed), version_tuple(target)
    if new < old:
        return (f"{name}: the deployed chart is {chart} {deployed}, this collection has {target}: a downgrade is not "
                f"supported. Use the collection that deployed {deployed}, or roll back with "
                f"`helm rollback {name} <revision> -n {namespace}`")
    step = (rules or {}).get("minor_step")
    if step:
        (omaj, omin), (nmaj, nmin) = _minor(deployed), _minor(target)
        if nmaj != omaj or nmin - omin > step:
            nxt = f"{omaj}.{omin + step}"
            return (f"{name}: {chart} {deployed} -> {target} skips minor versions, and {component} upgrades one minor "
                    f"version at a time ({omaj}.{omin} -> {nxt} -> ... -> {nmaj}.{nmin}). Put {chart} {nxt}.x in the "
                    f"chart mirror, set components.{component}.chart_version: \"{nxt}.<patch>\" in core-config.yaml, run "
                    f"playbooks/upgrade.yml, and repeat one minor version at a time; then remove the pin")
    for rule in (rules or {}).get("breaking") or []:
        at = rule["version"]
        if old < version_tuple(at) <= new:
            return f"{name}: {chart} {deployed} -> {target} crosses {at}: {rule['message']}"
    return ""


# --- what a manifest holds ------------------------------------------------------------------------

def split_rendered(text: str) -> tuple:
    """`helm template --include-crds` output -> (documents from templates/, CRDs from crds/), by each document's
    `# Source:` line."""
    import yaml

    templates, crds = [], []
    for part in re.split(r"^---\s*$", text or "", flags=re.M):
        source = re.search(r"^# Source: ([^\n]+)$", part, re.M)
        try:
            doc = yaml.safe_load(part)
        except yaml.YAMLError:
            continue
        if not isinstance(doc, dict) or not doc.get("kind"):
            continue
        from_crds = bool(source and "/crds/" in f"/{source.group(1).split('/', 1)[-1]}" and "/templates/" not in source.group(1))
        (crds if from_crds else templates).append(doc)
    return templates, crds


def docs_of(manifest: str) -> list:
    import yaml

    return [d for d in yaml.safe_load_all(manifest or "") if isinstance(d, dict) and d.get("kind")]


def _key(doc: dict, namespace: str) -> tuple:
    meta = doc.get("metadata") or {}
    return doc["kind"], meta.get("namespace") or namespace, meta.get("name", "")


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def images(docs: list) -> list:
    """Every image a manifest names: containers' `image`, and `image`/`imageName` strings of custom resources."""
    out = set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("image", "imageName") and isinstance(v, str) and v:
                    out.add(v)
                elif isinstance(v, dict) and k == "image" and v.get("repository"):
                    out.add(f"{v['repository']}:{v.get('tag', '')}".rstrip(":"))
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    for d in docs:
        walk(d.get("spec") or {})
    return sorted(out)


def group_of(doc: dict) -> str:
    api = str(doc.get("apiVersion", ""))
    return api.rpartition("/")[0] if "/" in api else ""


def custom(doc: dict) -> bool:
    return group_of(doc) not in CORE_GROUPS and doc["kind"] != "CustomResourceDefinition"


def restarts(old: list, new: list, namespace: str) -> list:
    """What the change restarts: workloads whose pod template differs (a rolling restart), new and removed ones,
    and custom resources whose spec differs (their operator applies the change, e.g. rolls a database's instances)."""
    before = {_key(d, namespace): d for d in old}
    after = {_key(d, namespace): d for d in new}
    out = []
    for key, doc in sorted(after.items()):
        kind, ns, name = key
        if kind in WORKLOADS:
            was = before.get(key)
            if was is None:
                out.append(f"{kind} {ns}/{name} (new)")
            elif _canonical((was.get("spec") or {}).get("template")) != _canonical((doc.get("spec") or {}).get("template")):
                out.append(f"{kind} {ns}/{name} (rolling restart)")
        elif custom(doc) and key in before and _canonical(before[key].get("spec")) != _canonical(doc.get("spec")):
            out.append(f"{kind} {ns}/{name} (spec changes: its operator applies them)")
    out += [f"{k[0]} {k[1]}/{k[2]} (removed)" for k in sorted(set(before) - set(after)) if k[0] in WORKLOADS]
    return out


def _crd_shape(crd: dict) -> tuple:
    spec = crd.get("spec") or {}
    versions = [v.get("name") for v in spec.get("versions") or []]
    digest = hashlib.sha256(_canonical({k: v for k, v in spec.items() if k != "conversion"}).encode()).hexdigest()[:12]
    return versions, digest


def crd_changes(target: list, live: dict) -> list:
    """Each target CRD against the live one (name -> object or None): new, new versions, or a changed schema."""
    out = []
    for crd in target:
        name = crd["metadata"]["name"]
        cur = live.get(name)
        versions, digest = _crd_shape(crd)
        if cur is None:
            out.append(f"{name}: new ({', '.join(versions)})")
            continue
        old_versions, old_digest = _crd_shape(cur)
        if versions != old_versions:
            out.append(f"{name}: versions {', '.join(old_versions)} -> {', '.join(versions)}")
        elif digest != old_digest:
            out.append(f"{name}: schema changes")
    return out


def changed_paths(old, new, prefix="", limit=12) -> list:
    """Dotted paths of the values that differ (never the values)."""
    out = []
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new), key=str):
            out += changed_paths(old.get(k), new.get(k), f"{prefix}{k}.", limit)
    elif _canonical(old) != _canonical(new):
        out.append(prefix.rstrip(".") or "(all)")
    return out[:limit]


@dataclass
class Change:
    name: str
    namespace: str
    layer: str
    component: str
    action: str                  # install | upgrade | none
    chart: str = ""
    chart_from: str = ""
    chart_to: str = ""
    app_from: str = ""
    app_to: str = ""
    images_from: list = field(default_factory=list)
    images_to: list = field(default_factory=list)
    crds: list = field(default_factory=list)
    crds_not_applied: list = field(default_factory=list)
    restarts: list = field(default_factory=list)
    values: list = field(default_factory=list)
    revision: int = 0
    status: str = ""
    refusal: str = ""

    def line(self) -> str:
        if self.action == "none":
            return f"  {self.layer} {self.name:<16} up to date ({self.chart} {self.chart_to}, revision {self.revision})"
        if self.action == "refuse":
            return f"  {self.layer} {self.name:<16} refused: {self.chart} {self.chart_from} -> {self.chart_to} (see below)"
        parts = [f"{self.chart} {self.chart_from or '(not installed)'} -> {self.chart_to}"]
        if self.app_from != self.app_to:
            parts.append(f"app {self.app_from or '-'} -> {self.app_to or '-'}")
        gone, new = sorted(set(self.images_from) - set(self.images_to)), sorted(set(self.images_to) - set(self.images_from))
        if gone or new:
            parts.append(f"images {', '.join(gone) or '-'} -> {', '.join(new) or '-'}")
        if self.values:
            parts.append(f"values {', '.join(self.values)}")
        if self.crds:
            parts.append(f"CRDs: {'; '.join(self.crds)}")
        parts.append(f"restarts: {', '.join(self.restarts) if self.restarts else 'nothing'}")
        return f"  {self.layer} {self.name:<16} {self.action}: " + "; ".join(parts)


def change(node: dict, action: str, record, target_text: str, live_crds: dict) -> tuple:
    """One release: its deployed record (or None) against its rendered target, `action` the engine's decision.
    Returns (Change, the CRDs its target carries, the custom resource kinds it renders as (group, kind))."""
    templates, crds = split_rendered(target_text)
    chart = node["chart"]
    c = Change(node["name"], node["namespace"], node.get("layer", ""), node.get("component", ""), action,
               chart=chart["name"], chart_to=str(chart.get("version", "")))
    carried = crds + [d for d in templates if d["kind"] == "CustomResourceDefinition"]
    c.crds = crd_changes(carried, live_crds)
    if node.get("crds") != "apply" and record is not None:
        c.crds_not_applied = crd_changes(crds, live_crds)
    c.app_to = _app_version(templates)
    c.images_to = images(templates)
    kinds = sorted({(group_of(d), d["kind"]) for d in templates if custom(d)})
    old = docs_of(record.manifest) if record is not None else []
    c.restarts = restarts(old, templates, node["namespace"])
    if record is not None:
        c.chart_from, c.app_from, c.revision, c.status = record.chart_version, record.app_version, record.revision, record.status
        c.images_from = images(old)
        c.values = changed_paths(record.values, node.get("values") or {})
    return c, carried, kinds


def _app_version(docs: list) -> str:
    for d in docs:
        v = ((d.get("metadata") or {}).get("labels") or {}).get("app.kubernetes.io/version")
        if v:
            return str(v)
    return ""


def operator_order(kinds_of: dict, carried_by: dict, ancestors: dict) -> list:
    """A release whose target renders custom resources of a CRD that another changing release carries must depend on
    that release, so that the operator and its CRDs are upgraded first. `kinds_of`: release -> [(group, kind)];
    `carried_by`: (group, kind) -> release; `ancestors`: release -> the releases it depends on, transitively."""
    out = []
    for name, kinds in sorted(kinds_of.items()):
        for group, kind in kinds:
            owner = carried_by.get((group, kind))
            if owner and owner != name and owner not in ancestors.get(name, set()):
                out.append(f"{name} renders {kind}.{group} resources whose CRD comes with {owner}, but {name} does "
                           f"not depend on {owner}, so its operator could be upgraded after them. Add {owner} to its "
                           f"depends_on in platform/components.yml")
    return out


def crd_kinds(crds: list) -> list:
    return [((c.get("spec") or {}).get("group", ""), ((c.get("spec") or {}).get("names") or {}).get("kind", "")) for c in crds]


def ancestors_of(nodes: list) -> dict:
    deps = {n["name"]: list(n.get("depends_on") or []) for n in nodes}
    memo: dict = {}

    def up(name):
        if name not in memo:
            memo[name] = set()
            for d in deps.get(name, []):
                memo[name] |= {d} | up(d)
        return memo[name]
    return {n: up(n) for n in deps}


# --- the record in the cluster ---------------------------------------------------------------------

def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _age(stamp: str) -> float:
    try:
        return (dt.datetime.now(dt.timezone.utc) - dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))).total_seconds()
    except (ValueError, AttributeError):
        return float("inf")


def target_digest(graph: list) -> str:
    """What the upgrade goes to: every release's target fingerprint (chart, content, values, namespace)."""
    specs = sorted((n.name, n.payload[1].fingerprint) for n in graph if n.payload[0] == "release")
    return "sha256:" + hashlib.sha256(_canonical(specs).encode()).hexdigest()[:16]


class Progress:
    """The upgrade's record: a ConfigMap in the platform namespace, its data `state`, `target`, `holder` and
    `heartbeat` (the lease), `releases` (per release: from, to, state, times, revisions), `claims` (every claim's UID
    when the upgrade started) and `runs`. Written whole, by one run at a time."""

    def __init__(self, cluster, namespace: str, name: str = PROGRESS):
        from kubernetes import client

        self.core = client.CoreV1Api(cluster.api)
        self.namespace, self.name = namespace, name
        self.me = f"{socket.gethostname()}:{os.getpid()}"
        self.data: dict = {}
        self.exists = False
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def read(self) -> dict:
        from kubernetes.client.rest import ApiException

        try:
            cm = self.core.read_namespaced_config_map(self.name, self.namespace)
        except ApiException as exc:
            if exc.status != 404:
                raise
            self.exists, self.data = False, {}
            return {}
        self.exists = True
        raw = cm.data or {}
        self.data = {k: (json.loads(v) if k in ("releases", "claims", "runs") else v) for k, v in raw.items()}
        return self.data

    def holder_alive(self) -> str:
        """Who holds the lease, when it is not this run and may still be running; else ''."""
        holder, beat = self.data.get("holder", ""), self.data.get("heartbeat", "")
        if not holder or holder == self.me or self.data.get("state") != "running":
            return ""
        host, _sep, pid = holder.rpartition(":")
        if host == socket.gethostname() and pid.isdigit():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                return ""           # an interrupted run on this controller: its process is gone
            except PermissionError:
                pass
        return holder if _age(beat) < LEASE_SECONDS else ""

    def write(self) -> None:
        from kubernetes.client.rest import ApiException

        with self._lock:
            self.data["heartbeat"] = now_iso()
            body = {"metadata": {"name": self.name, "namespace": self.namespace,
                                 "labels": {"app.kubernetes.io/managed-by": "openlakes.core",
                                            "app.kubernetes.io/part-of": "openlakes"}},
                    "data": {k: (json.dumps(v, sort_keys=True) if k in ("releases", "claims", "runs") else str(v))
                             for k, v in self.data.items()}}
            try:
                if self.exists:
                    self.core.replace_namespaced_config_map(self.name, self.namespace, body)
                else:
                    self.core.create_namespaced_config_map(self.namespace, body)
                    self.exists = True
            except ApiException as exc:
                raise UpgradeError(f"recording the upgrade's progress in ConfigMap {self.namespace}/{self.name} "
                                   f"failed: {exc.status} {exc.reason}") from exc

    def release(self, name: str, **fields) -> None:
        with self._lock:
            self.data.setdefault("releases", {}).setdefault(name, {}).update(fields)
        self.write()

    def heartbeat(self):
        """Renews the lease until `stop()`: a run that is alive is never taken for an interrupted one."""
        def beat():
            while not self._stop.wait(HEARTBEAT_SECONDS):
                try:
                    self.write()
                except UpgradeError:
                    pass
        threading.Thread(target=beat, daemon=True).start()

    def stop(self):
        self._stop.set()


def as_dicts(changes: list) -> list:
    return [asdict(c) for c in changes]


def wait_for_pending(records_of, releases: list, pending_timeout: float, log: list, sleep=time.sleep) -> None:
    """A release left `pending-*` by the interrupted run: the engine recovers it once it is older than
    `pending_timeout` (a younger one may still have its helm running); wait for that, once, then go on."""
    from . import _helm
    from ._release import _age_seconds

    longest = 0.0
    for rel in releases:
        recs = records_of(rel["name"], rel["namespace"])
        if recs and recs[0].status in _helm.PENDING:
            left = pending_timeout - _age_seconds(recs[0].last_deployed) + 1
            log.append(f"{rel['name']}: revision {recs[0].revision} was left {recs[0].status} by the interrupted run; "
                       f"recovered once it is {pending_timeout:.0f}s old" + (f" (waiting {left:.0f}s)" if left > 0 else ""))
            longest = max(longest, left)
    if longest > 0:
        sleep(longest)


# --- the whole upgrade ------------------------------------------------------------------------------------

def scope(nodes: list, slices: dict, deployed: set) -> tuple:
    """The nodes of every slice that has a deployed release (a layer never deployed is site.yml's to install), and,
    as `require` items, what they need from slices outside that."""
    live = sorted({n["slice"] for n in nodes if n["type"] == "release" and n["name"] in deployed})
    mine = [n for n in nodes if n["slice"] in live]
    requires, seen = [], set()
    for s in live:
        for r in slices.get(s, {}).get("requires", []):
            if r["layer"] not in live and r["name"] not in seen:
                seen.add(r["name"])
                requires.append(dict(r, type="require", depends_on=[]))
    return mine, requires, live


def claim_uids(core) -> dict:
    return {f"{c.metadata.namespace}/{c.metadata.name}": {"uid": c.metadata.uid, "phase": c.status.phase}
            for c in core.list_persistent_volume_claim_for_all_namespaces().items}


def claims_check(before: dict, after: dict) -> list:
    """Every claim there when the upgrade started is still there, the same object (UID), Bound."""
    out = []
    for key, was in sorted(before.items()):
        now = after.get(key)
        if now is None:
            out.append(f"PersistentVolumeClaim {key} is gone (its UID was {was['uid']})")
        elif now["uid"] != was["uid"]:
            out.append(f"PersistentVolumeClaim {key} was replaced: UID {was['uid']} -> {now['uid']}")
        elif was["phase"] == "Bound" and now["phase"] != "Bound":
            out.append(f"PersistentVolumeClaim {key} is {now['phase']}, it was Bound")
    return out


def plan_changes(graph: list, raw_by_name: dict, cluster, helm, rules: dict, live_crds: dict) -> tuple:
    """(changes, refusals) for the release nodes of `graph` (`_deploy` nodes; `raw_by_name` the plan's nodes), nothing
    changed."""
    from . import _helm, _release

    changes, refusals, carried_by, kinds_of = [], [], {}, {}
    for node in graph:
        kind, spec = node.payload
        if kind != "release":
            continue
        raw = raw_by_name.get(spec.name, {})
        records = _helm.read_records(cluster, spec.name, spec.namespace)
        decision = _release.decide(spec, records)
        record = next((r for r in records if r.status == "deployed"), records[0] if records else None)
        if record is not None and record.status == "uninstalled":
            record = None
        meta = {"name": spec.name, "namespace": spec.namespace, "layer": raw.get("layer", ""),
                "component": raw.get("component", ""), "crds": raw.get("crds", ""), "values": spec.values,
                "chart": {"name": spec.chart.name, "version": spec.chart.version}}
        if decision.action == "refuse":
            refusals.append(f"{spec.name}: {decision.reasons[0]}")
        if decision.action == "none":
            c = Change(spec.name, spec.namespace, meta["layer"], meta["component"], "none", chart=spec.chart.name,
                       chart_from=record.chart_version, chart_to=spec.chart.version, app_from=record.app_version,
                       app_to=record.app_version, revision=record.revision, status=record.status)
            changes.append(c)
            continue
        if record is not None and record.chart_version != spec.chart.version:
            why = refusal(spec.name, meta["component"], spec.chart.name, record.chart_version, spec.chart.version,
                          rules.get(spec.name) or {}, spec.namespace)
            if why:
                refusals.append(why)
                changes.append(Change(spec.name, spec.namespace, meta["layer"], meta["component"], "refuse",
                                      chart=spec.chart.name, chart_from=record.chart_version, chart_to=spec.chart.version,
                                      revision=record.revision, status=record.status))
                continue
        try:
            text = helm.template(spec.name, spec.namespace, spec.chart, spec.values)
            app = str(helm.show_chart(spec.chart).get("appVersion") or "")
        except _helm.HelmError as exc:
            refusals.append(f"{spec.name}: its target chart cannot be rendered: {exc}")
            continue
        c, carried, kinds = change(meta, "install" if record is None else "upgrade", record, text, live_crds)
        c.app_to = app or c.app_to
        changes.append(c)
        for k in crd_kinds(carried):
            carried_by.setdefault(k, spec.name)
        kinds_of[spec.name] = kinds
        if c.crds_not_applied:
            refusals.append(f"{spec.name}: its chart's crds/ change {'; '.join(c.crds_not_applied)}, which helm does "
                            f"not apply on upgrade. Mark the release `crds: apply` in platform/components.yml (the "
                            f"collection then applies them before the chart), or apply them yourself first")
    ancestors = ancestors_of([{"name": n.name, "depends_on": n.depends_on} for n in graph])
    refusals += operator_order(kinds_of, carried_by, ancestors)
    return changes, refusals


def plan_lines(name: str, changes: list, levels: list, refusals: list) -> list:
    moving = [c for c in changes if c.action not in ("none", "refuse")]
    out = [f"Upgrade plan of platform '{name}': {len(moving)} of {len(changes)} release(s) change"]
    out += [c.line() for c in changes]
    order = [[n for n in level if any(c.name == n and c.action != "none" for c in changes)] for level in levels]
    order = [lvl for lvl in order if lvl]
    if order:
        out.append("Order (each step after the one before it is ready; CRDs and operators before their resources, "
                   "providers before consumers): " + " -> ".join(", ".join(lvl) for lvl in order))
    if refusals:
        out.append(f"Refused, nothing was changed ({len(refusals)}):")
        out += [f"  {r}" for r in refusals]
    return out


def execute(cluster, graph: list, changes: list, p: dict, log: list) -> dict:
    """Runs the upgrade (or continues an interrupted one to the same target), recording each release's progress."""
    from kubernetes import client

    from . import _deploy, _helm

    core = client.CoreV1Api(cluster.api)
    progress = Progress(cluster, p["namespace"])
    before = dict(progress.read())
    holder = progress.holder_alive()
    if holder:
        raise UpgradeError(f"another upgrade is running ({holder}, last seen {before.get('heartbeat')}): nothing was "
                           f"changed. If it was stopped, its lease in ConfigMap {p['namespace']}/{PROGRESS} runs out "
                           f"{LEASE_SECONDS}s after that; then run again")
    digest = target_digest(graph)
    moving = [c for c in changes if c.action != "none"]
    resumed = progress.exists and before.get("state") == "running" and before.get("target") == digest
    if not resumed and not moving:
        log.append("every release is at this collection's version: nothing to upgrade")
        return {"changed": False, "releases": [], "failed": [], "resumed": False, "progress": before}
    me = {"holder": progress.me, "started": now_iso(), "resumed": resumed}
    if resumed:
        rel = before.get("releases") or {}
        by_state = {s: sorted(n for n, r in rel.items() if r.get("state") == s) for s in ("done", "running", "failed", "pending")}
        log.append(f"resuming the upgrade to {digest} started {before.get('started')} by {before.get('holder') or 'a run'}, "
                   f"which stopped: done {', '.join(by_state['done']) or '-'}; running when it stopped "
                   f"{', '.join(by_state['running']) or '-'}; failed {', '.join(by_state['failed']) or '-'}; "
                   f"not started {', '.join(by_state['pending']) or '-'}")
        progress.data["runs"] = list(before.get("runs") or []) + [me]
    else:
        if progress.exists and before.get("state") == "running":
            log.append(f"an unfinished upgrade to {before.get('target')} (started {before.get('started')}) is replaced "
                       f"by this one to {digest}")
        progress.data = {"state": "running", "target": digest, "started": me["started"], "claims": claim_uids(core),
                         "releases": {c.name: {"from": f"{c.chart} {c.chart_from or '-'}", "to": f"{c.chart} {c.chart_to}",
                                               "state": "pending", "revision_before": c.revision} for c in moving},
                         "runs": [me]}
    progress.data["holder"] = progress.me
    progress.write()
    progress.heartbeat()
    recorded = progress.data["releases"]
    result = {"failed": []}
    try:
        wait_for_pending(lambda n, ns: _helm.read_records(cluster, n, ns),
                         [{"name": c.name, "namespace": c.namespace} for c in changes], p["pending_timeout"], log)
        for node in graph:
            kind, spec = node.payload
            if kind == "release":
                spec.pending_timeout = float(p["pending_timeout"])
                # What the interrupted run had not finished is waited on even when helm's part is done.
                spec.verify_ready = resumed and node.name in recorded and recorded[node.name].get("state") != "done"

        def on_start(name, kind):
            if kind == "release" and name in recorded:
                progress.release(name, state="running", started=now_iso())

        def on_done(name, kind, res):
            if kind == "release" and name in recorded:
                progress.release(name, state="failed" if res["failed"] else "done", finished=now_iso(),
                                 action=res.get("action"), revision=res.get("revision"))

        result = _deploy.run(graph, cluster, p["helm_binary"], p["kubeconfig"] or "", p["context"], p["variables"],
                             max_workers=p["max_workers"], on_start=on_start, on_done=on_done)
        problems = claims_check(progress.data.get("claims") or {}, claim_uids(core))
        log += problems or [f"claims: all {len(progress.data.get('claims') or {})} of them there with the same UID, "
                            f"Bound as before"]
        if problems:
            result["failed"].append({"name": "claims", "msg": "; ".join(problems)})
        progress.data["state"] = "complete" if not result["failed"] else ("failed" if problems else "running")
        if progress.data["state"] == "complete":
            progress.data["finished"] = now_iso()
        me.update(ended=now_iso(), outcome=progress.data["state"])
    finally:
        progress.stop()
        progress.data["holder"] = ""     # released: the next run need not wait for the lease
        progress.write()
    rows = [{k: r[k] for k in ("name", "type", "outcome", "action", "reasons", "revision", "msg", "start", "end")}
            for r in result.get("releases", [])]
    return {"changed": result.get("changed", False), "releases": rows, "failed": result["failed"], "resumed": resumed,
            "progress": {k: v for k, v in progress.data.items() if k != "claims"}}
