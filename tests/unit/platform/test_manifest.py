"""platform/components.yml: every implemented component is a whole unit. For each, the test names what is
missing: its unit module and a builder per release, one main release, credential generators that exist,
a stand-in chart of the same name and version for every upstream chart, the upstream values data the
values are checked against, its schema entry, and declarations that hold together (every consumed
service, credential, database or grant is provided; every declaration is used by the builder; the
builder uses nothing undeclared)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.openlakes.core.plugins.module_utils import _components, _config, _platform, _secrets

REPO = Path(__file__).resolve().parents[3]
MANIFEST = _config.load_manifest()
COMPONENTS = MANIFEST["components"]
IMPLEMENTED = sorted(n for n, c in COMPONENTS.items() if c.get("implemented", True))
sys.path.insert(0, str(REPO / "tests" / "unit" / "plugins" / "module_utils"))
import values_configs  # noqa: E402


def missing_pieces(name: str) -> list:
    comp, out = COMPONENTS[name], []
    unit = _components.UNITS.get(name)
    if unit is None:
        return [f"plugins/module_utils/_components/{name}.py"]
    for rel in comp.get("releases", []):
        if rel["name"] not in getattr(unit, "RELEASES", {}):
            out.append(f"a values builder for release {rel['name']} in _components/{name}.py RELEASES")
        chart = rel["chart"]
        if chart["repository"] == _platform.COLLECTION_CHARTS:
            meta = REPO / "charts" / chart["name"] / "Chart.yaml"
            if not meta.exists() or str(yaml.safe_load(meta.read_text())["version"]) != str(chart["version"]):
                out.append(f"the collection chart charts/{chart['name']} at version {chart['version']}")
            continue
        standin = REPO / "tests" / "standin-charts" / chart["name"] / "Chart.yaml"
        if not standin.exists() or str(yaml.safe_load(standin.read_text())["version"]) != str(chart["version"]):
            out.append(f"a stand-in chart tests/standin-charts/{chart['name']} at version {chart['version']}")
        if not (REPO / "tests" / "upstream-charts" / chart["name"] / str(chart["version"]) / "values.yaml").exists():
            out.append(f"upstream values data tests/upstream-charts/{chart['name']}/{chart['version']}/values.yaml")
    if comp.get("releases") and sum(1 for r in comp["releases"] if r.get("main")) != 1:
        out.append("exactly one release marked main: true")
    for key, spec in ((comp.get("credentials") or {}).get("keys") or {}).items():
        try:
            _secrets.parse(spec)
        except _secrets.PolicyError as exc:
            out.append(f"a known generator for credential key {key} ({exc})")
    schema = _config.load_schema(MANIFEST)
    if name not in schema["properties"]["components"]["properties"]:
        out.append(f"the schema entry components.{name}")
    for key, spec in (comp.get("settings") or {}).items():
        if not spec.get("description") or "default" not in spec:
            out.append(f"a description and a default for its setting {key}")
    for provider, decl in (comp.get("consumes") or {}).items():
        provides = (COMPONENTS.get(provider) or {}).get("provides") or {}
        for port in decl.get("services") or []:
            if port not in (provides.get("services") or {}):
                out.append(f"{provider} providing the service {port} that {name} consumes")
        for port in decl.get("host_and_port_apart") or []:
            if port not in (decl.get("services") or []):
                out.append(f"the service {port} among the services of {provider} it consumes (host_and_port_apart)")
        for cred in decl.get("credentials") or []:
            if cred not in (provides.get("credentials") or {}):
                out.append(f"{provider} providing the credential {cred} that {name} consumes")
        for account in _platform.ACCOUNTS:
            if decl.get(account.kind) and account.provided not in provides:
                out.append(f"{provider} providing {account.provided} that {name} consumes")
    for port, spec in ((comp.get("provides") or {}).get("services") or {}).items():
        if spec["release"] not in {r["name"] for r in comp.get("releases", [])}:
            out.append(f"the release {spec['release']} that provides its service {port}")
    return out


@pytest.mark.parametrize("name", IMPLEMENTED)
def test_every_implemented_component_is_a_whole_unit(name):
    missing = missing_pieces(name)
    assert not missing, f"component {name} lacks: " + "; ".join(missing)


def test_the_check_names_what_a_new_component_lacks():
    COMPONENTS["example"] = {"layer": "02", "namespace": "platform", "consumes": {"nessie": {"services": ["sql"]}},
                             "releases": [{"name": "example", "main": True,
                                           "chart": {"repository": "https://example.org", "name": "example", "version": "1.0.0"}}]}
    try:
        assert missing_pieces("example") == ["plugins/module_utils/_components/example.py"]
        _components.UNITS["example"] = type(sys)("example")
        _components.UNITS["example"].RELEASES = {}
        assert missing_pieces("example") == [
            "a values builder for release example in _components/example.py RELEASES",
            "a stand-in chart tests/standin-charts/example at version 1.0.0",
            "upstream values data tests/upstream-charts/example/1.0.0/values.yaml",
            "nessie providing the service sql that example consumes"]
    finally:
        COMPONENTS.pop("example")
        _components.UNITS.pop("example", None)


@pytest.mark.parametrize("config", sorted(values_configs.configs()))
def test_builders_use_exactly_what_their_components_declare(config):
    cfg = values_configs.configs()[config][0]
    inputs = values_configs.inputs(cfg)
    _platform.plan(inputs)
    declared = set()
    for name, comp in COMPONENTS.items():
        if name not in cfg["derived"]["enabled_components"]:
            continue
        for provider, decl in (comp.get("consumes") or {}).items():
            if decl.get("optional") and provider not in cfg["derived"]["enabled_components"]:
                continue   # an optional consumption of a disabled provider: nothing to use
            declared |= {(name, provider, "services", p) for p in decl.get("services") or []}
            declared |= {(name, provider, "credentials", c) for c in decl.get("credentials") or []}
            declared |= {(name, provider, a.kind, None) for a in _platform.ACCOUNTS if decl.get(a.kind)}
        # Every setting the schema accepts is read by the component's builders (nothing accepted and ignored).
        declared |= {(name, name, "setting", key) for key in comp.get("settings") or {}}
    assert declared == inputs.used, f"declared, never used: {sorted(declared - inputs.used)}"


def test_a_builder_asking_for_an_undeclared_link_is_stopped():
    inputs = values_configs.inputs(values_configs.configs()["lab"][0])
    unit = _platform.Unit(inputs, "nessie")
    with pytest.raises(_platform.PlanError, match="the builder of nessie asked for redis's services redis, but "
                                                  "platform/components.yml does not declare it under "
                                                  "components.nessie.consumes.redis.services"):
        unit.service("redis", "redis")
    with pytest.raises(_platform.PlanError, match="asked for minio's credentials root"):
        unit.credential("minio", "root")


def test_one_list_of_credential_sets():
    """The schema's existing_secrets names, the generator sets and the docs come from the manifest alone."""
    sets = _platform.all_credential_sets(MANIFEST)
    assert sets == ["airflow", "apicurio", "backup", "grafana", "jupyterhub", "minio", "nessie", "openmetadata", "postgresql", "redis",
                    "spark", "superset", "trino", "ui-auth"]
    schema = _config.load_schema(MANIFEST)
    assert schema["properties"]["credentials"]["properties"]["existing_secrets"]["propertyNames"]["enum"] == sets
