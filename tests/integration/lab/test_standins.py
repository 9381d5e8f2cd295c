"""tests/standin-charts/: rendered with the values the collection generates for the lab, each stand-in
renders the Services its component declares it provides (name and port), as the real chart (or its
operator) does, so the wiring check judges the lab as it would a real cluster."""
from __future__ import annotations

import json
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
