"""Configurations the plan and values tests use: every example in inventories/, and variants
that reach the other branches (Cloudflare DNS-01, an existing TLS Secret, no TLS, tiering off,
an air-gap image registry, profile auto, every implemented component behind an image mirror)."""
from __future__ import annotations

import copy
import functools
import importlib.util
from pathlib import Path

import yaml

from ansible_collections.openlakes.core.plugins.module_utils import _config, _platform

REPO = Path(__file__).resolve().parents[4]
EXAMPLES = sorted((REPO / "inventories").glob("*/core-config.yaml"))


def inventory_hosts(path: Path) -> list:
    inv = yaml.safe_load((path.parent / "hosts.yml").read_text())
    out = []

    def walk(group):
        out.extend((group.get("hosts") or {}).keys())
        for child in (group.get("children") or {}).values():
            walk(child or {})
    walk(inv["all"])
    return out


def _variants(base: dict) -> dict:
    out = {}
    cf = copy.deepcopy(base)
    cf["networking"]["tls"] = {"mode": "cloudflare-dns01", "cloudflare": {
        "email": "ops@example.com", "staging": True, "api_token": {"vault_variable": "cloudflare_token"}}}
    cf.setdefault("components", {})["cert_manager"] = {"enabled": True}
    out["cloudflare-dns01"] = cf
    cf2 = copy.deepcopy(cf)
    cf2["networking"]["tls"]["cloudflare"]["api_token"] = {"existing_secret": {"name": "cf", "key": "token"}}
    out["cloudflare-existing-token"] = cf2
    es = copy.deepcopy(base)
    es["networking"]["tls"] = {"mode": "user-certificates", "user_certificates": {"existing_secret": "my-tls"}}
    out["user-certificates-existing-secret"] = es
    plain = copy.deepcopy(base)
    plain["networking"]["tls"] = {"mode": "none"}
    plain["storage"]["tiering"] = {"cold_after_days": 0}
    plain["air_gap"] = {"image_registry": "registry.internal:5000"}
    plain["resources"] = {"profile": "auto"}
    # The image mirror is refused while a component whose images are not listed yet is on (images_pending).
    for name in images_pending():
        plain.setdefault("components", {})[name] = {"enabled": False}
    out["no-tls-no-tiering-mirror-auto"] = plain
    out["air-gap-everything"] = everything(base, "")
    return out


def images_pending() -> list:
    """Components with a release whose images are not listed yet, and those that need them."""
    comps = _config.load_manifest()["components"]
    out = {n for n, c in comps.items() if any(r.get("images_pending") for r in c.get("releases") or [])}
    grew = True
    while grew:
        needing = {n for n, c in comps.items() if set(c.get("requires") or []) & out or
                   {p for p, d in (c.get("consumes") or {}).items() if not d.get("optional")} & out}
        grew = not needing <= out
        out |= needing
    return sorted(out)


MIRROR = "registry.internal:5000/mirror"


def everything(base: dict, mirror: str) -> dict:
    """Every implemented component enabled (cert-manager through Cloudflare DNS-01, the cold tier on), with
    `air_gap.image_registry` set to `mirror` (or not, when empty)."""
    data = copy.deepcopy(base)
    data["networking"]["tls"] = {"mode": "cloudflare-dns01", "cloudflare": {
        "email": "ops@example.com", "api_token": {"vault_variable": "cloudflare_token"}}}
    comps = data.setdefault("components", {})
    for name, comp in _config.load_manifest()["components"].items():
        if comp.get("implemented", True):
            comps.setdefault(name, {})["enabled"] = True
    data.setdefault("air_gap", {})["image_registry"] = mirror
    return data


@functools.lru_cache(maxsize=None)
def configs() -> dict:
    """name -> (effective config, inventory hosts). Each must be valid."""
    out = {}
    for path in EXAMPLES:
        hosts = inventory_hosts(path)
        text = path.read_text()
        res = _config.load(str(path), hosts, check_files=False)
        assert res.ok, [p.render(str(path)) for p in res.problems]
        out[path.parent.name] = (res.config, hosts)
        if path.parent.name == "lab":
            base = yaml.safe_load(text)
            for name, data in _variants(base).items():
                res = _config.load(str(path), hosts, text=yaml.safe_dump(data), check_files=False)
                assert res.ok, (name, [p.render() for p in res.problems])
                if name == "air-gap-everything":
                    # The plan's view of a mirror over every component: what the values do with it, past the config
                    # check that refuses the mirror while some images are pending (test_images_upstream.py).
                    res.config["air_gap"]["image_registry"] = MIRROR
                out[f"lab+{name}"] = (res.config, hosts)
    return out


LAYER08 = ("kube_prometheus_stack", "loki", "alloy", "statsd_exporter")


def without(config: dict, components=LAYER08) -> dict:
    """The configuration with `components` (by default layer 08's) disabled."""
    out = copy.deepcopy(config)
    out["derived"]["enabled_components"] = [c for c in out["derived"]["enabled_components"] if c not in components]
    for name in components:
        out.setdefault("components", {}).setdefault(name, {})["enabled"] = False
    return out


def inputs(config: dict, node_memory=("32Gi", "32Gi", "32Gi")) -> _platform.Inputs:
    """What the role gives the plan, with every host's disks prepared (1 GiB drives)."""
    d = config["derived"]
    hosts = {h: {"longhorn_disks": [{"path": f"/var/lib/openlakes/longhorn/disk{i}/data"}
                                    for i in range(1, len(config["storage"]["hosts"][h]["longhorn_disks"]) + 1)],
                 "minio_drives": [{"path": drive["mount"] + "/data", "size_bytes": 1063256064}
                                  for drive in config["storage"]["hosts"][h]["minio_drives"]]}
             for h in d["storage_hosts"]}
    return _platform.Inputs(config, _config.load_manifest(), hosts, charts_dir=str(REPO / "charts"),
                            node_memory=list(node_memory))


def plan(config: dict, node_memory=("32Gi", "32Gi", "32Gi")) -> dict:
    """The whole platform as the role plans it; `releases` are its Helm release nodes."""
    out = _platform.plan(inputs(config, node_memory))
    out["releases"] = [n for n in out["nodes"] if n["type"] == "release"]
    return out


def release_values(name: str, release: str) -> dict:
    """The values the plan gives `release` for the example configuration `name`."""
    return next(r for r in plan(configs()[name][0])["releases"] if r["name"] == release)["values"]


def standin(chart: str):
    """tests/standin-charts/<chart>/configmap_standin.py, the stand-in of that chart's templates, as a module of
    its own name (each chart's file has the same name)."""
    path = REPO / "tests" / "standin-charts" / chart / "configmap_standin.py"
    spec = importlib.util.spec_from_file_location(f"{chart}_configmap_standin", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
