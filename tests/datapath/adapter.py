"""The one place where the data path tier turns an example configuration into what the collection
generates for it: the releases' values (the plan of layer 01), the credential Secrets (as the
credentials role makes them), and the MinIO setup Job's spec, script and chart values.

Everything the tier feeds to a server comes from `generate()`. When the platform plan moves the
builders (plugins/module_utils/_components/) and builds the setup spec itself, only this file changes.
"""
from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ansible_collections.openlakes.core.plugins.module_utils import _minio_setup, _secrets, _values

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "unit" / "plugins" / "module_utils"))
import values_configs  # noqa: E402  (the unit tests' planner of the example configurations)

# Where the setup Job mounts each Secret (the chart's `secrets` value).
SETUP_MOUNTS = {"minio": "/secrets/minio", "nessie": "/secrets/nessie"}
# Consumers of MinIO and what they may reach (issue 10: one user and policy per consuming service).
S3_CONSUMERS = {"nessie": [{"prefix": "warehouse/", "access": "readwrite"}]}
CONFIGS = ("lab", "ha-three-node")


@dataclass
class Generated:
    name: str
    config: dict
    releases: dict                      # release name -> the plan's release (values, namespace, chart, ...)
    secrets: dict                       # Secret name -> {key: value}
    spec: dict = field(default_factory=dict)
    setup_values: dict = field(default_factory=dict)   # values of charts/openlakes-minio-setup

    @property
    def namespace(self) -> str:
        return self.config["cluster"]["namespace"]

    def secret_values(self, identifiers: bool = True) -> list:
        """Every generated credential value (masked in reports), longest first. Without `identifiers`,
        S3 access key IDs are left out: a user's name, which mc takes as an argument by design."""
        skip = set(_secrets.USER_KEYS) | (set() if identifiers else {"s3-access-key"})
        return sorted({v for data in self.secrets.values() for k, v in data.items() if k not in skip},
                      key=len, reverse=True)


@functools.lru_cache(maxsize=None)
def generate(name: str) -> Generated:
    config, _hosts = values_configs.configs()[name]
    plan = values_configs.plan(config)
    releases = {r["name"]: r for r in plan["releases"]}
    secrets = {_secrets.secret_name(s): _secrets.generate(s) for s in config["derived"]["credential_services"]}
    # Until the platform plan adds them (issue 10), each consumer's S3 keys are added to its own Secret
    # here, generated as the credentials role generates keys.
    for service in S3_CONSUMERS:
        data = secrets.get(_secrets.secret_name(service))
        if data is not None:
            data.setdefault("s3-access-key", _secrets._user(service))  # pylint: disable=protected-access
            data.setdefault("s3-secret-key", _secrets._password(40))  # pylint: disable=protected-access
    gen = Generated(name, config, releases, secrets)
    gen.spec = setup_spec(gen)
    gen.setup_values = {
        "image": dict(releases["minio"]["values"]["mcImage"], pullPolicy="IfNotPresent"),
        "script": _minio_setup.script(gen.spec),
        "secrets": [{"name": _secrets.secret_name(service), "mountPath": path} for service, path in SETUP_MOUNTS.items()
                    if _secrets.secret_name(service) in secrets],
    }
    return gen


def setup_spec(gen: Generated) -> dict:
    """The setup Job's spec, built from today's configuration the way the platform plan will build it
    from component declarations (_minio_setup's docstring)."""
    inp = _values.Inputs(gen.config)
    buckets = gen.config["storage"]["minio"]["buckets"]
    main = buckets["main"]
    tiered = "minio-cold" in gen.releases
    users = []
    for service, grants in S3_CONSUMERS.items():
        if service in gen.config["derived"]["enabled_components"]:
            users.append({"name": service, "credentials_dir": SETUP_MOUNTS[service], "access_key_file": "s3-access-key",
                          "secret_key_file": "s3-secret-key",
                          "grants": [dict(g, bucket=main["name"]) for g in grants]})
    return {
        "hot": {"alias": "hot", "endpoint": inp.svc("minio", 9000), "credentials_dir": SETUP_MOUNTS["minio"]},
        "cold": ({"alias": "cold", "endpoint": inp.svc("minio-cold", 9000), "credentials_dir": SETUP_MOUNTS["minio"],
                  "bucket": _values.COLD_BUCKET} if tiered else None),
        "buckets": [{"name": main["name"], "versioning": bool(main.get("versioning")), "prefixes": list(_values.MAIN_PREFIXES)},
                    {"name": buckets["notebooks"]["name"], "versioning": bool(buckets["notebooks"].get("versioning")),
                     "prefixes": list(_values.NOTEBOOK_PREFIXES)}],
        "users": users,
        "tiering": ({"tier": _values.COLD_TIER_NAME, "bucket": main["name"], "prefix": f"{main['name']}/",
                     "transition_days": gen.config["storage"]["tiering"]["cold_after_days"],
                     "noncurrent": bool(main.get("versioning"))} if tiered else None),
    }


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
