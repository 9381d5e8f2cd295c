"""The one place where the data path tier turns an example configuration into what the collection
generates for it: the releases' values (the platform plan, plugins/module_utils/_platform.py), the
credential Secrets (its credential sets, generated as the credentials role generates them), the
MinIO setup Job's spec (the minio unit's `setup_spec`) and its release's values (script and chart values),
and layer 02's own views of its values: Trino's catalogs (`trino.catalogs`, written by `trino.properties`)
and the platform's one Spark configuration (`spark.spark_defaults`).

Everything the tier feeds to a server comes from `generate()`.
"""
from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ansible_collections.openlakes.core.plugins.module_utils import _platform, _secrets
from ansible_collections.openlakes.core.plugins.module_utils._components import minio as minio_unit
from ansible_collections.openlakes.core.plugins.module_utils._components import spark as spark_unit
from ansible_collections.openlakes.core.plugins.module_utils._components import trino as trino_unit

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "unit" / "plugins" / "module_utils"))
import values_configs  # noqa: E402  (the unit tests' planner of the example configurations)

CONFIGS = ("lab", "ha-three-node")
# The tier's own Kafka client: a component that consumes Kafka as the platform's clients will (Spark, Debezium):
# the bootstrap Service and a Kafka user of its own. No example has one yet; its unit reads what the plan gives it.
KAFKA_CLIENT = "streamer"
KAFKA_CLIENT_COMPONENT = {"layer": "03", "namespace": "platform",
                          "consumes": {"kafka": {"services": ["bootstrap"], "user": True}},
                          "releases": [{"name": KAFKA_CLIENT, "main": True,
                                        "chart": {"repository": "https://example.invalid", "name": KAFKA_CLIENT,
                                                  "version": "0"}}]}


@dataclass
class Generated:
    name: str
    config: dict
    releases: dict                      # release name -> the plan's release node (values, namespace, chart, ...)
    secrets: dict                       # Secret name -> {key: value}, as the credentials role generates them
    key_specs: dict = field(default_factory=dict)      # Secret name -> {key: generator spec}
    spec: dict = field(default_factory=dict)
    setup_values: dict = field(default_factory=dict)   # values of charts/openlakes-minio-setup
    trino_catalogs: dict = field(default_factory=dict)  # catalog name -> its file's text (trino.properties)
    spark_defaults: dict = field(default_factory=dict)  # spark-defaults.conf property -> value

    @property
    def namespace(self) -> str:
        return self.config["cluster"]["namespace"]

    def secret_values(self) -> list:
        """Every generated secret value (masked in reports, searched for by the argv audit), longest
        first; user names and access key IDs (`fixed:` and `user:` keys) are identifiers, not secrets."""
        return sorted({v for name, data in self.secrets.items() for k, v in data.items()
                       if _secrets.is_secret(self.key_specs[name][k])}, key=len, reverse=True)


def _with_kafka_client(config: dict, inp):
    """The configuration and inputs with the tier's Kafka client enabled (KAFKA_CLIENT_COMPONENT; its unit gives its
    release what `Unit` gives it: the bootstrap address and its own Kafka user)."""
    import copy
    import types

    from ansible_collections.openlakes.core.plugins.module_utils import _components

    unit = types.ModuleType(KAFKA_CLIENT)
    unit.RELEASES = {KAFKA_CLIENT: lambda u, rel: {"bootstrap": u.service("kafka", "bootstrap").address,
                                                   "user": u.kafka_user()}}
    _components.UNITS.setdefault(KAFKA_CLIENT, unit)
    config = copy.deepcopy(config)
    config["derived"]["enabled_components"].append(KAFKA_CLIENT)
    inp.manifest["components"][KAFKA_CLIENT] = KAFKA_CLIENT_COMPONENT
    inp.config = config
    return config, inp


@functools.lru_cache(maxsize=None)
def generate(name: str, kafka_client: bool = False) -> Generated:
    config, _hosts = values_configs.configs()[name]
    inp = values_configs.inputs(config)
    if kafka_client:
        config, inp = _with_kafka_client(config, inp)
    releases = {n["name"]: n for n in _platform.plan(inp)["nodes"] if n["type"] == "release"}
    sets = _platform.credential_sets(inp)
    gen = Generated(name, config, releases, {s["secret"]: _secrets.generate(s["keys"]) for s in sets},
                    {s["secret"]: s["keys"] for s in sets})
    gen.spec, _mounts = minio_unit.setup_spec(_platform.Unit(inp, "minio"))
    # The setup Job's values exactly as the plan gives them to charts/openlakes-minio-setup.
    gen.setup_values = releases["minio-setup"]["values"]
    trino = _platform.Unit(inp, "trino")
    gen.trino_catalogs = {name: trino_unit.properties(props) for name, props in trino_unit.catalogs(trino).items()}
    spark_release = next(r for r in inp.manifest["components"]["spark"]["releases"] if r["name"] == "spark")
    gen.spark_defaults = spark_unit.spark_defaults(_platform.Unit(inp, "spark"), spark_release)
    return gen


def minio_server(values: dict, release: str, namespace: str, drive_root: str) -> list:
    """`minio server` arguments as chart 5.4.0's StatefulSet (distributed) or Deployment (standalone)
    writes them from its values; only the drives' mount path (`mountPath`, /export) is the tier's
    `drive_root` (each pod's drives are mounts of its own there) and the certificates directory is the
    pod's."""
    chart = values_configs.yaml.safe_load((REPO / "tests" / "upstream-charts" / "minio" / "5.4.0" / "values.yaml").read_text())
    v = {**chart, **values}
    mount = drive_root.rstrip("/") + "/" + v["mountPath"].strip("/")
    tail = ["--address", f":{v['minioAPIPort']}", "--console-address", f":{v['minioConsolePort']}"]
    if v["mode"] == "standalone":
        return ["server", mount] + tail
    nodes, drives = int(v["replicas"]), int(v["drivesPerNode"])
    path = f"{mount}-{{0...{drives - 1}}}" if drives > 1 else mount
    return ["server", f"http://{release}-{{0...{nodes - 1}}}.{release}-svc.{namespace}.svc.{v['clusterDomain']}{path}"] + tail
