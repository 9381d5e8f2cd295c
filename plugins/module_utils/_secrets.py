# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service credentials: what each service needs, generated once with the
operating system's cryptographic randomness. Private to this collection.

A credential is a Kubernetes Secret `openlakes-<service>-credentials` in the
platform namespace. It is created when missing and never changed afterwards
(rotation is a separate, explicit action). Values never leave this module:
callers get Secret names and keys.
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


def _password(length=32) -> str:
    """Letters and digits only (safe in JDBC URLs, env files and YAML), with at
    least one lower case letter, one upper case letter and one digit."""
    while True:
        value = "".join(secrets.choice(ALNUM) for _unused in range(length))
        if any(c.islower() for c in value) and any(c.isupper() for c in value) and any(c.isdigit() for c in value):
            return value


def _user(prefix: str) -> str:
    return f"{prefix}-{''.join(secrets.choice(LOWER_ALNUM) for _unused in range(8))}"


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


# Per service: key -> generator. Keys are what the charts' existingSecret settings expect.
POLICIES = {
    "minio": {"rootUser": lambda: _user("admin"), "rootPassword": lambda: _password(40)},
    "postgresql": {"username": lambda: "postgres", "password": _password},
    "nessie": {"username": lambda: "nessie", "password": _password},
    "airflow": {"username": lambda: "airflow", "password": _password, "admin-password": _password,
                "fernet-key": _fernet_key, "webserver-secret-key": lambda: secrets.token_hex(32)},
    "superset": {"username": lambda: "superset", "password": _password, "admin-password": _password,
                 "secret-key": lambda: base64.b64encode(secrets.token_bytes(42)).decode()},
    "openmetadata": {"username": lambda: "openmetadata", "password": _password, "admin-password": _password},
    "redis": {"password": _password},
    "grafana": {"admin-user": lambda: "admin", "admin-password": _password},
    "jupyterhub": {"proxy-token": lambda: secrets.token_hex(32)},
    # Basic auth in front of the UIs that have no login of their own (Longhorn, the Traefik dashboard).
    "ui-auth": {"username": lambda: "admin", "password": _password},
}

# Keys computed from the generated ones: Traefik's BasicAuth middleware reads an htpasswd
# line (bcrypt) from the key `users`.
DERIVED = {
    "ui-auth": {"users": lambda d: f"{d['username']}:{_bcrypt(d['password'])}"},
}


def _bcrypt(password: str) -> str:
    if not HAS_BCRYPT:
        raise RuntimeError("the Python library 'bcrypt' is required on the controller (requirements/controller.txt)")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode()


# Keys that hold a fixed user name (nessie, postgres, admin), not a secret: they are not masked in output.
USER_KEYS = {"username", "admin-user"}


def secret_name(service: str) -> str:
    return f"openlakes-{service}-credentials"


def generate(service: str) -> dict:
    values = {key: make() for key, make in POLICIES[service].items()}
    for key, derive in DERIVED.get(service, {}).items():
        values[key] = derive(values)
    return values


def missing_keys(service: str, data: dict) -> list:
    return sorted((set(POLICIES[service]) | set(DERIVED.get(service, {}))) - set(data or {}))
