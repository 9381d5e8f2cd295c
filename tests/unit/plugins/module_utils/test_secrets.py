"""plugins/module_utils/_secrets.py: each policy's shape, and no two runs alike."""
from __future__ import annotations

import base64
import re

import pytest

from ansible_collections.openlakes.core.plugins.module_utils import _secrets


@pytest.mark.parametrize("service", sorted(_secrets.POLICIES))
def test_every_policy_fills_every_key_with_fresh_values(service):
    a, b = _secrets.generate(service), _secrets.generate(service)
    assert set(a) == set(_secrets.POLICIES[service]) | set(_secrets.DERIVED.get(service, {})) and all(a.values())
    random_keys = [k for k in a if a[k] != b[k]]
    assert random_keys, f"{service}: nothing random"
    for value in a.values():
        assert value not in ("admin123", "password", "changeme")


def test_passwords_are_long_mixed_and_url_safe():
    for _round in range(50):
        pw = _secrets.generate("postgresql")["password"]
        assert len(pw) == 32 and re.fullmatch(r"[A-Za-z0-9]+", pw)
        assert re.search(r"[a-z]", pw) and re.search(r"[A-Z]", pw) and re.search(r"[0-9]", pw)


def test_minio_meets_its_own_minimums():
    creds = _secrets.generate("minio")
    assert len(creds["rootUser"]) >= 3 and len(creds["rootPassword"]) >= 8


def test_airflow_fernet_key_is_valid():
    key = _secrets.generate("airflow")["fernet-key"]
    assert len(base64.urlsafe_b64decode(key)) == 32


def test_missing_keys():
    assert _secrets.missing_keys("redis", {}) == ["password"]
    assert _secrets.missing_keys("redis", {"password": "x"}) == []


def test_ui_auth_carries_a_bcrypt_htpasswd_line_of_its_own_password():
    import bcrypt

    values = _secrets.generate("ui-auth")
    user, _sep, digest = values["users"].partition(":")
    assert user == values["username"] == "admin"
    assert digest.startswith("$2b$12$")
    assert bcrypt.checkpw(values["password"].encode(), digest.encode())
    assert not bcrypt.checkpw(b"wrong", digest.encode())
    assert _secrets.missing_keys("ui-auth", {"username": "a", "password": "b"}) == ["users"]
