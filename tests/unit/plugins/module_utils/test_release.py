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


CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: kafkas.kafka.strimzi.io}
spec: {group: kafka.strimzi.io}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: kafkausers.kafka.strimzi.io}
spec: {group: kafka.strimzi.io}
"""
MANIFEST = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: strimzi-cluster-operator}\n"


class FakeHelm(_helm.Helm):
    """helm as a table: `show crds` prints the chart's CRDs, `upgrade` prints the release JSON."""

    def run(self, argv, input_text=None):
        self.calls.append(argv)
        if argv[1:3] == ["show", "crds"]:
            return CRD
        return '{"version": 1, "info": {"status": "deployed"}, "manifest": %s}' % __import__("json").dumps(MANIFEST)


@pytest.mark.parametrize("mode", ["apply", "helm"])
def test_crds_of_the_chart_are_applied_and_awaited_at_every_change_when_asked(monkeypatch, mode):
    from ansible_collections.openlakes.core.plugins.module_utils import _objects, _waiter

    applied, waited = [], []
    monkeypatch.setattr(_helm, "read_records", lambda cluster, name, ns: [rec(version="0.9.0")])
    monkeypatch.setattr(_objects, "apply", lambda cluster, node, variables: applied.append(node) or {
        "failed": False, "reasons": [f"CustomResourceDefinition {node['objects'][0]['metadata']['name']} differs"]})

    class Waiter:
        def __init__(self, api, targets, **kw):
            waited.extend(targets)

        def wait(self):
            return type("O", (), {"ready": True, "reason": "ready", "elapsed": 0.1, "objects": [], "message": ""})()

    monkeypatch.setattr(_waiter, "Waiter", Waiter)
    s = spec()
    s.crds = mode
    helm = FakeHelm("helm")
    res = _release.apply(s, helm, type("Cluster", (), {"api": None})())
    assert not res.failed and res.action == "upgrade", res.msg
    upgrade = helm.calls[-1]
    kinds = sorted(t.kind for t in waited)
    if mode == "helm":
        assert applied == [] and "--skip-crds" not in upgrade and kinds == ["Deployment"]
        return
    # helm show crds of the same chart, then one server-side apply of every CRD, then helm without crds/.
    assert helm.calls[0] == ["helm", "show", "crds", "c", "--repo", "https://charts.example.com", "--version", "1.0.0"]
    assert [o["metadata"]["name"] for o in applied[0]["objects"]] == ["kafkas.kafka.strimzi.io", "kafkausers.kafka.strimzi.io"]
    assert "--skip-crds" in upgrade
    assert kinds == ["CustomResourceDefinition", "CustomResourceDefinition", "Deployment"]
    assert "CRDs of the chart applied: 0 new, 1 changed, 1 unchanged" in res.reasons


def test_a_chart_without_crds_marked_crds_apply_fails_before_helm_runs(monkeypatch):
    monkeypatch.setattr(_helm, "read_records", lambda cluster, name, ns: [])

    class Empty(FakeHelm):
        def run(self, argv, input_text=None):
            self.calls.append(argv)
            return ""

    s = spec()
    s.crds = "apply"
    helm = Empty("helm")
    res = _release.apply(s, helm, None)
    assert res.failed and "has no CustomResourceDefinitions in crds/" in res.msg
    assert len(helm.calls) == 1
