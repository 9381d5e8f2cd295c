"""plugins/module_utils/_secrets.py: each generator's shape, every declared set filled, and no two runs alike."""
from __future__ import annotations

import base64
import re

import pytest

from ansible_collections.openlakes.core.plugins.module_utils import _config, _platform, _secrets

MANIFEST = _config.load_manifest()
SETS = {_platform.credential_set(MANIFEST, n): _platform.set_keys(MANIFEST, n)
        for n in MANIFEST["components"] if _platform.credential_set(MANIFEST, n)}


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_declared_set_fills_every_key_with_fresh_values(name):
    a, b = _secrets.generate(SETS[name]), _secrets.generate(SETS[name])
    assert set(a) == set(SETS[name]) and all(a.values())
    random_keys = [k for k in a if a[k] != b[k]]
    assert random_keys, f"{name}: nothing random"
    for value in a.values():
        assert value not in ("admin123", "password", "changeme")


def test_passwords_are_long_mixed_and_url_safe():
    for _round in range(50):
        pw = _secrets.generate({"p": "password"})["p"]
        assert len(pw) == 32 and re.fullmatch(r"[A-Za-z0-9]+", pw)
        assert re.search(r"[a-z]", pw) and re.search(r"[A-Z]", pw) and re.search(r"[0-9]", pw)
    assert len(_secrets.generate({"p": "password:40"})["p"]) == 40


def test_minio_meets_its_own_minimums():
    creds = _secrets.generate(SETS["minio"])
    assert len(creds["rootUser"]) >= 3 and len(creds["rootPassword"]) >= 8
    nessie = _secrets.generate(SETS["nessie"])
    assert nessie["s3-access-key"] == "nessie" and len(nessie["s3-secret-key"]) == 40


def test_airflow_fernet_key_is_valid():
    key = _secrets.generate(SETS["airflow"])["fernet-key"]
    assert len(base64.urlsafe_b64decode(key)) == 32


def test_missing_keys_and_filling_only_them():
    assert _secrets.missing_keys(SETS["redis"], {}) == ["password"]
    assert _secrets.missing_keys(SETS["redis"], {"password": "x"}) == []
    added = _secrets.generate(SETS["nessie"], current={"username": "nessie", "password": "kept"})
    assert set(added) == {"s3-access-key", "s3-secret-key"}


@pytest.mark.parametrize("spec, message", [("pasword", "unknown credential generator"), ("hex", "takes a byte count"),
                                           ("password:4", "at least 8"), ("fixed", "takes one value"),
                                           ("htpasswd:user", "the user key and the password key")])
def test_unknown_or_malformed_generators_are_refused(spec, message):
    with pytest.raises(_secrets.PolicyError, match=message):
        _secrets.parse(spec)


def test_user_names_are_not_secret():
    assert not _secrets.is_secret("fixed:nessie") and not _secrets.is_secret("user:admin")
    assert _secrets.is_secret("password") and _secrets.is_secret("htpasswd:username:password")


def test_ui_auth_carries_a_bcrypt_htpasswd_line_of_its_own_password():
    import bcrypt

    values = _secrets.generate(SETS["ui-auth"])
    user, _sep, digest = values["users"].partition(":")
    assert user == values["username"] == "admin"
    assert digest.startswith("$2y$12$")   # the prefix Trino requires
    assert bcrypt.checkpw(values["password"].encode(), digest.encode())
    assert not bcrypt.checkpw(b"wrong", digest.encode())
    assert _secrets.missing_keys(SETS["ui-auth"], {"username": "a", "password": "b"}) == ["users"]
    again = _secrets.generate(SETS["ui-auth"], current={"username": "admin", "password": "pw"})
    assert set(again) == {"users"} and bcrypt.checkpw(b"pw", again["users"].split(":", 1)[1].encode())
