"""A stand-in of what Strimzi's cluster operator writes for the brokers of a `Kafka` and its `KafkaNodePool`s (as
charts/openlakes-kafka renders them), for the data path tier: each broker's server.properties, and the SCRAM
credentials its User Operator sets for each `KafkaUser`. Used by tests/datapath only; it mirrors the operator's
naming (listeners `<NAME>-<PORT>`, the control plane on 9090, replication on 9091, brokers advertised under the
headless Service `<cluster>-kafka-brokers`) with two differences, listed in tests/standin-charts/README.md: the
control plane and replication listeners are PLAINTEXT here (Strimzi secures them with its cluster CA, which no client
reaches), and the controller quorum is static (`controller.quorum.voters`)."""
from __future__ import annotations

CONTROLPLANE, REPLICATION = ("CONTROLPLANE-9090", 9090), ("REPLICATION-9091", 9091)
SCRAM_ITERATIONS = 4096   # what Strimzi's User Operator uses for SCRAM-SHA-512 credentials


def resources(docs: list) -> dict:
    """The rendered chart's custom resources by kind: {"Kafka": obj, "KafkaNodePool": [..], "KafkaUser": [..]}."""
    out = {"KafkaNodePool": [], "KafkaUser": []}
    for doc in docs:
        if doc.get("kind") == "Kafka":
            out["Kafka"] = doc
        elif doc.get("kind") in out:
            out[doc["kind"]].append(doc)
    return out


def broker_host(cluster: str, pool: str, node_id: int, namespace: str) -> str:
    return f"{cluster}-{pool}-{node_id}.{cluster}-kafka-brokers.{namespace}.svc"


def nodes(crs: dict) -> list:
    """(pool, node id, roles) of every node, ids counted over the pools in name order, as Strimzi assigns them."""
    out, next_id = [], 0
    for pool in sorted(crs["KafkaNodePool"], key=lambda p: p["metadata"]["name"]):
        for _i in range(int(pool["spec"]["replicas"])):
            out.append((pool["metadata"]["name"], next_id, pool["spec"]["roles"]))
            next_id += 1
    return out


def _protocol(listener: dict) -> str:
    sasl = (listener.get("authentication") or {}).get("type", "").startswith("scram")
    return {(False, False): "PLAINTEXT", (True, False): "SSL", (False, True): "SASL_PLAINTEXT",
            (True, True): "SASL_SSL"}[(bool(listener.get("tls")), sasl)]


def broker_properties(crs: dict, node_id: int, namespace: str, log_dir: str) -> dict:
    """server.properties of one node: Strimzi's own keys, then the Kafka's `spec.kafka.config`."""
    kafka = crs["Kafka"]
    cluster, spec = kafka["metadata"]["name"], kafka["spec"]["kafka"]
    everyone = nodes(crs)
    pool, _id, roles = next(n for n in everyone if n[1] == node_id)
    voters = [n for n in everyone if "controller" in n[2]]
    listeners = [(f"{li['name'].upper()}-{li['port']}", li) for li in spec["listeners"]]
    host = broker_host(cluster, pool, node_id, namespace)
    props = {
        "node.id": node_id,
        "process.roles": ",".join(r for r in ("broker", "controller") if r in roles),
        "controller.listener.names": CONTROLPLANE[0],
        "controller.quorum.voters": ",".join(
            f"{i}@{broker_host(cluster, p, i, namespace)}:{CONTROLPLANE[1]}" for p, i, _r in voters),
        "listeners": ",".join([f"{CONTROLPLANE[0]}://0.0.0.0:{CONTROLPLANE[1]}", f"{REPLICATION[0]}://0.0.0.0:{REPLICATION[1]}"]
                              + [f"{name}://0.0.0.0:{li['port']}" for name, li in listeners]),
        "advertised.listeners": ",".join([f"{REPLICATION[0]}://{host}:{REPLICATION[1]}"]
                                         + [f"{name}://{host}:{li['port']}" for name, li in listeners]),
        "listener.security.protocol.map": ",".join([f"{CONTROLPLANE[0]}:PLAINTEXT", f"{REPLICATION[0]}:PLAINTEXT"]
                                                   + [f"{name}:{_protocol(li)}" for name, li in listeners]),
        "inter.broker.listener.name": REPLICATION[0],
        "log.dirs": log_dir,
    }
    for name, li in listeners:
        auth = (li.get("authentication") or {}).get("type", "")
        if auth.startswith("scram"):
            mechanism = auth.upper()          # scram-sha-512 -> SCRAM-SHA-512
            prefix = f"listener.name.{name.lower()}"
            props[f"{prefix}.sasl.enabled.mechanisms"] = mechanism
            props[f"{prefix}.{mechanism.lower()}.sasl.jaas.config"] = \
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    props.update(spec.get("config") or {})
    return props


def properties_text(props: dict) -> str:
    return "".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}\n" for k, v in props.items())


def scram_users(crs: dict) -> list:
    """What the User Operator sets for each KafkaUser: (user name, mechanism, iterations, (Secret, key) of its
    password)."""
    out = []
    for user in crs["KafkaUser"]:
        auth = user["spec"]["authentication"]
        ref = auth["password"]["valueFrom"]["secretKeyRef"]
        out.append((user["metadata"]["name"], auth["type"].upper(), SCRAM_ITERATIONS, (ref["name"], ref["key"])))
    return out
