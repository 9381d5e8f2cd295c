# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service credentials: generated once with the operating system's cryptographic
randomness. Private to this collection.

Which credential sets exist, and which keys each holds, is declared once, in
platform/components.yml (a component's `credentials`, plus the keys its
consumption of a database or of MinIO adds; see `_platform.credential_sets`).
This module only knows how to make a value of each kind:

  password[:N]      N (default 32) letters and digits, mixed case and a digit
  user:<prefix>     <prefix>-<8 lower-case letters and digits>
  fixed:<value>     the value itself (a user name such as `nessie`: not a secret)
  fernet            a Fernet key (32 random bytes, URL-safe base64)
  hex:<bytes>       random bytes, hex
  base64:<bytes>    random bytes, base64
  htpasswd:<user key>:<password key>   an htpasswd line (bcrypt) of two other keys

A credential is a Kubernetes Secret; it is created when missing and its values are
never changed afterwards (rotation is a separate, explicit action). Values never
leave this module's callers: they get Secret names and keys.
"""
from __future__ import annotations

import base64
import secrets
import string

try:
    import bcrypt
    HAS_BCRYPT = True
except ImportError:  # pragma: no cover - requirements/controller.txt installs it
    HAS_BCRYPT = False

ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
KINDS = ("password", "user", "fixed", "fernet", "hex", "base64", "htpasswd")


class PolicyError(ValueError):
    """A generator spec that this module does not know."""


def _password(length=32) -> str:
    """Letters and digits only (safe in JDBC URLs, env files and YAML), with at
    least one lower case letter, one upper case letter and one digit."""
    while True:
        value = "".join(secrets.choice(ALNUM) for _unused in range(length))
        if any(c.islower() for c in value) and any(c.isupper() for c in value) and any(c.isdigit() for c in value):
            return value


def _bcrypt(password: str) -> str:
    if not HAS_BCRYPT:
        raise RuntimeError("the Python library 'bcrypt' is required on the controller (requirements/controller.txt)")
    digest = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode()
    # The same hash under the prefix Apache's htpasswd writes: Trino's password file accepts only $2y$,
    # Traefik accepts every bcrypt prefix.
    return "$2y$" + digest[4:]


def parse(spec: str) -> tuple:
    """`password:40` -> ("password", ["40"]); raises PolicyError for an unknown kind or a bad argument."""
    kind, _sep, rest = str(spec).partition(":")
    args = rest.split(":") if rest else []
    if kind not in KINDS:
        raise PolicyError(f"unknown credential generator {spec!r}; known: {', '.join(KINDS)}")
    if kind in ("hex", "base64") and not (len(args) == 1 and args[0].isdigit()):
        raise PolicyError(f"{spec!r}: {kind} takes a byte count, e.g. {kind}:32")
    if kind == "password" and not (not args or (len(args) == 1 and args[0].isdigit() and int(args[0]) >= 8)):
        raise PolicyError(f"{spec!r}: password takes a length of at least 8, e.g. password:40")
    if kind in ("user", "fixed") and len(args) != 1:
        raise PolicyError(f"{spec!r}: {kind} takes one value, e.g. {kind}:admin")
    if kind == "htpasswd" and len(args) != 2:
        raise PolicyError(f"{spec!r}: htpasswd takes the user key and the password key, e.g. htpasswd:username:password")
    return kind, args


def is_secret(spec: str) -> bool:
    """Whether values of this kind are secret (and masked in output): user names are not."""
    return parse(spec)[0] not in ("fixed", "user")


def generate(keys: dict, current=None) -> dict:
    """Values for the keys of a set ({key: spec}) that `current` (an existing Secret's values) lacks;
    derived keys (htpasswd) may read the current values."""
    current = dict(current or {})
    wanted = [k for k in keys if k not in current]
    out = {}
    for key in sorted(wanted, key=lambda k: parse(keys[k])[0] == "htpasswd"):  # derived keys last
        kind, args = parse(keys[key])
        both = {**current, **out}
        if kind == "password":
            out[key] = _password(int(args[0]) if args else 32)
        elif kind == "user":
            out[key] = f"{args[0]}-{''.join(secrets.choice(LOWER_ALNUM) for _unused in range(8))}"
        elif kind == "fixed":
            out[key] = args[0]
        elif kind == "fernet":
            out[key] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        elif kind == "hex":
            out[key] = secrets.token_hex(int(args[0]))
        elif kind == "base64":
            out[key] = base64.b64encode(secrets.token_bytes(int(args[0]))).decode()
        else:  # htpasswd
            user_key, password_key = args
            out[key] = f"{both[user_key]}:{_bcrypt(both[password_key])}"
    return out


def secret_name(credential_set: str) -> str:
    return f"openlakes-{credential_set}-credentials"


def missing_keys(keys: dict, data: dict) -> list:
    return sorted(set(keys) - set(data or {}))
