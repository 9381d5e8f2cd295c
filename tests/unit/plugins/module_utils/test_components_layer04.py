"""Layer 04 unit (plugins/module_utils/_components/airflow.py): the KubernetesExecutor with API server, scheduler,
dag-processor and triggerer and nothing of Celery; the metadata database on Airflow's own PostgreSQL role; every
secret a key of Airflow's Secret, never a value; task logs in MinIO through a connection naming MinIO, with
Airflow's own MinIO user limited to airflow-logs/; StatsD to layer 08's exporter only when it is on; the UI at
airflow.<domain>; migrations and the admin as helm hooks that the collection's helm call (no --wait) cannot
deadlock."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.openlakes.core.plugins.module_utils import _config, _helm, _platform, _secrets, _wiring
from ansible_collections.openlakes.core.plugins.module_utils._components import airflow as unit
from ansible_collections.openlakes.core.plugins.module_utils._components import minio as minio_unit

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

CONFIGS = values_configs.configs()
LAB = CONFIGS["lab"][0]
MANIFEST = _config.load_manifest()
SECRET = "openlakes-airflow-credentials"


def airflow(config=LAB) -> dict:
    return next(n for n in values_configs.plan(config)["releases"] if n["name"] == "airflow")


def extra_env(values) -> dict:
    return {e["name"]: e["value"] for e in yaml.safe_load(values["extraEnv"])}


def test_the_kubernetes_executor_runs_the_four_processes_and_nothing_of_celery():
    v = airflow()["values"]
    assert v["executor"] == "KubernetesExecutor"
    assert all(v[off]["enabled"] is False for off in ("postgresql", "redis", "flower", "pgbouncer", "statsd"))
    # The chart's defaults keep the API server, scheduler, dag-processor and triggerer on; each is sized.
    defaults = yaml.safe_load((values_configs.REPO / "tests/upstream-charts/airflow/1.22.0/values.yaml").read_text())
    for process in unit.PROCESSES:
        assert defaults[process]["enabled"] is True and v[process].get("enabled", True) is True
        assert v[process]["resources"] == {"requests": {"cpu": "100m", "memory": "512Mi"}}
    assert v["triggerer"]["persistence"]["enabled"] is False and v["logs"]["persistence"]["enabled"] is False
    assert (v["defaultAirflowRepository"], v["defaultAirflowTag"], v["airflowVersion"]) == (
        "docker.io/apache/airflow", "3.2.2", "3.2.2")
    assert v["images"]["airflow"] == {"repository": "docker.io/apache/airflow", "tag": "3.2.2"}


def test_the_metadata_database_is_airflows_own_role_and_no_value_holds_its_password():
    rel = airflow()
    v = rel["values"]
    assert rel["depends_on"] == ["namespace/openlakes", "postgresql", "minio", "minio-setup"]
    url = extra_env(v)["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert url == ("postgresql+psycopg2://$(OPENLAKES_PG_USER):$(OPENLAKES_PG_PASSWORD)"
                   "@postgresql-rw.openlakes.svc.cluster.local:5432/airflow")
    assert {s["envName"]: (s["secretName"], s["secretKey"]) for s in v["secret"]} == {
        "OPENLAKES_PG_USER": (SECRET, "username"), "OPENLAKES_PG_PASSWORD": (SECRET, "password"),
        "AWS_ACCESS_KEY_ID": (SECRET, "s3-access-key"), "AWS_SECRET_ACCESS_KEY": (SECRET, "s3-secret-key")}
    # The chart's own URL from its `connection` key is off; its own metadata Secret is never made.
    assert v["enableBuiltInSecretEnvVars"] == {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": False,
                                               "AIRFLOW_CONN_AIRFLOW_DB": False}
    assert v["data"] == {"metadataSecretName": SECRET}
    pg = next(n for n in values_configs.plan(LAB)["releases"] if n["name"] == "postgresql")["values"]
    assert {"name": "airflow", "owner": "airflow", "ensure": "present"} in pg["databases"]


def test_a_kubernetes_variable_reference_is_not_a_credential_but_a_password_in_a_url_is():
    v = airflow()["values"]
    assert _helm.secret_strings(extra_env(v)) == []
    assert _helm.secret_strings({"url": "postgresql://airflow:Secr3tPassw0rd@pg:5432/airflow"}) == ["Secr3tPassw0rd"]
    assert _helm.secret_strings({"url": "postgresql://airflow:$(A)x@pg:5432/airflow"}) == ["$(A)x"]


def test_every_secret_is_a_generated_key_of_airflows_secret():
    v = airflow()["values"]
    assert v["fernetKeySecretName"] == v["apiSecretKeySecretName"] == v["jwtSecretName"] == SECRET
    keys = MANIFEST["components"]["airflow"]["credentials"]["keys"]
    # The keys the chart reads from those Secrets, under the names it expects; each one generated.
    assert {k: keys[k] for k in ("fernet-key", "api-secret-key", "jwt-secret", "admin-password")} == {
        "fernet-key": "fernet", "api-secret-key": "hex:32", "jwt-secret": "hex:32", "admin-password": "password"}
    assert all(_secrets.is_secret(keys[k]) for k in ("fernet-key", "api-secret-key", "jwt-secret", "admin-password"))
    sets = {s["name"]: s for s in values_configs.plan(LAB)["credentials"]}
    assert sorted(sets["airflow"]["keys"]) == sorted(["admin-username", "admin-password", "fernet-key", "api-secret-key",
                                                      "jwt-secret", "username", "password", "s3-access-key",
                                                      "s3-secret-key"])
    for generated in ("fernetKey", "apiSecretKey", "jwtSecret", "webserverSecretKey"):
        assert generated not in v


def test_the_admin_comes_from_the_generated_set_on_standard_input_never_a_command_line():
    job = airflow()["values"]["createUserJob"]
    assert job["defaultUser"]["password"] == ""   # the chart's default "admin" is never used
    script = job["args"][2]
    assert job["args"][:2] == ["bash", "-c"] and "airflow users create" in script and " -p " not in script
    assert "--password" not in script and script.startswith('printf "%s\\n%s\\n" "${OPENLAKES_ADMIN_PASSWORD}"')
    assert {e["name"]: e["valueFrom"]["secretKeyRef"] for e in job["env"]} == {
        "OPENLAKES_ADMIN_USERNAME": {"name": SECRET, "key": "admin-username"},
        "OPENLAKES_ADMIN_PASSWORD": {"name": SECRET, "key": "admin-password"}}


def test_migrations_and_the_admin_are_hooks_and_helm_never_waits_for_them_to_deadlock():
    v = airflow()["values"]
    for job in ("migrateDatabaseJob", "createUserJob"):
        # Hooks: helm runs them once the objects exist and re-creates them on every upgrade (a Job of the chart's
        # fixed name could not change: its pod template is immutable); custom env reaches them (the URL).
        assert v[job]["useHelmHooks"] is True and v[job]["applyCustomEnv"] is True
    chart = _helm.ChartRef(name="airflow", version="1.22.0", repository="https://airflow.apache.org")
    argv = _helm.Helm(binary="helm").upgrade_argv("airflow", "openlakes", chart, "/tmp/v.yaml", "d", timeout_s=900)
    # Without --wait helm does not hold the post-install hooks until the Deployments are ready, while their
    # wait-for-airflow-migrations init containers wait for those hooks (the deadlock of COMPONENTS.md 12).
    assert not [a for a in argv if a.startswith("--wait") or a == "--atomic"]


def test_task_logs_go_to_airflow_logs_in_minio_with_airflows_own_user():
    v = airflow()["values"]
    assert v["config"]["logging"] == {"remote_logging": "True", "remote_base_log_folder": "s3://openlakes/airflow-logs",
                                      "remote_log_conn_id": "openlakes_minio", "delete_local_logs": "True"}
    conn = json.loads(extra_env(v)["AIRFLOW_CONN_OPENLAKES_MINIO"])
    assert conn == {"conn_type": "aws", "extra": {"endpoint_url": "http://minio.openlakes.svc.cluster.local:9000",
                                                  "region_name": "us-east-1"}}
    spec, _mounts = minio_unit.setup_spec(_platform.Unit(values_configs.inputs(LAB), "minio"))
    # Airflow's own MinIO user may read and write airflow-logs/ of the main bucket and nothing else.
    assert {u["name"]: u for u in spec["users"]}["airflow"] == {
        "name": "airflow", "credentials_dir": "/secrets/airflow", "access_key_file": "s3-access-key",
        "secret_key_file": "s3-secret-key", "grants": [{"bucket": "openlakes", "prefix": "airflow-logs/", "access": "readwrite"}]}
    grants = MANIFEST["components"]["airflow"]["consumes"]["minio"]["grants"]
    assert grants == [{"bucket": "main", "prefix": "airflow-logs/", "access": "readwrite"}]


def test_statsd_goes_to_layer_08s_exporter_only_while_it_is_on():
    v = airflow()["values"]
    assert v["config"]["metrics"] == {"statsd_on": "True", "statsd_port": 9125, "statsd_prefix": "airflow",
                                      "statsd_host": "statsd-exporter.openlakes-monitoring.svc.cluster.local"}
    off = airflow(values_configs.without(LAB))
    assert off["values"]["config"]["metrics"] == {"statsd_on": "False"}
    links = [(l["provider"], l["what"]) for l in values_configs.plan(values_configs.without(LAB))["wiring"]
             if l["consumer"] == "airflow"]
    assert ("statsd_exporter", "service statsd") not in links
    # StatsD is optional: Airflow never waits for layer 08.
    assert "statsd-exporter" not in airflow()["depends_on"]


def test_the_ui_is_airflow_on_the_domain_through_traefik():
    v = airflow()["values"]
    assert v["ingress"]["apiServer"] == {
        "enabled": True, "ingressClassName": "traefik", "pathType": "Prefix", "path": "/",
        "annotations": {"traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
                        "traefik.ingress.kubernetes.io/router.tls": "true"},
        "hosts": [{"name": "airflow.openlakes.lab.internal"}]}
    assert v["config"]["api"]["base_url"] == "https://airflow.openlakes.lab.internal"
    # Task pods call the Execution API on the Service, never through the Ingress that base_url names.
    assert v["config"]["core"]["execution_api_server_url"] == \
        "http://airflow-api-server.openlakes.svc.cluster.local:8080/execution/"
    plain = airflow(CONFIGS["lab+no-tls-no-tiering-mirror-auto"][0])["values"]
    assert plain["config"]["api"]["base_url"].startswith("http://airflow.")


def test_the_wiring_table_lists_airflow_to_postgresql_minio_and_statsd():
    links = [(l["provider"], l["what"], l.get("reference")) for l in values_configs.plan(LAB)["wiring"]
             if l["consumer"] == "airflow"]
    assert links == [
        ("postgresql", "service rw", "postgresql-rw.openlakes.svc.cluster.local:5432"),
        ("postgresql", "database role (consumer side)", None), ("postgresql", "database role (provider side)", None),
        ("minio", "service s3", "minio.openlakes.svc.cluster.local:9000"),
        ("minio", "MinIO user (consumer side)", None), ("minio", "MinIO user (provider side)", None),
        ("statsd_exporter", "service statsd", "statsd-exporter.openlakes-monitoring.svc.cluster.local:9125")]


CFG = '"airflow.cfg": "[metrics]\\nstatsd_host = s.mon.svc.cluster.local\\nstatsd_port = 9125\\n"'
STATSD = "s.mon.svc.cluster.local:9125"


@pytest.mark.parametrize("text, reference, apart, named", [
    ('{"value": "postgresql://u@pg.ns.svc.cluster.local:5432/db"}', "pg.ns.svc.cluster.local:5432", False, True),
    ('{"value": "postgresql://u@pg.ns.svc.cluster.local:5432/db"}', "pg.ns.svc.cluster.local:5432", True, True),
    # Airflow's configuration names StatsD's host and port as two options: accepted where the consumption says so.
    (CFG, STATSD, True, True),
    ('"airflow.cfg": "statsd_host = s.mon.svc.cluster.local\\nstatsd_port = 91250\\n"', STATSD, True, False),
    ('"airflow.cfg": "statsd_host = other.svc\\nstatsd_port = 9125\\n"', STATSD, True, False),
    # An ordinary link: the host in one place and the port in another is not the address.
    (CFG, STATSD, False, False),
    ('{"env": [{"name": "DB_HOST", "value": "pg.ns.svc.cluster.local"}, {"name": "DB_PORT", "value": "5432"}],'
     ' "ports": [{"containerPort": 5432}]}', "pg.ns.svc.cluster.local:5432", False, False),
    ('{"secretName": "openlakes-airflow-credentials"}', "openlakes-airflow-credentials", False, True),
    ('{"secretName": "openlakes-airflow"}', "openlakes-airflow-credentials", False, False),
])
def test_the_wiring_check_finds_an_address_named_whole_or_as_host_and_port(text, reference, apart, named):
    assert _wiring.names_address(text, reference, apart) is named


def test_only_the_consumption_that_declares_it_names_host_and_port_apart():
    """platform/components.yml's `host_and_port_apart` reaches exactly its links; every other link stays literal."""
    links = values_configs.plan(LAB)["wiring"]
    apart = [(l["consumer"], l["provider"], l["what"]) for l in links if l.get("apart")]
    assert apart == [("airflow", "statsd_exporter", "service statsd")]
    assert all(l["apart"] is False for l in links if l["kind"] == "service" and (l["consumer"], l["provider"]) !=
               ("airflow", "statsd_exporter"))


def test_an_ordinary_link_with_host_and_port_in_different_places_fails_the_check():
    """check_reference on a release whose objects hold the host and `port: 5432` in different places: the link fails
    unless its consumption declares host_and_port_apart."""
    text = '{"data": {"host": "pg.ns.svc.cluster.local", "db_port = 5432": ""}}'

    class Live:
        @staticmethod
        def release_text(_name, _namespace):
            return text
    rel = [{"name": "app", "namespace": "ns"}]
    assert _wiring.check_reference(Live, rel, "pg.ns.svc.cluster.local:5432", "the address") == [
        "the live objects of app do not name the address pg.ns.svc.cluster.local:5432"]
    assert _wiring.check_reference(Live, rel, "pg.ns.svc.cluster.local:5432", "the address", apart=True) == []


def test_an_image_tag_without_an_airflow_version_stops_the_plan():
    assert unit.airflow_version("3.2.2-python3.12") == "3.2.2"
    with pytest.raises(_platform.PlanError, match="the image tag 'latest' does not start with an Airflow version"):
        unit.airflow_version("latest")


def test_layer_05_is_refused_with_a_sentence_while_it_is_not_built():
    text = (values_configs.REPO / "inventories" / "lab" / "core-config.yaml").read_text()
    for name in ("jupyterhub", "superset"):
        res = _config.load(str(values_configs.EXAMPLES[0]), ["lab-node-1", "lab-node-2", "lab-node-3"], check_files=False,
                           text=text.replace("components:\n", f"components:\n  {name}: {{enabled: true}}\n", 1))
        assert not res.ok
        assert any(p.path == ("components", name, "enabled") and "is not implemented in this version" in p.message
                   for p in res.problems), [p.render() for p in res.problems]


def test_every_airflow_option_the_unit_sets_is_one_the_pinned_airflow_knows(airflow_venv):
    """`config` is free-form for the chart (airflow.cfg): the pinned Airflow itself says whether each option exists
    (its own venv, as for the DagBag test: tests/unit/files/airflow/make-venv.sh)."""
    import subprocess

    options = sorted({(section, key) for name in ("lab", "lab+no-tls-no-tiering-mirror-auto")
                      for section, keys in airflow(CONFIGS[name][0])["values"]["config"].items() for key in keys})
    # Airflow's own description of its options (config.yml): has_option() is false for an option without a default.
    probe = ("import json, sys; from airflow.configuration import conf; d = conf.configuration_description; "
             "print(json.dumps([o for o in json.loads(sys.argv[1]) if o[1] not in d.get(o[0], {}).get('options', {})]))")
    env = {"AIRFLOW_HOME": "/tmp/openlakes-airflow-options", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([str(airflow_venv / "bin" / "python"), "-c", probe, json.dumps(options)], capture_output=True,
                          text=True, timeout=300, check=False, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [], f"unknown to Airflow, of {len(options)} options"
