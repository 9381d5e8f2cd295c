"""The lab plays the operators whose pods cannot run here (kwok runs no container).

A stand-in chart renders what the real chart renders (for CloudNativePG's `cluster` chart: a `Cluster`
and `Database` custom resources, nothing else). This process then does what the operator would do
where other components reach it, and reports status the way the operator does, so readiness is
judged from the custom resource as on a real cluster:

- CloudNativePG `Cluster` <name>: a StatefulSet of `spec.instances` pods (kwok makes them Ready) on
  `spec.imageName` (a new one rolls the instances, and the Cluster is not Ready until they are), with
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
- CloudNativePG `Backup` (method `plugin`, as the barman-cloud plugin takes it): once its Cluster is Ready and
  archives through the plugin into an `ObjectStore` that exists (the Cluster's `spec.plugins`), `status.phase`
  `completed` with a backup ID, start and stop times, the WAL range and the destination; a Backup of a Cluster
  without the plugin, or whose ObjectStore is missing, `failed` with the error CloudNativePG reports. No barman runs
  and nothing is written: the datapath tier is where a real base backup is taken.
- A Cluster bootstrapped by recovery through the plugin (`bootstrap.recovery.source` naming an `externalClusters`
  entry with a `plugin`) is made like any other once its `recoveryTarget.backupID` is a completed Backup of that
  server; otherwise it stays `Ready=False` (the operator's full-recovery Job would fail), with the reason.
- Strimzi `Kafka` <c> with its `KafkaNodePool`s (label `strimzi.io/cluster: <c>`): per pool a StatefulSet
  `<c>-<pool>` of `spec.replicas` pods `<c>-<pool>-<i>` (Strimzi makes StrimziPodSets; kwok runs StatefulSets) with
  the claims `data-0-<c>-<pool>-<i>` of the pool's storage class and size, the Services `<c>-kafka-bootstrap` (a port
  per listener, and 9091) and the headless `<c>-kafka-brokers`, the Deployment `<c>-entity-operator` and the Secret
  `<c>-cluster-ca-cert`, all owned by the Kafka; each pool's `status.nodeIds`; a new broker image (`spec.kafka.image`)
  or entity-operator image (the cluster operator's `STRIMZI_DEFAULT_*_IMAGE`) rolls the pods onto it, as Strimzi
  does; once every broker and the entity operator are ready on the current images, the Kafka's `Ready=True` with its
  listeners' bootstrap addresses. A Kafka without a node pool
  that has the controller role is refused as Strimzi refuses it (`NotReady`, InvalidResourceException), and one
  labelled `lab.openlakes.io/fault: NotReady` stays `NotReady`.
- Strimzi `KafkaUser`: once its Kafka is ready, the Secret `<secretPrefix><user>` with `password` (read from the
  Secret its `password.valueFrom.secretKeyRef` names) and `sasl.jaas.config`, and `Ready=True`; a missing password
  Secret is reported as Strimzi reports it. `KafkaTopic`: `Ready=True` once its Kafka is ready.

- The CSI provisioner of the simulated classes (Longhorn's, the lab's default): a volume kwok provisions takes its
  StorageClass's reclaim policy, and a released volume whose policy is Delete is deleted.

It is a stand-in of the operator's externally visible behaviour only: no PostgreSQL runs. Started by
`openlakes_lab up` and stopped by its recorded PID like every lab process.
"""
from __future__ import annotations

import argparse
import base64
import secrets
import time

GROUP, VERSION = "postgresql.cnpg.io", "v1"
CLAIM_OWNED = "lab.openlakes.io/owned-by"   # the Cluster a claim was given to when it was made
STRIMZI, STRIMZI_VERSION = "kafka.strimzi.io", "v1"
FAULT = "lab.openlakes.io/fault"


def _owner(obj: dict, api_version: str = f"{GROUP}/{VERSION}", kind: str = "Cluster") -> list:
    return [{"apiVersion": api_version, "kind": kind, "name": obj["metadata"]["name"],
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


def _roll(patch, live, body) -> None:
    """What an operator does when the images it wants differ from the pod template's (an upgrade, or
    air_gap.image_registry): it patches the template, and the workload's controller rolls the pods onto it."""
    want = {c["name"]: c["image"] for c in body["spec"]["template"]["spec"]["containers"]}
    have = {c.name: c.image for c in live.spec.template.spec.containers}
    if want != have:
        patch({"spec": {"template": {"spec": {"containers": [{"name": n, "image": i} for n, i in want.items()]}}}})


def _rolled(live, replicas: int) -> bool:
    """Every replica ready on the current template (a roll that is under way is not ready)."""
    status = live.status
    return ((status.observed_generation or 0) >= (live.metadata.generation or 0)
            and (status.ready_replicas or 0) >= replicas and (status.updated_replicas or 0) >= replicas)


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
    _roll(lambda b: apps.patch_namespaced_stateful_set(name, ns, b), apps.read_namespaced_stateful_set(name, ns), sts)
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
        # Owned once, when the operator makes the claim: a reference removed later (uninstall keeping the data) stays
        # removed.
        if CLAIM_OWNED not in (claim.metadata.annotations or {}):
            core.patch_namespaced_persistent_volume_claim(claim.metadata.name, ns, {"metadata": {
                "ownerReferences": owner, "annotations": {CLAIM_OWNED: meta["uid"]}}})
    live = apps.read_namespaced_stateful_set(name, ns)
    # Ready instances of the current spec only: during a rolling update the Cluster is not Ready.
    rolled = (live.status.observed_generation or 0) >= (live.metadata.generation or 0) and \
        live.status.update_revision == live.status.current_revision
    ready = (live.status.ready_replicas or 0) if rolled else min(live.status.ready_replicas or 0,
                                                                  live.status.updated_replicas or 0)
    fault = (meta.get("labels") or {}).get(FAULT)
    recovery = _recovery_problem(custom, ns, spec)
    ok = ready >= instances and fault != "NotReady" and not recovery
    cond = {"type": "Ready", "status": "True" if ok else "False",
            "reason": "ClusterIsReady" if ok else ("LabFault" if fault else "RecoveryFailed" if recovery else "ClusterIsNotReady"),
            "message": "Cluster is Ready" if ok else (f"fault {fault} injected" if fault else recovery or f"{ready}/{instances} instances ready")}
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


BARMAN, BARMAN_VERSION = "barmancloud.cnpg.io", "v1"
BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"


def _object_store(custom, ns: str, name: str):
    from kubernetes.client.rest import ApiException

    try:
        return custom.get_namespaced_custom_object(BARMAN, BARMAN_VERSION, ns, "objectstores", name)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


def _recovery_problem(custom, ns: str, spec: dict) -> str:
    """Why a Cluster bootstrapped by recovery through the plugin cannot recover ("" when it can, or is no restore)."""
    recovery = (spec.get("bootstrap") or {}).get("recovery") or {}
    if not recovery.get("source"):
        return ""
    source = next((c for c in spec.get("externalClusters") or [] if c.get("name") == recovery["source"]), None)
    plugin = (source or {}).get("plugin") or {}
    if plugin.get("name") != BARMAN_PLUGIN:
        return f"recovery source {recovery['source']} is not an external cluster served by {BARMAN_PLUGIN}"
    params = plugin.get("parameters") or {}
    if _object_store(custom, ns, params.get("barmanObjectName") or "") is None:
        return f"ObjectStore {params.get('barmanObjectName')} not found"
    wanted = (recovery.get("recoveryTarget") or {}).get("backupID")
    done = [b for b in custom.list_namespaced_custom_object(GROUP, VERSION, ns, "backups").get("items", [])
            if ((b.get("spec") or {}).get("cluster") or {}).get("name") == params.get("serverName")
            and (b.get("status") or {}).get("phase") == "completed"]
    if wanted and wanted not in {b["status"].get("backupId") for b in done}:
        return f"no backup {wanted} of server {params.get('serverName')} in the object store"
    if not done:
        return f"no backup of server {params.get('serverName')} in the object store"
    return ""


def reconcile_backups(api, ready_clusters: set) -> None:
    """Completes each Backup as the plugin would report it, once; a Backup it cannot take fails as CloudNativePG says."""
    from kubernetes import client

    custom = client.CustomObjectsApi(api)
    for bk in custom.list_cluster_custom_object(GROUP, VERSION, "backups").get("items", []):
        meta, spec = bk["metadata"], bk.get("spec") or {}
        if (bk.get("status") or {}).get("phase") in ("completed", "failed"):
            continue
        ns, cluster = meta["namespace"], (spec.get("cluster") or {}).get("name")
        if (ns, cluster) not in ready_clusters:
            continue   # the operator waits for its Cluster
        try:
            cl = custom.get_namespaced_custom_object(GROUP, VERSION, ns, "clusters", cluster)
        except Exception:  # noqa: BLE001 - gone meanwhile: the next round sees it
            continue
        plugin = next((p for p in (cl.get("spec") or {}).get("plugins") or []
                       if p.get("name") == ((spec.get("pluginConfiguration") or {}).get("name"))), None)
        store = _object_store(custom, ns, ((plugin or {}).get("parameters") or {}).get("barmanObjectName") or "")
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if spec.get("method") != "plugin" or plugin is None or store is None:
            status = {"phase": "failed", "method": spec.get("method") or "",
                      "error": ("method plugin needs the Cluster's spec.plugins to name the plugin" if plugin is None
                                else "ObjectStore not found") if spec.get("method") == "plugin" else
                               "the lab plays only backups through the barman-cloud plugin"}
        else:
            backup_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime())   # barman's form of a backup ID
            dest = ((store.get("spec") or {}).get("configuration") or {}).get("destinationPath", "")
            status = {"phase": "completed", "method": "plugin", "backupId": backup_id, "serverName": cluster,
                      "destinationPath": dest, "startedAt": now, "stoppedAt": now,
                      "beginWal": "000000010000000000000002", "endWal": "000000010000000000000002",
                      "pluginMetadata": {"name": BARMAN_PLUGIN}}
        custom.patch_namespaced_custom_object_status(GROUP, VERSION, ns, "backups", meta["name"], {"status": status})
        if status["phase"] == "completed":
            window = {cluster: {"firstRecoverabilityPoint": now, "lastSuccessfulBackupTime": now}}
            prior = ((store.get("status") or {}).get("serverRecoveryWindow") or {}).get(cluster) or {}
            if prior.get("firstRecoverabilityPoint"):
                window[cluster]["firstRecoverabilityPoint"] = prior["firstRecoverabilityPoint"]
            custom.patch_namespaced_custom_object_status(BARMAN, BARMAN_VERSION, ns, "objectstores",
                                                         store["metadata"]["name"],
                                                         {"status": {"serverRecoveryWindow": window}})


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


def play_cnpg(api) -> None:
    from kubernetes import client

    custom = client.CustomObjectsApi(api)
    ready = set()
    for obj in custom.list_cluster_custom_object(GROUP, VERSION, "clusters").get("items", []):
        if not obj["metadata"].get("deletionTimestamp") and reconcile_cluster(api, obj):
            ready.add((obj["metadata"]["namespace"], obj["metadata"]["name"]))
    reconcile_databases(api, ready)
    reconcile_backups(api, ready)


# --- Strimzi ---------------------------------------------------------------------------

def _strimzi_status(custom, plural: str, obj: dict, status: dict) -> None:
    """Patches the status only when a field of it differs (no write, no event, when nothing changed). A condition
    keeps its lastTransitionTime while its type, status and reason stay, as Strimzi's do."""
    status = dict(status, observedGeneration=obj["metadata"].get("generation", 1))
    current = obj.get("status") or {}
    before = {(c.get("type"), c.get("status"), c.get("reason")): c.get("lastTransitionTime")
              for c in current.get("conditions") or []}
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    status["conditions"] = [dict(c, lastTransitionTime=before.get((c.get("type"), c.get("status"), c.get("reason")))
                                 or stamp) for c in status.get("conditions") or []]
    if {k: current.get(k) for k in status} != status:
        meta = obj["metadata"]
        custom.patch_namespaced_custom_object_status(STRIMZI, STRIMZI_VERSION, meta["namespace"], plural, meta["name"],
                                                     {"status": status})


def _condition(ok: bool, reason: str = "", message: str = "") -> list:
    if ok:
        return [{"type": "Ready", "status": "True"}]
    return [{"type": "NotReady", "status": "True", "reason": reason, "message": message}]


OPERATOR_DEFAULTS = {"STRIMZI_DEFAULT_USER_OPERATOR_IMAGE": "quay.io/strimzi/operator:1.2.0",
                     "STRIMZI_DEFAULT_TOPIC_OPERATOR_IMAGE": "quay.io/strimzi/operator:1.2.0"}


def _operator_images(apps, ns: str) -> dict:
    """The images the cluster operator was handed (its Deployment's STRIMZI_DEFAULT_*_IMAGE environment), as the
    real operator reads them; Strimzi's own defaults where no operator Deployment is found."""
    from kubernetes.client.rest import ApiException

    try:
        dep = apps.read_namespaced_deployment("strimzi-cluster-operator", ns)
    except ApiException:
        return dict(OPERATOR_DEFAULTS)
    env = {e.name: e.value for c in dep.spec.template.spec.containers for e in (c.env or []) if e.value}
    return {k: env.get(k, v) for k, v in OPERATOR_DEFAULTS.items()}


def reconcile_kafka(api, kafka: dict, pools: list) -> bool:
    """Makes what Strimzi makes for one Kafka and its node pools; returns whether it is ready."""
    from kubernetes import client

    apps, core, custom = client.AppsV1Api(api), client.CoreV1Api(api), client.CustomObjectsApi(api)
    meta, spec = kafka["metadata"], kafka.get("spec") or {}
    name, ns = meta["name"], meta["namespace"]
    owner = _owner(kafka, f"{STRIMZI}/{STRIMZI_VERSION}", "Kafka")
    cluster_id = meta["uid"].replace("-", "")[:22]
    if not any("controller" in (p.get("spec") or {}).get("roles", []) and (p.get("spec") or {}).get("replicas", 0) > 0
               for p in pools):
        _strimzi_status(custom, "kafkas", kafka, {"conditions": _condition(
            False, "InvalidResourceException", f"The Kafka cluster {name} is invalid: [At least one KafkaNodePool with "
            f"the controller role and at least one replica is required when KRaft mode is enabled]")})
        return False
    listeners = (spec.get("kafka") or {}).get("listeners") or []
    ports = [{"name": "tcp-replication", "port": 9091, "targetPort": 9091}] + [
        {"name": f"tcp-{li['name']}", "port": int(li["port"]), "targetPort": int(li["port"])} for li in listeners]
    selector = {"strimzi.io/cluster": name, "strimzi.io/kind": "Kafka", "strimzi.io/name": f"{name}-kafka"}
    labels = dict(selector, **{"openlakes.io/stand-in": "true"})
    for svc_name, headless in ((f"{name}-kafka-bootstrap", False), (f"{name}-kafka-brokers", True)):
        svc_ports = ports + ([{"name": "tcp-ctrlplane", "port": 9090, "targetPort": 9090}] if headless else [])
        body = {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": svc_name, "namespace": ns, "labels": labels, "ownerReferences": owner},
                "spec": {"selector": dict(selector, **{"strimzi.io/broker-role": "true"}), "ports": svc_ports,
                         **({"clusterIP": "None", "publishNotReadyAddresses": True} if headless else {})}}
        _ensure(lambda b: core.create_namespaced_service(ns, b),
                lambda n=svc_name: core.read_namespaced_service(n, ns), body)
    image = (spec.get("kafka") or {}).get("image") or "quay.io/strimzi/kafka:1.2.0-kafka-4.3.1"
    ready, next_id = True, 0
    for pool in sorted(pools, key=lambda p: p["metadata"]["name"]):
        pspec, pname = pool.get("spec") or {}, pool["metadata"]["name"]
        replicas = int(pspec.get("replicas", 0))
        roles = pspec.get("roles") or []
        volumes = ((pspec.get("storage") or {}).get("volumes") or [{}])
        pod_labels = dict(labels, **{"strimzi.io/pool-name": pname,
                                     "strimzi.io/broker-role": str("broker" in roles).lower(),
                                     "strimzi.io/controller-role": str("controller" in roles).lower()})
        sts = {
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": f"{name}-{pname}", "namespace": ns, "labels": pod_labels, "ownerReferences": owner},
            "spec": {"replicas": replicas, "serviceName": f"{name}-kafka-brokers", "podManagementPolicy": "Parallel",
                     "selector": {"matchLabels": {"strimzi.io/cluster": name, "strimzi.io/pool-name": pname}},
                     "template": {"metadata": {"labels": pod_labels}, "spec": {"containers": [
                         {"name": "kafka", "image": image, "ports": [{"name": p["name"], "containerPort": p["port"]}
                                                                      for p in ports],
                          "resources": pspec.get("resources") or {},
                          "volumeMounts": [{"name": f"data-{v.get('id', 0)}", "mountPath": f"/var/lib/kafka/data-{v.get('id', 0)}"}
                                           for v in volumes]}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": f"data-{v.get('id', 0)}"}, "spec": {
                         "accessModes": ["ReadWriteOnce"], "storageClassName": v.get("class") or None,
                         "resources": {"requests": {"storage": v.get("size", "1Gi")}}}} for v in volumes]},
        }
        _ensure(lambda b: apps.create_namespaced_stateful_set(ns, b),
                lambda n=f"{name}-{pname}": apps.read_namespaced_stateful_set(n, ns), sts)
        live = apps.read_namespaced_stateful_set(f"{name}-{pname}", ns)
        if live.spec.replicas != replicas:
            apps.patch_namespaced_stateful_set(f"{name}-{pname}", ns, {"spec": {"replicas": replicas}})
        _roll(lambda b, n=f"{name}-{pname}": apps.patch_namespaced_stateful_set(n, ns, b), live, sts)
        ready = ready and _rolled(apps.read_namespaced_stateful_set(f"{name}-{pname}", ns), replicas)
        ids = list(range(next_id, next_id + replicas))
        next_id += replicas
        _strimzi_status(custom, "kafkanodepools", pool, {
            "nodeIds": ids, "replicas": replicas, "roles": roles, "clusterId": cluster_id,
            "labelSelector": f"strimzi.io/cluster={name},strimzi.io/pool-name={pname},strimzi.io/kind=Kafka"})
    if spec.get("entityOperator") is not None:
        handed = _operator_images(apps, ns)
        eo_labels = {"strimzi.io/cluster": name, "strimzi.io/kind": "Kafka", "strimzi.io/name": f"{name}-entity-operator",
                     "openlakes.io/stand-in": "true"}
        eo = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": f"{name}-entity-operator", "namespace": ns, "labels": eo_labels, "ownerReferences": owner},
              "spec": {"replicas": 1, "selector": {"matchLabels": {"strimzi.io/name": f"{name}-entity-operator"}},
                       "template": {"metadata": {"labels": eo_labels}, "spec": {"containers": [
                           {"name": "user-operator", "image": handed["STRIMZI_DEFAULT_USER_OPERATOR_IMAGE"]},
                           {"name": "topic-operator", "image": handed["STRIMZI_DEFAULT_TOPIC_OPERATOR_IMAGE"]}]}}}}
        _ensure(lambda b: apps.create_namespaced_deployment(ns, b),
                lambda: apps.read_namespaced_deployment(f"{name}-entity-operator", ns), eo)
        _roll(lambda b: apps.patch_namespaced_deployment(f"{name}-entity-operator", ns, b),
              apps.read_namespaced_deployment(f"{name}-entity-operator", ns), eo)
        ready = ready and _rolled(apps.read_namespaced_deployment(f"{name}-entity-operator", ns), 1)
    ca = {"apiVersion": "v1", "kind": "Secret",
          "metadata": {"name": f"{name}-cluster-ca-cert", "namespace": ns, "labels": labels, "ownerReferences": owner},
          "data": {"ca.crt": base64.b64encode(b"stand-in: no certificate authority runs in the lab").decode()}}
    _ensure(lambda b: core.create_namespaced_secret(ns, b), lambda: core.read_namespaced_secret(f"{name}-cluster-ca-cert", ns), ca)
    fault = (meta.get("labels") or {}).get(FAULT)
    ok = ready and fault != "NotReady"
    status = {"conditions": _condition(ok, "LabFault" if fault else "Creating",
                                       f"fault {fault} injected" if fault else "Kafka cluster is being deployed"),
              "clusterId": cluster_id, "kafkaVersion": (spec.get("kafka") or {}).get("version", ""),
              "kafkaNodePools": [{"name": p["metadata"]["name"]} for p in sorted(pools, key=lambda p: p["metadata"]["name"])],
              "listeners": [{"name": li["name"], "bootstrapServers": f"{name}-kafka-bootstrap.{ns}.svc:{li['port']}",
                             "addresses": [{"host": f"{name}-kafka-bootstrap.{ns}.svc", "port": int(li["port"])}]}
                            for li in listeners]}
    _strimzi_status(custom, "kafkas", kafka, status)
    return ok


def reconcile_users(api, ready_clusters: dict) -> None:
    """KafkaUsers and KafkaTopics of ready Kafka clusters ({(namespace, name): Kafka})."""
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    for user in custom.list_cluster_custom_object(STRIMZI, STRIMZI_VERSION, "kafkausers").get("items", []):
        meta, spec = user["metadata"], user.get("spec") or {}
        ns, name = meta["namespace"], meta["name"]
        kafka = ready_clusters.get((ns, (meta.get("labels") or {}).get("strimzi.io/cluster")))
        if kafka is None:
            continue
        prefix = (((kafka.get("spec") or {}).get("entityOperator") or {}).get("userOperator") or {}).get("secretPrefix", "")
        ref = (((spec.get("authentication") or {}).get("password") or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
        try:
            given = core.read_namespaced_secret(ref.get("name", ""), ns) if ref else None
        except ApiException as exc:
            if exc.status != 404:
                raise
            given = None
        if ref and (given is None or ref.get("key") not in (given.data or {})):
            _strimzi_status(custom, "kafkausers", user, {"conditions": _condition(
                False, "InvalidResourceException", f"Secret {ref.get('name')} with requested user password does not exist.")})
            continue
        password = base64.b64decode(given.data[ref["key"]]).decode() if ref else secrets.token_urlsafe(24)
        jaas = f'org.apache.kafka.common.security.scram.ScramLoginModule required username="{name}" password="{password}";'
        body = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": f"{prefix}{name}", "namespace": ns, "ownerReferences": _owner(
                    user, f"{STRIMZI}/{STRIMZI_VERSION}", "KafkaUser"),
                             "labels": {"strimzi.io/kind": "KafkaUser", "strimzi.io/cluster": kafka["metadata"]["name"],
                                        "openlakes.io/stand-in": "true"}},
                "data": {"password": base64.b64encode(password.encode()).decode(),
                         "sasl.jaas.config": base64.b64encode(jaas.encode()).decode()}}
        _ensure(lambda b: core.create_namespaced_secret(ns, b), lambda: core.read_namespaced_secret(f"{prefix}{name}", ns), body)
        _strimzi_status(custom, "kafkausers", user, {"conditions": _condition(True), "username": name,
                                                     "secret": f"{prefix}{name}"})
    for topic in custom.list_cluster_custom_object(STRIMZI, STRIMZI_VERSION, "kafkatopics").get("items", []):
        meta = topic["metadata"]
        if (meta["namespace"], (meta.get("labels") or {}).get("strimzi.io/cluster")) in ready_clusters:
            _strimzi_status(custom, "kafkatopics", topic, {"conditions": _condition(True),
                                                           "topicName": (topic.get("spec") or {}).get("topicName", meta["name"])})


def play_strimzi(api) -> None:
    from kubernetes import client

    custom = client.CustomObjectsApi(api)
    pools = custom.list_cluster_custom_object(STRIMZI, STRIMZI_VERSION, "kafkanodepools").get("items", [])
    ready = {}
    for kafka in custom.list_cluster_custom_object(STRIMZI, STRIMZI_VERSION, "kafkas").get("items", []):
        meta = kafka["metadata"]
        mine = [p for p in pools if p["metadata"]["namespace"] == meta["namespace"]
                and (p["metadata"].get("labels") or {}).get("strimzi.io/cluster") == meta["name"]]
        if not meta.get("deletionTimestamp") and reconcile_kafka(api, kafka, mine):
            ready[(meta["namespace"], meta["name"])] = kafka
    reconcile_users(api, ready)


KWOK_PROVISIONED = "kwok.x-k8s.io/volume"


def play_provisioner(api) -> None:
    """What a CSI provisioner does with its volumes and kwok's volume stages do not: a volume takes its
    StorageClass's reclaim policy (Longhorn's class is Retain in the lab), and a released volume whose policy is
    Delete is deleted."""
    from kubernetes import client

    core, storage = client.CoreV1Api(api), client.StorageV1Api(api)
    from .cluster import SIMULATED_PROVISIONERS

    classes = {sc.metadata.name: sc.reclaim_policy or "Delete" for sc in storage.list_storage_class().items
               if sc.provisioner in SIMULATED_PROVISIONERS}
    for pv in core.list_persistent_volume().items:
        ann = pv.metadata.annotations or {}
        policy = classes.get(pv.spec.storage_class_name)
        if ann.get("pv.kubernetes.io/provisioned-by") != KWOK_PROVISIONED or policy is None or pv.metadata.deletion_timestamp:
            continue
        if pv.spec.persistent_volume_reclaim_policy != policy:
            core.patch_persistent_volume(pv.metadata.name, {"spec": {"persistentVolumeReclaimPolicy": policy}})
        elif policy == "Delete" and (pv.status.phase or "") == "Released":
            core.delete_persistent_volume(pv.metadata.name)


def loop(kubeconfig: str, interval: float = 1.0) -> None:
    from kubernetes import config
    from kubernetes.client.rest import ApiException

    api = config.new_client_from_config(kubeconfig)
    while True:
        for play in (play_cnpg, play_strimzi, play_provisioner):
            try:
                play(api)
            except ApiException as exc:
                if exc.status != 404:  # the CRDs are not installed yet
                    print(f"operators: {play.__name__}: {exc.status} {exc.reason}", flush=True)
            except Exception as exc:  # noqa: BLE001 - keep playing; the log says what went wrong
                print(f"operators: {play.__name__}: {exc}", flush=True)
        time.sleep(interval)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", required=True)
    loop(parser.parse_args().kubeconfig)


if __name__ == "__main__":
    main()
