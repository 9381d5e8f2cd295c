"""Layer 03's data path for the single-node example with a Kafka client of its own (adapter.KAFKA_CLIENT), hop by
hop against a real KRaft broker: charts/openlakes-kafka rendered from the plan's values, the broker configured from
that Kafka and its node pool as Strimzi configures it (tests/standin-charts/strimzi-kafka-operator/broker_standin.py),
the client's KafkaUser made a SCRAM user with the password the collection generated for the client, then the client
bootstrapping from the Service address its unit was given, authenticating as its own user, writing and reading
records; a wrong password is refused."""
from __future__ import annotations

import json

import pytest

import servers


@pytest.fixture(scope="module")
def broker(streaming):
    crs = servers.render_kafka_chart(streaming)
    started = servers.kafka(streaming, crs)
    return crs, started


def test_the_generated_kafka_runs_a_kraft_broker(streaming, broker):
    crs, started = broker
    pod, name, props = started[0]
    shown = servers.broker_standin.properties_text(props)
    with streaming.hop("kafka: KRaft broker up from the generated Kafka and node pool", config=shown,
                       logs=(streaming.cluster.log(name),)):
        meta = servers.kafka_ready(streaming, f"{pod.ip}:9091", name)
    assert meta["brokers"] == [f"kafka-dual-0.kafka-kafka-brokers.{streaming.gen.namespace}.svc:9091"]
    assert props["process.roles"] == "broker,controller" and props["num.partitions"] == 3
    assert "SCRAM-9092:SASL_PLAINTEXT" in props["listener.security.protocol.map"]


def test_the_client_is_a_scram_user_with_its_generated_password(streaming, broker):
    streaming.require("kafka: KRaft broker up from the generated Kafka and node pool")
    crs, started = broker
    pod, name, _props = started[0]
    users = [{"user": user, "mechanism": mechanism, "iterations": iterations, "password": streaming.secret(*ref)}
             for user, mechanism, iterations, ref in servers.broker_standin.scram_users(crs)]
    shown = [dict(u, password=f"<Secret {ref[0]} key {ref[1]}>") for u, (_n, _m, _i, ref) in
             zip(users, servers.broker_standin.scram_users(crs))]
    with streaming.hop("kafka: the KafkaUser's SCRAM credential set (the User Operator played)", config=shown,
                       logs=(streaming.cluster.log(name),)):
        out = servers.kafka_client(streaming, "scram-upsert", f"{pod.ip}:9091", "PLAINTEXT", stdin=json.dumps(users))
    assert out == {"streamer": ["SCRAM_SHA_512"]}


def test_the_client_writes_and_reads_through_the_bootstrap_service_as_its_own_user(streaming, broker):
    streaming.require("kafka: the KafkaUser's SCRAM credential set (the User Operator played)")
    _crs, started = broker
    name = started[0][1]
    client = streaming.gen.releases["streamer"]["values"]
    user = client["user"]
    shown = dict(client, password=f"<Secret {user['secret']} key {user['password_key']}>")
    with streaming.hop("streamer -> kafka: bootstrap, SCRAM-SHA-512 as its own user, write and read", config=shown,
                       logs=(streaming.cluster.log(name),)):
        out = servers.kafka_client(streaming, "produce-consume", client["bootstrap"], user["security_protocol"],
                                   user["mechanism"], streaming.secret(user["secret"], user["username_key"]),
                                   streaming.secret(user["secret"], user["password_key"]), topic="streamer.events",
                                   count=20)
    # Bootstrapped from kafka-kafka-bootstrap, then reached the broker under the name it advertises (headless Service).
    assert out["brokers"] == [f"kafka-dual-0.kafka-kafka-brokers.{streaming.gen.namespace}.svc:9092"]
    assert out["received"] is True and out["count"] == 20
    # The topic was created with the generated defaults: partitions, and replication capped at the one broker.
    assert out["partitions"] == 3 and out["replicas"] == [1]


def test_a_wrong_password_is_refused(streaming, broker):
    streaming.require("streamer -> kafka: bootstrap, SCRAM-SHA-512 as its own user, write and read")
    client = streaming.gen.releases["streamer"]["values"]
    user = client["user"]
    with pytest.raises(servers.HopFailed) as failure:
        servers.kafka_client(streaming, "produce-consume", client["bootstrap"], user["security_protocol"],
                             user["mechanism"], "streamer", "not-the-password-0000", topic="streamer.events",
                             count=1, timeout=10)
    assert "Authentication failed" in str(failure.value) or "SASL authentication error" in str(failure.value), \
        str(failure.value)[-1500:]
    streaming.notes.append("a wrong SCRAM password is refused by the broker (the client's hop fails)")
