# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spark: the operator for batch and streaming SparkApplications, the platform's one Spark configuration and the
history server. Private to this collection.

The configuration (`spark_defaults`) is the ConfigMap `openlakes-spark-defaults`: the Iceberg catalog on Nessie's
REST endpoint as the default catalog, S3A and Iceberg's S3 client on MinIO, event logs to spark-history/ and
streaming checkpoints under checkpoints/. Spark's own MinIO user reaches drivers and executors as AWS_*
environment variables from its Secret (`spark.kubernetes.*.secretKeyRef`): the configuration names the Secret
and its keys, never a value. The operator loads it for every application it submits (feature gate
LoadSparkDefaults, the ConfigMap mounted at SPARK_CONF_DIR), so a SparkApplication needs none of it.
"""
from __future__ import annotations

from .._platform import INGRESS_CLASS
from .. import _monitoring as m

CONFIG_MAP = "openlakes-spark-defaults"
CONF_DIR = "/etc/openlakes/spark"
SERVICE_ACCOUNT = "openlakes-spark"     # what drivers run as (the operator chart creates it and its RBAC)
ENV_KEYS = {"AWS_ACCESS_KEY_ID": "access_key", "AWS_SECRET_ACCESS_KEY": "secret_key"}
# hadoop-aws 3.3.4 is built on the AWS SDK v1; Iceberg's S3FileIO (SDK v2) reads the same variables by default.
S3A_ENV_PROVIDER = "com.amazonaws.auth.EnvironmentVariableCredentialsProvider"


def _prefix(u, prefix: str) -> str:
    """The s3a:// URL of one of Spark's granted prefixes in the main bucket (declared under consumes.minio.grants)."""
    grants = u.comp["consumes"]["minio"]["grants"]
    grant = next(g for g in grants if g["prefix"] == prefix)
    return f"s3a://{u.inp.bucket(grant['bucket'])}/{grant['prefix']}"


def spark_defaults(u, release: dict) -> dict:
    """spark-defaults.conf as property -> value, in the order written."""
    catalog = u.setting("catalog_name")
    nessie, s3, user = u.service("nessie", "iceberg"), u.service("minio", "s3"), u.minio_user()
    image = u.image(release)
    cat = f"spark.sql.catalog.{catalog}"
    conf = {
        "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        cat: "org.apache.iceberg.spark.SparkCatalog",
        f"{cat}.type": "rest",
        f"{cat}.uri": nessie.url,
        f"{cat}.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
        f"{cat}.s3.endpoint": s3.url,
        f"{cat}.s3.path-style-access": "true",
        f"{cat}.client.region": s3.region,
        "spark.sql.defaultCatalog": catalog,
        "spark.hadoop.fs.s3a.endpoint": s3.url,
        "spark.hadoop.fs.s3a.endpoint.region": s3.region,
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": str(s3.scheme == "https").lower(),
        "spark.hadoop.fs.s3a.aws.credentials.provider": S3A_ENV_PROVIDER,
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": _prefix(u, "spark-history/"),
        "spark.history.fs.logDirectory": _prefix(u, "spark-history/"),
        "spark.history.fs.cleaner.enabled": "true",
        "spark.history.fs.cleaner.maxAge": f"{u.setting('event_log_retention_days')}d",
        "spark.sql.streaming.checkpointLocation": _prefix(u, "checkpoints/"),
        "spark.kubernetes.namespace": u.ns,
        "spark.kubernetes.container.image": "{repository}:{tag}".format(**image),
        "spark.kubernetes.authenticate.driver.serviceAccountName": SERVICE_ACCOUNT,
    }
    refs = {env: f"{user['secret']}:{user[key]}" for env, key in ENV_KEYS.items()}
    plain = {}
    if u.consumes("kafka"):
        # Kafka is reached through options of each query, not Spark properties: jobs read these variables
        # (docs/design.md, "Layer 02 choices").
        kafka, account = u.service("kafka", "bootstrap"), u.kafka_user()
        plain = {"KAFKA_BOOTSTRAP_SERVERS": kafka.address, "KAFKA_SECURITY_PROTOCOL": account["security_protocol"],
                 "KAFKA_SASL_MECHANISM": account["mechanism"]}
        refs.update({"KAFKA_USERNAME": f"{account['secret']}:{account['username_key']}",
                     "KAFKA_PASSWORD": f"{account['secret']}:{account['password_key']}"})
    for side, env_prefix in (("driver", "spark.kubernetes.driverEnv."), ("executor", "spark.executorEnv.")):
        for env, ref in refs.items():
            conf[f"spark.kubernetes.{side}.secretKeyRef.{env}"] = ref
        for env, value in plain.items():
            conf[env_prefix + env] = value
    return conf


def spark_operator(u, release: dict) -> dict:
    controller, kubectl = u.image(release, 0), u.image(release, 1)
    return {
        "image": {"registry": "", "repository": controller["repository"], "tag": controller["tag"]},
        # The collection applies the chart's CRDs itself (`crds: apply`): the chart's own upgrade hook is off.
        "hook": {"upgradeCrd": False, "image": {"registry": "", "repository": kubectl["repository"], "tag": kubectl["tag"]}},
        "controller": {
            # Every submission starts from the platform's configuration (SPARK_CONF_DIR/spark-defaults.conf).
            "featureGates": [{"name": "PartialRestart", "enabled": False}, {"name": "LoadSparkDefaults", "enabled": True}],
            "env": [{"name": "SPARK_CONF_DIR", "value": CONF_DIR}],
            "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}},
                        {"name": "spark-defaults", "configMap": {"name": CONFIG_MAP}}],
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp", "readOnly": False},
                             {"name": "spark-defaults", "mountPath": CONF_DIR, "readOnly": True}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        },
        "webhook": {"enable": True},
        "spark": {"jobNamespaces": [u.ns], "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT}},
        # The controller's metrics port is on; its PodMonitor comes from this unit (monitors), not the chart.
        "prometheus": {"podMonitor": {"create": False}},
    }


def spark(u, release: dict) -> dict:
    """The collection's openlakes-spark chart: the configuration and the history server."""
    user = u.minio_user()
    values = {
        "image": dict(u.image(release), pullPolicy="IfNotPresent"),
        "defaults": {"configMap": CONFIG_MAP, "properties": spark_defaults(u, release)},
        "history": {"enabled": True, "port": u.service(u.name, "history").port, "javaOptions": u.heap_options(),
                    "credentials": {"secret": user["secret"], "accessKeyKey": user["access_key"],
                                    "secretKeyKey": user["secret_key"]},
                    "resources": u.resources()},
    }
    if u.enabled("traefik"):
        values["ingress"] = {"enabled": True, "className": INGRESS_CLASS, "host": u.host_name(),
                             "annotations": u.ingress_annotations()}
    return values


def monitors(u) -> list:
    """The operator's controller (applications submitted, running, failed; its work queue)."""
    return [u.monitor({"app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/component": "controller"})]


def dashboards(u) -> list:
    """Applications through the operator: submitted, running, succeeded, failed; executors."""
    return [m.dashboard(u, "spark", "Spark", [
        m.panel("Running applications", "sum(spark_application_running_count)", "stat"),
        m.panel("Running executors", "sum(spark_executor_running_count)", "stat"),
        m.panel("Failed submissions", "sum(spark_application_failed_submission_count)", "stat"),
        m.panel("Applications failed", "sum(spark_application_failure_count)", "stat"),
        m.panel("Submitted per hour", "sum(increase(spark_application_submit_count[1h]))"),
        m.panel("Succeeded per hour", "sum(increase(spark_application_success_count[1h]))"),
        m.panel("Failed per hour", "sum(increase(spark_application_failure_count[1h]))"),
        m.panel("Executors succeeded per hour", "sum(increase(spark_executor_success_count[1h]))"),
        m.panel("Executors failed per hour", "sum(increase(spark_executor_failure_count[1h]))"),
    ])]


RELEASES = {"spark-operator": spark_operator, "spark": spark}
