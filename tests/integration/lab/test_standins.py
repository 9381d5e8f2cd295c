"""tests/standin-charts/: rendered with the values the collection generates for the lab, each stand-in
renders the Services its component declares it provides (name and port), as the real chart (or its
operator) does, so the wiring check judges the lab as it would a real cluster."""
from __future__ import annotations

import json
import re
import sys

import pytest
import yaml

from ..conftest import REPO

sys.path.insert(0, str(REPO / "tests" / "unit" / "plugins" / "module_utils"))
import values_configs  # noqa: E402

PLAN = values_configs.plan(values_configs.configs()["lab"][0])
RELEASES = {n["name"]: n for n in PLAN["releases"]}
MANIFEST = values_configs._config.load_manifest()
# Services an operator makes from a custom resource are not rendered by any chart; the wiring check finds them live.
PROVIDED = [(name, port, spec) for name, comp in MANIFEST["components"].items()
            for port, spec in ((comp.get("provides") or {}).get("services") or {}).items()
            if spec["release"] in RELEASES and not spec.get("by_operator")]


@pytest.mark.parametrize("component, port, spec", PROVIDED, ids=[f"{c}-{p}" for c, p, _s in PROVIDED])
def test_each_provided_service_is_rendered_with_its_port(component, port, spec, helm, tmp_path):
    rel = RELEASES[spec["release"]]
    chart = rel["chart"].get("path") or str(REPO / "tests" / "standin-charts" / rel["chart"]["name"])
    values = tmp_path / "values.json"
    values.write_text(json.dumps(rel["values"]))
    out = helm("template", rel["name"], chart, "--namespace", rel["namespace"], "-f", str(values)).stdout
    services = {d["metadata"]["name"]: [p["port"] for p in d["spec"].get("ports", [])]
                for d in yaml.safe_load_all(out) if isinstance(d, dict) and d.get("kind") == "Service"}
    assert spec["service"] in services, f"{rel['name']} renders no Service {spec['service']} (it renders {sorted(services)})"
    assert spec["port"] in services[spec["service"]], services[spec["service"]]


# --- images: the stand-ins read every image from the upstream chart's keys ---------------------------------
IMAGE_LIKE = re.compile(r"^(?:[a-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9._-]+(?:/[a-z0-9._-]+)+(?::[\w.-]+|@sha256:[0-9a-f]+)$")
AIR_GAP = values_configs.configs()["lab+air-gap-everything"][0]
MIRRORED = values_configs.plan(AIR_GAP)
ALL = {n["name"]: n for n in MIRRORED["releases"]}


def rendered_images(helm, tmp_path, rel) -> set:
    """Every image a rendered chart names: containers' images, and images handed on as arguments or environment."""
    chart = rel["chart"].get("path") or str(REPO / "tests" / "standin-charts" / rel["chart"]["name"])
    values = tmp_path / f"{rel['name']}.json"
    values.write_text(json.dumps(rel["values"]))
    out = helm("template", rel["name"], chart, "--namespace", rel["namespace"], "-f", str(values)).stdout
    found = set()

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("image", "imageName"):
            found.add(node)
        elif isinstance(node, str) and key in ("value", "args", "command"):
            # `--flag=<image>`, and lines `<version>=<image>` (Strimzi's STRIMZI_KAFKA_IMAGES).
            for line in node.splitlines():
                text = line.strip().split("=", 1)[-1]
                if IMAGE_LIKE.match(text):
                    found.add(text)
    for doc in yaml.safe_load_all(out):
        walk(doc)
    return found


@pytest.mark.parametrize("name", sorted(ALL))
def test_with_a_mirror_every_rendered_image_is_on_it(name, helm, tmp_path):
    from ansible_collections.openlakes.core.plugins.module_utils import _images

    images = rendered_images(helm, tmp_path, ALL[name])
    left = sorted(i for i in images if not _images.on_registry(i, values_configs.MIRROR))
    assert not left, f"{name} renders images off the mirror: {left}"


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_rendered_image_is_in_the_plans_image_list(name, helm, tmp_path):
    """Without a mirror, what the stand-in renders is what platform/components.yml lists (the bundle's list)."""
    from ansible_collections.openlakes.core.plugins.module_utils import _images

    config = values_configs.configs()["lab+cloudflare-dns01"][0]
    plan = values_configs.plan(config)
    rel = next((r for r in plan["releases"] if r["name"] == name), None)
    if rel is None:
        pytest.skip(f"{name} is not enabled by the lab's configuration")
    listed = {i["source"] for i in plan["images"] if i["release"] == name}
    extra = sorted(i for i in rendered_images(helm, tmp_path, rel) if _images.normal(i) not in listed)
    assert not extra, f"{name} renders images its `images` do not list: {extra}"
