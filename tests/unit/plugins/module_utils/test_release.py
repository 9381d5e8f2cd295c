"""plugins/module_utils/_release.py: what a release needs, decided from its stored revisions."""
from __future__ import annotations

import pytest

from ansible_collections.openlakes.core.plugins.module_utils import _helm, _release


def spec(values=None, version="1.0.0"):
    return _release.Spec("r", "ns", _helm.ChartRef("c", version, repository="https://charts.example.com"),
                         values if values is not None else {"a": 1})


def rec(status="deployed", revision=2, values=None, version="1.0.0", fp=None, desc=None):
    s = spec(values, version)
    description = desc if desc is not None else _helm.FINGERPRINT_PREFIX + (fp or s.fingerprint)
    return _helm.Record("r", "ns", revision, status, description, "c", version, values or {"a": 1})


@pytest.mark.parametrize("records,want_action,want_reason", [
    ([], "install", "not installed"),
    ([rec(status="uninstalled")], "install", "not installed"),
    ([rec()], "none", None),
    ([rec(values={"a": 2})], "upgrade", "values changed"),
    ([rec(version="0.9.0")], "upgrade", "chart c 0.9.0 -> c 1.0.0"),
    ([rec(status="failed")], "upgrade", "revision 2 failed"),
    ([rec(desc="Install complete")], "upgrade", "not made by openlakes.core"),
    ([rec(fp="sha256:other")], "upgrade", "chart content or namespace changed"),
    ([rec(status="pending-upgrade", revision=3), rec()], "recover", "stuck in pending-upgrade"),
    ([rec(status="pending-install", revision=1)], "recover", "stuck in pending-install"),
    ([rec(status="uninstalling")], "refuse", "being uninstalled"),
])
def test_decide(records, want_action, want_reason):
    d = _release.decide(spec(), records)
    assert d.action == want_action
    if want_reason:
        assert any(want_reason in r for r in d.reasons), d.reasons
    else:
        assert d.reasons == []


def test_age_of_helm_timestamps():
    assert _release._age_seconds("") == float("inf")
    assert _release._age_seconds("2020-01-01T00:00:00.123456789Z") > 1e6
