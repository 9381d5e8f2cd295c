# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loading and validating core-config.yaml. Private to this collection.

`load()` reads the file keeping each key's line number, validates it against
the JSON Schema in platform/core-config.schema.yml, fills the schema's
defaults, runs the cross-field rules of `_config_rules`, and returns the
effective configuration together with *every* problem found, each with its
YAML path, line, what is wrong and what would be right.
"""
from __future__ import annotations

import copy
import difflib
import os
from dataclasses import dataclass

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - the controller installs it (requirements/controller.txt)
    HAS_YAML = False

try:
    import jsonschema
    HAS_JSONSCHEMA = True
except ImportError:  # pragma: no cover - reported by the action plugin
    HAS_JSONSCHEMA = False

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA_FILE = os.path.join(COLLECTION_ROOT, "platform", "core-config.schema.yml")
MANIFEST_FILE = os.path.join(COLLECTION_ROOT, "platform", "components.yml")


@dataclass(frozen=True)
class Problem:
    path: tuple
    message: str
    line: int | None = None

    @property
    def dotted(self) -> str:
        return format_path(self.path)

    def render(self, filename: str = "core-config.yaml") -> str:
        where = f"{filename}:{self.line}" if self.line else filename
        return f"{where}: {self.dotted or '(top level)'}: {self.message}"


def format_path(path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def did_you_mean(word, choices) -> str:
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


# --- YAML with line numbers ---------------------------------------------------

class _Reader:
    """Builds plain data from a composed YAML node tree, recording the line of
    every key and value by path, and reporting duplicate keys (PyYAML would
    silently keep the last one)."""

    def __init__(self):
        self.lines: dict[tuple, int] = {}
        self.problems: list[Problem] = []
        self._scalar = yaml.SafeLoader("")

    def build(self, node, path=()):
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, path + ("<key>",)) if not isinstance(key_node, yaml.ScalarNode) \
                    else self._scalar.construct_object(key_node)
                if isinstance(key, (dict, list)):
                    self.problems.append(Problem(path, "a key must be a plain scalar", key_node.start_mark.line + 1))
                    continue
                if key in out:
                    self.problems.append(Problem(path + (key,), f"duplicate key '{key}' (also on line {self.lines[path + (key,)]}); "
                                                 "keep one", key_node.start_mark.line + 1))
                    continue
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self._scalar.construct_object(node)


def read_yaml(text: str):
    """Returns (data, lines, problems)."""
    reader = _Reader()
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, {}, [Problem((), f"not valid YAML: {getattr(exc, 'problem', exc)}",
                                  mark.line + 1 if mark else None)]
    if node is None:
        return {}, {}, []
    try:
        data = reader.build(node)
    except yaml.YAMLError as exc:
        return None, {}, [Problem((), f"not valid YAML: {exc}")]
    return data, reader.lines, reader.problems


def line_of(lines: dict, path: tuple):
    """The line of `path`, or of its nearest ancestor present in the file."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


# --- schema -------------------------------------------------------------------

def load_manifest(path: str = MANIFEST_FILE) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_schema(manifest: dict, path: str = SCHEMA_FILE) -> dict:
    """The schema file plus one `components.<name>` property per manifest component."""
    with open(path, encoding="utf-8") as fh:
        schema = yaml.safe_load(fh)
    # The credential sets a user may replace by an existing Secret: the manifest's, the one list of them.
    from ._platform import all_credential_sets
    existing = schema["properties"]["credentials"]["properties"]["existing_secrets"]
    existing["propertyNames"] = {"enum": all_credential_sets(manifest)}
    props = schema["properties"]["components"]["properties"]
    for name, comp in manifest["components"].items():
        implemented = comp.get("implemented", True)
        on = comp.get("default_enabled", implemented)
        props[name] = {
            "description": f"Layer {comp['layer']}: {name}" + ("" if implemented else " (not implemented yet in this version)"),
            "allOf": [{"$ref": "#/$defs/component"}],
            "default": {"enabled": on},
        }
        props[name]["properties"] = {"enabled": {"default": on}}
    return schema


def _resolve(schema: dict, root: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        ref = schema["$ref"].split("/")[-1]
        merged = dict(root["$defs"][ref])
        merged.update({k: v for k, v in schema.items() if k != "$ref"})
        schema = merged
    if isinstance(schema, dict) and "allOf" in schema:
        merged = {}
        for part in schema["allOf"]:
            part = _resolve(part, root)
            for k, v in part.items():
                if k == "properties":
                    merged.setdefault("properties", {}).update(v)
                else:
                    merged[k] = v
        for k, v in schema.items():
            if k == "properties":
                for pk, pv in v.items():
                    merged.setdefault("properties", {}).setdefault(pk, {})
                    merged["properties"][pk] = {**merged["properties"][pk], **pv}
            elif k != "allOf":
                merged[k] = v
        schema = merged
    return schema


def fill_defaults(data, schema: dict, root: dict):
    """Fills every `default` of the schema into `data` (in place), tolerating
    parts of the data that are of the wrong type (those are reported by validation)."""
    schema = _resolve(schema, root)
    if isinstance(data, dict) and schema.get("type", "object") == "object":
        for key, sub in schema.get("properties", {}).items():
            sub_r = _resolve(sub, root)
            if key not in data and "default" in sub_r:
                data[key] = copy.deepcopy(sub_r["default"])
            if key in data:
                fill_defaults(data[key], sub_r, root)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, value in data.items():
                if key not in schema.get("properties", {}):
                    fill_defaults(value, extra, root)
    elif isinstance(data, list) and isinstance(schema.get("items"), dict):
        for item in data:
            fill_defaults(item, schema["items"], root)
    return data


def _hint(error) -> str:
    for s in (error.schema, *(getattr(error, "parent", None) and [error.parent.schema] or [])):
        if isinstance(s, dict) and s.get("x-hint"):
            return s["x-hint"]
    return ""


def schema_problems(data, schema: dict, lines: dict) -> list[Problem]:
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for err in validator.iter_errors(data):
        path = tuple(err.absolute_path)
        hint = _hint(err)
        v = err.validator
        if v == "additionalProperties":
            allowed = list(_resolve(err.schema, schema).get("properties", {}))
            for key in sorted(set(err.instance) - set(allowed), key=str):
                problems.append(Problem(path + (key,), f"unknown key '{key}'{did_you_mean(key, allowed)}",
                                        line_of(lines, path + (key,))))
            continue
        if v == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            problems.append(Problem(path + (missing,), f"missing required key '{missing}'", line_of(lines, path)))
            continue
        if "propertyNames" in err.schema_path:
            allowed = err.schema.get("enum", [])
            key = err.instance
            problems.append(Problem(path + (key,), f"unknown name '{key}' (expected one of: {', '.join(allowed)})"
                                    f"{did_you_mean(key, allowed)}", line_of(lines, path + (key,))))
            continue
        if v == "type":
            want = err.validator_value if isinstance(err.validator_value, str) else " or ".join(err.validator_value)
            msg = f"must be {_article(want)} {want}, not {_typename(err.instance)} {err.instance!r}"
        elif v == "enum":
            msg = f"must be one of: {', '.join(map(str, err.validator_value))}; got {err.instance!r}" \
                  f"{did_you_mean(err.instance, err.validator_value)}"
        elif v == "const":
            msg = f"must be {err.validator_value!r}, got {err.instance!r}"
        elif v == "pattern":
            msg = f"{err.instance!r} is not valid: expected {hint or 'a value matching ' + err.validator_value}"
            hint = ""
        elif v in ("oneOf", "anyOf"):
            msg = f"is not valid: expected {hint}" if hint else err.message
            hint = ""
        else:
            msg = err.message
        if hint:
            msg += f" ({hint})"
        problems.append(Problem(path, msg, line_of(lines, path)))
    # A value of the wrong type also fails its oneOf; the type error says it better.
    typed = {p.path for p in problems if p.message.startswith("must be a")}
    return [p for p in problems if not (p.path in typed and p.message.startswith("is not valid: expected"))]


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _typename(value) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


# --- entry point ----------------------------------------------------------------

@dataclass
class Result:
    config: dict | None
    problems: list
    lines: dict
    schema: dict
    manifest: dict

    @property
    def ok(self) -> bool:
        return not self.problems


def load(path: str, inventory_hosts, *, text: str | None = None, check_files: bool = True) -> Result:
    """Read, validate and complete core-config.yaml. Never raises for bad input."""
    from . import _config_rules as rules  # local import keeps the module graph acyclic

    manifest = load_manifest()
    schema = load_schema(manifest)
    if not HAS_JSONSCHEMA:
        return Result(None, [Problem((), "the Python library 'jsonschema' is missing on the controller; "
                                         "install requirements/controller.txt")], {}, schema, manifest)
    if text is None:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            return Result(None, [Problem((), f"cannot read the file: {exc.strerror}; set "
                                             "openlakes_core_config_file to the path of your core-config.yaml")],
                          {}, schema, manifest)
    data, lines, problems = read_yaml(text)
    if data is None:
        return Result(None, problems, lines, schema, manifest)
    if not isinstance(data, dict):
        return Result(None, [Problem((), f"must be a mapping of settings, not {_typename(data)}", 1)],
                      lines, schema, manifest)
    problems += schema_problems(data, schema, lines)
    config = fill_defaults(copy.deepcopy(data), schema, schema)
    ctx = rules.Context(config=config, given=data, lines=lines, manifest=manifest,
                        inventory_hosts=list(inventory_hosts),
                        base_dir=os.path.dirname(os.path.abspath(path)) if path else os.getcwd(),
                        check_files=check_files)
    problems += rules.check_all(ctx)
    problems.sort(key=lambda p: (p.line or 0, p.dotted))
    if not problems:
        config["derived"] = rules.derive(ctx)
    return Result(config if not problems else None, problems, lines, schema, manifest)
