# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The support bundle: what a maintainer needs to see of a platform, with every credential value scrubbed.
Private to this collection.

`Scrubber` knows the values to remove (every value of every Secret in the platform's namespaces, but the user
names of the collection's own credential sets; their base64 forms; each line of a multi-line value such as a
private key) and the shapes of credentials `_sensitive` knows wherever they appear (known token formats, URL
passwords, `NAME=value` with a credential name). Every file goes through it before it is written; `collect()`
reads the cluster (release records without values or manifests, events, workloads, pod states, claims,
nodes, log tails) and `write()` makes the tarball, 0600.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import re
import tarfile

from . import _helm, _sensitive

MASK = _helm.MASK
MIN_UNKNOWN = 6          # a value of a Secret that is not the collection's is scrubbed from this length on ...
LONG_UNKNOWN = 24        # ... when it is under a credential key, looks like one, or is multi-line; any from this length
HELM_RELEASE_TYPE = "helm.sh/release.v1"


class Scrubber:
    def __init__(self, values=()):
        self.values: set = set()
        for v in values:
            self.add(v)

    def add(self, value: str, min_length: int = 1) -> None:
        if not isinstance(value, str) or len(value) < min_length:
            return
        forms = {value, value.strip(), base64.b64encode(value.encode()).decode()}
        if "\n" in value.strip():
            forms |= {line.strip() for line in value.splitlines() if len(line.strip()) >= 16}
        self.values |= {f for f in forms if f}

    def text(self, text: str) -> str:
        for v in sorted(self.values, key=len, reverse=True):
            if v in text:
                text = text.replace(v, MASK)
        for _kind, markers, rx in _sensitive.KNOWN_FORMATS:
            if any(m in text for m in markers):
                text = rx.sub(MASK, text)
        text = _sensitive.URL_CREDENTIALS.sub(
            lambda m: f"{m.group('scheme')}://{m.group('user')}{':' + MASK if m.group('password') else ''}@", text)
        return _ASSIGNMENT_IN_TEXT.sub(lambda m: m.group(1) + (MASK if _sensitive.credential_key(m.group(2)) else m.group(3)),
                                       text)

    def data(self, doc):
        """A document with every value under a credential key masked, as text."""
        return self.text(json.dumps(_helm.mask_values(doc, self.values), indent=1, sort_keys=True, default=str))


# NAME=value and --name=value inside free text (logs, event messages, command lines).
_ASSIGNMENT_IN_TEXT = re.compile(r"((?:^|[\s\"'])-{0,2}([A-Za-z_][A-Za-z0-9_.-]*)=)(\S+)", re.M)


def secret_values(secrets: list, own: dict) -> tuple:
    """The values to scrub from Secrets (dicts with metadata, type and decoded `values`) and how many there were.
    `own` is {Secret name: {key: generator spec}} of the collection's credential sets: their fixed names (`nessie`,
    `admin`) are not secret and would hide every mention of a service; every other value of theirs is scrubbed
    whatever its length (a generated user name such as MinIO's root user is half of a credential). A value of another Secret (an operator's,
    the user's) is scrubbed when it is under a credential key, looks like one or spans lines (a key, a certificate),
    or is long; its host names, ports and database names stay readable."""
    out, count = [], 0
    for s in secrets:
        if s.get("type") == HELM_RELEASE_TYPE:
            continue
        specs = own.get(s["metadata"]["name"], {})
        for key, value in (s.get("values") or {}).items():
            if key in specs and str(specs[key]).startswith("fixed:"):
                continue
            if key in specs:
                wanted = bool(value)
            else:
                wanted = len(value) >= LONG_UNKNOWN or (len(value) >= MIN_UNKNOWN and (
                    _sensitive.credential_key(key) or _sensitive.looks_secret(value) or "\n" in value.strip()))
            if wanted:
                out.append(value)
                count += 1
    return out, count


def release_summary(records: list) -> dict:
    """A release's revisions without values or rendered objects: what a maintainer reads of helm's record."""
    latest = records[0]
    objects = sorted({f"{d.get('kind')}/{(d.get('metadata') or {}).get('name')}"
                      for d in _manifest(latest.manifest)})
    return {"name": latest.name, "namespace": latest.namespace, "objects": objects,
            "revisions": [{"revision": r.revision, "status": r.status, "chart": f"{r.chart_name}-{r.chart_version}",
                           "app_version": r.app_version, "description": r.description, "last_deployed": r.last_deployed}
                          for r in records]}


def _manifest(text):
    import yaml

    try:
        return [d for d in yaml.safe_load_all(text or "") if isinstance(d, dict)]
    except yaml.YAMLError:
        return []


def pod_state(pod: dict) -> dict:
    meta, spec, st = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    containers = []
    for cs in (st.get("initContainerStatuses") or []) + (st.get("containerStatuses") or []):
        state = cs.get("state") or {}
        kind = next(iter(state), "unknown")
        detail = state.get(kind) or {}
        containers.append({"name": cs.get("name"), "image": cs.get("image"), "ready": cs.get("ready"),
                           "restarts": cs.get("restartCount", 0), "state": kind, "reason": detail.get("reason", ""),
                           "message": detail.get("message", ""), "exit_code": detail.get("exitCode"),
                           "last_state": cs.get("lastState") or {}})
    return {"namespace": meta.get("namespace"), "name": meta.get("name"), "node": spec.get("nodeName"),
            "phase": st.get("phase"), "reason": st.get("reason", ""), "message": st.get("message", ""),
            "conditions": [{k: c.get(k) for k in ("type", "status", "reason", "message", "lastTransitionTime")}
                           for c in st.get("conditions") or []],
            "containers": containers, "owner": [f"{o.get('kind')}/{o.get('name')}" for o in meta.get("ownerReferences") or []],
            "created": meta.get("creationTimestamp")}


def workload_state(obj: dict) -> dict:
    meta, spec, st = obj.get("metadata") or {}, obj.get("spec") or {}, obj.get("status") or {}
    return {"kind": obj.get("kind"), "namespace": meta.get("namespace"), "name": meta.get("name"),
            "replicas": spec.get("replicas"), "status": {k: v for k, v in st.items() if k != "conditions"},
            "conditions": st.get("conditions") or [], "generation": meta.get("generation"),
            "images": sorted({c.get("image") for c in ((spec.get("template") or {}).get("spec") or {}).get("containers") or []})}


def event_line(e: dict) -> dict:
    inv = e.get("involvedObject") or e.get("regarding") or {}
    return {"time": e.get("lastTimestamp") or e.get("eventTime") or (e.get("metadata") or {}).get("creationTimestamp"),
            "namespace": (e.get("metadata") or {}).get("namespace"), "type": e.get("type"), "reason": e.get("reason"),
            "object": f"{inv.get('kind')}/{inv.get('name')}", "message": e.get("message") or e.get("note"),
            "count": e.get("count") or 1}


def redact_config_text(text: str, doc) -> str:
    """core-config.yaml as written, with any credential value in it (which the config check refuses anyway)
    masked: values under credential keys and every string `_sensitive` finds."""
    found = {f.secret for f in _sensitive.find(doc, under_key=True) if isinstance(f.secret, str) and len(f.secret) >= 4}
    return _helm.mask_text(text, found)


# --- reading the cluster -------------------------------------------------------------------------

def collect(cluster, releases: list, namespaces: list, own_sets: dict, log_lines: int = 200) -> tuple:
    """Reads what the bundle holds. Returns (files: {path: text or data}, scrubber, notes)."""
    from kubernetes import client

    api = cluster.api
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    ser = api.sanitize_for_serialization
    notes, files = [], {}
    live_ns = []
    for ns in namespaces:
        try:
            core.read_namespace(ns)
            live_ns.append(ns)
        except client.rest.ApiException as exc:
            if exc.status != 404:
                raise
            notes.append(f"namespace {ns} does not exist")
    secrets = []
    for ns in live_ns:
        for s in core.list_namespaced_secret(ns).items:
            values = {}
            for k, v in (s.data or {}).items():
                try:
                    values[k] = base64.b64decode(v).decode()
                except (ValueError, UnicodeDecodeError):
                    values[k] = ""   # binary: not text that could appear in a log
            secrets.append({"metadata": {"name": s.metadata.name, "namespace": ns}, "type": s.type, "values": values})
    scrub_values, count = secret_values(secrets, own_sets)
    scrubber = Scrubber(scrub_values)
    notes.append(f"scrubbed: every value of the {count} credential value(s) in {len(secrets)} Secret(s) of "
                 f"{len(live_ns)} namespace(s) (their base64 forms and the lines of multi-line ones too), known token "
                 f"formats, URL passwords and NAME=value with a credential name")
    files["secrets.json"] = [{"namespace": s["metadata"]["namespace"], "name": s["metadata"]["name"], "type": s["type"],
                              "keys": sorted(s["values"])} for s in secrets]
    rel_out = []
    for rel in releases:
        records = _helm.read_records(cluster, rel["name"], rel["namespace"])
        empty = {"name": rel["name"], "namespace": rel["namespace"], "revisions": [], "objects": []}
        rel_out.append(release_summary(records) if records else empty)
    files["releases.json"] = rel_out
    events, pods, workloads, claims = [], [], [], []
    for ns in live_ns:
        events += [event_line(ser(e)) for e in core.list_namespaced_event(ns).items]
        for pod in core.list_namespaced_pod(ns).items:
            state = pod_state(ser(pod))
            pods.append(state)
            for c in state["containers"]:
                path = f"logs/{ns}/{state['name']}/{c['name']}.log"
                try:
                    files[path] = core.read_namespaced_pod_log(state["name"], ns, container=c["name"],
                                                               tail_lines=log_lines, _request_timeout=10)
                except Exception as exc:  # noqa: BLE001 - a log is a best effort (kwok nodes serve none)
                    files[path] = f"(log unavailable: {getattr(exc, 'status', '')} {getattr(exc, 'reason', exc)})\n"
        for lister in (apps.list_namespaced_deployment, apps.list_namespaced_stateful_set, apps.list_namespaced_daemon_set):
            workloads += [workload_state(dict(ser(w), kind=type(w).__name__.replace("V1", ""))) for w in lister(ns).items]
        claims += [{"namespace": ns, "name": c.metadata.name, "uid": c.metadata.uid, "phase": c.status.phase,
                    "volume": c.spec.volume_name, "storage_class": c.spec.storage_class_name,
                    "size": (c.status.capacity or {}).get("storage"), "owners": [o.name for o in c.metadata.owner_references or []]}
                   for c in core.list_namespaced_persistent_volume_claim(ns).items]
    files["events.json"] = sorted(events, key=lambda e: str(e["time"]))
    files["pods.json"] = pods
    files["workloads.json"] = workloads
    files["claims.json"] = claims
    files["volumes.json"] = [{"name": v.metadata.name, "phase": v.status.phase, "reclaim": v.spec.persistent_volume_reclaim_policy,
                              "claim": f"{v.spec.claim_ref.namespace}/{v.spec.claim_ref.name}" if v.spec.claim_ref else "",
                              "storage_class": v.spec.storage_class_name, "capacity": (v.spec.capacity or {}).get("storage")}
                             for v in core.list_persistent_volume().items]
    files["nodes.json"] = [{"name": n.metadata.name, "labels": n.metadata.labels,
                            "conditions": [{"type": c.type, "status": c.status, "reason": c.reason, "message": c.message}
                                           for c in n.status.conditions or []],
                            "allocatable": n.status.allocatable, "kubelet": (n.status.node_info.kubelet_version
                                                                             if n.status.node_info else "")}
                           for n in core.list_node().items]
    try:
        version = client.VersionApi(api).get_code()
        files["versions.json"] = {"kubernetes": version.git_version, "platform": version.platform}
    except Exception as exc:  # noqa: BLE001 - the bundle is made anyway
        notes.append(f"the server's version could not be read: {exc}")
    return files, scrubber, notes


def write(dest: str, stamp: str, files: dict, scrubber: Scrubber) -> dict:
    """The tarball at `dest` (mode 0600): every file scrubbed. Returns {path: size} of what it holds."""
    top = os.path.basename(dest).split(".tar")[0]
    sizes = {}
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for path, content in sorted(files.items()):
            text = content if isinstance(content, str) else scrubber.data(content)
            blob = scrubber.text(text).encode()
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size, info.mode = len(blob), 0o600
            info.mtime = int(dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc).timestamp())
            tar.addfile(info, io.BytesIO(blob))
            sizes[path] = len(blob)
    return sizes
