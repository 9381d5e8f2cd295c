"""plugins/module_utils/_platform.py: one graph over every layer, slices with their requirements, credential
sets in the namespaces that read them, and the wiring links the status check proves."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

from ansible_collections.openlakes.core.plugins.module_utils import _objects, _platform

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

LAB = values_configs.configs()["lab"][0]


def test_every_node_has_its_namespace_first_and_one_slice_per_layer():
    plan = values_configs.plan(LAB)
    assert list(plan["slices"]) == ["01", "02", "03", "04", "08"] and plan["slices"]["01"]["requires"] == []
    # Layer 02 checks, with one read each, that what it consumes from layer 01 is deployed, and the release whose
    # CRDs its monitors need (pulled forward into layer 01, the first slice with a monitor).
    assert [r["name"] for r in plan["slices"]["02"]["requires"]] == [
        "kube-prometheus-stack", "minio", "minio-setup", "namespace/openlakes", "nessie", "postgresql"]
    assert plan["slices"]["02"]["nodes"] == ["spark-operator", "spark", "monitors/spark", "trino", "monitors/trino"]
    assert {"kube-prometheus-stack", "loki"} <= set(plan["slices"]["01"]["nodes"])
    names = {n["name"] for n in plan["nodes"]}
    assert {"namespace/openlakes", "namespace/traefik", "namespace/longhorn-system", "namespace/cnpg-system"} <= names
    for n in plan["nodes"]:
        if n.get("namespace"):
            assert n["depends_on"][0] == f"namespace/{n['namespace']}", n["name"]


def _two_layer_manifest():
    """Layer 01 plus a layer-02 consumer of Nessie, and a layer-08 CRD release that the layer-02 one needs."""
    config = values_configs.without(LAB)
    inputs = values_configs.inputs(config)
    manifest = copy.deepcopy(inputs.manifest)
    manifest["components"]["probe"] = {
        "layer": "02", "namespace": "platform", "consumes": {"nessie": {"services": ["iceberg"]}},
        "releases": [{"name": "probe", "main": True, "depends_on": ["monitoring-crds"],
                      "chart": {"repository": "https://example.org", "name": "probe", "version": "1.0.0"}}]}
    manifest["components"]["crds"] = {"layer": "08", "namespace": "monitoring", "releases": [
        {"name": "monitoring-crds", "main": True, "chart": {"repository": "https://example.org", "name": "c", "version": "1"}}]}
    config["derived"]["enabled_components"] += ["probe", "crds"]
    return _platform.Inputs(config, manifest, inputs.hosts, inputs.charts_dir)


def test_cross_layer_dependencies_are_kept_and_prerequisites_pulled_forward(monkeypatch):
    from ansible_collections.openlakes.core.plugins.module_utils import _components

    probe = type(sys)("probe")
    probe.RELEASES = {"probe": lambda u, rel: {"catalog": u.service("nessie", "iceberg").url}}
    crds = type(sys)("crds")
    crds.RELEASES = {"monitoring-crds": lambda u, rel: {}}
    monkeypatch.setitem(_components.UNITS, "probe", probe)
    monkeypatch.setitem(_components.UNITS, "crds", crds)
    plan = _platform.plan(_two_layer_manifest())
    by = {n["name"]: n for n in plan["nodes"]}
    assert by["probe"]["depends_on"] == ["namespace/openlakes", "monitoring-crds", "nessie"]
    assert by["probe"]["values"] == {"catalog": "http://nessie.openlakes.svc.cluster.local:19120/iceberg"}
    # Layer 08's CRDs deploy with layer 02, the first slice that needs them; the monitoring namespace too.
    assert by["monitoring-crds"]["layer"] == "08" and by["monitoring-crds"]["slice"] == "02"
    assert by["namespace/" + by["monitoring-crds"]["namespace"]]["slice"] == "02"
    assert {"01", "02"} <= set(plan["slices"])
    requires = {r["name"]: r for r in plan["slices"]["02"]["requires"]}
    assert {"nessie", "namespace/openlakes"} <= set(requires)
    assert requires["nessie"]["type"] == "release" and requires["nessie"]["layer"] == "01"
    assert "probe" in plan["slices"]["02"]["nodes"] and "nessie" in plan["slices"]["01"]["nodes"]


def test_a_component_without_a_unit_or_builder_stops_the_plan(monkeypatch):
    inputs = _two_layer_manifest()
    with pytest.raises(_platform.PlanError, match=r"component probe has no unit \(plugins/module_utils/_components/probe.py\)"):
        _platform.plan(inputs)
    from ansible_collections.openlakes.core.plugins.module_utils import _components
    empty = type(sys)("probe")
    empty.RELEASES = {}
    monkeypatch.setitem(_components.UNITS, "probe", empty)
    with pytest.raises(_platform.PlanError, match="component probe's unit has no values builder for its release probe"):
        _platform.plan(inputs)


def test_credential_sets_live_where_they_are_read():
    sets = {s["name"]: s for s in values_configs.plan(LAB)["credentials"]}
    assert sets["nessie"]["keys"] == {"username": "fixed:nessie", "password": "password",
                                      "s3-access-key": "fixed:nessie", "s3-secret-key": "password:40"}
    assert sets["nessie"]["namespaces"] == ["openlakes"]
    assert sets["ui-auth"]["namespaces"] == ["openlakes"], "beside the basic-auth Middleware that reads it"
    config = copy.deepcopy(LAB)
    config["cluster"]["namespace"] = "lake"
    config["credentials"]["existing_secrets"] = {"redis": "my-redis"}
    plan = _platform.plan(values_configs.inputs(config))
    sets = {s["name"]: s for s in plan["credentials"]}
    assert sets["redis"]["secret"] == "my-redis" and sets["redis"]["existing"] is True
    assert sets["minio"]["namespaces"] == ["lake"]


def test_wiring_links_are_the_declarations_with_names_from_the_providers():
    every = values_configs.plan(LAB)["wiring"]
    links = [l for l in every if l["consumer"] == "nessie"]
    assert [(l["consumer"], l["provider"], l["what"]) for l in links] == [
        ("nessie", "postgresql", "service rw"),
        ("nessie", "postgresql", "database role (consumer side)"),
        ("nessie", "postgresql", "database role (provider side)"),
        ("nessie", "minio", "service s3"),
        ("nessie", "minio", "MinIO user (consumer side)"),
        ("nessie", "minio", "MinIO user (provider side)")]
    assert links[0]["service"] == {"name": "postgresql-rw", "namespace": "openlakes", "port": 5432}
    assert links[0]["reference"] == "postgresql-rw.openlakes.svc.cluster.local:5432"
    assert links[2]["in_releases"] == [{"name": "postgresql", "namespace": "openlakes"}]
    assert links[5]["secret"] == {"name": "openlakes-nessie-credentials", "namespace": "openlakes",
                                  "keys": ["s3-access-key", "s3-secret-key"]}
    # Layer 02: Spark -> Nessie, Spark -> MinIO, Spark -> Kafka (optional: layer 03 is on), Trino -> Nessie,
    # Trino -> MinIO, Trino -> PostgreSQL (read only).
    assert sorted({(l["consumer"], l["provider"], l["what"]) for l in every if l["consumer"] in ("spark", "trino")}) == [
        ("spark", "kafka", "Kafka user (consumer side)"), ("spark", "kafka", "Kafka user (provider side)"),
        ("spark", "kafka", "service bootstrap"),
        ("spark", "minio", "MinIO user (consumer side)"), ("spark", "minio", "MinIO user (provider side)"),
        ("spark", "minio", "service s3"), ("spark", "nessie", "service iceberg"),
        ("trino", "minio", "MinIO user (consumer side)"), ("trino", "minio", "MinIO user (provider side)"),
        ("trino", "minio", "service s3"), ("trino", "nessie", "service iceberg"),
        ("trino", "postgresql", "database role (consumer side)"), ("trino", "postgresql", "database role (provider side)"),
        ("trino", "postgresql", "service ro")]


def test_without_values_the_plan_still_has_names_links_and_slices():
    inputs = values_configs.inputs(LAB)
    inputs.hosts = {}
    plan = _platform.plan(inputs, build_values=False)
    assert all(n.get("values", {}) == {} for n in plan["nodes"] if n["type"] == "release")
    assert len(plan["wiring"]) == len(values_configs.plan(LAB)["wiring"]) == 33 and "01" in plan["slices"]


@pytest.mark.parametrize("live, want, holds", [
    ({"metadata": {"name": "n", "labels": {"a": "1", "b": "2"}}}, {"metadata": {"labels": {"a": "1"}}}, True),
    ({"metadata": {"labels": {"a": "1"}}}, {"metadata": {"labels": {"a": "2"}}}, False),
    ({"data": {"k": "dg=="}}, {"data": {"k": "dg==", "j": "eA=="}}, False),
    ({"type": "Opaque"}, {"type": "kubernetes.io/tls"}, False),
])
def test_an_object_set_is_up_to_date_when_every_field_it_sets_holds(live, want, holds):
    assert _objects.contains(live, want) is holds


def test_secret_data_comes_from_files_or_vault_variables_at_apply_time(tmp_path):
    cert = tmp_path / "c.crt"
    cert.write_text("CERT")
    objs = [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}]
    out = _objects.resolve_data(objs, {"tls.crt": {"file": str(cert)}, "token": {"variable": "cf"}}, {"cf": "abc"})
    assert out[0]["data"] == {"tls.crt": "Q0VSVA==", "token": "YWJj"} and "data" not in objs[0]
    with pytest.raises(_objects.ObjectError, match="the variable 'missing' \\(ansible-vault\\) for the Secret key token is not defined"):
        _objects.resolve_data(objs, {"token": {"variable": "missing"}}, {})
    with pytest.raises(_objects.ObjectError, match="cannot read /nonexistent for the Secret key k"):
        _objects.resolve_data(objs, {"k": {"file": "/nonexistent"}}, {})


def test_an_optional_consumption_follows_its_provider():
    """Spark consumes Kafka only while Kafka is on: no requirement, no deploy order, links only when both are on."""
    on = values_configs.plan(LAB)
    spark = next(n for n in on["nodes"] if n["name"] == "spark")
    assert "kafka" not in spark["depends_on"], "the provider may come with a later layer"
    conf = spark["values"]["defaults"]["properties"]
    assert conf["spark.kubernetes.driverEnv.KAFKA_BOOTSTRAP_SERVERS"] == "kafka-kafka-bootstrap.openlakes.svc.cluster.local:9092"
    assert conf["spark.kubernetes.executor.secretKeyRef.KAFKA_PASSWORD"] == "openlakes-spark-credentials:kafka-password"
    config = copy.deepcopy(LAB)
    config["derived"]["enabled_components"] = [c for c in config["derived"]["enabled_components"] if c not in ("kafka", "apicurio")]
    off = _platform.plan(values_configs.inputs(config))
    spark = next(n for n in off["nodes"] if n["name"] == "spark")
    assert not [k for k in spark["values"]["defaults"]["properties"] if "KAFKA" in k]
    assert not [l for l in off["wiring"] if l["provider"] == "kafka"]
