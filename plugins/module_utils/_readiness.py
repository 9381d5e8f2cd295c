# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readiness of Kubernetes objects, as pure functions of their state.
Private to this collection.

`assess(obj)` says whether one object is ready and, when not, why and whether
waiting can help (`fatal`). `pod_problem(pod, ...)` classifies a pod's signals
that will not heal by waiting (crash loops, image pulls past a grace period,
repeated non-zero exits, unschedulable pods). The watcher in `_waiter` feeds
them; the unit tests feed them recorded object states.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

IMAGE_PULL = ("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull")
CONFIG_ERRORS = ("CreateContainerConfigError", "CreateContainerError", "RunContainerError")
EXIT_REPEATS = 2  # a container that exited non-zero this many times is not going to come up


@dataclass(frozen=True)
class Status:
    ready: bool
    reason: str = ""
    fatal: bool = False


READY = Status(True)


def _cond(obj, ctype):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c
    return None


def _generation_pending(obj):
    """The controller has not yet acted on the latest spec (kinds whose controllers report it)."""
    gen = (obj.get("metadata") or {}).get("generation")
    seen = (obj.get("status") or {}).get("observedGeneration")
    if gen is None:
        return False
    if seen is None:
        return obj.get("kind") in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
    return seen < gen


def _replicas(obj):
    r = (obj.get("spec") or {}).get("replicas")
    return 1 if r is None else int(r)


def deployment(obj) -> Status:
    st = obj.get("status") or {}
    prog = _cond(obj, "Progressing")
    if prog and prog.get("status") == "False" and prog.get("reason") == "ProgressDeadlineExceeded":
        return Status(False, f"progress deadline exceeded: {prog.get('message', '')}".strip(), True)
    if _generation_pending(obj):
        return Status(False, "the controller has not seen the latest spec yet")
    want = _replicas(obj)
    updated, ready, avail = st.get("updatedReplicas", 0), st.get("readyReplicas", 0), st.get("availableReplicas", 0)
    if updated < want:
        return Status(False, f"{updated}/{want} replicas updated")
    if st.get("replicas", 0) > updated:
        return Status(False, f"{st.get('replicas', 0) - updated} old replicas still terminating")
    if avail < want:
        return Status(False, f"{ready}/{want} replicas ready, {avail} available")
    return READY


def statefulset(obj) -> Status:
    st, spec = obj.get("status") or {}, obj.get("spec") or {}
    if _generation_pending(obj):
        return Status(False, "the controller has not seen the latest spec yet")
    want = _replicas(obj)
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        partition = (strategy.get("rollingUpdate") or {}).get("partition", 0) or 0
        if partition == 0 and st.get("updateRevision") and st.get("currentRevision") != st.get("updateRevision"):
            return Status(False, f"{st.get('updatedReplicas', 0)}/{want} replicas updated")
    if st.get("readyReplicas", 0) < want:
        return Status(False, f"{st.get('readyReplicas', 0)}/{want} replicas ready")
    return READY


def daemonset(obj) -> Status:
    st = obj.get("status") or {}
    if _generation_pending(obj):
        return Status(False, "the controller has not seen the latest spec yet")
    want = st.get("desiredNumberScheduled", 0)
    if st.get("updatedNumberScheduled", 0) < want:
        return Status(False, f"{st.get('updatedNumberScheduled', 0)}/{want} pods updated")
    if st.get("numberAvailable", st.get("numberReady", 0)) < want:
        return Status(False, f"{st.get('numberReady', 0)}/{want} pods ready")
    return READY


def replicaset(obj) -> Status:
    st = obj.get("status") or {}
    want = _replicas(obj)
    if st.get("readyReplicas", 0) < want:
        return Status(False, f"{st.get('readyReplicas', 0)}/{want} replicas ready")
    return READY


def job(obj) -> Status:
    complete, failed = _cond(obj, "Complete"), _cond(obj, "Failed")
    if failed and failed.get("status") == "True":
        return Status(False, f"{failed.get('reason', 'Failed')}: {failed.get('message', '')}".rstrip(": "), True)
    if complete and complete.get("status") == "True":
        return READY
    st = obj.get("status") or {}
    return Status(False, f"{st.get('succeeded', 0)} succeeded, {st.get('active', 0)} running, {st.get('failed', 0)} failed")


def pod(obj) -> Status:
    st = obj.get("status") or {}
    if st.get("phase") == "Succeeded":
        return READY
    if st.get("phase") == "Failed":
        return Status(False, f"pod failed: {st.get('reason') or st.get('message') or 'a container exited non-zero'}", True)
    ready = _cond(obj, "Ready")
    if ready and ready.get("status") == "True":
        return READY
    return Status(False, f"phase {st.get('phase', 'Pending')}, not ready")


def pvc(obj) -> Status:
    phase = (obj.get("status") or {}).get("phase", "Pending")
    if phase == "Bound":
        return READY
    if phase == "Lost":
        return Status(False, "the claim lost its volume", True)
    return Status(False, f"{phase}")


def service(obj, wait_for_load_balancer=False) -> Status:
    spec = obj.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return READY
    if not spec.get("clusterIP"):
        return Status(False, "no cluster IP assigned yet")
    if wait_for_load_balancer and spec.get("type") == "LoadBalancer":
        if not ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
            return Status(False, "the load balancer has no address yet")
    return READY


def crd(obj) -> Status:
    for ctype in ("NamesAccepted", "Established"):
        c = _cond(obj, ctype)
        if not c or c.get("status") != "True":
            fatal = bool(c and ctype == "NamesAccepted" and c.get("status") == "False")
            return Status(False, f"{ctype} is not True" + (f": {c.get('message')}" if c and c.get("message") else ""), fatal)
    return READY


def apiservice(obj) -> Status:
    c = _cond(obj, "Available")
    if c and c.get("status") == "True":
        return READY
    return Status(False, f"not available: {c.get('reason', '')} {c.get('message', '')}".strip() if c else "not available yet")


def generic(obj) -> Status:
    """Custom resources: kstatus conventions (observedGeneration; Ready/Available; Stalled)."""
    st = obj.get("status")
    gen = (obj.get("metadata") or {}).get("generation")
    if isinstance(st, dict) and st.get("observedGeneration") is not None and gen is not None \
            and st["observedGeneration"] < gen:
        return Status(False, "the controller has not seen the latest spec yet")
    stalled = _cond(obj, "Stalled")
    if stalled and stalled.get("status") == "True":
        return Status(False, f"stalled: {stalled.get('reason', '')} {stalled.get('message', '')}".strip(), True)
    for ctype in ("Ready", "Available"):
        c = _cond(obj, ctype)
        if c is not None:
            if c.get("status") == "True":
                return READY
            return Status(False, f"{ctype} is {c.get('status')}: {c.get('reason', '')} {c.get('message', '')}".strip())
    return READY  # no readiness conditions: existing is all it can say


def cnpg_cluster(obj) -> Status:
    """A CloudNativePG Cluster is ready when its operator says so (condition Ready); until the operator has
    reported at all, it is not (a Cluster without status is not a database yet)."""
    st = obj.get("status") or {}
    c = _cond(obj, "Ready")
    if c and c.get("status") == "True":
        return READY
    want = (obj.get("spec") or {}).get("instances", 1)
    detail = f"{st.get('readyInstances', 0)}/{want} instances ready"
    if not c:
        return Status(False, f"waiting for the CloudNativePG operator ({detail})")
    return Status(False, f"{detail}: {c.get('reason', '')} {c.get('message', '')}".strip())


def cnpg_database(obj) -> Status:
    st = obj.get("status") or {}
    if st.get("applied") is True:
        return READY
    return Status(False, f"not applied yet{': ' + st['message'] if st.get('message') else ''}")


# Strimzi's reasons for a resource it will not reconcile until something changes (its exception's name). Strimzi also
# reports them for a moment that heals by itself (a Kafka reconciled before its node pool arrived, in the same helm
# apply), so they are fatal once they have lasted `grace_seconds` (as image pull errors are).
STRIMZI_INVALID = ("InvalidResourceException", "InvalidConfigurationException")


def strimzi_resource(obj, now=None, grace_seconds=10.0) -> Status:
    """A Strimzi Kafka, KafkaUser or KafkaTopic: ready when the operator reports `Ready=True` for the current
    generation; `NotReady=True` says why not (fatal when Strimzi has refused the resource as invalid for
    `grace_seconds`); no status at all means the operator has not reconciled it yet."""
    st, gen = obj.get("status") or {}, (obj.get("metadata") or {}).get("generation")
    kind = obj.get("kind", "resource")
    if not st.get("conditions"):
        return Status(False, f"waiting for the Strimzi operator to reconcile the {kind}")
    if gen is not None and st.get("observedGeneration") is not None and st["observedGeneration"] < gen:
        return Status(False, "the Strimzi operator has not reconciled the latest spec yet")
    ready, not_ready = _cond(obj, "Ready"), _cond(obj, "NotReady")
    if ready and ready.get("status") == "True":
        return READY
    why = not_ready if not_ready and not_ready.get("status") == "True" else ready or {}
    reason = why.get("reason", "")
    fatal = False
    if reason in STRIMZI_INVALID:
        now = now or dt.datetime.now(dt.timezone.utc)
        since = _parse_time(why.get("lastTransitionTime"))
        fatal = since is None or (now - since).total_seconds() >= grace_seconds
    return Status(False, f"{kind} not ready: {reason} {why.get('message', '')}".strip(), fatal)


def strimzi_node_pool(obj) -> Status:
    """A KafkaNodePool has no Ready condition: the Kafka it belongs to says whether its brokers serve; the pool is
    ready once the operator has assigned a node ID to each of its replicas for the current generation."""
    st, gen = obj.get("status") or {}, (obj.get("metadata") or {}).get("generation")
    want = int((obj.get("spec") or {}).get("replicas", 0))
    if gen is not None and (st.get("observedGeneration") or 0) < gen:
        return Status(False, "waiting for the Strimzi operator to reconcile the node pool")
    have = len(st.get("nodeIds") or [])
    return READY if have == want else Status(False, f"{have}/{want} nodes assigned")


# Custom resources of operators whose readiness is their own status, not kstatus conventions (apiVersion group, kind).
OPERATOR_KINDS = {("postgresql.cnpg.io", "Cluster"): cnpg_cluster, ("postgresql.cnpg.io", "Database"): cnpg_database,
                  ("kafka.strimzi.io", "Kafka"): strimzi_resource, ("kafka.strimzi.io", "KafkaUser"): strimzi_resource,
                  ("kafka.strimzi.io", "KafkaTopic"): strimzi_resource,
                  ("kafka.strimzi.io", "KafkaNodePool"): strimzi_node_pool}


WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")
PREDICATES = {
    "Deployment": deployment, "StatefulSet": statefulset, "DaemonSet": daemonset, "ReplicaSet": replicaset,
    "Job": job, "Pod": pod, "PersistentVolumeClaim": pvc, "Service": service,
    "CustomResourceDefinition": crd, "APIService": apiservice,
}
# Kinds that are ready as soon as they exist.
STATIC = {"ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
          "Namespace", "NetworkPolicy", "PodDisruptionBudget", "StorageClass", "PriorityClass", "Ingress",
          "IngressClass", "LimitRange", "ResourceQuota", "PersistentVolume", "HorizontalPodAutoscaler",
          "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "Endpoints", "EndpointSlice"}


# Operator kinds whose verdict depends on how long a state has lasted (now, grace_seconds).
TIMED = {strimzi_resource}


def assess(obj, wait_for_load_balancer=False, now=None, grace_seconds=10.0) -> Status:
    kind = obj.get("kind", "")
    if kind == "Service":
        return service(obj, wait_for_load_balancer)
    if kind in PREDICATES:
        return PREDICATES[kind](obj)
    if kind in STATIC:
        return READY
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    if (group, kind) in OPERATOR_KINDS:
        predicate = OPERATOR_KINDS[(group, kind)]
        return predicate(obj, now, grace_seconds) if predicate in TIMED else predicate(obj)
    return generic(obj)


# --- pods: signals that will not heal by waiting ----------------------------------------

def _parse_time(value):
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def node_problem(node_obj, now=None, grace_seconds=10.0) -> str | None:
    """Why a node cannot run pods, once its Ready condition has been False or Unknown for `grace_seconds`."""
    now = now or dt.datetime.now(dt.timezone.utc)
    ready = _cond(node_obj, "Ready")
    if not ready or ready.get("status") == "True":
        return None
    since = _parse_time(ready.get("lastTransitionTime"))
    if since and (now - since).total_seconds() < grace_seconds:
        return None
    name = (node_obj.get("metadata") or {}).get("name", "?")
    return f"node {name} is NotReady ({ready.get('reason', '')}: {ready.get('message', '')})".replace(" ()", "")


def pod_problem(pod_obj, now=None, grace_seconds=10.0, nodes=None) -> Status | None:
    """A reason this pod will not become ready by waiting, or None.

    Image pull failures, unschedulable pods and NotReady nodes count only once
    they have lasted `grace_seconds` (a registry hiccup or a claim that is about
    to bind heals). `nodes` maps node names to Node objects, when known."""
    now = now or dt.datetime.now(dt.timezone.utc)
    meta, st, spec = pod_obj.get("metadata") or {}, pod_obj.get("status") or {}, pod_obj.get("spec") or {}
    name = meta.get("name", "?")
    started = _parse_time(st.get("startTime") or meta.get("creationTimestamp"))
    age = (now - started).total_seconds() if started else 0.0
    never = spec.get("restartPolicy") == "Never"
    statuses = (st.get("initContainerStatuses") or []) + (st.get("containerStatuses") or [])
    for cs in statuses:
        cname, state = cs.get("name", "?"), cs.get("state") or {}
        waiting, terminated = state.get("waiting") or {}, state.get("terminated") or {}
        last = (cs.get("lastState") or {}).get("terminated") or {}
        restarts = cs.get("restartCount", 0)
        reason = waiting.get("reason", "")
        if reason == "CrashLoopBackOff":
            code = last.get("exitCode")
            detail = f", last exit code {code}" + (f" ({last['reason']})" if last.get("reason") else "") if code is not None else ""
            return Status(False, f"pod {name}: container {cname} is in CrashLoopBackOff (restarted {restarts} times{detail})", True)
        if reason in IMAGE_PULL and age >= grace_seconds:
            return Status(False, f"pod {name}: container {cname} {reason}: {waiting.get('message', cs.get('image', ''))}".rstrip(": "), True)
        if reason in CONFIG_ERRORS:
            return Status(False, f"pod {name}: container {cname} {reason}: {waiting.get('message', '')}".rstrip(": "), True)
        code = terminated.get("exitCode")
        if code not in (None, 0) and (never or restarts >= EXIT_REPEATS):
            what = "exited" if never else f"exited non-zero {restarts + 1} times, last"
            return Status(False, f"pod {name}: container {cname} {what} with code {code}"
                          + (f" ({terminated.get('reason')})" if terminated.get("reason") else ""), True)
    node_name = spec.get("nodeName")
    ready_cond = next((c for c in st.get("conditions") or [] if c.get("type") == "Ready"), {})
    if nodes and node_name in nodes and ready_cond.get("status") != "True" and st.get("phase") != "Succeeded":
        why = node_problem(nodes[node_name], now, grace_seconds)
        if why:
            return Status(False, f"pod {name} is not ready: {why}", True)
    if st.get("phase") == "Failed" and not never:
        return Status(False, f"pod {name} failed: {st.get('reason') or st.get('message') or 'unknown reason'}", True)
    sched = None
    for c in st.get("conditions") or []:
        if c.get("type") == "PodScheduled":
            sched = c
    if sched and sched.get("status") == "False" and sched.get("reason") == "Unschedulable":
        msg = sched.get("message", "")
        since = _parse_time(sched.get("lastTransitionTime")) or started
        lasted = (now - since).total_seconds() if since else 0.0
        if "unbound immediate PersistentVolumeClaims" not in msg and lasted >= grace_seconds:
            return Status(False, f"pod {name} cannot be scheduled: {msg}", True)
    return None


def event_problem(event, grace_seconds=10.0, now=None) -> Status | None:
    """Warning events that mean a claim or pod will not recover by itself."""
    if event.get("type") != "Warning":
        return None
    reason = event.get("reason", "")
    if reason == "ProvisioningFailed":
        return Status(False, f"volume provisioning failed: {event.get('message', '')}", True)
    return None
