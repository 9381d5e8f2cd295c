"""plugins/module_utils/_components/kafka.py and apicurio.py: what layer 03 builds for the example configurations
(brokers and replication bounded by the hosts, settings from core-config, Kafka users per consuming component,
metrics only with layer 08, the registry on its own PostgreSQL database)."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.openlakes.core.plugins.module_utils import _components, _config, _platform
from ansible_collections.openlakes.core.plugins.module_utils._components import kafka as kafka_unit

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

CONFIGS = values_configs.configs()
LAB = CONFIGS["lab"][0]
LAB_FILE = values_configs.REPO / "inventories" / "lab" / "core-config.yaml"


def releases(config):
    return {r["name"]: r for r in values_configs.plan(config)["releases"]}


def load(settings: dict):
    """The lab's core-config.yaml with components.kafka set to `settings`."""
    data = yaml.safe_load(LAB_FILE.read_text())
    data.setdefault("components", {})["kafka"] = settings
    return _config.load(str(LAB_FILE), CONFIGS["lab"][1], text=yaml.safe_dump(data), check_files=False)


@pytest.mark.parametrize("example, brokers, factor, in_sync", [("lab", 3, 3, 2), ("ha-three-node", 3, 3, 2),
                                                               ("single-node", 1, 1, 1)])
def test_brokers_follow_the_hosts_and_replication_is_bounded_by_them(example, brokers, factor, in_sync):
    rel = releases(CONFIGS[example][0])
    values = rel["kafka"]["values"]
    assert values["nodePool"]["replicas"] == brokers
    config = values["kafka"]["config"]
    assert config["default.replication.factor"] == config["offsets.topic.replication.factor"] == \
        config["transaction.state.log.replication.factor"] == factor
    assert config["min.insync.replicas"] == config["transaction.state.log.min.isr"] == in_sync


def test_the_lab_cluster_is_kraft_on_longhorn_volumes_that_outlive_it():
    rel = releases(LAB)
    values = rel["kafka"]["values"]
    assert values["cluster"] == "kafka" and values["nodePool"]["name"] == "dual"
    assert values["nodePool"]["storage"] == {"size": "5Gi", "class": "longhorn", "deleteClaim": False}
    assert values["kafka"]["version"] == "4.3.1" and values["kafka"]["image"] == "quay.io/strimzi/kafka:1.2.0-kafka-4.3.1"
    # The one listener is the port the bootstrap Service is declared with, authenticating as the declared users do.
    assert values["kafka"]["listeners"] == [{"name": "scram", "port": 9092, "type": "internal", "tls": False,
                                             "authentication": {"type": "scram-sha-512"}}]
    # A JVM: memory limit = request, the collection's heap bound as Strimzi's -XX options.
    assert values["nodePool"]["resources"] == {"requests": {"cpu": "250m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}}
    assert values["nodePool"]["jvmOptions"] == {"-XX": {"MaxRAMPercentage": "70.0", "ExitOnOutOfMemoryError": "true"}}
    # One KafkaUser per client: Spark's (its optional consumption of Kafka), its password Spark's own key.
    assert values["users"] == [{"name": "spark", "passwordSecret": {"name": "openlakes-spark-credentials",
                                                                    "key": "kafka-password"}}]
    assert values["metrics"]["enabled"] is True   # layer 08 is on in the lab
    # The Kafka resource waits for the operator (its CRDs) and Longhorn (its volumes).
    assert [d for d in rel["kafka"]["depends_on"] if not d.startswith("namespace/")] == ["strimzi", "longhorn"]
    assert rel["strimzi"]["crds"] == "apply" and "crds" not in rel["kafka"]
    assert rel["strimzi"]["namespace"] == rel["kafka"]["namespace"] == "openlakes", "it watches its own namespace"


def test_settings_size_the_cluster_and_its_topics():
    res = load({"brokers": 5, "storage_size": "50Gi",
                "topic_defaults": {"partitions": 12, "replication_factor": 7, "retention_hours": 24}})
    assert res.ok, [p.render() for p in res.problems]
    values = releases(res.config)["kafka"]["values"]
    assert values["nodePool"]["replicas"] == 5 and values["nodePool"]["storage"]["size"] == "50Gi"
    config = values["kafka"]["config"]
    assert config["num.partitions"] == 12 and config["log.retention.hours"] == 24
    assert config["default.replication.factor"] == 5, "capped at the brokers"
    assert config["min.insync.replicas"] == 2
    # Defaults fill what is not given; the profile sizes the volume.
    res = load({"topic_defaults": {"partitions": 1}})
    values = releases(res.config)["kafka"]["values"]
    assert values["kafka"]["config"]["default.replication.factor"] == 3 and values["nodePool"]["storage"]["size"] == "5Gi"


@pytest.mark.parametrize("settings, path, message", [
    ({"brokers": 2}, "components.kafka.brokers", "is not valid: expected auto, or an odd number of brokers from 1 to 9"),
    ({"brokers": "three"}, "components.kafka.brokers", "is not valid: expected auto, or an odd number of brokers"),
    ({"storage_size": "50GB"}, "components.kafka.storage_size", "is not valid: expected auto, or a size such as 50Gi"),
    ({"topic_defaults": {"replication_factor": 0}}, "components.kafka.topic_defaults.replication_factor",
     "0 is less than the minimum of 1"),
    ({"topic_defaults": {"partition": 3}}, "components.kafka.topic_defaults.partition",
     "unknown key 'partition'; did you mean 'partitions'?"),
])
def test_wrong_settings_are_named_with_their_key(settings, path, message):
    res = load(settings)
    found = [(p.dotted, p.message) for p in res.problems]
    assert any(p == path and message in m for p, m in found), found


def test_a_broker_image_that_is_not_a_strimzi_kafka_tag_stops_the_plan():
    config = copy.deepcopy(LAB)
    config["components"]["kafka"]["image"] = {"tag": "4.3.1"}
    with pytest.raises(_platform.PlanError, match=r"components.kafka.image.tag '4.3.1' is not a Strimzi Kafka image tag"):
        values_configs.plan(config)


def test_air_gap_moves_every_strimzi_image():
    """Each image map of the operator chart is set, on the mirror: the operator's own, those it hands the entity
    operator, Kafka, Connect, MirrorMaker 2, the exporter, Cruise Control, the bridge and Connect builds."""
    mirrored = copy.deepcopy(CONFIGS["lab"][0])
    mirrored["air_gap"]["image_registry"] = "registry.internal:5000"
    rel = releases(mirrored)
    values = rel["strimzi"]["values"]
    operator = {"registry": "registry.internal:5000", "repository": "strimzi", "name": "operator", "tag": "1.2.0"}
    kafka = {"registry": "registry.internal:5000", "repository": "strimzi", "name": "kafka", "tagPrefix": "1.2.0"}
    assert {k: values[k]["image"] for k in ("topicOperator", "userOperator", "kafkaInit")} == dict.fromkeys(
        ("topicOperator", "userOperator", "kafkaInit"), operator)
    assert values["image"] == operator
    for key in ("kafka", "kafkaConnect", "kafkaMirrorMaker2", "kafkaExporter", "cruiseControl"):
        assert values[key]["image"] == kafka, key
    assert values["kafkaBridge"]["image"]["tag"] == "1.1.0"
    assert {values[k]["image"]["name"] for k in ("kanikoExecutor", "buildah", "mavenBuilder")} == {
        "kaniko-executor", "buildah", "maven-builder"}
    assert "defaultImageRegistry" not in values   # one mechanism: the image maps, not the chart-wide defaults
    assert values["dashboards"] == {"enabled": True, "namespace": "openlakes-monitoring"}
    assert rel["kafka"]["values"]["kafka"]["image"] == "registry.internal:5000/strimzi/kafka:1.2.0-kafka-4.3.1"
    assert releases(LAB)["strimzi"]["values"]["image"]["registry"] == "quay.io"


class StubUnit(_platform.Unit):
    """The kafka unit with layer 08 on, whatever the configuration says."""

    def enabled(self, component):
        return component == "kube_prometheus_stack" or super().enabled(component)


def test_metrics_for_prometheus_only_when_layer_08_is_on():
    inputs = values_configs.inputs(LAB)
    comp = inputs.manifest["components"]["kafka"]
    rel = {r["name"]: r for r in comp["releases"]}
    values = kafka_unit.kafka(StubUnit(inputs, "kafka"), rel["kafka"])
    assert values["metrics"] == {"enabled": True}
    assert kafka_unit.strimzi(StubUnit(inputs, "kafka"), rel["strimzi"])["dashboards"] == {"enabled": True,
                                                                                           "namespace": "openlakes-monitoring"}
    off = values_configs.inputs(values_configs.without(LAB))
    assert "dashboards" not in kafka_unit.strimzi(_platform.Unit(off, "kafka"), rel["strimzi"])
    assert kafka_unit.kafka(_platform.Unit(off, "kafka"), rel["kafka"])["metrics"] == {"enabled": False}


def _with_kafka_client(monkeypatch):
    """A test-only component that reaches Kafka's bootstrap Service as a Kafka user of its own."""
    inputs = values_configs.inputs(LAB)
    manifest = copy.deepcopy(inputs.manifest)
    manifest["components"]["streamer"] = {
        "layer": "03", "namespace": "streams", "consumes": {"kafka": {"services": ["bootstrap"], "user": True}},
        "releases": [{"name": "streamer", "main": True,
                      "chart": {"repository": "https://example.org", "name": "streamer", "version": "1.0.0"}}]}
    config = copy.deepcopy(LAB)
    config["derived"]["enabled_components"].append("streamer")
    unit = type(sys)("streamer")

    def streamer(u, rel):
        user = u.kafka_user()
        return {"bootstrap": u.service("kafka", "bootstrap").address, "user": user}
    unit.RELEASES = {"streamer": streamer}
    monkeypatch.setitem(_components.UNITS, "streamer", unit)
    return _platform.Inputs(config, manifest, inputs.hosts, inputs.charts_dir)


def test_a_kafka_client_gets_a_user_of_its_own_and_its_links(monkeypatch):
    inputs = _with_kafka_client(monkeypatch)
    plan = _platform.plan(inputs)
    by = {n["name"]: n for n in plan["nodes"]}
    # The consumer's own credential set holds its Kafka user; it is readable where the KafkaUser is made.
    sets = {s["name"]: s for s in plan["credentials"]}
    assert sets["streamer"]["keys"] == {"kafka-username": "fixed:streamer", "kafka-password": "password:32"}
    assert sets["streamer"]["namespaces"] == ["openlakes", "streams"]
    # The builder gets names and keys only, and how to authenticate, from the provider's declaration.
    assert by["streamer"]["values"] == {
        "bootstrap": "kafka-kafka-bootstrap.openlakes.svc.cluster.local:9092",
        "user": {"mechanism": "SCRAM-SHA-512", "security_protocol": "SASL_PLAINTEXT", "user": "streamer",
                 "secret": "openlakes-streamer-credentials", "username_key": "kafka-username",
                 "password_key": "kafka-password"}}
    # The Kafka release makes its KafkaUser, and the consumer waits for that release.
    assert {"name": "streamer", "passwordSecret": {"name": "openlakes-streamer-credentials", "key": "kafka-password"}} \
        in by["kafka"]["values"]["users"]
    assert "kafka" in by["streamer"]["depends_on"]
    links = [(l["what"], l.get("secret", {}).get("namespace") or l["service"]["namespace"], l["in_releases"])
             for l in plan["wiring"] if l["consumer"] == "streamer"]
    assert links == [
        ("service bootstrap", "openlakes", [{"name": "streamer", "namespace": "streams"}]),
        ("Kafka user (consumer side)", "streams", [{"name": "streamer", "namespace": "streams"}]),
        ("Kafka user (provider side)", "openlakes", [{"name": "kafka", "namespace": "openlakes"}])]
    secret_links = [l["secret"] for l in plan["wiring"] if l["consumer"] == "streamer" and l["kind"] == "secret"]
    assert all(s["keys"] == ["kafka-password", "kafka-username"] for s in secret_links)


def test_a_builder_asking_for_an_undeclared_kafka_user_is_stopped():
    unit = _platform.Unit(values_configs.inputs(LAB), "apicurio")
    with pytest.raises(_platform.PlanError, match="the builder of apicurio asked for kafka's user, but "
                                                  "platform/components.yml does not declare it under "
                                                  "components.apicurio.consumes.kafka.user"):
        unit.kafka_user()


def test_apicurio_stores_in_its_own_database_and_serves_console_and_api_on_one_host():
    values = releases(LAB)["apicurio"]["values"]
    env = {e["name"]: e for e in values["app"]["env"]}
    assert env["APICURIO_STORAGE_KIND"]["value"] == "sql" and env["APICURIO_STORAGE_SQL_KIND"]["value"] == "postgresql"
    assert env["APICURIO_DATASOURCE_URL"]["value"] == \
        "jdbc:postgresql://postgresql-rw.openlakes.svc.cluster.local:5432/apicurio"
    assert env["APICURIO_DATASOURCE_PASSWORD"]["valueFrom"] == {"secretKeyRef": {
        "name": "openlakes-apicurio-credentials", "key": "password"}}
    assert env["APICURIO_DATASOURCE_USERNAME"]["valueFrom"]["secretKeyRef"]["key"] == "username"
    assert env["JAVA_OPTS_APPEND"]["value"] == "-XX:MaxRAMPercentage=70.0 -XX:+ExitOnOutOfMemoryError"
    assert values["app"]["resources"]["limits"]["memory"] == values["app"]["resources"]["requests"]["memory"]
    assert values["ui"]["env"] == [{"name": "REGISTRY_API_URL",
                                    "value": "https://registry.openlakes.lab.internal/apis/registry/v3"}]
    ingress = values["ingress"]
    assert ingress["host"] == "registry.openlakes.lab.internal" and ingress["apiPath"] == "/apis"
    assert ingress["annotations"]["traefik.ingress.kubernetes.io/router.middlewares"] == "openlakes-ui-auth@kubernetescrd"
    plain = releases(CONFIGS["lab+no-tls-no-tiering-mirror-auto"][0])["apicurio"]["values"]
    assert plain["ui"]["env"][0]["value"] == "http://registry.openlakes.lab.internal/apis/registry/v3"
    assert plain["app"]["image"]["repository"] == "registry.internal:5000/apicurio/apicurio-registry"


def test_layer_03_links_of_the_lab():
    links = [(l["consumer"], l["provider"], l["what"]) for l in values_configs.plan(LAB)["wiring"]
             if l["consumer"] in ("kafka", "apicurio")]
    assert links == [("apicurio", "postgresql", "service rw"),
                     ("apicurio", "postgresql", "database role (consumer side)"),
                     ("apicurio", "postgresql", "database role (provider side)")]
