# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Airflow 3 (the official chart): KubernetesExecutor, API server, scheduler, dag-processor and triggerer. Private to
this collection.

- Metadata database: Airflow's own role and database on the platform PostgreSQL. The SQLAlchemy URL is composed by
  Kubernetes in each container from two variables read from Airflow's Secret (`$(VAR)` expansion of earlier
  variables), so no value holds the password and the chart's own connection Secret is never made.
- Fernet key, API secret key, JWT secret and the admin's password are keys of Airflow's Secret (generated once by the
  credentials mechanism); the chart is given the Secret's name, never a value.
- Task logs go to MinIO (`airflow-logs/` of the main bucket) through the Airflow connection `openlakes_minio`: an
  `aws` connection naming MinIO's endpoint and region, whose keys are Airflow's own MinIO user from its Secret
  (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, which the AWS provider's default credential chain reads).
- Migrations and the admin user are the chart's helm hooks (post-install/post-upgrade, deleted before re-creation):
  the collection never runs helm with `--wait`, so helm runs the hooks as soon as the objects exist while the
  processes' `wait-for-airflow-migrations` init containers wait for them (with `--wait` they would wait for each
  other until the timeout), and a hook Job is re-created on every upgrade, where a plain Job of the chart's fixed name
  could not be changed (a Job's pod template is immutable).
- StatsD: when layer 08's exporter is on, Airflow sends to its `statsd` Service (the exporter has its own monitor);
  the chart's own exporter is off. The exporter's default mapping names each metric `airflow_<name>` (`.` -> `_`,
  counters without a `_total` suffix), scraped with the exporter's namespace; the heartbeat alert and the
  orchestration dashboard read those names, and exist only when Airflow sends (no alert on a metric nobody sends).
"""
from __future__ import annotations

import json
import re

from .. import _monitoring as m
from .._platform import INGRESS_CLASS

MINIO_CONN_ID = "openlakes_minio"
LOGS_PREFIX = "airflow-logs/"
# Environment variables Kubernetes fills from Airflow's Secret; the SQLAlchemy URL refers to the first two.
PG_USER_ENV, PG_PASSWORD_ENV = "OPENLAKES_PG_USER", "OPENLAKES_PG_PASSWORD"
ADMIN_USER_ENV, ADMIN_PASSWORD_ENV = "OPENLAKES_ADMIN_USERNAME", "OPENLAKES_ADMIN_PASSWORD"
S3_ENV = {"AWS_ACCESS_KEY_ID": "access_key", "AWS_SECRET_ACCESS_KEY": "secret_key"}
# The processes the chart runs (its values sections), each sized from the resource profile.
PROCESSES = ("apiServer", "scheduler", "dagProcessor", "triggerer")
# The admin user, created by the chart's user Job: the password goes to `airflow users create` on its standard input
# (printf is a shell builtin), never on a command line. An existing user is left as it is (the command says so and
# exits 0), so the post-upgrade hook re-runs harmlessly.
CREATE_USER_SCRIPT = (
    'printf "%s\\n%s\\n" "${OPENLAKES_ADMIN_PASSWORD}" "${OPENLAKES_ADMIN_PASSWORD}" | '
    'exec airflow users create --role Admin --username "${OPENLAKES_ADMIN_USERNAME}" '
    '--email "${OPENLAKES_ADMIN_USERNAME}@{domain}" --firstname Platform --lastname Admin')


def airflow_version(tag: str) -> str:
    """The Airflow version the chart decides by (`airflowVersion`), read from the image tag (3.2.2, 3.2.2-python3.12)."""
    found = re.match(r"^v?(\d+\.\d+\.\d+)", tag)
    if not found:
        from .._platform import PlanError
        raise PlanError(f"airflow: the image tag {tag!r} does not start with an Airflow version (such as 3.2.2); the "
                        f"chart needs it as airflowVersion")
    return found.group(1)


def metadata_url(u) -> str:
    """The SQLAlchemy URL, with Kubernetes' references to the variables holding the role and its password."""
    pg, db = u.service("postgresql", "rw"), u.database()
    return f"postgresql+psycopg2://$({PG_USER_ENV}):$({PG_PASSWORD_ENV})@{pg.address}/{db['name']}"


def minio_connection(u) -> str:
    """The Airflow connection `openlakes_minio` (JSON form): MinIO's endpoint and region; the keys come from the
    environment (Airflow's own MinIO user)."""
    s3 = u.service("minio", "s3")
    return json.dumps({"conn_type": "aws", "extra": {"endpoint_url": s3.url, "region_name": s3.region}},
                      sort_keys=True)


def logs_folder(u) -> str:
    user_grants = u.comp["consumes"]["minio"]["grants"]
    grant = next(g for g in user_grants if g["prefix"] == LOGS_PREFIX)
    return f"s3://{u.inp.bucket(grant['bucket'])}/{grant['prefix'].rstrip('/')}"


def _config(u) -> dict:
    scheme = "https" if u.tls else "http"
    api = u.service(u.name, "api")
    config = {
        # Task pods reach the Execution API inside the cluster; Airflow's default would be base_url (the Ingress).
        "core": {"load_examples": "False", "execution_api_server_url": f"{api.url}/execution/"},
        "api": {"base_url": f"{scheme}://{u.host_name()}"},
        "logging": {"remote_logging": "True", "remote_base_log_folder": logs_folder(u),
                    "remote_log_conn_id": MINIO_CONN_ID, "delete_local_logs": "True"},
        "metrics": {"statsd_on": "False"},
    }
    if u.consumes("statsd_exporter"):
        statsd = u.service("statsd_exporter", "statsd")
        config["metrics"] = {"statsd_on": "True", "statsd_host": statsd.host, "statsd_port": statsd.port,
                             "statsd_prefix": "airflow"}
    return config


def airflow(u, release: dict) -> dict:
    image = u.image(release)
    secret, db, s3_user = u.own_secret(), u.database(), u.minio_user()
    resources = u.resources()
    admin = u.comp["provides"]["credentials"]["admin"]["keys"]
    values = {
        "defaultAirflowRepository": image["repository"],
        "defaultAirflowTag": image["tag"],
        "airflowVersion": airflow_version(image["tag"]),
        "executor": "KubernetesExecutor",
        # What the KubernetesExecutor and Airflow 3 do not need, and the bundled database.
        "postgresql": {"enabled": False},
        "redis": {"enabled": False},
        "flower": {"enabled": False},
        "pgbouncer": {"enabled": False},
        "statsd": {"enabled": False},
        # The chart's own Secrets are never made: every secret is a key of Airflow's Secret.
        "data": {"metadataSecretName": secret},
        "fernetKeySecretName": secret,
        "apiSecretKeySecretName": secret,
        "jwtSecretName": secret,
        # The URL is composed below from the role's variables instead of the chart's `connection` key.
        "enableBuiltInSecretEnvVars": {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": False, "AIRFLOW_CONN_AIRFLOW_DB": False},
        "secret": [{"envName": PG_USER_ENV, "secretName": db["secret"], "secretKey": db["username_key"]},
                   {"envName": PG_PASSWORD_ENV, "secretName": db["secret"], "secretKey": db["password_key"]},
                   *({"envName": env, "secretName": s3_user["secret"], "secretKey": s3_user[key]}
                     for env, key in S3_ENV.items())],
        # After `secret` in every container, so Kubernetes expands the references to the variables above.
        "extraEnv": "\n".join([
            "- name: AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
            f"  value: {json.dumps(metadata_url(u))}",
            f"- name: AIRFLOW_CONN_{MINIO_CONN_ID.upper()}",
            f"  value: {json.dumps(minio_connection(u))}",
        ]) + "\n",
        "config": _config(u),
        "migrateDatabaseJob": {"useHelmHooks": True, "applyCustomEnv": True, "resources": resources},
        "createUserJob": {
            "useHelmHooks": True, "applyCustomEnv": True, "resources": resources,
            # The chart's default password ("admin") is never used: the Job reads the generated one (see above).
            "defaultUser": {"password": ""},
            "args": ["bash", "-c", CREATE_USER_SCRIPT.replace("{domain}", u.domain)],
            "env": [{"name": ADMIN_USER_ENV, "valueFrom": {"secretKeyRef": {"name": secret, "key": admin[0]}}},
                    {"name": ADMIN_PASSWORD_ENV, "valueFrom": {"secretKeyRef": {"name": secret, "key": admin[1]}}}],
        },
        "workers": {"kubernetes": {"resources": resources}},
        "triggerer": {"persistence": {"enabled": False}},   # logs go to MinIO: a Deployment, no claim
        "logs": {"persistence": {"enabled": False}},
    }
    for process in PROCESSES:
        values.setdefault(process, {})["resources"] = resources
    if u.enabled("traefik"):
        values["ingress"] = {"apiServer": {
            "enabled": True, "ingressClassName": INGRESS_CLASS, "annotations": u.ingress_annotations(),
            "pathType": "Prefix", "path": "/", "hosts": [{"name": u.host_name()}]}}
    return values


def alerts(u) -> list:
    """The scheduler's heartbeat (a StatsD counter the scheduler increments every loop) stopped, or never reached the
    exporter since it started (absent: the counter restarts with the exporter)."""
    if not u.consumes("statsd_exporter"):
        return []
    beat = f'airflow_scheduler_heartbeat{{namespace="{u.service("statsd_exporter", "statsd").namespace}"}}'
    return [m.alert("OpenLakesAirflowSchedulerHeartbeatMissing",
                    f"sum by (namespace) (rate({beat}[5m])) == 0 or absent({beat})",
                    "The Airflow scheduler's heartbeat is missing",
                    "No Airflow scheduler heartbeat reached the StatsD exporter in {{ $labels.namespace }} for 5 minutes: "
                    "no DAG run or task is being scheduled.", severity="critical")]


def dashboards(u) -> list:
    """Orchestration: the scheduler's heartbeat, the executor's slots and tasks, task outcomes, DAG parsing."""
    if not u.consumes("statsd_exporter"):
        return []
    return [m.dashboard(u, "airflow", "Airflow orchestration", [
        m.panel("Scheduler heartbeats per minute", "sum(rate(airflow_scheduler_heartbeat[5m])) * 60", "stat"),
        m.panel("DAGs", "max(airflow_dagbag_size)", "stat"),
        m.panel("DAG import errors", "max(airflow_dag_processing_import_errors)", "stat"),
        m.panel("Open executor slots", "sum(airflow_executor_open_slots)", "stat"),
        m.panel("Running tasks", "sum(airflow_executor_running_tasks)", legend="running"),
        m.panel("Queued tasks", "sum(airflow_executor_queued_tasks)", legend="queued"),
        m.panel("Task successes", "sum(rate(airflow_ti_successes[5m])) * 60", unit="short", legend="per minute"),
        m.panel("Task failures", "sum(rate(airflow_ti_failures[5m])) * 60", unit="short", legend="per minute"),
        m.panel("DAG parse time (all files)", "max(airflow_dag_processing_total_parse_time)", unit="s"),
    ])]


RELEASES = {"airflow": airflow}
