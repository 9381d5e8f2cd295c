# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for Kubernetes objects by watching the API. Private to this collection.

One list+watch stream per (kind, namespace) of the targets, plus the pods and
events of the namespaces that hold workloads, feed one queue; every change is
judged by the pure predicates of `_readiness`. The wait ends as soon as all
targets are ready, as soon as one shows a signal that will not heal
(`fatal`), or at the timeout, and then says which object, why, its events,
pods, container states and a log tail.
"""
from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from dataclasses import dataclass, field

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - the controller installs it (requirements/controller.txt)
    HAS_YAML = False

from . import _readiness as rd

try:  # imported here, not by modules that only read: the client takes a while to import
    from kubernetes import client as k8s_client, watch as k8s_watch
    from kubernetes.dynamic import DynamicClient
    from kubernetes.client.rest import ApiException
    HAS_KUBERNETES = True
except ImportError:  # pragma: no cover - reported by the modules
    HAS_KUBERNETES = False

EVENTS_KEPT = 5


@dataclass(frozen=True)
class Target:
    api_version: str
    kind: str
    name: str
    namespace: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


def targets_from_manifest(manifest: str, default_namespace: str) -> list:
    """The objects of a rendered manifest, each in its own namespace or the release's. Whether a kind has a
    namespace at all is the API server's to say (`scoped`): a manifest does not tell a ClusterIssuer from an Issuer."""
    out = []
    for doc in yaml.safe_load_all(manifest or ""):
        if not isinstance(doc, dict) or not doc.get("kind"):
            continue
        if doc["kind"].endswith("List"):
            continue
        meta = doc.get("metadata") or {}
        out.append(Target(doc.get("apiVersion", "v1"), doc["kind"], meta.get("name", ""),
                          meta.get("namespace") or default_namespace))
    return out


def scoped(dyn, targets) -> list:
    """The targets as the API serves them: a kind that API discovery says is cluster-scoped (every custom resource
    such as cert-manager's ClusterIssuer, as well as Namespace, StorageClass, ...) has no namespace."""
    out = []
    for t in targets:
        resource = dyn.resources.get(api_version=t.api_version, kind=t.kind)
        out.append(t if resource.namespaced or not t.namespace else Target(t.api_version, t.kind, t.name, ""))
    return list(dict.fromkeys(out))


@dataclass
class Outcome:
    ready: bool
    elapsed: float
    message: str = ""
    reason: str = ""  # ready | failed | timeout
    objects: list = field(default_factory=list)  # diagnostics of each object not ready


class Waiter:
    def __init__(self, api_client, targets, timeout=600.0, grace_seconds=10.0, wait_for_load_balancer=False,
                 log_lines=20):
        self.api_client = api_client
        self.targets = list(dict.fromkeys(targets))
        self.timeout, self.grace = float(timeout), float(grace_seconds)
        self.wait_lb, self.log_lines = wait_for_load_balancer, log_lines
        self.objects: dict = {}      # Target -> object dict
        self.pods: dict = {}         # (ns, name) -> pod dict
        self.events: dict = {}       # (ns, kind, name) -> [event dicts]
        self.nodes: dict = {}        # name -> node dict
        self.replicasets: dict = {}  # (ns, name) -> replicaset dict (to tell a Deployment's current pods)
        self._q: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._watches: list = []
        self._errors: list = []

    # -- streams ------------------------------------------------------------------
    def _stream(self, resource, namespace, sink):
        rv = None
        while not self._stop.is_set():
            try:
                if rv is None:
                    listing = resource.get(namespace=namespace or None)
                    for item in listing.to_dict().get("items", []):
                        self._q.put((sink, "ADDED", item))
                    rv = listing.metadata.resourceVersion
                    self._q.put(("synced", None, None))
                w = k8s_watch.Watch()
                self._watches.append(w)
                for ev in resource.watch(namespace=namespace or None, resource_version=rv, timeout=30, watcher=w):
                    if self._stop.is_set():
                        break
                    obj = ev["raw_object"]
                    if ev["type"] == "ERROR":
                        rv = None
                        break
                    rv = (obj.get("metadata") or {}).get("resourceVersion", rv)
                    self._q.put((sink, ev["type"], obj))
            except ApiException as exc:
                if exc.status == 410:
                    rv = None
                    continue
                self._errors.append(f"watching {resource.kind}: {exc.status} {exc.reason}")
                self._q.put(("error", None, None))
                self._stop.wait(1.0)
            except Exception as exc:  # noqa: BLE001 - a broken stream is reported, not fatal
                if self._stop.is_set():
                    return
                self._errors.append(f"watching {resource.kind}: {exc}")
                self._stop.wait(1.0)

    def _start(self):
        dyn = _dynamic(self.api_client)
        self.targets = scoped(dyn, self.targets)
        groups = {}
        for t in self.targets:
            groups.setdefault((t.api_version, t.kind, t.namespace), []).append(t)
        workload_ns = {t.namespace for t in self.targets if t.kind in rd.WORKLOADS + ("Pod", "PersistentVolumeClaim")}
        streams = [(dyn.resources.get(api_version=av, kind=k), ns, "object") for (av, k, ns) in groups]
        if workload_ns:
            streams.append((dyn.resources.get(api_version="v1", kind="Node"), "", "node"))
        for ns in {t.namespace for t in self.targets if t.kind == "Deployment"}:
            streams.append((dyn.resources.get(api_version="apps/v1", kind="ReplicaSet"), ns, "replicaset"))
        for ns in workload_ns:
            streams.append((dyn.resources.get(api_version="v1", kind="Pod"), ns, "pod"))
            streams.append((dyn.resources.get(api_version="v1", kind="Event"), ns, "event"))
        self._pending_sync = len(streams)
        for res, ns, sink in streams:
            threading.Thread(target=self._stream, args=(res, ns, sink), daemon=True).start()

    def _apply(self, sink, etype, obj):
        meta = obj.get("metadata") or {}
        if sink == "object":
            for t in self.targets:
                if t.kind == obj.get("kind") and t.name == meta.get("name") and t.namespace == (meta.get("namespace") or ""):
                    self.objects[t] = None if etype == "DELETED" else obj
        elif sink in ("pod", "replicaset", "node"):
            store = {"pod": self.pods, "replicaset": self.replicasets, "node": self.nodes}[sink]
            key = meta.get("name") if sink == "node" else (meta.get("namespace"), meta.get("name"))
            if etype == "DELETED":
                store.pop(key, None)
            else:
                store[key] = obj
        elif sink == "event":
            inv = obj.get("involvedObject") or {}
            key = (inv.get("namespace") or meta.get("namespace"), inv.get("kind"), inv.get("name"))
            kept = [e for e in self.events.get(key, []) if (e.get("metadata") or {}).get("name") != meta.get("name")]
            self.events[key] = (kept + [obj])[-EVENTS_KEPT:]

    # -- judging ---------------------------------------------------------------------
    def _pods_of(self, t, obj):
        sel = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        if t.kind == "Pod":
            p = self.pods.get((t.namespace, t.name))
            return [p] if p else []
        if not sel:
            return []
        if t.kind == "Deployment":
            # Only the current ReplicaSet's pods: an old revision's broken pods are being replaced.
            rev = ((obj.get("metadata") or {}).get("annotations") or {}).get("deployment.kubernetes.io/revision")
            for (ns, _rs_name), rs in self.replicasets.items():
                rs_meta = rs.get("metadata") or {}
                owned = any(o.get("kind") == "Deployment" and o.get("name") == t.name
                            for o in rs_meta.get("ownerReferences") or [])
                if ns == t.namespace and owned and rev and (rs_meta.get("annotations") or {}).get(
                        "deployment.kubernetes.io/revision") == rev:
                    sel = dict(sel, **{"pod-template-hash": (rs_meta.get("labels") or {}).get("pod-template-hash", "")})
                    break
        return [p for (ns, _pod_name), p in sorted(self.pods.items(), key=lambda kv: kv[0])
                if ns == t.namespace and not (p.get("metadata") or {}).get("deletionTimestamp")
                and all(((p.get("metadata") or {}).get("labels") or {}).get(k) == v for k, v in sel.items())]

    def judge(self, t, now):
        obj = self.objects.get(t)
        if obj is None:
            return rd.Status(False, "does not exist yet")
        status = rd.assess(obj, self.wait_lb, now=now, grace_seconds=self.grace)
        if status.ready or status.fatal:
            return status
        if t.kind in rd.WORKLOADS or t.kind == "Pod":
            for p in self._pods_of(t, obj):
                problem = rd.pod_problem(p, now, self.grace, self.nodes)
                if problem:
                    return problem
        if t.kind == "PersistentVolumeClaim":
            for ev in self.events.get((t.namespace, "PersistentVolumeClaim", t.name), []):
                problem = rd.event_problem(ev)
                if problem:
                    return problem
        return status

    def wait(self) -> Outcome:
        start = time.monotonic()
        if not self.targets:
            return Outcome(True, 0.0, "nothing to wait for", "ready")
        self._start()
        synced = 0
        try:
            while True:
                now = dt.datetime.now(dt.timezone.utc)
                if synced >= self._pending_sync:
                    verdicts = {t: self.judge(t, now) for t in self.targets}
                    fatal = [t for t, s in verdicts.items() if s.fatal]
                    waiting = [t for t, s in verdicts.items() if not s.ready]
                    if not waiting:
                        return Outcome(True, time.monotonic() - start, "all ready", "ready")
                    if fatal:
                        return self._fail(fatal, verdicts, start, "failed")
                remaining = self.timeout - (time.monotonic() - start)
                if remaining <= 0:
                    verdicts = {t: self.judge(t, now) for t in self.targets}
                    return self._fail([t for t, s in verdicts.items() if not s.ready], verdicts, start, "timeout")
                try:
                    # Wake at least each second so grace periods expire on time: a local
                    # timer over the watched state, not a new request to the API.
                    item = self._q.get(timeout=min(remaining, 1.0))
                except queue.Empty:
                    continue
                while True:
                    sink, etype, obj = item
                    if sink == "synced":
                        synced += 1
                    elif sink != "error":
                        self._apply(sink, etype, obj)
                    try:
                        item = self._q.get_nowait()
                    except queue.Empty:
                        break
        finally:
            self._stop.set()
            for w in self._watches:
                w.stop()

    # -- diagnostics -------------------------------------------------------------------
    def _fail(self, culprits, verdicts, start, reason) -> Outcome:
        elapsed = time.monotonic() - start
        diags = [self._diagnose(t, verdicts[t]) for t in self.targets if not verdicts[t].ready]
        first = "; ".join(f"{t.label}: {verdicts[t].reason}" for t in culprits)
        if reason == "timeout":
            msg = f"timed out after {elapsed:.0f}s waiting for {first}"
        else:
            msg = f"failed after {elapsed:.0f}s (not waiting for the timeout): {first}"
        if self._errors:
            msg += f" [watch errors: {'; '.join(sorted(set(self._errors))[:3])}]"
        return Outcome(False, elapsed, msg, reason, diags)

    def _diagnose(self, t, status) -> dict:
        obj = self.objects.get(t) or {}
        out = {"object": t.label, "kind": t.kind, "namespace": t.namespace, "name": t.name,
               "reason": status.reason, "fatal": status.fatal,
               "events": [_event_line(e) for e in self.events.get((t.namespace, t.kind, t.name), [])]}
        pods = []
        for p in self._pods_of(t, obj) if obj else []:
            meta, st = p.get("metadata") or {}, p.get("status") or {}
            containers = []
            for cs in (st.get("initContainerStatuses") or []) + (st.get("containerStatuses") or []):
                state = cs.get("state") or {}
                kind = next(iter(state), "unknown")
                detail = state.get(kind) or {}
                containers.append({"name": cs.get("name"), "state": kind, "reason": detail.get("reason", ""),
                                   "message": detail.get("message", ""), "exit_code": detail.get("exitCode"),
                                   "restarts": cs.get("restartCount", 0), "ready": cs.get("ready", False)})
            pod_diag = {"name": meta.get("name"), "phase": st.get("phase"), "node": (p.get("spec") or {}).get("nodeName"),
                        "containers": containers,
                        "events": [_event_line(e) for e in self.events.get((t.namespace, "Pod", meta.get("name")), [])]}
            bad = [c for c in containers if not c["ready"] and c["state"] != "running"]
            if bad:
                pod_diag["log_tail"] = self._log_tail(t.namespace, meta.get("name"), bad[0])
            pods.append(pod_diag)
        if pods:
            out["pods"] = pods[:5]
        return out

    def _log_tail(self, namespace, pod_name, container):
        try:
            core = k8s_client.CoreV1Api(self.api_client)
            text = core.read_namespaced_pod_log(pod_name, namespace, container=container["name"],
                                                tail_lines=self.log_lines, previous=container["restarts"] > 0,
                                                _request_timeout=5)
            return text.splitlines()[-self.log_lines:]
        except Exception as exc:  # noqa: BLE001 - logs are a best effort
            status = getattr(exc, "status", None)
            return [f"(log unavailable: {status or ''} {getattr(exc, 'reason', exc)})".replace("  ", " ")]


_DYNAMIC: dict = {}
_DYNAMIC_LOCK = threading.Lock()


def _dynamic(api_client):
    """One DynamicClient (one API discovery) per API client, shared by every wait in the process."""
    with _DYNAMIC_LOCK:
        if id(api_client) not in _DYNAMIC:
            _DYNAMIC[id(api_client)] = (api_client, DynamicClient(api_client))
        return _DYNAMIC[id(api_client)][1]


def _event_line(e) -> str:
    when = e.get("lastTimestamp") or e.get("eventTime") or (e.get("metadata") or {}).get("creationTimestamp") or ""
    count = e.get("count") or 1
    return f"{when} {e.get('type', '')} {e.get('reason', '')}: {e.get('message', '')}" + (f" (x{count})" if count > 1 else "")
