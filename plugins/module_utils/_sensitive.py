# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What looks like a credential, decided in one place. Private to this collection.

Every check that asks uses these functions: the core-config.yaml rule that refuses
plaintext credentials (`_config_rules`), the messages that must never quote a secret
(`_config_report`), and the masking of Helm values and output (`_helm`).

- `credential_key(key)`: the key holds a credential's value (`password`, `api_token`,
  `rootPassword`, `secretKey`, `DB_PASS`), not the name of a place that holds one
  (`existingSecret`, `passwordSecretName`, `tokenFile`, `secretKeyRef`, `tlsSecret`).
- `find(node)`: every plaintext credential in a document: values under a credential key,
  the `value` of an environment entry whose `name` is one (`{name: X_PASSWORD, value: ...}`),
  `NAME=value` and `--flag=value` strings, passwords in URLs (`https://user:token@host`), and
  strings in a well-known credential format (private keys, GitHub/Slack/AWS tokens, ...).
- `looks_secret(value)`: the wider net for messages: also random-looking strings.
- `secret_context(path)`: a path where a value is never quoted (under `credentials`, a
  `vault_variable`, a Secret's name, any credential key).
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# The last word of a credential key ends with one of these (all-lower-case compounds included).
_TAILS = ("password", "passwd", "passphrase", "pwd", "token", "apikey", "secretkey", "accesskey", "privatekey",
          "credential", "credentials", "rootuser", "secret")
# `<word> key` holds a credential after these words (secretKey, api_key, privateKey, ...).
_KEY_KINDS = {"secret", "access", "api", "private", "auth", "signing", "encryption", "master", "client", "ssh",
              "session", "license"}
# `<word> secret` names a Kubernetes Secret after these (tlsSecret, passwordSecret); otherwise, as in
# clientSecret or jwt_secret, it is the secret itself.
_SECRET_OBJECTS = {"tls", "cert", "certificate", "ca", "password", "passwd", "token", "credential", "credentials",
                   "key", "keys", "user", "users", "config", "env", "existing", "name"}
_NOT_PASS = {"bypass", "compass", "encompass", "overpass", "underpass", "surpass", "trespass", "impass", "skypass"}
# A path through any key with one of these words is a place where secrets are kept or pasted by mistake.
_CONTEXT_WORDS = {"password", "passwd", "passphrase", "pwd", "pass", "secret", "secrets", "token", "tokens",
                  "credential", "credentials", "vault", "apikey", "secretkey", "accesskey", "privatekey"}

# Strings in a well-known credential format, wherever they are: (kind, markers, pattern). A pattern
# runs only over a string that holds one of its markers, so a megabyte of text costs a few substring
# searches.
KNOWN_FORMATS = (
    ("a private key", ("PRIVATE KEY-----",), re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
    ("an ansible-vault value", ("$ANSIBLE_VAULT;",), re.compile(r"\$ANSIBLE_VAULT;")),
    ("a GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
     re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})")),
    ("a GitLab token", ("glpat-",), re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", ("xox",), re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("an AWS access key", ("AKIA", "ASIA"), re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a Google API key", ("AIza",), re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("a Stripe key", ("k_live_", "k_test_"), re.compile(r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}")),
    ("an API key", ("sk-",), re.compile(r"\bsk-[A-Za-z0-9_-]{20,}")),
    ("a Vault token", ("hvs.", "hvb."), re.compile(r"\bhv[sb]\.[A-Za-z0-9_-]{20,}")),
    ("a JSON Web Token", ("eyJ",), re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("a bcrypt hash", ("$2a$", "$2b$", "$2y$"), re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}")),
)
_MARKERS = re.compile("|".join(re.escape(m) for _kind, markers, _rx in KNOWN_FORMATS for m in markers))
# scheme://user:password@ (user may be empty: redis://:password@host)
URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<user>[^/\s:@]*)(?::(?P<password>[^/\s@]*))?@")
# A Kubernetes reference to an earlier variable of the container (`$(VAR)`), expanded by the kubelet: a URL holding
# one names where its password comes from (Airflow's metadata URL), not the password.
K8S_VAR_REF = re.compile(r"\$\([A-Za-z_][A-Za-z0-9_]*\)")
# NAME=value, --name=value
_ASSIGNMENT = re.compile(r"^-{0,2}(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<value>.+)$", re.S)


def words(key: str) -> list:
    """`rootPassword` -> [root, password]; `X_API_KEY` -> [x, api, key]; `secretkey` -> [secretkey]."""
    return [w.lower() for w in _WORDS.findall(key)]


def credential_key(key) -> bool:
    """True when `key` holds a credential's value rather than naming where one is kept."""
    if not isinstance(key, str) or not key:
        return False
    return _credential_key(key) if len(key) <= 200 else _credential_words(words(key))


@functools.lru_cache(maxsize=8192)   # a large values file repeats its keys
def _credential_key(key: str) -> bool:
    return _credential_words(words(key))


def _credential_words(ws: list) -> bool:
    if not ws or any(w.startswith("existing") for w in ws):
        return False
    last, prev = ws[-1], (ws[-2] if len(ws) > 1 else "")
    if last == "key":
        # passwordSecretKey is the key *inside* a password Secret; secretKey itself is a credential.
        return prev in _KEY_KINDS and not (prev == "secret" and len(ws) > 2 and ws[-3] in _SECRET_OBJECTS)
    if last == "user":
        return prev == "root"   # MinIO's root user is half of its root credential
    if last.endswith("pass"):   # DB_PASS, requirepass; not bypass or compass
        return last not in _NOT_PASS
    if last == "secret":
        return prev not in _SECRET_OBJECTS
    return last.endswith(_TAILS)


def secret_context(path) -> bool:
    """True when a value at `path` may be a secret and is therefore never quoted in a message."""
    for part in path:
        if isinstance(part, str) and (credential_key(part) or _CONTEXT_WORDS.intersection(words(part))):
            return True
    return False


def known_format(value):
    """The kind of credential (`'a GitHub token'`) when `value` holds one in a well-known format, else ''."""
    if not isinstance(value, str) or len(value) < 10:
        return ""
    if not _MARKERS.search(value):
        return ""
    for kind, markers, rx in KNOWN_FORMATS:
        if any(m in value for m in markers) and rx.search(value):
            return kind
    return ""


def _entropy(text: str) -> float:
    counts = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_secret(value) -> bool:
    """The wide net used before quoting a value in a message: a known credential format, a URL with a
    password, or a random-looking token (mixed letters, digits and symbols, or high entropy)."""
    if not isinstance(value, str) or len(value) < 8:
        return False
    if known_format(value) or url_password(value):
        return True
    if len(value) < 12 or any(ch.isspace() for ch in value) or value.startswith(("/", "~", "./", "../")):
        return False
    classes = (any(c.islower() for c in value) + any(c.isupper() for c in value) + any(c.isdigit() for c in value)
               + any(not c.isalnum() and c not in "-._/:@+" for c in value))
    if classes == 4:
        return True
    if len(value) >= 20 and classes >= 3 and _entropy(value) >= 3.5:
        return True
    return len(value) >= 32 and bool(re.fullmatch(r"[0-9a-fA-F]+", value)) and _entropy(value) >= 3.0


def url_password(value):
    """The secret part of a URL's user information (`token` in https://user:token@host, or a user
    name that is itself a token), or ''."""
    if not isinstance(value, str) or "://" not in value or "@" not in value:
        return ""
    for m in URL_CREDENTIALS.finditer(value):
        if m.group("password") and not K8S_VAR_REF.fullmatch(m.group("password")):
            return m.group("password")
        if m.group("user") and looks_secret(m.group("user")):
            return m.group("user")
    return ""


@dataclass(frozen=True)
class Finding:
    path: tuple
    kind: str       # key | env | assignment | url | format
    value: object   # the whole value where it was found
    secret: str     # the secret itself (the password of a URL, the value of an assignment, or the value)
    detail: str = ""   # the credential's name (env entry, assignment) or its format ('a GitHub token')


def _scalar(value) -> bool:
    return (isinstance(value, str) and value != "") or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _reference(value) -> bool:
    """`$(VAR)`, `$(cat /file)` and `{{ template }}` name where a value comes from; they are not one."""
    return isinstance(value, str) and value.startswith(("$", "{{"))


def find(node, path=(), under_key=False):
    """Yields a Finding for every plaintext credential in `node` (a document of dicts, lists and scalars).
    With `under_key`, every scalar below a credential key counts (masking); without, only the key's own
    value (the config check, where `api_token: {vault_variable: NAME}` is a reference)."""
    stack = [(node, tuple(path), False)]
    while stack:
        node, path, inherited = stack.pop()
        if isinstance(node, dict):
            name = node.get("name")
            env = isinstance(name, str) and credential_key(name) and _scalar(node.get("value")) \
                and not _reference(node["value"])
            for key, value in node.items():
                sub = path + (key,)
                if env and key == "value":
                    yield Finding(sub, "env", value, str(value), name)
                elif (inherited or credential_key(key)) and _scalar(value):
                    yield Finding(sub, "key", value, str(value))
                else:
                    stack.append((value, sub, inherited or (under_key and credential_key(key))))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                stack.append((item, path + (i,), inherited))
        elif inherited:
            if _scalar(node):
                yield Finding(path, "key", node, str(node))
        elif isinstance(node, str) and len(node) >= 8:
            m = _ASSIGNMENT.match(node) if "=" in node else None
            if m and credential_key(m.group("name")) and not _reference(m.group("value")):
                yield Finding(path, "assignment", node, m.group("value"), m.group("name"))
            elif url_password(node):
                yield Finding(path, "url", node, url_password(node))
            elif known_format(node):
                yield Finding(path, "format", node, node, known_format(node))
