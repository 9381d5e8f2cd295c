"""plugins/module_utils/_config.py under mutated example configurations (Hypothesis).

Each example takes one of inventories/*/core-config.yaml, changes its data (a value replaced by
one of any type, a secret, a key renamed, removed or added, a subtree copied elsewhere), then
its text (a no-break space, a tab, an anchor or alias, a tag, a merge key, a second document,
a control character, a line removed or repeated) and its encoding, and loads it. The loader must
never raise, every problem must be in the established form (file:line: key.path: message), no
message may hold a secret value that was put in, and none may be the validator's own failure.

The budget is bounded and the seed fixed, so `make unit` is repeatable and takes a few seconds:
    OPENLAKES_FUZZ_EXAMPLES  examples per run (default 200)
    OPENLAKES_FUZZ_SEED      the seed (default 20261201)
A longer run (docs/design.md, Configuration):
    OPENLAKES_FUZZ_EXAMPLES=20000 .venv/bin/pytest -q -p no:cacheprovider \
        tests/unit/plugins/module_utils/test_config_fuzz.py
"""
from __future__ import annotations

import copy
import os
import re
import sys
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from ansible_collections.openlakes.core.plugins.module_utils import _config

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402  (the examples' inventories)

EXAMPLES = int(os.environ.get("OPENLAKES_FUZZ_EXAMPLES", "200"))
SEED = int(os.environ.get("OPENLAKES_FUZZ_SEED", "20261201"))
RENDERED = re.compile(r"^core-config\.yaml(:\d+)?: \S.*: \S")
SOURCES = [(p, p.read_text(), values_configs.inventory_hosts(p)) for p in values_configs.EXAMPLES]
INTERNAL = (_config.INTERNAL_ERROR, "failed on this file (")

# Secrets: random tokens in well-known formats or random-looking (hidden wherever they are), and
# plain words that are secrets only by where they are put (under a credential key).
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_tail = st.text(alphabet=_ALNUM, min_size=24, max_size=40)
LOOKING_SECRET = st.one_of(
    _tail.map(lambda t: "ghp_" + t), _tail.map(lambda t: "glpat-" + t), _tail.map(lambda t: "xoxb-" + t),
    _tail.map(lambda t: "hvs." + t), st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16)
    .map(lambda t: "AKIA" + t), _tail.map(lambda t: f"Zq8#{t}!9x"))
PLAIN_SECRET = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=12, max_size=20).map(lambda t: "pw" + t)
CREDENTIAL_KEYS = ["password", "adminPassword", "rootPassword", "secretKey", "api_token", "DB_PASS", "clientSecret",
                   "accessKey", "token", "s3SecretKey", "admin-password"]
ODD_TEXT = ["\u00a0", "\t", "&a ", "*a", "*nope", "!vault ", "!Ref ", "<<: *a\n", "\n---\n", "\x00", "\x07", ": ",
            "- ", "'", '"', "{", "[", "]", "}", "#", "\ufeff", "\u200b", "0600", "4.1", "no", "~", "!!binary ",
            "? ", "|", ">", "%YAML 1.1\n", "&a [*a]", "\r\n", "\u2028"]
KEYS = st.one_of(st.sampled_from(["enabled", "values", "device", "mount", "name", "hosts", "servers", "tls", "mode",
                                  "memory", "cpu", "requests", "limits", "<<", "101", "on", "env", "value",
                                  "replicas", "domain", "cold_nas", "server", "chart_mirror", "x" * 300]),
                 st.text(max_size=12))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                    st.sampled_from(["/dev/sdb", "/dev/nvme0n1p1", "/dev/root", "/var", "/cold-nas", "0600", "4.1",
                                     "10.0.0.1", "nfs://nas/x", "oci://r/c", "https://u:p4ss@h/x", "512", "2Gi",
                                     "-1", "a" * 5000, "node-1", "lake-a", "lab-node-1", ""]))


def _values(depth=2):
    base = SCALARS
    if depth <= 0:
        return base
    inner = _values(depth - 1)
    return st.one_of(base, st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4))


VALUES = _values()


# Shapes that are wrong almost anywhere: a list of mappings where names are expected, and the like.
SHAPES = [[{"name": "node-1"}], [["node-1"]], {"node-1": [1]}, [[]], [{}], {"x": None}, [None], ["node-1", {"y": 1}],
          [{"device": "/dev/sdb"}, ["/m"]], {"enabled": {"enabled": True}}, [True, 1.5, None]]


def _schema_paths(schema, root, path=()):
    """Every key the schema describes, as a path (`<name>` for any name, 0 for a list's first item)."""
    schema = _config._resolve(schema, root)
    if schema.get("x-components"):   # one component stands for all (their keys are the same)
        yield from _schema_paths(root["$defs"]["component"], root, path + ("<component>",))
        return
    for key, sub in schema.get("properties", {}).items():
        yield path + (key,)
        yield from _schema_paths(sub, root, path + (key,))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and (extra.get("$ref") or extra.get("properties")):
        yield path + ("<name>",)
        yield from _schema_paths(extra, root, path + ("<name>",))
    items = schema.get("items")
    if isinstance(items, dict) and (items.get("$ref") or items.get("properties")):
        yield path + (0,)
        yield from _schema_paths(items, root, path + (0,))


_MANIFEST = _config.load_manifest()
_SCHEMA = _config.load_schema(_MANIFEST)
COMPONENTS = sorted(_MANIFEST["components"])
SCHEMA_PATHS = sorted(set(_schema_paths(_SCHEMA, _SCHEMA)), key=str)


def _set(data, path, value, name, component):
    """Sets `path` in `data`, making the mappings and lists on the way; `<name>` becomes `name`."""
    node = data
    for part, nxt in zip(path, path[1:] + (None,)):
        part = {"<name>": name, "<component>": component}.get(part, part) if isinstance(part, str) else part
        if isinstance(node, list):
            part = min(part, len(node)) if isinstance(part, int) else 0
            if part == len(node):
                node.append({})
        elif not isinstance(node, dict):
            return
        if nxt is None:
            node[part] = value
            return
        if not isinstance(node.get(part) if isinstance(node, dict) else node[part], (dict, list)):
            node[part] = [] if isinstance(nxt, int) else {}
        node = node[part]


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


def _at(node, path):
    for part in path:
        node = node[part]
    return node


@st.composite
def mutated(draw):
    src, text, hosts = draw(st.sampled_from(SOURCES))
    data = yaml.safe_load(text)
    secrets = []
    for _step in range(draw(st.integers(min_value=1, max_value=6))):
        paths = list(_paths(data))
        path = draw(st.sampled_from(paths))
        parent = _at(data, path[:-1]) if path else None
        op = draw(st.sampled_from(["replace", "secret", "credential", "delete", "add", "copy", "rename", "schema",
                                   "schema", "shape", "shape"]))
        if op in ("schema", "shape"):   # a key the schema knows, set to anything, a secret, or a wrong shape
            value = copy.deepcopy(draw(st.sampled_from(SHAPES))) if op == "shape" else \
                draw(st.one_of(VALUES, LOOKING_SECRET))
            if isinstance(value, str) and value.startswith(("ghp_", "glpat-", "xoxb-", "hvs.", "AKIA", "Zq8#")):
                secrets.append(value)
            _set(data, draw(st.sampled_from(SCHEMA_PATHS)), value, draw(st.sampled_from(hosts + ["nod-1", "101"])),
                 draw(st.sampled_from(COMPONENTS)))
            continue
        if not path or op == "add":
            target = _at(data, path)
            if isinstance(target, dict):
                target[draw(KEYS)] = draw(VALUES)
            elif isinstance(target, list):
                target.append(draw(VALUES))
            continue
        key = path[-1]
        if op == "replace":
            parent[key] = draw(VALUES)
        elif op == "secret":
            secret = draw(LOOKING_SECRET)
            secrets.append(secret)
            if isinstance(parent, dict) and draw(st.booleans()):
                parent[secret] = parent.pop(key)       # a token pasted as a key
            else:
                parent[key] = secret
        elif op == "credential" and isinstance(parent, dict):
            secret = draw(st.one_of(PLAIN_SECRET, LOOKING_SECRET))
            secrets.append(secret)
            shape = draw(st.sampled_from(["key", "env", "url"]))
            if shape == "key":
                parent[draw(st.sampled_from(CREDENTIAL_KEYS))] = secret
            elif shape == "env":
                parent["env"] = [{"name": "APP_" + draw(st.sampled_from(CREDENTIAL_KEYS)).upper(), "value": secret}]
            else:
                parent[key] = f"https://robot:{secret}@charts.example.com/x"
        elif op == "delete":
            del parent[key]
        elif op == "copy":
            parent[key] = copy.deepcopy(_at(data, draw(st.sampled_from(paths))))
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(KEYS)] = parent.pop(key)
    try:
        out = yaml.safe_dump(data, allow_unicode=True, sort_keys=False) if draw(st.integers(0, 3)) else text
    except (yaml.YAMLError, ValueError):
        out = text
    for _step in range(draw(st.integers(min_value=0, max_value=3))):
        lines = out.split("\n")
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        op = draw(st.sampled_from(["insert", "drop", "repeat", "indent"]))
        if op == "insert":
            at = draw(st.integers(min_value=0, max_value=len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(ODD_TEXT)) + lines[i][at:]
        elif op == "drop":
            del lines[i]
        elif op == "repeat":
            lines.insert(i, lines[i])
        else:
            lines[i] = draw(st.sampled_from(["  ", "\t", " "])) + lines[i]
        out = "\n".join(lines)
    encoding = draw(st.sampled_from(["text"] * 6 + ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "latin-1", "cp1252"]))
    if encoding != "text":
        out = out.encode(encoding, "replace")
    return str(src), out, hosts, secrets


@seed(SEED)
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(mutated())
def test_loader_never_raises_and_never_echoes_a_secret(example):
    path, source, hosts, secrets = example
    result = _config.load(path, hosts, text=source, check_files=False)
    assert result.ok == (result.config is not None)
    for problem in result.problems:
        line = problem.render()
        assert RENDERED.match(line), line
        assert len(problem.message) <= 600, line[:200]
        assert not any(marker in problem.message for marker in INTERNAL), line
        for secret in secrets:
            assert secret not in line, (secret, line)
