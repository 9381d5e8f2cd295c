# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loading and validating core-config.yaml. Private to this collection.

`load()` reads the file (`_config_yaml`: plain data and the line of every key),
validates it against the JSON Schema in platform/core-config.schema.yml, fills
the schema's defaults, runs the cross-field rules of `_config_rules`, and returns
the effective configuration together with *every* problem found, each with its
YAML path, line, what is wrong and what would be right (`_config_report`: no
message shows a value that may be a secret). It never raises for bad input.
"""
from __future__ import annotations

import copy
import gc
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

from . import _config_rules as rules
from . import _config_yaml
from ._config_report import Problem, article, bounded, describe, did_you_mean, key_text, line_of, quote, typename

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA_FILE = os.path.join(COLLECTION_ROOT, "platform", "core-config.schema.yml")
MANIFEST_FILE = os.path.join(COLLECTION_ROOT, "platform", "components.yml")
MAX_PROBLEMS = 100
INTERNAL_ERROR = "the validator failed on this file"


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
        props[name] = component_schema(schema, name, comp)
    return schema


def component_schema(schema: dict, name: str, comp: dict) -> dict:
    """`components.<name>`: the keys every component has ($defs.component) plus the component's own
    `settings` (platform/components.yml: JSON schema per key, each with a description and a default)."""
    implemented = comp.get("implemented", True)
    on = comp.get("default_enabled", implemented)
    base = copy.deepcopy(schema["$defs"]["component"])
    settings = copy.deepcopy(comp.get("settings") or {})
    clash = sorted(set(settings) & set(base["properties"]))
    if clash:
        raise ValueError(f"platform/components.yml: components.{name}.settings redefines {', '.join(clash)}")
    base["properties"].update(settings)
    base["properties"]["enabled"] = dict(base["properties"]["enabled"], default=on)
    base["description"] = f"Layer {comp['layer']}: {name}" + ("" if implemented else " (not implemented yet in this version)")
    base["default"] = {"enabled": on}
    return base


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


def empty_sections(data, schema: dict, root: dict):
    """A key with nothing after it (every entry commented out) is an empty section: null where the
    schema expects a mapping reads as {}, and where it expects a list as if the key were not there.
    Null where a single value is expected stays an error. In place."""
    schema = _resolve(schema, root)
    if not isinstance(data, dict):
        return data
    props, extra = schema.get("properties", {}), schema.get("additionalProperties")
    for key in list(data):
        sub = props.get(key, extra if isinstance(extra, dict) else None)
        if sub is None:
            continue
        sub = _resolve(sub, root)
        if data[key] is None and sub.get("type") == "object":
            data[key] = {}
        elif data[key] is None and sub.get("type") == "array":
            del data[key]
            continue
        if isinstance(data[key], dict):
            empty_sections(data[key], sub, root)
        elif isinstance(data[key], list) and isinstance(sub.get("items"), dict):
            for item in data[key]:
                empty_sections(item, sub["items"], root)
    return data


def _hint(error) -> str:
    for s in (error.schema, *(getattr(error, "parent", None) and [error.parent.schema] or [])):
        if isinstance(s, dict) and s.get("x-hint"):
            return s["x-hint"]
    return ""


def _wants_text(schema: dict) -> bool:
    want = schema.get("type")
    return (want == "string" or (isinstance(want, list) and "string" in want)
            or any(isinstance(v, str) for v in schema.get("enum", [])) or isinstance(schema.get("const"), str))


def _unquoted(path, raw: dict, value, schema: dict) -> str:
    """For a plain scalar that YAML read as a number, boolean or null where text is expected: say that
    quoting is the fix (`nfs_version: 4.1` is the number 4.1; `"4.1"` is the text)."""
    if path not in raw or value is None or isinstance(value, str) or not _wants_text(schema):
        return ""
    if quote(raw[path], path) != repr(raw[path]):
        return f" (YAML reads it unquoted as {typename(value)}; write it in quotes)"
    return f" (YAML reads an unquoted {raw[path]} as {typename(value)}; write it in quotes: \"{raw[path]}\")"


def schema_problems(data, schema: dict, lines: dict, raw: dict | None = None) -> list[Problem]:
    raw = raw or {}
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for err in validator.iter_errors(data):
        path = tuple(err.absolute_path)
        hint = _hint(err)
        v, value, wanted = err.validator, err.instance, err.validator_value
        if v == "additionalProperties":
            allowed = list(_resolve(err.schema, schema).get("properties", {}))
            for key in sorted(set(value) - set(allowed), key=str):
                odd = _config_yaml.odd_space(key)
                fix = (f": it holds {odd}, which YAML does not read as a space; replace it with a plain space" if odd
                       else did_you_mean(key, allowed))
                problems.append(Problem(path + (key,), f"unknown key '{key_text(key)}'{fix}", line_of(lines, path + (key,))))
            continue
        if v == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            problems.append(Problem(path + (missing,), f"missing required key '{missing}'", line_of(lines, path)))
            continue
        if "propertyNames" in err.schema_path:
            allowed = err.schema.get("enum", [])
            problems.append(Problem(path + (value,), f"unknown name '{key_text(value)}' (expected one of: "
                                    f"{', '.join(allowed)}){did_you_mean(value, allowed)}", line_of(lines, path + (value,))))
            continue
        unquoted = _unquoted(path, raw, value, err.schema) if v in ("type", "enum", "const") else ""
        if unquoted:
            hint = ""   # quoting is the fix
        if v == "type":
            want = wanted if isinstance(wanted, str) else " or ".join(wanted)
            msg = f"must be {article(want)} {want}, not {describe(value, path)}{unquoted}"
        elif v == "enum":
            msg = (f"must be one of: {', '.join(map(str, wanted))}; got {quote(value, path)}"
                   f"{unquoted or did_you_mean(value, wanted)}")
        elif v == "const":
            msg = f"must be {wanted!r}, got {quote(value, path)}{unquoted}"
        elif v == "pattern":
            msg = f"{quote(value, path)} is not valid: expected {hint or 'a value matching ' + wanted}"
            hint = ""
        elif v in ("oneOf", "anyOf"):
            msg = f"is not valid: expected {hint}" if hint else "matches none of the forms this key accepts"
            hint = ""
        elif v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            relation = {"minimum": "less than the minimum", "maximum": "greater than the maximum",
                        "exclusiveMinimum": "not greater than", "exclusiveMaximum": "not less than"}[v]
            msg = f"{quote(value, path)} is {relation}{' of' if 'imum' in relation else ''} {wanted}"
        elif v == "minLength":
            msg = "must not be empty" if wanted == 1 else f"must be at least {wanted} characters long"
        elif v == "maxLength":
            msg = f"is {len(value)} characters long; at most {wanted} are allowed"
        else:
            msg = f"is not valid here (JSON Schema keyword '{v}')"
        if hint:
            msg += f" ({hint})"
        problems.append(Problem(path, msg, line_of(lines, path)))
    # A value of the wrong type also fails its oneOf; the type error says it better.
    typed = {p.path for p in problems if p.message.startswith("must be a")}
    return [p for p in problems if not (p.path in typed and p.message.startswith("is not valid: expected"))]


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


_PLATFORM: dict = {}


def _platform():
    """(manifest, schema), read once per change of their files."""
    stamp = tuple((os.stat(f).st_mtime_ns, os.stat(f).st_size) for f in (MANIFEST_FILE, SCHEMA_FILE))
    if _PLATFORM.get("stamp") != stamp:
        manifest = load_manifest()
        _PLATFORM.update(stamp=stamp, manifest=manifest, schema=load_schema(manifest))
    return copy.deepcopy(_PLATFORM["manifest"]), copy.deepcopy(_PLATFORM["schema"])


def _in_values(path) -> bool:
    """components.<name>.values is read as Helm reads chart values (`_config_yaml.read`)."""
    return len(path) == 3 and path[0] == "components" and path[2] == "values"


def _read_file(path: str):
    """(bytes, None) or (None, Problem): never reads a device, a FIFO or a file larger than the bound."""
    hint = "set openlakes_core_config_file to the path of your core-config.yaml"
    try:
        st = os.stat(path)
        if not os.path.isfile(path):
            return None, Problem((), f"is not a regular file; {hint}")
        if st.st_size > _config_yaml.MAX_BYTES:
            return None, Problem((), f"is {st.st_size // 2**20} MiB; core-config.yaml is read whole, at most "
                                     f"{_config_yaml.MAX_BYTES // 2**20} MiB: move large values out of it")
        with open(path, "rb") as fh:
            return fh.read(_config_yaml.MAX_BYTES + 1), None
    except OSError as exc:
        return None, Problem((), f"cannot read the file: {exc.strerror}; {hint}")


def load(path: str, inventory_hosts, *, text: str | None = None, check_files: bool = True) -> Result:
    """Read, validate and complete core-config.yaml. Never raises for bad input."""
    manifest, schema = _platform()
    if not HAS_JSONSCHEMA:
        return Result(None, [Problem((), "the Python library 'jsonschema' is missing on the controller; "
                                         "install requirements/controller.txt")], {}, schema, manifest)
    source = text
    if source is None:
        source, problem = _read_file(path)
        if problem:
            return Result(None, [problem], {}, schema, manifest)
    collecting = gc.isenabled()
    gc.disable()   # the data read holds no cycles; collecting while a large file is read only costs time
    try:
        return _load(path, source, inventory_hosts, check_files, manifest, schema)
    except Exception as exc:  # noqa: BLE001 - a bug of the validator must still be a sentence, not a traceback
        return Result(None, [Problem((), f"{INTERNAL_ERROR} ({type(exc).__name__}); please report it with the file "
                                         f"(secrets removed)")], {}, schema, manifest)
    finally:
        if collecting:
            gc.enable()


def _load(path, source, inventory_hosts, check_files, manifest, schema) -> Result:
    doc = _config_yaml.read(source, literal=_in_values)
    data, lines, problems = doc.data, doc.lines, list(doc.problems)
    if data is None:
        return Result(None, _finish(problems), lines, schema, manifest)
    if not isinstance(data, dict):
        return Result(None, [Problem((), f"must be a mapping of settings, not {typename(data)}", 1)],
                      lines, schema, manifest)
    empty_sections(data, schema, schema)
    read_paths = {p.path for p in problems}   # the reader said it better (a tag, an octal number)
    problems += [p for p in schema_problems(data, schema, lines, doc.raw) if p.path not in read_paths]
    config = fill_defaults(_copy(data), schema, schema)
    ctx = rules.Context(config=config, given=data, lines=lines, manifest=manifest,
                        inventory_hosts=[str(h) for h in inventory_hosts or []],
                        base_dir=os.path.dirname(os.path.abspath(path)) if path else os.getcwd(),
                        check_files=check_files)
    problems += rules.check_all(ctx)
    problems = _finish(problems)
    if not problems:
        config["derived"] = rules.derive(ctx)
    return Result(config if not problems else None, problems, lines, schema, manifest)


def _copy(data: dict) -> dict:
    """A deep copy for the defaults to fill, sharing each component's `values` (which no default
    reaches) with the file's data: a large values map is not copied."""
    comps = data.get("components")
    shared = [c["values"] for c in comps.values() if isinstance(c, dict) and isinstance(c.get("values"), (dict, list))] \
        if isinstance(comps, dict) else []
    return copy.deepcopy(data, {id(v): v for v in shared})


def _finish(problems: list) -> list:
    """Sorted by line, each message bounded, at most MAX_PROBLEMS (then a line that says how many more)."""
    problems = sorted({p: None for p in problems}, key=lambda p: (p.line or 0, p.dotted))
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = problems[:MAX_PROBLEMS] + [Problem((), f"{more} more problems are not listed; fix these and run "
                                                          f"again", problems[MAX_PROBLEMS].line)]
    return [bounded(p) for p in problems]
