# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bringing one Helm release to its desired state. Private to this collection.

`decide()` is pure: from the release's stored revisions and the desired
state it says what to do and why. `apply()` reads the revisions once, and
only when something differs runs helm (never with helm's own wait), then
waits for the release's objects with the watcher of `_waiter`.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import asdict, dataclass, field

from . import _helm


@dataclass
class Spec:
    name: str
    namespace: str
    chart: _helm.ChartRef
    values: dict = field(default_factory=dict)
    wait: bool = True
    timeout: float = 600.0
    atomic: bool = False
    pending_timeout: float = 300.0
    create_namespace: bool = True
    grace_seconds: float = 10.0
    wait_for_load_balancer: bool = False
    openapi_validation: bool = False
    crds: str = "helm"    # helm: crds/ installed by helm at the first install only; apply: by us at every change
    verify_ready: bool = False   # also wait for an up-to-date release's objects (resuming an interrupted upgrade)

    @property
    def fingerprint(self) -> str:
        return _helm.fingerprint(self.chart, self.values, self.namespace)


@dataclass
class Decision:
    action: str            # none | install | upgrade | recover | refuse
    reasons: list


@dataclass
class Result:
    name: str
    namespace: str
    changed: bool = False
    failed: bool = False
    action: str = "none"
    reasons: list = field(default_factory=list)
    msg: str = ""
    revision_before: int = 0
    revision: int = 0
    status: str = ""
    fingerprint: str = ""
    helm_commands: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    readiness: dict = field(default_factory=dict)
    diff: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _age_seconds(stamp: str, now=None) -> float:
    if not stamp:
        return float("inf")
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        when = dt.datetime.fromisoformat(stamp)  # Python 3.11 truncates helm's nanoseconds
    except ValueError:
        return float("inf")
    return (now - when).total_seconds()


def decide(spec: Spec, records: list) -> Decision:
    """What to do, and why, from the stored revisions (newest first)."""
    if not records or records[0].status == "uninstalled":
        return Decision("install", ["the release is not installed"])
    latest = records[0]
    if latest.status in _helm.PENDING:
        return Decision("recover", [f"revision {latest.revision} is stuck in {latest.status} "
                                    f"(started {latest.last_deployed or 'at an unknown time'})"])
    if latest.status == "uninstalling":
        return Decision("refuse", [f"revision {latest.revision} is being uninstalled; wait for that to finish"])
    reasons = []
    if latest.status == "failed":
        reasons.append(f"revision {latest.revision} failed")
    if latest.fingerprint != spec.fingerprint:
        if not latest.fingerprint:
            reasons.append("the release was not made by openlakes.core (no fingerprint)")
        if latest.chart_name != spec.chart.name or latest.chart_version != spec.chart.version:
            reasons.append(f"chart {latest.chart_name} {latest.chart_version} -> {spec.chart.name} {spec.chart.version}")
        if _helm.canonical(latest.values) != _helm.canonical(spec.values):
            reasons.append("values changed")
        if latest.fingerprint and not reasons:
            reasons.append("chart content or namespace changed")
    return Decision("upgrade", reasons) if reasons else Decision("none", [])


def _last_good(records):
    for r in records:
        if r.status in ("deployed", "superseded"):
            return r
    return None


def apply(spec: Spec, helm: _helm.Helm, cluster, check_mode=False, diff=False) -> Result:
    """`cluster` is a `_k8s.Cluster`: its kubernetes client is only created when something changes."""
    t0 = time.monotonic()
    res = Result(spec.name, spec.namespace, fingerprint=spec.fingerprint)
    records = _helm.read_records(cluster, spec.name, spec.namespace)
    res.timings["read"] = round(time.monotonic() - t0, 3)
    decision = decide(spec, records)
    res.action, res.reasons = decision.action, decision.reasons
    res.revision_before = records[0].revision if records else 0
    res.revision, res.status = res.revision_before, records[0].status if records else "absent"
    secrets = _helm.secret_strings(spec.values)
    helm.secrets = list(set(helm.secrets) | set(secrets))
    if diff or check_mode:
        before = _helm.mask_values(records[0].values, secrets) if records else {}
        res.diff = {"before": before, "after": _helm.mask_values(spec.values, secrets)}
    if decision.action == "none":
        res.msg = f"{spec.name}: up to date (revision {res.revision}, {res.status})"
        if spec.verify_ready and spec.wait and not check_mode and not _wait(spec, cluster, records[0].manifest, res):
            res.failed = True
            res.msg = f"{spec.name} (revision {res.revision}) is up to date but not ready: {res.readiness['message']}"
        return _done(res, t0, helm)
    if decision.action == "refuse":
        res.failed, res.msg = True, f"{spec.name}: {decision.reasons[0]}"
        return _done(res, t0, helm)
    res.changed = True
    if check_mode:
        res.msg = f"{spec.name}: would {decision.action}: {'; '.join(decision.reasons)}"
        return _done(res, t0, helm)

    t_helm = time.monotonic()
    crds = []
    try:
        if decision.action == "recover":
            note = _recover(spec, helm, records)
            res.reasons.append(note)
        if spec.crds == "apply":
            crds = _apply_crds(spec, helm, cluster, res)
        out = helm.upgrade(spec.name, spec.namespace, spec.chart, spec.values,
                           f"{_helm.FINGERPRINT_PREFIX}{spec.fingerprint}",
                           create_namespace=spec.create_namespace, timeout_s=spec.timeout,
                           openapi_validation=spec.openapi_validation, skip_crds=spec.crds == "apply")
    except (_helm.HelmError, RecoveryRefused, CrdError) as exc:
        res.failed, res.msg = True, f"{spec.name}: {exc}"
        return _done(res, t0, helm)
    res.timings["helm"] = round(time.monotonic() - t_helm, 3)
    rel = _parse_release(out)
    res.revision = rel.get("version", res.revision + 1)
    res.status = (rel.get("info") or {}).get("status", "deployed")
    if spec.wait:
        if not _wait(spec, cluster, rel.get("manifest", ""), res, crds):
            res.failed = True
            res.msg = f"{spec.name} (revision {res.revision}) is not ready: {res.readiness['message']}"
            if spec.atomic:
                good = _last_good(records)
                if good:
                    try:
                        helm.rollback(spec.name, spec.namespace, good.revision)
                        res.msg += f"; rolled back to revision {good.revision}"
                    except _helm.HelmError as exc:
                        res.msg += f"; rollback to revision {good.revision} failed: {exc}"
            return _done(res, t0, helm)
    verb = {"install": "installed", "upgrade": "upgraded", "recover": "recovered and upgraded"}[decision.action]
    res.msg = f"{spec.name}: {verb} to revision {res.revision}: {'; '.join(res.reasons)}"
    return _done(res, t0, helm)


def _wait(spec: Spec, cluster, manifest: str, res: Result, extra=()) -> bool:
    """Waits for the objects of `manifest` (and `extra` targets: the CRDs applied from crds/) with the watcher of
    `_waiter`; records the outcome in `res.readiness`."""
    from ._waiter import Waiter, targets_from_manifest  # the kubernetes client is needed only now

    t_wait = time.monotonic()
    targets = targets_from_manifest(manifest, spec.namespace) + list(extra)
    outcome = Waiter(cluster.api, targets, timeout=spec.timeout, grace_seconds=spec.grace_seconds,
                     wait_for_load_balancer=spec.wait_for_load_balancer).wait()
    res.timings["wait"] = round(time.monotonic() - t_wait, 3)
    res.readiness = {"ready": outcome.ready, "reason": outcome.reason, "elapsed": round(outcome.elapsed, 3),
                     "objects": outcome.objects, "targets": len(targets), "message": outcome.message}
    return outcome.ready


class RecoveryRefused(Exception):
    pass


class CrdError(Exception):
    pass


def _apply_crds(spec: Spec, helm: _helm.Helm, cluster, res: Result) -> list:
    """`crds: apply`: helm installs a chart's crds/ at the first install and never upgrades them, so the collection
    applies them itself (server-side apply, only those that differ) before every install and upgrade; the wait then
    includes each of them until it is Established. Returns the CRDs as wait targets."""
    from . import _objects
    from ._waiter import Target

    crds = helm.show_crds(spec.chart)
    if not crds:
        raise CrdError(f"the chart {spec.chart.name} {spec.chart.version} has no CustomResourceDefinitions in crds/, "
                       f"but its release is marked `crds: apply`")
    out = _objects.apply(cluster, {"name": f"{spec.name} CRDs", "objects": crds}, {})
    if out["failed"]:
        raise CrdError(out["msg"])
    if out["reasons"]:
        absent = sum(r.endswith(" absent") for r in out["reasons"])
        res.reasons.append(f"CRDs of the chart applied: {absent} new, {len(out['reasons']) - absent} changed, "
                           f"{len(crds) - len(out['reasons'])} unchanged")
    return [Target(c.get("apiVersion", "apiextensions.k8s.io/v1"), c["kind"], c["metadata"]["name"]) for c in crds]


def _recover(spec: Spec, helm: _helm.Helm, records: list) -> str:
    """A revision left pending by an interrupted run: roll back to the last
    good revision when it is stale. A release never deployed is reinstalled;
    one that was deployed is never uninstalled."""
    latest = records[0]
    age = _age_seconds(latest.last_deployed)
    if age < spec.pending_timeout:
        raise RecoveryRefused(f"revision {latest.revision} has been {latest.status} for {age:.0f}s; another helm "
                              f"operation may still be running. It is recovered once it is older than "
                              f"{spec.pending_timeout:.0f}s (pending_timeout)")
    good = _last_good(records)
    if good:
        helm.rollback(spec.name, spec.namespace, good.revision)
        return (f"recovered: revision {latest.revision} was left {latest.status} {age:.0f}s ago by an interrupted run; "
                f"rolled back to revision {good.revision}")
    if any(r.status == "failed" for r in records[1:]) or latest.status == "pending-install":
        helm.run([helm.binary, "uninstall", spec.name, "--namespace", spec.namespace] + helm.global_args())
        return (f"recovered: revision {latest.revision} was left {latest.status} {age:.0f}s ago and the release was "
                f"never deployed; removed the unfinished install")
    raise RecoveryRefused(f"revision {latest.revision} is {latest.status} and no earlier revision was deployed")


def _parse_release(out: str) -> dict:
    out = (out or "").strip()
    start = out.find("{")
    if start < 0:
        return {}
    try:
        return json.loads(out[start:])
    except ValueError:
        return {}


def _done(res: Result, t0: float, helm: _helm.Helm) -> Result:
    res.timings["total"] = round(time.monotonic() - t0, 3)
    res.helm_commands = [_helm.mask_text(" ".join(a), helm.secrets) for a in helm.calls]
    return res
