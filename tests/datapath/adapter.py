"""The one place where the data path tier turns an example configuration into what the collection
generates for it: the releases' values (the platform plan, plugins/module_utils/_platform.py), the
credential Secrets (its credential sets, generated as the credentials role generates them), and the
MinIO setup Job's spec, script and chart values.

Everything the tier feeds to a server comes from `generate()`. When the plan builds the setup Job's
release itself, `setup_spec` gives way to the plan's values of that release; nothing else changes.
"""
from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ansible_collections.openlakes.core.plugins.module_utils import _minio_setup, _platform, _secrets
from ansible_collections.openlakes.core.plugins.module_utils._components import minio as minio_unit

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "unit" / "plugins" / "module_utils"))
import values_configs  # noqa: E402  (the unit tests' planner of the example configurations)

ROOT_MOUNT = "/secrets/minio"     # where the setup Job mounts MinIO's root credentials
CONFIGS = ("lab", "ha-three-node")


@dataclass
class Generated:
    name: str
    config: dict
    releases: dict                      # release name -> the plan's release node (values, namespace, chart, ...)
    secrets: dict                       # Secret name -> {key: value}, as the credentials role generates them
    key_specs: dict = field(default_factory=dict)      # Secret name -> {key: generator spec}
    spec: dict = field(default_factory=dict)
    setup_values: dict = field(default_factory=dict)   # values of charts/openlakes-minio-setup

    @property
    def namespace(self) -> str:
        return self.config["cluster"]["namespace"]

    def secret_values(self) -> list:
        """Every generated secret value (masked in reports, searched for by the argv audit), longest
        first; user names and access key IDs (`fixed:` and `user:` keys) are identifiers, not secrets."""
        return sorted({v for name, data in self.secrets.items() for k, v in data.items()
                       if _secrets.is_secret(self.key_specs[name][k])}, key=len, reverse=True)


@functools.lru_cache(maxsize=None)
def generate(name: str) -> Generated:
    config, _hosts = values_configs.configs()[name]
    inp = values_configs.inputs(config)
    plan = values_configs.plan(config)
    releases = {r["name"]: r for r in plan["releases"]}
    sets = _platform.credential_sets(inp)
    gen = Generated(name, config, releases, {s["secret"]: _secrets.generate(s["keys"]) for s in sets},
                    {s["secret"]: s["keys"] for s in sets})
    gen.spec, mounts = setup_spec(inp)
    gen.setup_values = {
        "image": dict(releases["minio"]["values"]["mcImage"], pullPolicy="IfNotPresent"),
        "script": _minio_setup.script(gen.spec),
        "secrets": [{"name": secret, "mountPath": path} for secret, path in mounts],
    }
    return gen


def setup_spec(inp: _platform.Inputs) -> tuple:
    """The setup Job's spec from the platform's declarations (MinIO's `grants` consumers, its services and
    credential sets), and the Secrets the Job mounts: [(Secret, mount path)]."""
    buckets = inp.config["storage"]["minio"]["buckets"]
    main = buckets["main"]
    root = _platform.secret_of(inp, _platform.credential_set(inp.manifest, "minio"))
    mounts, users = [(root, ROOT_MOUNT)], []
    for consumer, decl in _platform.Unit(inp, "minio").consumers("grants"):
        user = _platform.Unit(inp, consumer).minio_user()
        path = f"/secrets/{consumer}"
        mounts.append((user["secret"], path))
        users.append({"name": consumer, "credentials_dir": path, "access_key_file": user["access_key"],
                      "secret_key_file": user["secret_key"],
                      "grants": [dict(g, bucket=inp.bucket(g["bucket"])) for g in decl["grants"]]})
    tiered = inp.tiering_on()
    spec = {
        "hot": {"alias": "hot", "endpoint": _platform.endpoint(inp, "minio", "s3").url, "credentials_dir": ROOT_MOUNT},
        "cold": ({"alias": "cold", "endpoint": _platform.endpoint(inp, "minio", "cold-s3").url, "credentials_dir": ROOT_MOUNT,
                  "bucket": minio_unit.COLD_BUCKET} if tiered else None),
        "buckets": [{"name": main["name"], "versioning": bool(main.get("versioning")), "prefixes": list(minio_unit.MAIN_PREFIXES)},
                    {"name": buckets["notebooks"]["name"], "versioning": bool(buckets["notebooks"].get("versioning")),
                     "prefixes": list(minio_unit.NOTEBOOK_PREFIXES)}],
        "users": users,
        "tiering": ({"tier": minio_unit.COLD_TIER_NAME, "bucket": main["name"], "prefix": f"{main['name']}/",
                     "transition_days": inp.config["storage"]["tiering"]["cold_after_days"],
                     "noncurrent": bool(main.get("versioning"))} if tiered else None),
    }
    return spec, mounts


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
