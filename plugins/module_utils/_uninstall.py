# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Removing the platform's releases in reverse dependency order while keeping its data. Private to this collection.

The plan's graph, reversed: a node is removed only once every chosen node that depends on it is gone (the
scheduler of `_plan`, with the edges turned round). By default an uninstall keeps what holds data or
credentials, and says so: PersistentVolumeClaims (rendered by the release, made from its StatefulSets' claim
templates, or owned by one of its objects, such as CloudNativePG's claims owned by its `Cluster`: those
owner references are removed first, so the garbage collector leaves the claims), their volumes, the
CustomResourceDefinitions helm's keep policy protects, Secrets, namespaces, the generated credentials and
the hosts' data. A release is kept whole when removing it would delete data anyway: it provides the volumes
of claims that are kept (Longhorn), or it renders a claim or a CustomResourceDefinition with custom
resources without helm's keep policy. Purging (explicit, with the platform's name typed back) deletes
what a default run keeps, found again through the label a keeping run leaves on it.

`select`, `blockers`, `reverse`, `claims_of` and `host_data` are pure (unit-tested on recorded objects);
`Uninstaller` reads and changes the cluster.
"""
from __future__ import annotations

import re
import threading
import time

from . import _helm, _plan

KEEP_POLICY = "helm.sh/resource-policy"
KEPT_LABEL = "openlakes.io/kept"            # "true" on what an uninstall kept, so that a later purge finds it
KEPT_FROM = "openlakes.io/kept-from"        # annotation: "<namespace>/<release>" it was kept from
PART_OF = "app.kubernetes.io/part-of"
MANAGED_BY = "app.kubernetes.io/managed-by"
NS_PREFIX = "namespace/"
KEPT_KINDS = ("Namespace", "Secret", "PersistentVolumeClaim", "PersistentVolume", "CustomResourceDefinition")


class UninstallError(Exception):
    pass


# --- choosing and ordering -------------------------------------------------------------

def select(nodes: list, layers: list) -> list:
    """The names of the nodes of the chosen layers (a node's own layer, not the slice it deploys with), or of
    every node when no layer is given."""
    chosen = {str(x).zfill(2) for x in layers or []}
    return [n["name"] for n in nodes if not chosen or n["layer"] in chosen]


def blockers(nodes: list, chosen: set, present: set, purge: bool = False) -> list:
    """A node that stays and is present, but depends on a chosen one, would be left broken: one sentence each.
    Namespaces count only when purging (otherwise they are kept)."""
    by = {n["name"]: n for n in nodes}
    out = []
    for n in nodes:
        if n["name"] in chosen or n["name"] not in present:
            continue
        for dep in n["depends_on"]:
            if dep in chosen and (purge or not dep.startswith(NS_PREFIX)):
                out.append(f"{n['name']} (layer {n['layer']}) stays deployed and needs {dep} (layer {by[dep]['layer']}): "
                           f"uninstall layer {n['layer']} too (--tags layer{n['layer']}), or leave layer "
                           f"{by[dep]['layer']} out")
    return out


def reverse(nodes: list, chosen: set) -> list:
    """The chosen nodes as `_plan.Node`s whose dependencies are the chosen nodes that depend on them."""
    dependents: dict = {name: [] for name in chosen}
    for n in nodes:
        if n["name"] in chosen:
            for dep in n["depends_on"]:
                if dep in chosen:
                    dependents[dep].append(n["name"])
    return [_plan.Node(n["name"], sorted(dependents[n["name"]]), n) for n in nodes if n["name"] in chosen]


# --- what a release holds ---------------------------------------------------------------------

def manifest_docs(manifest: str) -> list:
    import yaml

    return [d for d in yaml.safe_load_all(manifest or "") if isinstance(d, dict) and d.get("kind")]


def has_keep_policy(obj: dict) -> bool:
    return ((obj.get("metadata") or {}).get("annotations") or {}).get(KEEP_POLICY) == "keep"


def claims_of(docs: list, namespace: str, pvcs: list, statefulsets: list) -> list:
    """The claims of one release among the namespace's claims: rendered by it, made from the claim templates of its
    StatefulSets (its own, or those owned by its objects, as an operator's are), or owned by one of its objects or
    those StatefulSets. Returns [{claim, why, owners}], `owners` the owner references that would let the garbage
    collector delete the claim once the release is gone."""
    mine = {(d["kind"], (d.get("metadata") or {}).get("name")) for d in docs
            if ((d.get("metadata") or {}).get("namespace") or namespace) == namespace}
    owners = set(mine)
    sets = {name for kind, name in mine if kind == "StatefulSet"}
    grown = True
    while grown:
        grown = False
        for sts in statefulsets:
            name = sts["metadata"]["name"]
            if name not in sets and any((o.get("kind"), o.get("name")) in owners for o in sts["metadata"].get("ownerReferences") or []):
                sets.add(name)
                owners.add(("StatefulSet", name))
                grown = True
    owners |= {("StatefulSet", s) for s in sets}
    templates = {}
    for sts in statefulsets:
        if sts["metadata"]["name"] in sets:
            for tmpl in (sts.get("spec") or {}).get("volumeClaimTemplates") or []:
                templates.setdefault(sts["metadata"]["name"], []).append(tmpl["metadata"]["name"])
    out = []
    for pvc in pvcs:
        name = pvc["metadata"]["name"]
        refs = [o for o in pvc["metadata"].get("ownerReferences") or [] if (o.get("kind"), o.get("name")) in owners]
        if ("PersistentVolumeClaim", name) in mine:
            why = "rendered by the release"
        elif refs:
            why = f"owned by its {refs[0]['kind']} {refs[0]['name']}"
        elif any(re.fullmatch(f"{re.escape(t)}-{re.escape(s)}-[0-9]+", name) for s, ts in templates.items() for t in ts):
            why = "made from a claim template of its StatefulSet"
        else:
            continue
        out.append({"claim": pvc, "why": why, "owners": refs})
    return out


def host_data(config: dict) -> list:
    """What the platform keeps on the hosts: every data directory node preparation made."""
    storage = config.get("storage") or {}
    out = []
    for host, disks in sorted((storage.get("hosts") or {}).items()):
        for key, purpose in (("longhorn_disks", "Longhorn disk"), ("minio_drives", "MinIO drive")):
            for disk in (disks or {}).get(key) or []:
                out.append({"host": host, "path": disk["mount"].rstrip("/") + "/data", "purpose": purpose,
                            "device": disk.get("device", "")})
    cold = storage.get("cold_nas") or {}
    if cold.get("enabled"):
        out.append({"host": "(NFS export)", "path": f"{cold['mount'].rstrip('/')}/openlakes-minio-cold",
                    "purpose": f"MinIO cold tier on {cold.get('server', '')}:{cold.get('export', '')}", "device": ""})
    return out


def label(kind: str, name: str, namespace: str = "") -> str:
    return f"{kind} {namespace + '/' if namespace else ''}{name}"


def remove_hint(kind: str, name: str, namespace: str = "") -> str:
    return f"kubectl delete {kind.lower()} {name}" + (f" -n {namespace}" if namespace else "")


# --- the cluster side --------------------------------------------------------------------------

class Uninstaller:
    """Removes one node at a time (a release or an object set), as `_plan.run`'s work function."""

    def __init__(self, cluster, helm_binary: str, kubeconfig: str, context: str, *, purge: bool, check_mode: bool,
                 volume_providers: dict, pending_timeout: float = 300.0):
        from kubernetes import client, dynamic

        self.cluster, self.purge, self.check = cluster, purge, check_mode
        self.helm_args = (helm_binary, kubeconfig, context)
        self.core = client.CoreV1Api(cluster.api)
        self.apps = client.AppsV1Api(cluster.api)
        self.ext = client.ApiextensionsV1Api(cluster.api)
        self.storage = client.StorageV1Api(cluster.api)
        self.custom = client.CustomObjectsApi(cluster.api)
        self.dynamic = dynamic.DynamicClient(cluster.api)
        self.providers = volume_providers       # release name -> the provisioner of the volumes it serves
        self.pending_timeout = pending_timeout
        self.purging: set = set()                # "namespace/name" of the claims purged (or, in check mode, to be)
        self._deleted: set = set()               # (kind, namespace, name) deleted in this run
        self._lock = threading.Lock()            # nodes are removed concurrently
        self.kept: list = []
        self.removed: list = []
        self.helm_commands: list = []

    # -- helpers ---------------------------------------------------------------------------
    def _keep(self, kind, name, namespace="", source="", detail="", reason=""):
        self.kept.append({"kind": kind, "name": name, "namespace": namespace, "source": source, "detail": detail,
                          "reason": reason, "remove": remove_hint(kind, name, namespace)})

    def _pvcs(self, namespace):
        return [self.cluster.api.sanitize_for_serialization(p)
                for p in self.core.list_namespaced_persistent_volume_claim(namespace).items]

    def _statefulsets(self, namespace):
        return [self.cluster.api.sanitize_for_serialization(s) for s in self.apps.list_namespaced_stateful_set(namespace).items]

    def _kept_earlier(self, kind, source):
        """Objects a keeping run labelled as kept from `source` (namespace/release)."""
        if kind == "PersistentVolumeClaim":
            items = self.core.list_persistent_volume_claim_for_all_namespaces(label_selector=f"{KEPT_LABEL}=true").items
        elif kind == "PersistentVolume":
            items = self.core.list_persistent_volume(label_selector=f"{KEPT_LABEL}=true").items
        else:
            items = self.ext.list_custom_resource_definition(label_selector=f"{KEPT_LABEL}=true").items
        return [self.cluster.api.sanitize_for_serialization(i) for i in items
                if (i.metadata.annotations or {}).get(KEPT_FROM) == source]

    def _mark_kept(self, kind, name, namespace, source, drop_owners=None):
        body = {"metadata": {"labels": {KEPT_LABEL: "true"}, "annotations": {KEPT_FROM: source}}}
        if drop_owners is not None:
            body["metadata"]["ownerReferences"] = drop_owners or None
        if kind == "PersistentVolumeClaim":
            self.core.patch_namespaced_persistent_volume_claim(name, namespace, body)
        elif kind == "PersistentVolume":
            self.core.patch_persistent_volume(name, body)
        else:
            self.ext.patch_custom_resource_definition(name, body)

    def _custom_objects(self, crd: dict, docs: list) -> int:
        """How many custom resources of the CRD exist beyond those the release renders itself (which go with it)."""
        spec = crd.get("spec") or {}
        version = next((v["name"] for v in spec.get("versions") or [] if v.get("served", True)), None)
        if not version:
            return 0
        own = {((d.get("metadata") or {}).get("namespace"), (d.get("metadata") or {}).get("name")) for d in docs
               if d["kind"] == (spec.get("names") or {}).get("kind")}
        try:
            items = self.custom.list_cluster_custom_object(spec["group"], version, spec["names"]["plural"]).get("items", [])
        except Exception:  # noqa: BLE001 - a CRD the server does not serve (yet): nothing of it to lose
            return 0
        return sum(1 for i in items if (i["metadata"].get("namespace"), i["metadata"]["name"]) not in own
                   and (None, i["metadata"]["name"]) not in own)

    def _wait_gone(self, read, what, timeout=120.0):
        from kubernetes.client.rest import ApiException

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                read()
            except ApiException as exc:
                if exc.status == 404:
                    return
                raise
            time.sleep(0.5)
        raise UninstallError(f"{what} is still there after {timeout:.0f}s (a finalizer or a pod still using it); "
                             f"see `kubectl describe` of it")

    def _claims_on(self, provisioner: str) -> list:
        """Every claim in the cluster whose volume comes from `provisioner`."""
        classes = {sc.metadata.name for sc in self.storage.list_storage_class().items if sc.provisioner == provisioner}
        out = []
        for pvc in self.core.list_persistent_volume_claim_for_all_namespaces().items:
            ann = pvc.metadata.annotations or {}
            by = ann.get("volume.kubernetes.io/storage-provisioner") or ann.get("volume.beta.kubernetes.io/storage-provisioner")
            if by == provisioner or pvc.spec.storage_class_name in classes:
                out.append(f"{pvc.metadata.namespace}/{pvc.metadata.name}")
        return sorted(out)

    # -- a release ----------------------------------------------------------------------------
    def release(self, node: dict) -> tuple:
        name, ns = node["name"], node["namespace"]
        source = f"{ns}/{name}"
        res = {"name": name, "type": "release", "layer": node["layer"], "changed": False, "failed": False,
               "kept": False, "action": "none", "msg": ""}
        records = _helm.read_records(self.cluster, name, ns)
        latest = records[0] if records else None
        if latest is None or latest.status == "uninstalled":
            res["msg"] = f"{name}: not installed"
            if self.purge:
                self._purge_kept_earlier(source, res)
            return True, res
        if latest.status in _helm.PENDING:
            from ._release import _age_seconds

            age = _age_seconds(latest.last_deployed)
            if age < self.pending_timeout:
                res.update(failed=True, action="refuse",
                           msg=f"{name}: revision {latest.revision} has been {latest.status} for {age:.0f}s; another helm "
                               f"may still be running. Run again once it is older than {self.pending_timeout:.0f}s")
                return False, res
        docs = manifest_docs(latest.manifest)
        claims = claims_of(docs, ns, self._pvcs(ns), self._statefulsets(ns))
        crds = [d for d in docs if d["kind"] == "CustomResourceDefinition"]
        why = self._why_keep_release(name, docs, crds)
        if why:
            res.update(kept=True, action="keep", msg=f"{name}: kept (not uninstalled): {why}")
            return False, res
        for claim in claims if not self.purge else []:
            pvc = claim["claim"]
            meta = pvc["metadata"]
            refs = meta.get("ownerReferences") or []
            left = [o for o in refs if o not in claim["owners"]]
            detail = f"{(pvc.get('status') or {}).get('phase', '?')}, volume {(pvc.get('spec') or {}).get('volumeName') or '-'}"
            why = claim["why"] + ("; its owner reference removed, so that the garbage collector keeps it" if claim["owners"] else "")
            self._keep("PersistentVolumeClaim", meta["name"], ns, source, detail, why)
            if not self.check:
                self._mark_kept("PersistentVolumeClaim", meta["name"], ns, source, left if claim["owners"] else None)
            volume = (pvc.get("spec") or {}).get("volumeName")
            if volume:
                self._keep("PersistentVolume", volume, "", source, f"bound to {ns}/{meta['name']}", "the claim's volume")
                if not self.check:
                    self._mark_kept("PersistentVolume", volume, "", source)   # a purge finds it, even without its claim
        for doc in docs:
            meta = doc.get("metadata") or {}
            if doc["kind"] == "PersistentVolume" and has_keep_policy(doc) and not self.purge:
                self._keep("PersistentVolume", meta["name"], "", source, "helm keep policy", "a volume the release renders")
                if not self.check:
                    self._mark_kept("PersistentVolume", meta["name"], "", source)
            if doc["kind"] == "CustomResourceDefinition" and has_keep_policy(doc) and not self.purge:
                self._keep("CustomResourceDefinition", meta["name"], "", source, "helm keep policy",
                           "deleting it would delete every custom resource of it")
                if not self.check:
                    self._mark_kept("CustomResourceDefinition", meta["name"], "", source)
        res["changed"], res["action"] = True, "uninstall"
        if self.check:
            res["msg"] = f"{name}: would uninstall revision {latest.revision} ({latest.chart_name}-{latest.chart_version})"
            targets = self._purge_targets(claims, docs) if self.purge else []
            self.purging |= {f"{c['claim']['metadata']['namespace']}/{c['claim']['metadata']['name']}" for c in claims}
            if targets:
                res["msg"] += "; would purge " + ", ".join(targets)
            return True, res
        if not self.purge:
            owned = self._still_owned(claims, ns, source)
            if owned:
                res.update(failed=True, action="refuse",
                           msg=f"{name}: not uninstalled: the owner reference of {', '.join(owned)} came back after it "
                               f"was removed (its operator re-owns it), so removing {name} would let the garbage "
                               f"collector delete it. Stop that operator's reconciliation first, or purge")
                return False, res
        helm = _helm.Helm(*self.helm_args)
        try:
            helm.uninstall(name, ns, timeout_s=node.get("timeout") or 600)
        except _helm.HelmError as exc:
            res.update(failed=True, msg=f"{name}: uninstall failed: {exc}")
            return False, res
        finally:
            self.helm_commands += [" ".join(a) for a in helm.calls]
        self.removed.append(f"release {source} (revision {latest.revision}, {latest.chart_name}-{latest.chart_version})")
        res["msg"] = f"{name}: uninstalled revision {latest.revision}"
        if self.purge:
            try:
                self._purge(claims, docs, source, res)
            except UninstallError as exc:
                res.update(failed=True, msg=f"{name}: uninstalled, but purging failed: {exc}")
                return False, res
        return True, res

    def _still_owned(self, claims, ns, source) -> list:
        """The kept claims that an owner of the release owns again, read afresh just before helm runs (an operator may
        put back what was removed); each is stripped once more, and named if it comes back again."""
        out = []
        for attempt in range(2):
            live = {p["metadata"]["name"]: p for p in self._pvcs(ns)}
            out = []
            for claim in claims:
                pvc = live.get(claim["claim"]["metadata"]["name"])
                owners = {o.get("uid") for o in claim["owners"]}
                refs = (pvc or {}).get("metadata", {}).get("ownerReferences") or []
                if any(o.get("uid") in owners for o in refs):
                    out.append(label("PersistentVolumeClaim", pvc["metadata"]["name"], ns))
                    if attempt == 0:
                        self._mark_kept("PersistentVolumeClaim", pvc["metadata"]["name"], ns, source,
                                        [o for o in refs if o.get("uid") not in owners])
            if not out:
                return []
            time.sleep(1)
        return out

    def _why_keep_release(self, name, docs, crds) -> str:
        provisioner = self.providers.get(name)
        if provisioner:
            held = [c for c in self._claims_on(provisioner) if c not in self.purging]
            if held:
                shown = ", ".join(held[:4]) + (f" and {len(held) - 4} more" if len(held) > 4 else "")
                if self.purge:
                    return (f"it serves the volumes of {len(held)} PersistentVolumeClaim(s) that are not part of what is "
                            f"purged ({shown}); removing it would strand their data. Remove or move them first")
                return (f"it serves the volumes of {len(held)} PersistentVolumeClaim(s) that are kept ({shown}); "
                        f"removing it would strand their data. Purge removes them and then {name}")
        if self.purge:
            return ""
        for doc in docs:
            if doc["kind"] == "PersistentVolumeClaim" and not has_keep_policy(doc):
                return (f"it renders PersistentVolumeClaim {doc['metadata']['name']} without helm's keep policy, so "
                        f"helm would delete it with its data. Purge removes both")
        for crd in crds:
            if not has_keep_policy(crd):
                count = self._custom_objects(crd, docs)
                if count:
                    return (f"it renders CustomResourceDefinition {crd['metadata']['name']} without helm's keep policy, "
                            f"and {count} custom resource(s) of it exist; helm would delete them. Purge removes them")
        return ""

    @staticmethod
    def _purge_targets(claims, docs) -> list:
        out = [label("PersistentVolumeClaim", c["claim"]["metadata"]["name"], c["claim"]["metadata"]["namespace"])
               for c in claims]
        out += [label(d["kind"], d["metadata"]["name"]) for d in docs
                if d["kind"] in ("PersistentVolume", "CustomResourceDefinition") and has_keep_policy(d)]
        return out

    def _purge(self, claims, docs, source, res):
        """Deletes the release's claims (and the Retain volumes they were bound to) and what helm kept of it."""
        for claim in claims:
            self._delete_claim(claim["claim"])
        for doc in docs:
            meta = doc.get("metadata") or {}
            if doc["kind"] == "PersistentVolume" and has_keep_policy(doc):
                self._delete_volume(meta["name"])
            elif doc["kind"] == "CustomResourceDefinition" and has_keep_policy(doc):
                self._delete_crd(meta["name"])
        self._purge_kept_earlier(source, res)

    def _purge_kept_earlier(self, source, res):
        if self.check:
            return
        for pvc in self._kept_earlier("PersistentVolumeClaim", source):
            self._delete_claim(pvc)
        for pv in self._kept_earlier("PersistentVolume", source):
            self._delete_volume(pv["metadata"]["name"])
        for crd in self._kept_earlier("CustomResourceDefinition", source):
            self._delete_crd(crd["metadata"]["name"])

    def _delete_claim(self, pvc):
        """Deletes a claim (the garbage collector may have been first: an operator's claim is owned by its resource) and
        then the volume it was bound to."""
        from kubernetes.client.rest import ApiException

        name, ns = pvc["metadata"]["name"], pvc["metadata"]["namespace"]
        volume = (pvc.get("spec") or {}).get("volumeName")
        self.purging.add(f"{ns}/{name}")
        if not self._first(("PersistentVolumeClaim", ns, name)):
            return
        try:
            self.core.delete_namespaced_persistent_volume_claim(name, ns)
        except ApiException as exc:
            if exc.status != 404:
                raise
        self._wait_gone(lambda: self.core.read_namespaced_persistent_volume_claim(name, ns), label("PersistentVolumeClaim", name, ns))
        self.removed.append(label("PersistentVolumeClaim", name, ns))
        if volume:
            self._delete_volume(volume, only_retained=True)

    def _first(self, key) -> bool:
        """True the first time an object is deleted in this run (a release's own and the earlier run's kept ones
        overlap once a release was reinstalled)."""
        with self._lock:
            if key in self._deleted:
                return False
            self._deleted.add(key)
            return True

    def _delete_volume(self, name, only_retained=False):
        """Deletes a volume and waits until it is gone; with `only_retained`, a volume whose policy is Delete is left to
        its provisioner (which deletes it with its data) and waited for."""
        from kubernetes.client.rest import ApiException

        try:
            pv = self.core.read_persistent_volume(name)
        except ApiException as exc:
            if exc.status == 404:
                return
            raise
        what = label("PersistentVolume", name)
        if not self._first(("PersistentVolume", "", name)):
            return
        if only_retained and pv.spec.persistent_volume_reclaim_policy != "Retain":
            try:
                self._wait_gone(lambda: self.core.read_persistent_volume(name), what, timeout=60)
                self.removed.append(f"{what} (deleted by its provisioner, reclaim policy Delete)")
            except UninstallError:
                self.removed.append(f"{what}: reclaim policy Delete, its provisioner had not deleted it after 60s")
            return
        self.core.delete_persistent_volume(name)
        self._wait_gone(lambda: self.core.read_persistent_volume(name), what)
        self.removed.append(what + (" (the data on the host's disk stays until the host's data is removed)"
                                    if pv.spec.local or pv.spec.host_path else ""))

    def _delete_crd(self, name):
        from kubernetes.client.rest import ApiException

        if not self._first(("CustomResourceDefinition", "", name)):
            return
        try:
            self.ext.delete_custom_resource_definition(name)
        except ApiException as exc:
            if exc.status != 404:
                raise
            return
        self.removed.append(label("CustomResourceDefinition", name))

    # -- an object set ----------------------------------------------------------------------------
    def objects(self, node: dict) -> tuple:
        res = {"name": node["name"], "type": "objects", "layer": node["layer"], "changed": False, "failed": False,
               "kept": False, "action": "none", "msg": ""}
        done, kept = [], []
        for obj in node.get("objects") or []:
            meta = obj["metadata"]
            what = label(obj["kind"], meta["name"], meta.get("namespace", ""))
            live = self._read(obj)
            if live is None:
                continue
            if node.get("patch_only"):
                # Labels and annotations the plan set on an object it does not own (a Node): removed.
                body = {"metadata": {k: {key: None for key in (meta.get(k) or {})} for k in ("labels", "annotations")
                                     if meta.get(k)}}
                done.append(f"{what}: {', '.join(sorted(set((meta.get('labels') or {})) | set(meta.get('annotations') or {})))} removed")
                if not self.check:
                    self.dynamic.patch(self._resource(obj), body=body, name=meta["name"], namespace=meta.get("namespace"),
                                       content_type="application/merge-patch+json")
                continue
            if obj["kind"] in KEPT_KINDS and not self.purge:
                reason = ("it holds the kept claims, Secrets and anything else in it" if obj["kind"] == "Namespace"
                          else "a credential")
                kept.append(what)
                self._keep(obj["kind"], meta["name"], meta.get("namespace", ""), node["name"], "", reason)
                continue
            if obj["kind"] == "Namespace" and ((live.get("metadata") or {}).get("labels") or {}).get(PART_OF) != "openlakes":
                kept.append(what)
                self._keep("Namespace", meta["name"], "", node["name"], "", "not made by openlakes.core")
                continue
            done.append(f"{what} deleted")
            if not self.check:
                self.dynamic.delete(self._resource(obj), name=meta["name"], namespace=meta.get("namespace"))
                self.removed.append(what)
        res["changed"] = bool(done)
        res["action"] = "remove" if done else ("keep" if kept else "none")
        verb = "would be " if self.check else ""
        parts = [f"{verb}{d}" for d in done] + [f"kept {k}" for k in kept]
        res["msg"] = f"{node['name']}: " + ("; ".join(parts) if parts else "nothing there")
        return True, res

    def _resource(self, obj):
        return self.dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])

    def _read(self, obj):
        from kubernetes.client.rest import ApiException

        meta = obj["metadata"]
        try:
            return self.dynamic.get(self._resource(obj), name=meta["name"], namespace=meta.get("namespace")).to_dict()
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    # -- credentials -------------------------------------------------------------------------------
    def credentials(self, sets: list) -> list:
        """Each chosen credential set's Secrets: kept, or deleted when purging (a user's own never)."""
        from kubernetes.client.rest import ApiException

        lines = []
        for cset in sets:
            for ns in cset["namespaces"]:
                try:
                    live = self.core.read_namespaced_secret(cset["secret"], ns)
                except ApiException as exc:
                    if exc.status == 404:
                        continue
                    raise
                mine = (live.metadata.labels or {}).get(MANAGED_BY) == "openlakes.core"
                if not self.purge or not mine:
                    self._keep("Secret", cset["secret"], ns, f"credential set {cset['name']}", "",
                               "generated credentials" if mine else "your own Secret (never deleted)")
                    continue
                lines.append(f"{'would delete' if self.check else 'deleted'} Secret {ns}/{cset['secret']}")
                if not self.check:
                    try:
                        self.core.delete_namespaced_secret(cset["secret"], ns)
                    except ApiException as exc:
                        if exc.status != 404:   # gone with its namespace meanwhile
                            raise
                    self.removed.append(label("Secret", cset["secret"], ns))
        return lines


# --- the whole run ---------------------------------------------------------------------------------

def run(p: dict, check_mode: bool) -> dict:
    """Removes the chosen layers (`p` holds the module's parameters). Raises UninstallError before any change when
    something that stays needs what would be removed."""
    from . import _k8s

    nodes = p["nodes"]
    chosen = set(select(nodes, p["layers"]))
    cluster = _k8s.Cluster(p["kubeconfig"] or "", p["context"])
    present = {n["name"] for n in nodes if n["type"] != "release"}
    for n in nodes:
        if n["type"] == "release":
            records = _helm.read_records(cluster, n["name"], n["namespace"])
            if records and records[0].status != "uninstalled":
                present.add(n["name"])
    problems = blockers(nodes, chosen, present, p["purge"])
    if problems:
        raise UninstallError("nothing was removed: " + "; ".join(problems))
    u = Uninstaller(cluster, p["helm_binary"], p["kubeconfig"] or "", p["context"], purge=p["purge"],
                    check_mode=check_mode, volume_providers=p["volume_providers"], pending_timeout=p["pending_timeout"])
    graph = reverse(nodes, chosen)

    def work(node):
        if node.payload["type"] == "release":
            return u.release(node.payload)
        return u.objects(node.payload)

    t0 = time.monotonic()
    outcome = _plan.run(graph, work, max_workers=len(graph) if check_mode else p["max_workers"])
    rows, by_row = [], {}
    by_node = {n["name"]: n for n in nodes}
    for level in _plan.validate(graph):   # the removal order: what blocks a node has its row first
        for name in level:
            o, n = outcome[name], by_node[name]
            res = o["result"] or {}
            row = {"name": name, "type": n["type"], "layer": n["layer"], "action": res.get("action", "none"),
                   "msg": res.get("msg", ""), "outcome": "kept" if res.get("kept") else o["outcome"],
                   "changed": res.get("changed", False)}
            if o["outcome"] == "skipped":
                if all(by_row[b]["outcome"] == "kept" for b in o["blocked_by"]):
                    row.update(outcome="kept", kept_by=o["blocked_by"],
                               msg=f"{name}: kept, because {', '.join(o['blocked_by'])} "
                                   f"{'is' if len(o['blocked_by']) == 1 else 'are'} kept")
                else:
                    row["msg"] = f"{name}: not removed, because {', '.join(o['blocked_by'])} could not be removed"
            rows.append(row)
            by_row[name] = row
    components = {n["component"] for n in nodes if n["name"] in chosen}
    cred_lines = u.credentials([c for c in p["credentials"] if c.get("component") in components])
    layers = sorted({n["layer"] for n in nodes if n["name"] in chosen})
    data = host_data(p["config"]) if "01" in layers else []
    kept, seen = [], set()
    for k in u.kept:
        key = (k["kind"], k["namespace"], k["name"])
        if key not in seen:
            seen.add(key)
            kept.append(k)
    return {"changed": any(r["changed"] for r in rows) or bool(cred_lines and not check_mode),
            "nodes": rows, "kept": kept, "removed": u.removed + [line for line in cred_lines if not check_mode],
            "host_data": data, "helm_commands": u.helm_commands, "wall_seconds": round(time.monotonic() - t0, 3),
            "report": report(p, layers, rows, kept, u.removed, cred_lines, data, check_mode)}


def report(p, layers, rows, kept, removed, cred_lines, data, check_mode) -> list:
    name = p["config"]["cluster"]["name"]
    head = (f"Uninstall of layer(s) {', '.join(layers) or '(none)'} of platform '{name}'"
            + (", purging" if p["purge"] else ", keeping data") + (" (check mode: nothing was changed)" if check_mode else ""))
    out = [head, "Nodes, in removal order:"]
    out += [f"  {r['layer']} {r['name']:<24} {r['outcome']:<8} {r['msg'].split(': ', 1)[-1]}" for r in rows]
    if removed or cred_lines:
        out.append("Removed:" if not check_mode else "Would remove:")
        out += [f"  {line}" for line in removed + cred_lines]
    if kept:
        out.append("Kept (nothing of it was deleted), and the command that removes each:")
        for k in kept:
            what = label(k["kind"], k["name"], k["namespace"])
            detail = f"; {k['detail']}" if k["detail"] else ""
            out.append(f"  {what} (from {k['source']}: {k['reason']}{detail}): {k['remove']}")
    if data:
        out.append("On the hosts (never touched by uninstall; node preparation's wipe.confirm_serial reformats a disk):")
        out += [f"  {d['host']}: {d['path']} ({d['purpose']}{' ' + d['device'] if d['device'] else ''})" for d in data]
    if kept and not p["purge"]:
        tags = "".join(f" --tags layer{x}" for x in layers) if p["layers"] else ""
        out.append(f"To delete what was kept: ansible-playbook playbooks/uninstall.yml -i <inventory>{tags} "
                   f"-e openlakes_uninstall_purge=true -e openlakes_uninstall_confirm={name}")
    return out
