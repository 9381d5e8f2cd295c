# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rotating credential sets: new values in every copy of the Secret, the consumer side changed to match, what reads
the Secret restarted in the plan's order. Private to this collection.

What reads a Secret is found live, in every namespace the set is in, so nothing has to be declared twice:
- CloudNativePG Clusters whose managed roles (`passwordSecret`) or `superuserSecret` name it: the operator changes
  the role's password; the rotation waits until the Cluster's status reports the Secret's new resourceVersion
  (`managedRolesStatus.passwordStatus.<role>`, `secretsResourceVersion.superuserSecretVersion`);
- Jobs whose pods mount or read it (the MinIO setup Job, which sets each user's secret key): a copy of the Job is
  run to completion (a Job's template cannot be run again in place), then removed;
- Deployments, StatefulSets and DaemonSets whose pods read it: restarted (their pod template's annotation
  `openlakes.io/credentials-rotated`), or, for a set marked `restart: together` (MinIO's root credentials, which
  every server of a distributed MinIO must share), all their pods deleted at once; then waited on until ready.
Each step belongs to the release that owns its object; steps run release by release in the plan's order
(providers before consumers), so a MinIO user has its new key before the service that uses it restarts.

`keys_to_rotate`, `references` and `order` are pure (unit-tested); `Rotation` reads and changes the cluster.
"""
from __future__ import annotations

import base64
import datetime as dt
import time

from . import _plan, _secrets

ROTATED = "openlakes.io/credentials-rotated"        # pod template annotation: restarts the pods
ROTATED_COPY = "openlakes.io/rotation-of"           # label on a Job copy: the Job it reruns
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
CNPG = ("postgresql.cnpg.io", "v1", "clusters")


class RotationError(Exception):
    pass


def keys_to_rotate(keys: dict) -> list:
    """The keys of a set that hold secrets (names such as `fixed:nessie` or `user:admin` stay)."""
    return sorted(k for k, spec in keys.items() if _secrets.is_secret(spec))


def new_values(keys: dict, current: dict) -> dict:
    """New values for every secret key; derived keys (htpasswd) are made again from the new ones."""
    rotate = keys_to_rotate(keys)
    kept = {k: v for k, v in current.items() if k not in rotate}
    return _secrets.generate({k: keys[k] for k in rotate}, kept)


def pod_spec(obj: dict) -> dict:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return ((spec.get("template") or {}).get("spec")) or {}


def references(pod: dict, secret: str) -> bool:
    """Whether a pod spec reads the Secret: a volume, `envFrom`, or an env `secretKeyRef`."""
    for vol in pod.get("volumes") or []:
        if (vol.get("secret") or {}).get("secretName") == secret:
            return True
        for src in (vol.get("projected") or {}).get("sources") or []:
            if (src.get("secret") or {}).get("name") == secret:
                return True
    for c in (pod.get("containers") or []) + (pod.get("initContainers") or []):
        if any((e.get("secretRef") or {}).get("name") == secret for e in c.get("envFrom") or []):
            return True
        if any(((e.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name") == secret for e in c.get("env") or []):
            return True
    return False


def cnpg_references(cluster: dict, secret: str) -> list:
    """What of a CloudNativePG Cluster reads the Secret: [("role", name)] and/or [("superuser", "postgres")]."""
    spec = cluster.get("spec") or {}
    out = [("role", r["name"]) for r in (spec.get("managed") or {}).get("roles") or []
           if (r.get("passwordSecret") or {}).get("name") == secret]
    if (spec.get("superuserSecret") or {}).get("name") == secret and spec.get("enableSuperuserAccess", False):
        out.append(("superuser", "postgres"))
    return out


def order(steps: list, nodes: list) -> list:
    """Steps grouped by their release's level in the plan's graph (releases outside the plan last)."""
    levels = _plan.validate([_plan.Node(n["name"], n["depends_on"]) for n in nodes])
    rank = {name: i for i, level in enumerate(levels) for name in level}
    kinds = {"role": 0, "restart": 1, "job": 2}   # within a release: the database side, its servers, then its Jobs
    return sorted(steps, key=lambda s: (rank.get(s["release"], len(levels)), kinds[s["kind"]], s["namespace"], s["name"]))


def release_of(obj: dict) -> str:
    meta = obj.get("metadata") or {}
    return (meta.get("annotations") or {}).get("meta.helm.sh/release-name") or (meta.get("labels") or {}).get(
        "app.kubernetes.io/instance", "")


def stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S")


class Rotation:
    def __init__(self, cluster, check_mode: bool, timeout: float = 600.0):
        from kubernetes import client

        self.cluster, self.check, self.timeout = cluster, check_mode, timeout
        self.api = cluster.api
        self.core, self.apps, self.batch = client.CoreV1Api(self.api), client.AppsV1Api(self.api), client.BatchV1Api(self.api)
        self.custom = client.CustomObjectsApi(self.api)
        self.ser = self.api.sanitize_for_serialization
        self.stamp = stamp()
        self.reruns = 0
        self.log: list = []

    # -- finding what reads a Secret -----------------------------------------------------------------
    def steps(self, cset: dict) -> list:
        secret, out = cset["secret"], []
        for ns in cset["namespaces"]:
            for lister, kind in ((self.apps.list_namespaced_deployment, "Deployment"),
                                 (self.apps.list_namespaced_stateful_set, "StatefulSet"),
                                 (self.apps.list_namespaced_daemon_set, "DaemonSet")):
                for obj in lister(ns).items:
                    d = dict(self.ser(obj), kind=kind)
                    if references(pod_spec(d), secret):
                        out.append({"kind": "restart", "object": kind, "namespace": ns, "name": d["metadata"]["name"],
                                    "release": release_of(d), "together": cset.get("restart") == "together"})
            for job in self.batch.list_namespaced_job(ns).items:
                d = dict(self.ser(job), kind="Job")
                labels = d["metadata"].get("labels") or {}
                if ROTATED_COPY not in labels and references(pod_spec(d), secret):
                    out.append({"kind": "job", "object": "Job", "namespace": ns, "name": d["metadata"]["name"],
                                "release": release_of(d)})
            for cl in self._clusters(ns):
                for what, name in cnpg_references(cl, secret):
                    out.append({"kind": "role", "object": "Cluster", "namespace": ns, "name": cl["metadata"]["name"],
                                "role": name, "what": what, "release": release_of(cl)})
        return out

    def _clusters(self, ns):
        from kubernetes.client.rest import ApiException

        try:
            return self.custom.list_namespaced_custom_object(*CNPG[:2], ns, CNPG[2]).get("items", [])
        except ApiException as exc:
            if exc.status == 404:
                return []      # CloudNativePG is not installed
            raise

    # -- the Secret ------------------------------------------------------------------------------------
    def write(self, cset: dict) -> dict:
        """New values into every copy of the set's Secret. Returns {namespace: new resourceVersion}."""
        from kubernetes.client.rest import ApiException

        first = cset["namespaces"][0]
        try:
            live = self.core.read_namespaced_secret(cset["secret"], first)
        except ApiException as exc:
            if exc.status == 404:
                raise RotationError(f"{cset['name']}: Secret {first}/{cset['secret']} does not exist; site.yml makes "
                                    f"it") from exc
            raise
        current = {k: base64.b64decode(v).decode() for k, v in (live.data or {}).items()}
        values = new_values(cset["keys"], current)
        self.secrets_written = getattr(self, "secrets_written", []) + list(values.values())
        versions = {}
        for ns in cset["namespaces"]:
            if self.check:
                versions[ns] = ""
                continue
            body = {"metadata": {"annotations": {ROTATED: self.stamp}}, "stringData": values}
            versions[ns] = self.core.patch_namespaced_secret(cset["secret"], ns, body).metadata.resource_version
        return versions

    # -- the steps ---------------------------------------------------------------------------------------
    def run(self, step: dict, versions: dict, cset: dict) -> str:
        what = f"{step['object']} {step['namespace']}/{step['name']}"
        if step["kind"] == "role":
            target = f"role {step['role']}" if step["what"] == "role" else "the superuser (postgres)"
            if self.check:
                return f"{what}: CloudNativePG would set the password of {target}"
            self._wait_role(step, versions[step["namespace"]])
            return f"{what}: CloudNativePG set the password of {target} (resourceVersion {versions[step['namespace']]})"
        if step["kind"] == "job":
            if self.check:
                return f"{what}: would run again (its consumer side: e.g. MinIO users' keys)"
            name = self._rerun(step)
            return f"{what}: ran again as Job {step['namespace']}/{name}, completed, removed"
        how = "all pods at once" if step.get("together") else "rolling restart"
        if self.check:
            return f"{what}: would restart ({how})"
        self._restart(step)
        return f"{what}: restarted ({how}) and ready"

    def _wait_role(self, step, version):
        deadline = time.monotonic() + self.timeout
        while True:
            cl = self.custom.get_namespaced_custom_object(*CNPG[:2], step["namespace"], CNPG[2], step["name"])
            st = cl.get("status") or {}
            if step["what"] == "role":
                seen = (((st.get("managedRolesStatus") or {}).get("passwordStatus") or {}).get(step["role"]) or {}).get("resourceVersion")
                problems = ((st.get("managedRolesStatus") or {}).get("cannotReconcile") or {}).get(step["role"])
                if problems:
                    raise RotationError(f"CloudNativePG cannot set the password of role {step['role']} in Cluster "
                                        f"{step['namespace']}/{step['name']}: {'; '.join(problems)}")
            else:
                seen = (st.get("secretsResourceVersion") or {}).get("superuserSecretVersion")
            if seen == version:
                return
            if time.monotonic() > deadline:
                raise RotationError(f"CloudNativePG did not report the new password of {step.get('role')} in Cluster "
                                    f"{step['namespace']}/{step['name']} within {self.timeout:.0f}s (it reports "
                                    f"resourceVersion {seen}, the Secret is at {version}); see the operator's log")
            time.sleep(1)

    def _rerun(self, step) -> str:
        from ._waiter import Target, Waiter

        job = self.ser(self.batch.read_namespaced_job(step["name"], step["namespace"]))
        self.reruns += 1   # one name per rerun: a removed copy may still be terminating
        name = f"{step['name'][:40]}-r{self.stamp}-{self.reruns}"
        template = job["spec"]["template"]
        labels = {k: v for k, v in ((template.get("metadata") or {}).get("labels") or {}).items()
                  if k not in ("controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name")}
        template = dict(template, metadata=dict(template.get("metadata") or {}, labels=labels))
        body = {"apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": name, "namespace": step["namespace"], "labels": {ROTATED_COPY: step["name"]}},
                "spec": {"backoffLimit": job["spec"].get("backoffLimit", 3), "template": template}}
        self.batch.create_namespaced_job(step["namespace"], body)
        outcome = Waiter(self.api, [Target("batch/v1", "Job", name, step["namespace"])], timeout=self.timeout).wait()
        if not outcome.ready:
            raise RotationError(f"Job {step['namespace']}/{name} (a rerun of {step['name']}) did not complete: "
                                f"{outcome.message}; it is kept for its log")
        self.batch.delete_namespaced_job(name, step["namespace"], propagation_policy="Background")
        return name

    def _restart(self, step):
        from ._waiter import Target, Waiter

        ns, name, kind = step["namespace"], step["name"], step["object"]
        patch = {"spec": {"template": {"metadata": {"annotations": {ROTATED: self.stamp}}}}}
        if step.get("together"):
            obj = self.ser({"Deployment": self.apps.read_namespaced_deployment, "StatefulSet": self.apps.read_namespaced_stateful_set,
                            "DaemonSet": self.apps.read_namespaced_daemon_set}[kind](name, ns))
            selector = ",".join(f"{k}={v}" for k, v in ((obj["spec"].get("selector") or {}).get("matchLabels") or {}).items())
            old = {p.metadata.uid for p in self.core.list_namespaced_pod(ns, label_selector=selector).items}
            self.core.delete_collection_namespaced_pod(ns, label_selector=selector)
            deadline = time.monotonic() + self.timeout
            while old & {p.metadata.uid for p in self.core.list_namespaced_pod(ns, label_selector=selector).items}:
                if time.monotonic() > deadline:
                    raise RotationError(f"the pods of {kind} {ns}/{name} were not gone within {self.timeout:.0f}s")
                time.sleep(0.5)
        else:
            {"Deployment": self.apps.patch_namespaced_deployment, "StatefulSet": self.apps.patch_namespaced_stateful_set,
             "DaemonSet": self.apps.patch_namespaced_daemon_set}[kind](name, ns, patch)
        time.sleep(1)   # the controller sees the new template (or the deleted pods) before the wait reads it
        outcome = Waiter(self.api, [Target("apps/v1", kind, name, ns)], timeout=self.timeout).wait()
        if not outcome.ready:
            raise RotationError(f"{kind} {ns}/{name} did not come back after the restart: {outcome.message}")


def rotate(cluster, sets: list, nodes: list, check_mode: bool, timeout: float = 600.0) -> dict:
    """Rotates each set: Secret, then its steps in the plan's order. Returns {sets: [...], lines: [...]}."""
    r = Rotation(cluster, check_mode, timeout)
    out, lines = [], []
    for cset in sets:
        if cset.get("existing"):
            lines.append(f"{cset['name']}: Secret {cset['secret']} is your own (credentials.existing_secrets): not "
                         f"rotated here; change it yourself, then run this again to restart what reads it")
            continue
        rotate_keys = keys_to_rotate(cset["keys"])
        steps = order(r.steps(cset), nodes)
        versions = r.write(cset)
        verb = "would get" if check_mode else "got"
        lines.append(f"{cset['name']}: Secret {cset['secret']} in {', '.join(cset['namespaces'])} {verb} new values for "
                     f"{', '.join(rotate_keys)}")
        done = []
        for step in steps:
            try:
                done.append(r.run(step, versions, cset))
            except RotationError as exc:
                lines += [f"  {d}" for d in done] + [f"  FAILED: {exc}"]
                raise RotationError(f"{cset['name']}: the new values are in the Secret, but {exc}. Run the rotation "
                                    f"of {cset['name']} again once that is fixed (it makes new values again)") from exc
        lines += [f"  {d}" for d in done] or ["  nothing reads it but the Secret's own consumers at their next start"]
        out.append({"name": cset["name"], "secret": cset["secret"], "namespaces": cset["namespaces"], "keys": rotate_keys,
                    "steps": done})
    return {"sets": out, "lines": lines, "values": getattr(r, "secrets_written", [])}
