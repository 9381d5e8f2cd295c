# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wiring check: every declared link of the deployed platform, proven in the live cluster.
Private to this collection.

A `service` link holds when the provider's Service exists with the declared port, has at least one
ready endpoint, and the consumer's live objects name `host:port`. A `secret` link holds when the
Secret exists in the namespace that reads it with the declared keys, and the reader's live objects
name the Secret. The consumer's objects are those of its Helm releases (from helm's release record,
then each object read live), so a consumer patched to a wrong port or Secret is seen.
"""
from __future__ import annotations

import json
import re

from . import _helm
from ._waiter import targets_from_manifest


PARALLEL_READS = 8   # concurrent API reads of one status run


class Live:
    """Reads of the live cluster, each done once per check."""

    def __init__(self, cluster):
        from kubernetes import client, dynamic

        self.cluster = cluster
        self.core = client.CoreV1Api(cluster.api)
        self.discovery = client.DiscoveryV1Api(cluster.api)
        self.dynamic = dynamic.DynamicClient(cluster.api)
        self._texts: dict = {}
        self._records: dict = {}
        self._resources: dict = {}
        self._objects: dict = {}

    def records(self, name: str, namespace: str) -> list:
        """Every revision of a release, newest first (read once)."""
        key = (name, namespace)
        if key not in self._records:
            self._records[key] = _helm.read_records(self.cluster, name, namespace)
        return self._records[key]

    def record(self, name: str, namespace: str):
        records = self.records(name, namespace)
        return next((r for r in records if r.status == "deployed"), records[0] if records else None)

    def prefetch(self, releases: list) -> None:
        """Reads every release's records, then every live object of their deployed revisions, concurrently
        (the reads are independent; one after another they are most of a status run's time)."""
        from concurrent.futures import ThreadPoolExecutor

        keys = self.prefetch_records(releases)
        with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
            # Resolving kinds fills the discovery cache: done in this thread, then the objects are read in the pool.
            wanted = []
            for name, namespace in keys:
                rec = self.record(name, namespace)
                for target in targets_from_manifest(rec.manifest, namespace) if rec else []:
                    resource = self._resource(target)
                    if resource is not None:
                        wanted.append((target, resource, namespace))
            list(pool.map(lambda w: self._object(*w), wanted))

    def prefetch_records(self, releases: list) -> list:
        """Reads the records of every release concurrently; returns their (name, namespace) keys."""
        from concurrent.futures import ThreadPoolExecutor

        keys = list(dict.fromkeys((r["name"], r["namespace"]) for r in releases))
        with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
            list(pool.map(lambda k: self.records(*k), keys))
        return keys

    def _resource(self, target):
        key = (target.api_version, target.kind)
        if key not in self._resources:
            try:
                self._resources[key] = self.dynamic.resources.get(api_version=target.api_version, kind=target.kind)
            except Exception:  # noqa: BLE001 - a kind the server no longer serves: nothing to read
                self._resources[key] = None
        return self._resources[key]

    def _object(self, target, resource, namespace):
        """One live object as JSON (managedFields dropped), or None when it does not exist."""
        from kubernetes.client.rest import ApiException

        ns = (target.namespace or namespace) if resource.namespaced else None
        key = (target.api_version, target.kind, ns, target.name)
        if key not in self._objects:
            try:
                live = self.dynamic.get(resource, name=target.name, namespace=ns).to_dict()
            except ApiException as exc:
                if exc.status != 404:
                    raise
                live = None
            if live is not None:
                live.get("metadata", {}).pop("managedFields", None)
            self._objects[key] = None if live is None else json.dumps(live, sort_keys=True)
        return self._objects[key]

    def release_text(self, name: str, namespace: str):
        """The JSON of every live object of a release's deployed revision, or None when it is not deployed."""
        key = (name, namespace)
        if key not in self._texts:
            rec = self.record(name, namespace)
            if rec is None:
                self._texts[key] = None
                return None
            parts = []
            for target in targets_from_manifest(rec.manifest, namespace):
                resource = self._resource(target)
                text = self._object(target, resource, namespace) if resource is not None else None
                if text is not None:
                    parts.append(text)
            # Hooks as helm rendered them: a hook Job that succeeded may be deleted, but it is what ran.
            self._texts[key] = "\n".join(parts) + "\n" + rec.hooks
        return self._texts[key]

    def readiness(self, name: str, namespace: str) -> list:
        """What of a release's deployed revision is not ready now (one sentence each): `_readiness`'s judgement of
        each live object, read once; an object that is gone counts (but a Job, which may be cleaned up)."""
        from . import _readiness

        rec = self.record(name, namespace)
        out = []
        for target in targets_from_manifest(rec.manifest, namespace) if rec else []:
            resource = self._resource(target)
            if resource is None:
                continue
            text = self._object(target, resource, namespace)
            if text is None:
                if target.kind != "Job":
                    out.append(f"{target.label} does not exist")
                continue
            status = _readiness.assess(json.loads(text))
            if not status.ready:
                out.append(f"{target.label}: {status.reason}")
        return out


def _read(read, ref: dict):
    """The object, or None when it does not exist."""
    from kubernetes.client.rest import ApiException

    try:
        return read(ref["name"], ref["namespace"])
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


def check_service(live: Live, svc: dict) -> list:
    what = f"Service {svc['namespace']}/{svc['name']}"
    obj = _read(live.core.read_namespaced_service, svc)
    if obj is None:
        return [f"{what} does not exist"]
    ports = sorted(p.port for p in obj.spec.ports or [])
    if svc["port"] not in ports:
        return [f"{what} has no port {svc['port']} (it has {', '.join(map(str, ports)) or 'none'})"]
    if obj.spec.type == "ExternalName":
        return []
    slices = live.discovery.list_namespaced_endpoint_slice(
        svc["namespace"], label_selector=f"kubernetes.io/service-name={svc['name']}").items
    ready = [e for s in slices for e in s.endpoints or [] if e.conditions is None or e.conditions.ready is not False]
    return [] if ready else [f"{what} has no ready endpoint"]


def check_secret(live: Live, sec: dict) -> list:
    what = f"Secret {sec['namespace']}/{sec['name']}"
    obj = _read(live.core.read_namespaced_secret, sec)
    if obj is None:
        return [f"{what} does not exist"]
    missing = sorted(set(sec["keys"]) - set(obj.data or {}))
    return [f"{what} lacks the key{'s' if len(missing) > 1 else ''} {', '.join(missing)}"] if missing else []


def names_address(text: str, reference: str, apart: bool = False) -> bool:
    """Whether a release's objects name `reference` (`host:port`, or a Secret's name) literally. With `apart` (the
    consumer declares `host_and_port_apart` for that service in platform/components.yml: its configuration names
    the host and the port as two settings, as Airflow's `statsd_host = <host>` beside `statsd_port = 9125`), the
    host together with a `...port = N` setting counts too. Only that declared consumption is loosened."""
    if reference in text:
        return True
    host, sep, port = reference.rpartition(":")
    if not apart or not sep or not port.isdigit() or host not in text:
        return False
    return re.search(r"port\W{1,6}%s(?!\d)" % re.escape(port), text, re.I) is not None


def check_reference(live: Live, releases: list, reference: str, what: str, apart: bool = False) -> list:
    """The reference appears in the live objects of at least one of the releases (`names_address`)."""
    texts, absent = [], []
    for rel in releases:
        text = live.release_text(rel["name"], rel["namespace"])
        if text is None:
            absent.append(f"{rel['namespace']}/{rel['name']}")
        else:
            texts.append(text)
    if not texts:
        return [f"no deployed release to read ({', '.join(absent) or 'none declared'})"]
    if not any(names_address(t, reference, apart) for t in texts):
        names = ", ".join(r["name"] for r in releases)
        return [f"the live objects of {names} do not name {what} {reference}"]
    return []


def check(live: Live, links: list) -> list:
    """One row per link: consumer, provider, what, checked, ok, problems (in the order of the links)."""
    from concurrent.futures import ThreadPoolExecutor

    live.prefetch([r for link in links for r in link["in_releases"]])

    def row(link):
        if link["kind"] == "service":
            svc = link["service"]
            problems = check_service(live, svc) + check_reference(
                live, link["in_releases"], link["reference"], "the address", link.get("apart", False))
            checked = f"Service {svc['namespace']}/{svc['name']}:{svc['port']} ready; named as {link['reference']}"
        else:
            sec = link["secret"]
            problems = check_secret(live, sec) + check_reference(live, link["in_releases"], sec["name"], "the Secret")
            checked = f"Secret {sec['namespace']}/{sec['name']} keys {','.join(sec['keys'])}; named by {', '.join(r['name'] for r in link['in_releases'])}"
        return {"consumer": link["consumer"], "provider": link["provider"], "what": link["what"],
                "checked": checked, "ok": not problems, "problems": problems}

    with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
        return list(pool.map(row, links))


def release_rows(live: Live, releases: list, now=None) -> list:
    """Each release's state: status, revision, chart and app version, readiness now, and when it last changed."""
    from ._release import _age_seconds

    live.prefetch(releases)
    rows = []
    for rel in releases:
        records = live.records(rel["name"], rel["namespace"])
        top = records[0] if records else None
        not_ready = live.readiness(rel["name"], rel["namespace"]) if top and top.status == "deployed" else []
        age = _age_seconds(top.last_deployed, now) if top else float("inf")
        rows.append({"name": rel["name"], "namespace": rel["namespace"], "layer": rel.get("layer", ""),
                     "status": top.status if top else "absent", "revision": top.revision if top else 0,
                     "chart": f"{top.chart_name}-{top.chart_version}" if top else "",
                     "app_version": top.app_version if top else "",
                     "ready": bool(top and top.status == "deployed" and not not_ready), "not_ready": not_ready,
                     "last_deployed": top.last_deployed if top else "",
                     "age": age_text(age), "age_seconds": None if age == float("inf") else round(age),
                     "ok": bool(top and top.status == "deployed" and not not_ready)})
    return rows


def age_text(seconds: float) -> str:
    """3s, 5m, 2h, 4d: how long ago, as a person reads it."""
    if seconds == float("inf") or seconds < 0:
        return "unknown"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def table(rows: list) -> list:
    """The wiring table as lines: consumer -> provider, what, ok or the exact mismatch."""
    width = max((len(f"{r['consumer']} -> {r['provider']}") for r in rows), default=10)
    out = []
    for r in rows:
        head = f"{r['consumer']} -> {r['provider']}".ljust(width)
        out.append(f"{head}  {r['what']:<30} {'ok' if r['ok'] else 'FAILED: ' + '; '.join(r['problems'])}")
        out.append(f"{'':<{width}}  {'':<30} ({r['checked']})")
    return out


def run(cluster, links: list, releases: list) -> dict:
    """The whole check: the rows, the release states, the table, and `failed`/`msg` listing every mismatch."""
    live = Live(cluster)
    rows = check(live, links)
    states = release_rows(live, releases)
    result = {"changed": False, "rows": rows, "releases": states, "table": table(rows)}
    bad = [f"{r['consumer']} -> {r['provider']} ({r['what']}): {'; '.join(r['problems'])}" for r in rows if not r["ok"]]
    bad += [f"release {r['namespace']}/{r['name']} is {r['status']}" for r in states if r["status"] != "deployed"]
    bad += [f"release {r['namespace']}/{r['name']} is not ready: {'; '.join(r['not_ready'])}"
            for r in states if r["status"] == "deployed" and not r["ready"]]
    if bad:
        result.update(failed=True, msg=f"{len(bad)} problem(s) in the platform's wiring:\n" + "\n".join(bad))
    return result
