"""A Kafka client (confluent-kafka, from requirements/datapath.txt) configured from what the collection generates for
a component that consumes Kafka: the bootstrap address, the security protocol and mechanism Kafka declares, and the
component's own user and password (read from a file, never an argument). `produce-consume` writes records to a topic
the broker creates on first use and reads them back, and prints what it saw as JSON; `scram-upsert` plays Strimzi's
User Operator (the Admin API over the replication listener) for the users given on standard input; `metadata`
lists the brokers and topics."""
import argparse
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion


def client_config(args) -> dict:
    conf = {"bootstrap.servers": args.bootstrap, "security.protocol": args.security_protocol,
            "client.id": "openlakes-datapath", "log_level": 2}   # errors reach error_cb; librdkafka's log says them again
    if args.mechanism:
        with open(args.password_file, encoding="utf-8") as fh:
            password = fh.read()
        conf.update({"sasl.mechanism": args.mechanism, "sasl.username": args.user, "sasl.password": password})
    return conf


def produce_consume(args) -> dict:
    conf = client_config(args)
    errors = []

    def report(err, _msg):
        if err is not None:
            errors.append(str(err))
    producer = Producer(dict(conf, **{"error_cb": lambda e: errors.append(str(e)),
                                      "message.timeout.ms": int(args.timeout * 1000)}))
    sent = [f"event-{i}-{uuid.uuid4().hex[:6]}" for i in range(args.count)]
    for value in sent:
        producer.produce(args.topic, value.encode(), callback=report)
    left = producer.flush(args.timeout)
    if left or errors:
        raise SystemExit(f"produce to {args.topic}: {left} not delivered; errors: {sorted(set(errors))[:3]}")
    meta = producer.list_topics(args.topic, timeout=args.timeout)
    topic = meta.topics[args.topic]
    consumer = Consumer(dict(conf, **{"group.id": f"datapath-{uuid.uuid4().hex[:6]}", "auto.offset.reset": "earliest"}))
    consumer.subscribe([args.topic])
    got, deadline = [], time.monotonic() + args.timeout
    while len(got) < len(sent) and time.monotonic() < deadline:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            raise SystemExit(f"consume {args.topic}: {msg.error()}")
        got.append(msg.value().decode())
    consumer.close()
    return {"sent": len(sent), "received": sorted(got) == sorted(sent), "count": len(got),
            "partitions": len(topic.partitions), "replicas": sorted({len(p.replicas) for p in topic.partitions.values()}),
            "brokers": sorted(f"{b.host}:{b.port}" for b in meta.brokers.values())}


def scram_upsert(args) -> dict:
    admin = AdminClient({"bootstrap.servers": args.bootstrap, "security.protocol": args.security_protocol})
    users = json.load(sys.stdin)
    upserts = []
    for u in users:
        mechanism = getattr(ScramMechanism, u["mechanism"].replace("-", "_"))
        upserts.append(UserScramCredentialUpsertion(u["user"], ScramCredentialInfo(mechanism, u["iterations"]),
                                                    u["password"].encode()))
    for future in admin.alter_user_scram_credentials(upserts).values():
        future.result(timeout=args.timeout)
    described = admin.describe_user_scram_credentials([u["user"] for u in users])
    return {user: [c.mechanism.name for c in future.result(timeout=args.timeout).scram_credential_infos]
            for user, future in described.items()}


def metadata(args) -> dict:
    admin = AdminClient(client_config(args))
    meta = admin.list_topics(timeout=args.timeout)
    return {"brokers": sorted(f"{b.host}:{b.port}" for b in meta.brokers.values()), "topics": sorted(meta.topics)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("action", choices=["produce-consume", "scram-upsert", "metadata"])
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--security-protocol", required=True)
    ap.add_argument("--mechanism", default="")
    ap.add_argument("--user", default="")
    ap.add_argument("--password-file", default="")
    ap.add_argument("--topic", default="events")
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=30)
    args = ap.parse_args()
    try:
        out = {"produce-consume": produce_consume, "scram-upsert": scram_upsert, "metadata": metadata}[args.action](args)
    except KafkaException as exc:
        raise SystemExit(f"{args.action}: {exc}") from None
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
