"""plugins/module_utils/_components/ against the real upstream charts: for every example configuration
and variant, every values key path layer 01 sets exists in the pinned chart's values.yaml or its
values.schema.json (below a free-form map or list anything goes), and the merged values validate against the chart's
values.schema.json where it ships one. The data files are tests/upstream-charts/ (byte copies).

`python tests/unit/plugins/module_utils/test_values_upstream.py` prints the key paths checked per chart."""
from __future__ import annotations

import copy
import functools
import hashlib
import json
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

if __name__ == "__main__":  # run as a script: the same imports as under pytest
    sys.path[:0] = [str(Path(__file__).resolve().parents[4] / ".build" / "collections")]

from ansible_collections.openlakes.core.plugins.module_utils import _config  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

UPSTREAM = values_configs.REPO / "tests" / "upstream-charts"
# Maps whose keys are Kubernetes' or the user's, not the chart's.
FREE_FORM = {"resources", "annotations", "labels", "podAnnotations", "podLabels", "nodeSelector", "environment",
             "additionalLabels", "additionalAnnotations",
             "catalogs",   # trino: catalog name -> catalog file
             "limits_config"}   # loki: Loki's own limits block (free-form in its schema)
# Key paths of one chart whose keys are another program's: Airflow's `config` is airflow.cfg (section -> option).
FREE_FORM_AT = {"airflow": {("config",)}}
CONFIGS = values_configs.configs()


def schema_declares(schema, path) -> bool:
    """Whether the chart's values.schema.json declares the key path (a key that values.yaml only mentions in a
    comment, such as cert-manager's `image.tag`). Local `$ref`s are followed."""
    node = schema
    for key in path:
        while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/"):
            target = schema
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
        if not isinstance(node, dict) or key not in (node.get("properties") or {}):
            return False
        node = node["properties"][key]
    return True


def unknown_paths(values: dict, defaults, path=(), schema=None, free=frozenset()):
    """Key paths of `values` that the chart's default values (or, where it has one, its schema) do not have;
    below a path of `free` anything goes."""
    for key, value in values.items():
        here = path + (key,)
        if here in free:
            continue
        if not isinstance(defaults, dict) or key not in defaults:
            if not (schema and schema_declares(schema, here)):
                yield here
            continue
        default = defaults[key]
        if key in FREE_FORM:
            continue
        if isinstance(value, dict) and isinstance(default, dict) and default:
            yield from unknown_paths(value, default, here, schema, free)


def key_paths(values: dict, defaults, path=()):
    """Every key path checked (the ones `unknown_paths` looked up)."""
    for key, value in values.items():
        here = path + (key,)
        yield here
        default = (defaults or {}).get(key) if isinstance(defaults, dict) else None
        if key not in FREE_FORM and isinstance(value, dict) and isinstance(default, dict) and default:
            yield from key_paths(value, default, here)


def coalesce(defaults, values):
    """What helm hands the templates: user values over the chart's defaults."""
    if isinstance(defaults, dict) and isinstance(values, dict):
        out = copy.deepcopy(defaults)
        for k, v in values.items():
            out[k] = coalesce(defaults.get(k), v) if k in defaults else copy.deepcopy(v)
        return out
    return copy.deepcopy(values)


@functools.lru_cache(maxsize=None)
def _upstream(name: str, version: str):
    folder = UPSTREAM / name / version
    assert folder.is_dir(), (f"no upstream data for {name} {version} in {folder}; copy its "
                             f"values.yaml (and values.schema.json) there")
    schema_file = folder / "values.schema.json"
    schema = json.loads(schema_file.read_text()) if schema_file.exists() else None
    validator = jsonschema.validators.validator_for(schema)(schema) if schema else None
    defaults = yaml.safe_load((folder / "values.yaml").read_text())
    # A subchart's own defaults (charts/<alias>/values.yaml) under its key, the parent's values over them.
    for sub in sorted((folder / "charts").glob("*/values.yaml")):
        name = sub.parent.name
        defaults[name] = coalesce(yaml.safe_load(sub.read_text()), defaults.get(name) or {})
    return defaults, schema, validator


def upstream(chart: dict):
    defaults, schema, _validator = _upstream(chart["name"], str(chart["version"]))
    return copy.deepcopy(defaults), schema


def upstream_releases():
    for name, (config, _hosts) in CONFIGS.items():
        for rel in values_configs.plan(config)["releases"]:
            if "path" not in rel["chart"]:  # the collection's own charts are checked by helm in the lab
                yield pytest.param(rel, id=f"{name}:{rel['name']}")


RELEASES = list(upstream_releases())


def test_the_upstream_copies_are_intact():
    for line in (UPSTREAM / "SHA256SUMS").read_text().splitlines():
        digest, rel = line.split(maxsplit=1)
        assert hashlib.sha256((UPSTREAM / rel).read_bytes()).hexdigest() == digest, rel


@pytest.mark.parametrize("release", RELEASES)
def test_every_key_exists_upstream(release):
    defaults, schema = upstream(release["chart"])
    free = frozenset(FREE_FORM_AT.get(release["chart"]["name"], ()))
    missing = [".".join(map(str, p)) for p in unknown_paths(release["values"], defaults, schema=schema, free=free)]
    assert not missing, f"{release['chart']['name']} {release['chart']['version']} has no values key {missing}"


@pytest.mark.parametrize("release", RELEASES)
def test_values_validate_against_the_chart_schema(release):
    defaults, schema = upstream(release["chart"])
    if schema is None:
        pytest.skip(f"{release['chart']['name']} {release['chart']['version']} ships no values.schema.json")
    validator = _upstream(release["chart"]["name"], str(release["chart"]["version"]))[2]
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(coalesce(defaults, release["values"]))]
    assert not errors, errors


def test_the_check_catches_a_misspelt_key():
    defaults = yaml.safe_load((UPSTREAM / "minio" / "5.4.0" / "values.yaml").read_text())
    values = {"persistence": {"storageClas": "x", "size": "1Gi"}, "resources": {"requests": {"cpu": "1"}},
              "consoleIngress": {"annotations": {"anything": "goes"}}}
    assert list(unknown_paths(values, defaults)) == [("persistence", "storageClas")]


def test_the_schema_check_catches_a_wrong_type():
    defaults, schema = upstream({"name": "traefik", "version": "41.3.0"})
    validator = jsonschema.validators.validator_for(schema)(schema)
    bad = coalesce(defaults, {"deployment": {"replicas": "two"}})
    assert any("deployment" in list(e.absolute_path) for e in validator.iter_errors(bad))


def test_every_pinned_upstream_chart_of_layer_01_has_data():
    manifest = _config.load_manifest()
    for comp in manifest["components"].values():
        for rel in comp.get("releases", []):
            if comp["layer"] == "01" and not rel["chart"]["repository"].startswith("collection://"):
                assert (UPSTREAM / rel["chart"]["name"] / rel["chart"]["version"] / "values.yaml").exists(), rel["name"]


if __name__ == "__main__":
    seen: dict = {}
    for _name, (config, _hosts) in CONFIGS.items():
        for rel in values_configs.plan(config)["releases"]:
            if "path" in rel["chart"]:
                continue
            defaults, schema = upstream(rel["chart"])
            key = f"{rel['chart']['name']} {rel['chart']['version']}" + (" (+ values.schema.json)" if schema else "")
            seen.setdefault(key, set()).update(".".join(map(str, p)) for p in key_paths(rel["values"], defaults))
    for chart, paths in sorted(seen.items()):
        print(f"{chart}: {len(paths)} key paths")
        print("  " + ", ".join(sorted(paths)))
