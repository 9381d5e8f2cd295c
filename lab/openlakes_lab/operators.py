"""The lab plays the operators whose pods cannot run here (kwok runs no container).

A stand-in chart renders what the real chart renders (for CloudNativePG's `cluster` chart: a `Cluster`
and `Database` custom resources, nothing else). This process then does what the operator would do
where other components reach it, and reports status the way the operator does, so readiness is
judged from the custom resource as on a real cluster:

- CloudNativePG `Cluster` <name>: a StatefulSet of `spec.instances` pods (kwok makes them Ready) with
  the `pgdata` claims on the cluster's StorageClass, the Services `<name>-rw`, `<name>-ro`, `<name>-r`
  (port 5432) and the Secret `<name>-app`, all owned by the Cluster, the claims too (as CloudNativePG's
  own claims are: deleting the Cluster deletes them, unless that reference is removed first); once every instance is ready,
  `status` gets `readyInstances` and the condition `Ready=True`. A Cluster labelled
  `lab.openlakes.io/fault: NotReady` is reported `Ready=False` instead.
- CloudNativePG managed roles and superuser: as the operator does once it has set a password from a Secret,
  `status.managedRolesStatus.passwordStatus.<role>.resourceVersion` and
  `status.secretsResourceVersion.superuserSecretVersion` name the version of the Secret it read (no password is
  set anywhere: no PostgreSQL runs).
- CloudNativePG `Database`: `status.applied` true once its Cluster is Ready.

It is a stand-in of the operator's externally visible behaviour only: no PostgreSQL runs. Started by
`openlakes_lab up` and stopped by its recorded PID like every lab process.
"""
from __future__ import annotations

import argparse
import base64
import secrets
import time

GROUP, VERSION = "postgresql.cnpg.io", "v1"
FAULT = "lab.openlakes.io/fault"


def _owner(obj: dict) -> list:
    return [{"apiVersion": f"{GROUP}/{VERSION}", "kind": "Cluster", "name": obj["metadata"]["name"],
             "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]


def _ensure(create, read, body) -> None:
    from kubernetes.client.rest import ApiException

    try:
        read()
    except ApiException as exc:
        if exc.status != 404:
            raise
        try:
            create(body)
        except ApiException as exc2:
            if exc2.status != 409:
                raise


def reconcile_cluster(api, obj: dict) -> bool:
    """Makes what the operator makes for one Cluster; returns whether it is ready."""
    from kubernetes import client

    apps, core, custom = client.AppsV1Api(api), client.CoreV1Api(api), client.CustomObjectsApi(api)
    meta, spec = obj["metadata"], obj.get("spec") or {}
    name, ns = meta["name"], meta["namespace"]
    owner = _owner(obj)
    labels = {"cnpg.io/cluster": name, "openlakes.io/stand-in": "true"}
    instances = int(spec.get("instances", 1))
    storage = spec.get("storage") or {}
    sts = {
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": ns, "labels": labels, "ownerReferences": owner},
        "spec": {"replicas": instances, "serviceName": f"{name}-r", "podManagementPolicy": "Parallel",
                 "selector": {"matchLabels": {"cnpg.io/cluster": name}},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                     {"name": "postgres", "image": spec.get("imageName") or "ghcr.io/cloudnative-pg/postgresql:16",
                      "ports": [{"name": "postgresql", "containerPort": 5432}],
                      "volumeMounts": [{"name": "pgdata", "mountPath": "/var/lib/postgresql/data"}]}]}},
                 "volumeClaimTemplates": [{"metadata": {"name": "pgdata", "labels": {"cnpg.io/cluster": name}}, "spec": {
                     "accessModes": ["ReadWriteOnce"], "storageClassName": storage.get("storageClass") or None,
                     "resources": {"requests": {"storage": storage.get("size", "1Gi")}}}}]},
    }
    _ensure(lambda b: apps.create_namespaced_stateful_set(ns, b), lambda: apps.read_namespaced_stateful_set(name, ns), sts)
    for suffix in ("rw", "ro", "r"):
        svc = {"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": f"{name}-{suffix}", "namespace": ns, "labels": labels, "ownerReferences": owner},
               "spec": {"selector": {"cnpg.io/cluster": name},
                        "ports": [{"name": "postgres", "port": 5432, "targetPort": 5432}]}}
        _ensure(lambda b: core.create_namespaced_service(ns, b),
                lambda s=suffix: core.read_namespaced_service(f"{name}-{s}", ns), svc)
    app = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/basic-auth",
           "metadata": {"name": f"{name}-app", "namespace": ns, "labels": labels, "ownerReferences": owner},
           "data": {"username": base64.b64encode(b"app").decode(),
                    "password": base64.b64encode(secrets.token_urlsafe(24).encode()).decode()}}
    _ensure(lambda b: core.create_namespaced_secret(ns, b), lambda: core.read_namespaced_secret(f"{name}-app", ns), app)
    for claim in core.list_namespaced_persistent_volume_claim(ns, label_selector=f"cnpg.io/cluster={name}").items:
        if not any(o.uid == meta["uid"] for o in claim.metadata.owner_references or []):
            core.patch_namespaced_persistent_volume_claim(claim.metadata.name, ns, {"metadata": {"ownerReferences": owner}})
    live = apps.read_namespaced_stateful_set(name, ns)
    ready = (live.status.ready_replicas or 0)
    fault = (meta.get("labels") or {}).get(FAULT)
    ok = ready >= instances and fault != "NotReady"
    cond = {"type": "Ready", "status": "True" if ok else "False",
            "reason": "ClusterIsReady" if ok else ("LabFault" if fault else "ClusterIsNotReady"),
            "message": "Cluster is Ready" if ok else (f"fault {fault} injected" if fault else f"{ready}/{instances} instances ready")}
    status = {"instances": instances, "readyInstances": ready, "conditions": [cond],
              "phase": "Cluster in healthy state" if ok else "Setting up primary",
              "writeService": f"{name}-rw", "readService": f"{name}-r",
              **_secret_versions(core, ns, spec)}
    current = obj.get("status") or {}
    if {k: current.get(k) for k in status} != status:
        custom.patch_namespaced_custom_object_status(GROUP, VERSION, ns, "clusters", name, {"status": status})
    return ok


def _secret_versions(core, ns: str, spec: dict) -> dict:
    """What the operator reports of the Secrets it set passwords from: each one's resourceVersion."""
    from kubernetes.client.rest import ApiException

    def version(secret):
        try:
            return core.read_namespaced_secret(secret, ns).metadata.resource_version
        except ApiException:
            return None

    roles = {}
    for role in (spec.get("managed") or {}).get("roles") or []:
        secret = (role.get("passwordSecret") or {}).get("name")
        rv = version(secret) if secret else None
        if rv:
            roles[role["name"]] = {"transactionID": int(rv), "resourceVersion": rv}
    out = {"managedRolesStatus": {"byStatus": {"reconciled": sorted(r["name"] for r in (spec.get("managed") or {}).get("roles") or [])},
                                  "passwordStatus": roles}}
    superuser = (spec.get("superuserSecret") or {}).get("name")
    if superuser and spec.get("enableSuperuserAccess"):
        out["secretsResourceVersion"] = {"superuserSecretVersion": version(superuser)}
    return out


def reconcile_databases(api, ready_clusters: set) -> None:
    from kubernetes import client

    custom = client.CustomObjectsApi(api)
    for db in custom.list_cluster_custom_object(GROUP, VERSION, "databases").get("items", []):
        meta = db["metadata"]
        cluster = ((db.get("spec") or {}).get("cluster") or {}).get("name")
        applied = (meta["namespace"], cluster) in ready_clusters
        if (db.get("status") or {}).get("applied") != applied:
            custom.patch_namespaced_custom_object_status(GROUP, VERSION, meta["namespace"], "databases", meta["name"],
                                                         {"status": {"applied": applied}})


def loop(kubeconfig: str, interval: float = 1.0) -> None:
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException

    api = config.new_client_from_config(kubeconfig)
    custom = client.CustomObjectsApi(api)
    while True:
        try:
            ready = set()
            for obj in custom.list_cluster_custom_object(GROUP, VERSION, "clusters").get("items", []):
                if not obj["metadata"].get("deletionTimestamp") and reconcile_cluster(api, obj):
                    ready.add((obj["metadata"]["namespace"], obj["metadata"]["name"]))
            reconcile_databases(api, ready)
        except ApiException as exc:
            if exc.status != 404:  # the CRDs are not installed yet
                print(f"operators: {exc.status} {exc.reason}", flush=True)
        except Exception as exc:  # noqa: BLE001 - keep playing; the log says what went wrong
            print(f"operators: {exc}", flush=True)
        time.sleep(interval)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    loop(parser.parse_args().kubeconfig)


if __name__ == "__main__":
    main()
