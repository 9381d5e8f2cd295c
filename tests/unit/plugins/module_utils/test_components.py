"""plugins/module_utils/_components/: what each component's unit builds for the example configurations
(wiring, MinIO's pod-to-drive mapping, credentials by reference only, optional parts)."""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.openlakes.core.plugins.module_utils import _config, _helm, _platform
from ansible_collections.openlakes.core.plugins.module_utils._components import minio as minio_unit

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

CONFIGS = values_configs.configs()
LAB = CONFIGS["lab"][0]


def releases(plan):
    return {r["name"]: r for r in plan["releases"]}


def deps(rel):
    """What a release waits for, beyond its namespace."""
    return [d for d in rel["depends_on"] if not d.startswith(_platform.NS_PREFIX)]


def objects(plan, name):
    return next(n for n in plan["nodes"] if n["name"] == name)


def test_lab_plan_has_every_layer_01_release_in_dependency_order():
    rel = {n: r for n, r in releases(values_configs.plan(LAB)).items() if r["layer"] in ("01", "02")}
    assert list(rel) == ["longhorn", "traefik", "ingress", "minio-volumes", "minio-cold", "minio", "minio-setup",
                         "cnpg-operator", "postgresql", "redis", "nessie", "spark-operator", "spark", "trino"]
    assert deps(rel["minio"]) == ["minio-volumes", "minio-cold"]
    assert deps(rel["postgresql"]) == ["cnpg-operator", "longhorn"]
    # Implied by nessie's consumption: postgresql's rw Service and database, minio's s3 Service and its user.
    assert deps(rel["nessie"]) == ["postgresql", "minio", "minio-setup"]
    assert deps(rel["minio-setup"]) == ["minio", "minio-cold"]
    # cert-manager is off (TLS from user certificates): the dependency on it is dropped.
    assert deps(rel["ingress"]) == ["traefik"]
    assert deps(rel["longhorn"]) == ["longhorn-nodes"] and deps(rel["traefik"]) == ["tls-certificate"]
    assert all(r["depends_on"][0] == _platform.NS_PREFIX + r["namespace"] for r in rel.values())
    assert rel["cnpg-operator"]["namespace"] == "cnpg-system" and rel["nessie"]["namespace"] == "openlakes"
    assert all(r["timeout"] == 900 for r in rel.values())


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_no_credential_is_ever_a_value(name):
    config = CONFIGS[name][0]
    plan = values_configs.plan(config)
    names = {s["secret"] for s in plan["credentials"]}
    # MinIO access keys are user names (fixed, not secret): `nessie`.
    names |= {spec.split(":", 1)[1] for s in plan["credentials"] for spec in s["keys"].values() if spec.startswith("fixed:")}
    names.add((config["networking"]["tls"].get("user_certificates") or {}).get("existing_secret"))
    for rel in plan["releases"]:
        for found in _helm.secret_strings(rel["values"]):
            # Under a credential-looking key there are only Secret names and the keys inside them, or a reference
            # <Secret>:<key> (Spark's spark.kubernetes.*.secretKeyRef.*).
            secret, _sep, key = found.partition(":")
            if key and secret in names:
                found = key
            assert found in names or found in {"rootUser", "rootPassword", "username", "password", "cf", "token",
                                               "s3-access-key", "s3-secret-key", "kafka-password",
                                               # Airflow's `secret` entries: variable names filled from its Secret.
                                               "OPENLAKES_PG_USER", "OPENLAKES_PG_PASSWORD", "AWS_ACCESS_KEY_ID",
                                               "AWS_SECRET_ACCESS_KEY",
                                               "api-token", "openlakes-cloudflare-api-token",
                                               "openlakes-wildcard-tls", "my-tls"}, (rel["name"], found)
        text = json.dumps(rel["values"])
        assert "console123" not in text


def test_each_minio_pod_gets_the_drives_of_one_known_host():
    plan = values_configs.plan(LAB)
    rel = releases(plan)
    vols = rel["minio-volumes"]["values"]["volumes"]
    assert [(v["claim"], v["node"], v["path"]) for v in vols] == [
        (f"export-{d}-minio-{i}", f"lab-node-{i + 1}", f"/mnt/openlakes/minio/hot{d + 1}/data")
        for i in range(3) for d in range(2)]
    assert {v["size"] for v in vols} == {"1014Mi"}
    minio = rel["minio"]["values"]
    assert (minio["replicas"], minio["drivesPerNode"], minio["mode"]) == (3, 2, "distributed")
    assert minio["persistence"]["storageClass"] == rel["minio-volumes"]["values"]["storageClassName"]
    assert minio["persistence"]["size"] == "1014Mi"
    # The chart's default user console/console123 is gone, and so are its bucket, user and policy jobs:
    # the setup Job makes them (minio-setup), each consumer's user limited to its grants.
    assert (minio["users"], minio["policies"], minio["buckets"], minio["customCommands"]) == ([], [], [], [])
    setup = rel["minio-setup"]["values"]
    assert setup["secrets"] == [{"name": "openlakes-minio-credentials", "mountPath": "/secrets/minio"}] + [
        {"name": f"openlakes-{c}-credentials", "mountPath": f"/secrets/{c}"} for c in ("nessie", "spark", "trino", "airflow")]
    assert setup["image"] == {"repository": "docker.io/pgsty/mc", "tag": "RELEASE.2026-03-13T08-57-32Z",
                              "pullPolicy": "IfNotPresent"}
    spec, _mounts = minio_unit.setup_spec(_platform.Unit(values_configs.inputs(LAB), "minio"))
    users = {u["name"]: u for u in spec["users"]}
    assert users["nessie"] == {"name": "nessie", "credentials_dir": "/secrets/nessie", "access_key_file": "s3-access-key",
                               "secret_key_file": "s3-secret-key",
                               "grants": [{"bucket": "openlakes", "prefix": "warehouse/", "access": "readwrite"}]}
    # Each consumer's grants, and only those: Trino reads raw/ and writes its metastore and the warehouse.
    assert [(g["prefix"], g["access"]) for g in users["trino"]["grants"]] == [
        ("warehouse/", "readwrite"), ("trino-metastore/", "readwrite"), ("raw/", "read")]
    # Every granted prefix exists before its consumer starts (Spark's event log directory, Trino's metastore).
    main = next(b for b in spec["buckets"] if b["name"] == "openlakes")
    assert main["prefixes"] == ["raw/", "warehouse/", "spark-history/", "checkpoints/", "trino-metastore/",
                                "airflow-logs/"]
    assert spec["hot"]["endpoint"] == "http://minio.openlakes.svc.cluster.local:9000"
    assert "openlakes-notebooks" not in json.dumps(spec["users"])


def test_one_drive_per_host_uses_the_single_claim_name():
    config = copy.deepcopy(CONFIGS["single-node"][0])
    vols = releases(values_configs.plan(config))["minio-volumes"]["values"]["volumes"]
    per_host = config["derived"]["minio_drives_per_host"]
    assert all(v["claim"].startswith("export-") for v in vols) and len(vols) == per_host * len(config["derived"]["minio_hosts"])


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_charts_own_bucket_job_is_not_used(name):
    """Buckets, prefixes, the tier and lifecycle belong to the collection's setup Job (test_minio_setup.py):
    chart 5.4.0's job races, suspends versioning of unversioned buckets and passes the root password on mc's
    command line (issue 20)."""
    rel = releases(values_configs.plan(CONFIGS[name][0]))
    for release in ("minio", "minio-cold"):
        if release in rel:
            values = rel[release]["values"]
            assert values["buckets"] == [] and values.get("customCommands", []) == []


def test_the_cold_volume_is_on_the_nas():
    cold = releases(values_configs.plan(LAB))["minio-volumes"]["values"]["cold"]
    assert cold["path"] == "/cold-nas/openlakes-minio-cold" and cold["nodes"] == ["lab-node-1", "lab-node-2", "lab-node-3"]


def test_without_tiering_there_is_no_cold_tier():
    config = CONFIGS["lab+no-tls-no-tiering-mirror-auto"][0]
    rel = releases(values_configs.plan(config))
    assert "minio-cold" not in rel and deps(rel["minio"]) == ["minio-volumes"]
    assert "cold" not in rel["minio-volumes"]["values"]


def test_longhorn_gets_exactly_the_prepared_disks():
    plan = values_configs.plan(LAB)
    patches = objects(plan, "longhorn-nodes")["objects"]
    assert [n["metadata"]["name"] for n in patches] == ["lab-node-1", "lab-node-2", "lab-node-3"]
    node = patches[0]["metadata"]
    assert patches[0]["kind"] == "Node" and objects(plan, "longhorn-nodes")["patch_only"] is True
    assert node["labels"] == {"node.longhorn.io/create-default-disk": "config"}
    assert json.loads(node["annotations"]["node.longhorn.io/default-disks-config"]) == [
        {"name": "openlakes-1", "path": "/var/lib/openlakes/longhorn/disk1/data", "allowScheduling": True,
         "tags": ["openlakes"]}]
    lh = releases(plan)["longhorn"]["values"]
    assert lh["defaultSettings"]["createDefaultDiskLabeledNodes"] is True
    assert lh["persistence"] == {"defaultClass": True, "defaultClassReplicaCount": 3, "reclaimPolicy": "Retain"}


def test_longhorn_replicas_are_bounded_by_the_hosts():
    config = CONFIGS["single-node"][0]
    assert releases(values_configs.plan(config))["longhorn"]["values"]["persistence"]["defaultClassReplicaCount"] == \
        config["derived"]["longhorn_replicas"] <= len(config["derived"]["longhorn_hosts"])


def test_a_host_that_node_prep_did_not_report_stops_the_plan():
    d = LAB["derived"]
    inputs = _platform.Inputs(LAB, _config.load_manifest(),
                              {h: {"longhorn_disks": [{"path": "/x"}], "minio_drives": []} for h in d["storage_hosts"]}, "/c")
    with pytest.raises(_platform.PlanError, match="host lab-node-1: core-config.yaml lists 2 MinIO drives but node "
                                                  "preparation reported 0; run the node_prep tag"):
        _platform.plan(inputs)


def test_postgresql_has_one_database_and_role_per_service_and_nessie_uses_it():
    rel = releases(values_configs.plan(LAB))
    pg = rel["postgresql"]["values"]
    assert pg["fullnameOverride"] == "postgresql" and pg["cluster"]["instances"] == 3
    assert pg["cluster"]["roles"] == [{"name": "nessie", "ensure": "present", "login": True, "superuser": False,
                                       "passwordSecret": {"name": "openlakes-nessie-credentials"}},
                                      # Trino's postgresql catalog: a read-only role of its own, no database.
                                      {"name": "trino", "ensure": "present", "login": True, "superuser": False,
                                       "passwordSecret": {"name": "openlakes-trino-credentials"},
                                       "inRoles": ["pg_read_all_data"]},
                                      {"name": "apicurio", "ensure": "present", "login": True, "superuser": False,
                                       "passwordSecret": {"name": "openlakes-apicurio-credentials"}},
                                      {"name": "airflow", "ensure": "present", "login": True, "superuser": False,
                                       "passwordSecret": {"name": "openlakes-airflow-credentials"}}]
    assert pg["databases"] == [{"name": name, "owner": name, "ensure": "present"}
                               for name in ("nessie", "apicurio", "airflow")]
    assert pg["cluster"]["initdb"] == {"database": "app", "owner": "app"}
    assert pg["cluster"]["superuserSecret"] == "openlakes-postgresql-credentials"
    assert pg["cluster"]["storage"] == {"size": "5Gi", "storageClass": "longhorn"}
    nessie = rel["nessie"]["values"]
    assert nessie["jdbc"]["jdbcUrl"] == "jdbc:postgresql://postgresql-rw.openlakes.svc.cluster.local:5432/nessie"
    s3 = nessie["catalog"]["storage"]["s3"]["defaultOptions"]
    assert s3["endpoint"] == "http://minio.openlakes.svc.cluster.local:9000/" and s3["pathStyleAccess"] is True
    # Nessie's own MinIO user, never MinIO's root credentials.
    assert s3["accessKeySecret"] == {"name": "openlakes-nessie-credentials", "awsAccessKeyId": "s3-access-key",
                                     "awsSecretAccessKey": "s3-secret-key"}
    assert nessie["catalog"]["iceberg"]["warehouses"] == [{"name": "warehouse", "location": "s3://openlakes/warehouse/"}]


def test_tls_user_certificates_redirect_and_route_every_ui_through_traefik():
    rel = releases(values_configs.plan(LAB))
    tr = rel["traefik"]["values"]
    assert tr["tlsStore"] == {"default": {"defaultCertificate": {"secretName": "openlakes-wildcard-tls"}}}
    assert tr["ports"]["web"]["http"]["redirections"]["entryPoint"] == {"to": "websecure", "scheme": "https", "permanent": True}
    assert tr["ingressRoute"]["dashboard"]["matchRule"] == "Host(`traefik.openlakes.lab.internal`)"
    lh = rel["longhorn"]["values"]["ingress"]
    assert lh["host"] == "longhorn.openlakes.lab.internal"
    assert lh["annotations"]["traefik.ingress.kubernetes.io/router.middlewares"] == "openlakes-ui-auth@kubernetescrd"
    assert rel["minio"]["values"]["consoleIngress"]["hosts"] == ["minio.openlakes.lab.internal"]
    assert "router.middlewares" not in json.dumps(rel["minio"]["values"]["consoleIngress"]["annotations"])
    assert rel["nessie"]["values"]["ingress"]["hosts"][0]["host"] == "nessie.openlakes.lab.internal"
    assert rel["ingress"]["values"] == {"basicAuth": {"secretName": "openlakes-ui-auth-credentials"}}


def test_cloudflare_dns01_issues_a_wildcard_through_cert_manager():
    rel = releases(values_configs.plan(CONFIGS["lab+cloudflare-dns01"][0]))
    assert deps(rel["ingress"]) == ["traefik", "cert-manager", "cloudflare-api-token"]
    cert = rel["ingress"]["values"]["certificate"]
    assert cert["domain"] == "openlakes.lab.internal" and cert["namespace"] == "traefik"
    assert cert["acme"]["server"].startswith("https://acme-staging-v02")
    assert cert["acme"]["apiTokenSecret"] == {"name": "openlakes-cloudflare-api-token", "key": "api-token"}
    assert rel["cert-manager"]["values"]["crds"] == {"enabled": True, "keep": True}
    other = releases(values_configs.plan(CONFIGS["lab+cloudflare-existing-token"][0]))
    assert other["ingress"]["values"]["certificate"]["acme"]["apiTokenSecret"] == {"name": "cf", "key": "token"}


def test_plain_http_has_no_redirect_and_an_existing_tls_secret_is_used_as_is():
    plain = releases(values_configs.plan(CONFIGS["lab+no-tls-no-tiering-mirror-auto"][0]))
    assert "ports" not in plain["traefik"]["values"] and "tlsStore" not in plain["traefik"]["values"]
    assert plain["longhorn"]["values"]["ingress"]["annotations"]["traefik.ingress.kubernetes.io/router.entrypoints"] == "web"
    existing = releases(values_configs.plan(CONFIGS["lab+user-certificates-existing-secret"][0]))
    assert existing["traefik"]["values"]["tlsStore"]["default"]["defaultCertificate"]["secretName"] == "my-tls"


def test_air_gap_registry_replaces_the_image_registry():
    rel = releases(values_configs.plan(CONFIGS["lab+no-tls-no-tiering-mirror-auto"][0]))
    want = {"repository": "registry.internal:5000/pgsty/minio", "tag": "RELEASE.2026-03-14T12-00-00Z"}
    assert rel["minio"]["values"]["image"] == want
    assert rel["redis"]["values"]["image"]["repository"] == "registry.internal:5000/library/redis"


@pytest.mark.parametrize("memory, profile", [(["16Gi", "16Gi"], "compact"), (["32Gi"] * 3, "small"),
                                             (["128Gi"] * 2, "full"), (["64e9"], "small")])
def test_profile_auto_follows_the_cluster_memory(memory, profile):
    config = CONFIGS["lab+no-tls-no-tiering-mirror-auto"][0]
    rel = releases(values_configs.plan(config, node_memory=memory))
    want = _config.load_manifest()["components"]["minio"]["profiles"][profile]
    assert rel["minio"]["values"]["resources"]["requests"] == {"cpu": str(want["cpu"]), "memory": want["memory"]}


def test_core_config_values_and_chart_version_override_the_main_release():
    config = copy.deepcopy(LAB)
    config["components"]["nessie"].update(values={"replicaCount": 2, "jdbc": {"jdbcUrl": "jdbc:postgresql://x/y"}},
                                          chart_version="0.108.5")
    nessie = releases(values_configs.plan(config))["nessie"]
    assert nessie["chart"]["version"] == "0.108.5" and nessie["values"]["replicaCount"] == 2
    assert nessie["values"]["jdbc"] == {"jdbcUrl": "jdbc:postgresql://x/y",
                                        "secret": {"name": "openlakes-nessie-credentials", "username": "username",
                                                   "password": "password"}}


def test_the_collection_charts_are_paths_with_the_pinned_version():
    for rel in values_configs.plan(LAB)["releases"]:
        if "path" in rel["chart"]:
            meta = yaml.safe_load((Path(rel["chart"]["path"]) / "Chart.yaml").read_text())
            assert (meta["name"], meta["version"]) == (rel["chart"]["name"], rel["chart"]["version"])


def test_disabled_components_leave_no_release():
    config = copy.deepcopy(LAB)
    gone = {"nessie", "spark", "trino"}   # what consumes nessie goes with it (the config check says so first)
    config["derived"]["enabled_components"] = [c for c in config["derived"]["enabled_components"] if c not in gone]
    assert not gone & {r["component"] for r in releases(values_configs.plan(config)).values()}


@pytest.mark.parametrize("text, want", [("32Gi", 32 * 2 ** 30), ("512Mi", 512 * 2 ** 20), ("1G", 10 ** 9),
                                        ("1024", 1024), ("1e9", 10 ** 9), ("2Ki", 2048)])
def test_quantities(text, want):
    assert _platform.quantity_bytes(text) == want


def test_secrets_written_from_controller_input_are_object_nodes_before_their_readers():
    plan = values_configs.plan(LAB)
    tls = objects(plan, "tls-certificate")
    assert tls["namespace"] == "traefik" and tls["objects"][0]["metadata"]["name"] == "openlakes-wildcard-tls"
    assert set(tls["data_from"]) == {"tls.crt", "tls.key"} and all("file" in v for v in tls["data_from"].values())
    assert "data" not in tls["objects"][0], "the certificate's content is read when applied, never planned"
    cf = values_configs.plan(CONFIGS["lab+cloudflare-dns01"][0])
    token = objects(cf, "cloudflare-api-token")
    assert token["namespace"] == "cert-manager" and token["data_from"] == {"api-token": {"variable": "cloudflare_token"}}
    assert cf["variables"] == ["cloudflare_token"]
    for name in ("lab+cloudflare-existing-token", "lab+user-certificates-existing-secret", "lab+no-tls-no-tiering-mirror-auto"):
        kinds = {n["name"] for n in values_configs.plan(CONFIGS[name][0])["nodes"] if n["type"] == "objects"}
        assert not kinds & {"tls-certificate", "cloudflare-api-token"}, name


def test_jvm_components_get_a_memory_limit_and_a_bounded_heap():
    nessie = releases(values_configs.plan(LAB))["nessie"]["values"]
    assert nessie["resources"]["limits"]["memory"] == nessie["resources"]["requests"]["memory"] == "512Mi"
    assert nessie["extraEnv"] == [{"name": "JAVA_OPTS_APPEND", "value": "-XX:MaxRAMPercentage=70.0 -XX:+ExitOnOutOfMemoryError"}]
    redis = releases(values_configs.plan(LAB))["redis"]["values"]
    assert "limits" not in redis["resources"], "only JVMs get a memory limit from the profile"


def test_core_config_image_and_resources_are_honoured_on_the_main_release():
    config = copy.deepcopy(LAB)
    config["components"]["nessie"].update(image={"repository": "registry.example/nessie", "tag": "0.108.9"},
                                          resources={"requests": {"cpu": "2"}, "limits": {"memory": "3Gi"}})
    nessie = releases(values_configs.plan(config))["nessie"]["values"]
    assert nessie["image"] == {"repository": "registry.example/nessie", "tag": "0.108.9"}
    assert nessie["resources"] == {"requests": {"cpu": "2", "memory": "512Mi"}, "limits": {"memory": "3Gi"}}
    config["components"]["minio"]["image"] = {"tag": "RELEASE.2026-05-01T00-00-00Z"}
    minio = releases(values_configs.plan(config))
    assert minio["minio"]["values"]["image"]["tag"] == "RELEASE.2026-05-01T00-00-00Z"
    assert minio["minio"]["values"]["mcImage"]["tag"] == "RELEASE.2026-03-13T08-57-32Z", "only the main image"
    assert minio["minio-cold"]["values"]["image"]["tag"] == "RELEASE.2026-03-14T12-00-00Z", "only the main release"


TRINO_KNOWN = yaml.safe_load((Path(__file__).parent / "trino_properties.yml").read_text())


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_trino_property_is_one_trino_knows(name):
    """A single unknown catalog or config property stops Trino from starting: each generated one is known to 480."""
    values = releases(values_configs.plan(CONFIGS[name][0]))["trino"]["values"]
    for catalog, text in values["catalogs"].items():
        if text is None:
            continue   # a chart sample catalog removed (helm drops a key set to null)
        props = dict(line.split("=", 1) for line in text.splitlines() if line)
        known = set(TRINO_KNOWN[props["connector.name"]]) | set(TRINO_KNOWN["s3"])
        assert not set(props) - known, (catalog, sorted(set(props) - known))
        if props.get("fs.native-s3.enabled") == "true":
            # Without endpoint, region and path style Trino's native S3 goes to AWS (DATAPATH.md pitfall 5, 7).
            assert {"s3.endpoint", "s3.region", "s3.path-style-access"} <= set(props), catalog
        assert not [v for v in props.values() if "password" in v.lower() and not v.startswith("${ENV:")], catalog
    extra = {p.split("=", 1)[0] for p in values["additionalConfigProperties"]}
    assert extra <= set(TRINO_KNOWN["config"]), sorted(extra - set(TRINO_KNOWN["config"]))


def test_trino_catalogs_and_sizing_for_three_hosts():
    values = releases(values_configs.plan(CONFIGS["ha-three-node"][0]))["trino"]["values"]
    assert set(values["catalogs"]) >= {"lakehouse", "postgresql", "raw"}
    lake = values["catalogs"]["lakehouse"]
    assert "iceberg.rest-catalog.uri=http://nessie.openlakes.svc.cluster.local:19120/iceberg\n" in lake
    assert "s3.aws-access-key=${ENV:TRINO_S3_ACCESS_KEY}\n" in lake
    pg = values["catalogs"]["postgresql"]
    assert "connection-url=jdbc:postgresql://postgresql-ro.openlakes.svc.cluster.local:5432/app\n" in pg
    assert values["server"]["workers"] == 2 and values["coordinator"]["config"]["nodeScheduler"]["includeCoordinator"] is False
    # Every credential is an environment variable from Trino's own Secret.
    assert {e["valueFrom"]["secretKeyRef"]["name"] for e in values["env"]} == {"openlakes-trino-credentials"}
    single = releases(values_configs.plan(CONFIGS["single-node"][0]))["trino"]["values"]
    assert single["server"]["workers"] == 0 and single["coordinator"]["config"]["nodeScheduler"]["includeCoordinator"]


def test_one_spark_configuration_for_the_operator_and_the_history_server():
    rel = releases(values_configs.plan(LAB))
    conf = rel["spark"]["values"]["defaults"]["properties"]
    assert conf["spark.sql.defaultCatalog"] == "lakehouse"
    assert conf["spark.sql.catalog.lakehouse.uri"] == "http://nessie.openlakes.svc.cluster.local:19120/iceberg"
    assert conf["spark.eventLog.dir"] == conf["spark.history.fs.logDirectory"] == "s3a://openlakes/spark-history/"
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    # Spark's own MinIO user, by reference to its Secret, in drivers and executors alike.
    assert conf["spark.kubernetes.executor.secretKeyRef.AWS_SECRET_ACCESS_KEY"] == "openlakes-spark-credentials:s3-secret-key"
    operator = rel["spark-operator"]["values"]
    assert {"name": "LoadSparkDefaults", "enabled": True} in operator["controller"]["featureGates"]
    mount = next(m for m in operator["controller"]["volumeMounts"] if m["name"] == "spark-defaults")
    assert {"name": "SPARK_CONF_DIR", "value": mount["mountPath"]} in operator["controller"]["env"]
    assert rel["spark-operator"]["depends_on"][1] == "spark", "the ConfigMap exists before the operator mounts it"
    assert operator["spark"]["jobNamespaces"] == ["openlakes"]
