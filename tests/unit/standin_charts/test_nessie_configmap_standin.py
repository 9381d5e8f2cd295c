"""tests/standin-charts/nessie/configmap_standin.py: the stand-in of the Nessie chart's configmap and
env templates turns the collection's values into the properties and environment the chart would."""
from __future__ import annotations

import pytest
import values_configs  # tests/unit/plugins/module_utils (conftest.py)

standin = values_configs.standin("nessie")


def nessie_values(name="lab"):
    return values_configs.release_values(name, "nessie")


def test_the_lab_values_become_these_properties():
    out = standin.render(nessie_values())
    assert out["properties"] == {
        "nessie.catalog.default-warehouse": "warehouse",
        "nessie.catalog.object-stores.health-check.enabled": "false",
        "nessie.catalog.service.s3.default-options.auth-type": "STATIC",
        "nessie.catalog.service.s3.default-options.endpoint": "http://minio.openlakes.svc.cluster.local:9000/",
        "nessie.catalog.service.s3.default-options.path-style-access": "true",
        "nessie.catalog.service.s3.default-options.region": "us-east-1",
        'nessie.catalog.warehouses."warehouse".location': "s3://openlakes/warehouse/",
        "nessie.version.store.persist.cache-invalidations.service-names": "nessie-mgmt",
        "nessie.version.store.persist.cache-invalidations.valid-tokens": out["properties"][
            "nessie.version.store.persist.cache-invalidations.valid-tokens"],
        "nessie.version.store.persist.jdbc.datasource": "postgresql",
        "nessie.version.store.type": "JDBC2",
        "quarkus.datasource.postgresql.jdbc.url": "jdbc:postgresql://postgresql-rw.openlakes.svc.cluster.local:5432/nessie",
        "quarkus.oidc.tenant-enabled": "false",
        "quarkus.otel.sdk.disabled": "true",
    }
    assert out["ports"] == {"http": 19120, "management": 9000}


def test_credentials_come_from_secrets_as_the_deployment_maps_them():
    env = standin.render(nessie_values())["env"]
    assert env == [
        {"name": "quarkus.datasource.postgresql.username", "secret": "openlakes-nessie-credentials", "key": "username"},
        {"name": "quarkus.datasource.postgresql.password", "secret": "openlakes-nessie-credentials", "key": "password"},
        {"name": "nessie.catalog.service.s3.default-options.access-key",
         "value": "urn:nessie-secret:quarkus:nessie-catalog-secrets.s3.default-options.access-key"},
        {"name": "nessie-catalog-secrets.s3.default-options.access-key.name", "secret": "openlakes-nessie-credentials",
         "key": "s3-access-key"},
        {"name": "nessie-catalog-secrets.s3.default-options.access-key.secret", "secret": "openlakes-nessie-credentials",
         "key": "s3-secret-key"},
        {"name": "JAVA_OPTS_APPEND", "value": env[-1]["value"]},
    ]


def test_application_properties_is_one_line_per_property_in_name_order():
    text = standin.application_properties(standin.render(nessie_values()))
    lines = text.splitlines()
    assert lines == sorted(lines) and "nessie.version.store.type=JDBC2" in lines


@pytest.mark.parametrize("release, override, full", [("nessie", {}, "nessie"), ("lake", {}, "lake-nessie"),
                                                     ("x", {"fullnameOverride": "catalog"}, "catalog")])
def test_fullname(release, override, full):
    assert standin.fullname(override, release) == full


def test_values_the_stand_in_does_not_mirror_are_refused():
    values = nessie_values()
    values["catalog"]["storage"]["s3"]["buckets"] = [{"name": "other"}]
    with pytest.raises(NotImplementedError, match="per-bucket"):
        standin.render(values)
