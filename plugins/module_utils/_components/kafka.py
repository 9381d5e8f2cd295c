# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kafka through Strimzi: KRaft brokers (each also a controller) on Longhorn volumes that outlive the cluster, one
SCRAM listener that the bootstrap Service serves, and one KafkaUser per consuming service. Private to this collection."""
from __future__ import annotations

from .._platform import PlanError, Unit
from .. import _monitoring as m

CLUSTER = "kafka"                 # the Kafka resource: Strimzi names its Services kafka-kafka-bootstrap, -brokers
NODE_POOL = "dual"                # every node both broker and controller: pods kafka-dual-<id>
LISTENER = "scram"               # the one listener clients reach through the bootstrap Service
LONGHORN_STORAGE_CLASS = "longhorn"
USER_SECRET_PREFIX = "kafka-user-"  # the Secrets the User Operator writes (the SCRAM JAAS line) keep to this prefix


def brokers(u) -> int:
    """core-config's `components.kafka.brokers`; auto: 3 with at least three Longhorn hosts, otherwise 1."""
    given = u.setting("brokers")
    if given == "auto":
        return 3 if len(u.config["derived"]["longhorn_hosts"]) >= 3 else 1
    return int(given)


def kafka_version(u, release: dict) -> str:
    """The Kafka version of the broker image: Strimzi's images are tagged <strimzi version>-kafka-<kafka version>,
    and Strimzi refuses an image whose Kafka is not the resource's `version`."""
    tag = u.image(release)["tag"]
    _strimzi, sep, version = tag.rpartition("-kafka-")
    if not sep or not version:
        raise PlanError(f"components.kafka.image.tag {tag!r} is not a Strimzi Kafka image tag "
                        f"(<strimzi version>-kafka-<kafka version>, e.g. 1.2.0-kafka-4.3.1)")
    return version


def strimzi(u, release: dict) -> dict:
    """The operator chart: it watches its own namespace (the platform's) only. Every image it runs or hands on is set
    through the chart's own image maps from platform/components.yml (Unit.image_values), so `air_gap.image_registry`
    moves each of them."""
    values = {}
    if u.enabled("kube_prometheus_stack"):
        values["dashboards"] = {"enabled": True, "namespace": u.config["cluster"]["monitoring_namespace"]}
    return values


def _heap_xx(u) -> dict:
    """The collection's JVM options as Strimzi's jvmOptions `-XX` map (`+Flag` is "true", `Flag=value` a value)."""
    out = {}
    for opt in u.heap_options().split():
        flag = opt.removeprefix("-XX:")
        if flag.startswith("+"):
            out[flag[1:]] = "true"
        else:
            key, _sep, value = flag.partition("=")
            out[key] = value
    return out


def broker_config(u) -> dict:
    """Broker defaults from `components.kafka.topic_defaults`: the replication factor capped at the brokers, writes
    acknowledged by all but one replica (at most two needed), the internal topics replicated the same way."""
    defaults, count = u.setting("topic_defaults"), brokers(u)
    factor = min(int(defaults["replication_factor"]), count)
    in_sync = max(1, min(2, factor - 1))
    return {
        "num.partitions": int(defaults["partitions"]),
        "default.replication.factor": factor,
        "min.insync.replicas": in_sync,
        "offsets.topic.replication.factor": factor,
        "transaction.state.log.replication.factor": factor,
        "transaction.state.log.min.isr": in_sync,
        "log.retention.hours": int(defaults["retention_hours"]),
    }


def listener(u) -> dict:
    """The listener behind the bootstrap Service (its port, as platform/components.yml declares it), authenticating
    clients as the declared users: SCRAM-SHA-512 over SASL_PLAINTEXT (in-cluster traffic only)."""
    declared = u.comp["provides"]
    users_decl = declared["users"]
    return {"name": LISTENER, "port": int(declared["services"]["bootstrap"]["port"]), "type": "internal",
            "tls": users_decl["security_protocol"] == "SASL_SSL",
            "authentication": {"type": users_decl["mechanism"].lower()}}


def users(u) -> list:
    """One KafkaUser per enabled component that consumes a Kafka user: SCRAM-SHA-512, its password the consumer's
    own generated key (the Secret in this namespace; the credential set is written here too)."""
    out = []
    for consumer, _decl in u.consumers("user"):
        user = Unit(u.inp, consumer).kafka_user(u.name)
        out.append({"name": user["user"], "passwordSecret": {"name": user["secret"], "key": user["password_key"]}})
    return out


def storage_size(u) -> str:
    given = u.setting("storage_size")
    return str(u.sizing().get("storage", "5Gi")) if given == "auto" else given


def kafka(u, release: dict) -> dict:
    """The collection's openlakes-kafka chart: one KafkaNodePool, the Kafka and the KafkaUsers."""
    image = u.image(release)
    metrics = u.enabled("kube_prometheus_stack")
    return {
        "cluster": CLUSTER,
        "nodePool": {
            "name": NODE_POOL,
            "replicas": brokers(u),
            "resources": u.resources(),
            "jvmOptions": {"-XX": _heap_xx(u)},
            # Never deleted with the Kafka resource: the data outlives the cluster (and the release).
            "storage": {"size": storage_size(u), "class": LONGHORN_STORAGE_CLASS, "deleteClaim": False},
        },
        "kafka": {
            "version": kafka_version(u, release),
            "image": f"{image['repository']}:{image['tag']}",
            "listeners": [listener(u)],
            "config": broker_config(u),
        },
        "userSecretPrefix": USER_SECRET_PREFIX,
        "users": users(u),
        "metrics": {"enabled": metrics},
    }


def monitors(u) -> list:
    """Strimzi's metrics reporter on every broker (metricsConfig in the Kafka, on when layer 08 is)."""
    return [u.monitor({"strimzi.io/cluster": CLUSTER, "strimzi.io/kind": "Kafka"})]


def alerts(u) -> list:
    """Under-replicated and offline partitions (the brokers' ReplicaManager and KafkaController gauges, through
    Strimzi's metrics reporter)."""
    return [
        m.alert("OpenLakesKafkaUnderReplicatedPartitions",
                "sum by (namespace) (kafka_server_replicamanager_underreplicatedpartitions) > 0",
                "Kafka has under-replicated partitions",
                "{{ $value }} partitions in {{ $labels.namespace }} have fewer in-sync replicas than replicas.",
                for_="10m"),
        m.alert("OpenLakesKafkaOfflinePartitions",
                "max by (namespace) (kafka_controller_kafkacontroller_offlinepartitionscount) > 0",
                "Kafka has offline partitions",
                "{{ $value }} partitions in {{ $labels.namespace }} have no leader: they can be neither read nor written.",
                for_="2m", severity="critical"),
    ]


def dashboards(u) -> list:
    """Brokers: partitions, leaders, replication, controller, throughput."""
    return [m.dashboard(u, "kafka", "Kafka brokers", [
        m.panel("Active controllers", "sum(kafka_controller_kafkacontroller_activecontrollercount)", "stat"),
        m.panel("Offline partitions", "max(kafka_controller_kafkacontroller_offlinepartitionscount)", "stat"),
        m.panel("Under-replicated partitions", "sum(kafka_server_replicamanager_underreplicatedpartitions)", "stat"),
        m.panel("Partitions", "sum(kafka_server_replicamanager_partitioncount)", "stat"),
        m.panel("Messages in", "sum by (pod) (rate(kafka_server_brokertopicmetrics_messagesinpersec_total[5m]))",
                unit="short", legend="{{pod}}"),
        m.panel("Bytes in", "sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesinpersec_total[5m]))",
                unit="Bps", legend="{{pod}}"),
        m.panel("Bytes out", "sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesoutpersec_total[5m]))",
                unit="Bps", legend="{{pod}}"),
        m.panel("Leaders per broker", "sum by (pod) (kafka_server_replicamanager_leadercount)", legend="{{pod}}"),
    ])]


RELEASES = {"strimzi": strimzi, "kafka": kafka}
