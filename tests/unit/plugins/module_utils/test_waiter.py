"""plugins/module_utils/_waiter.py: a target's scope comes from API discovery, not from a list of kinds."""
from __future__ import annotations

from types import SimpleNamespace

from ansible_collections.openlakes.core.plugins.module_utils import _waiter

MANIFEST = """
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: openlakes-letsencrypt}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: openlakes-wildcard, namespace: traefik}
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: local}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
"""


class Discovery:
    """What DynamicClient.resources.get answers: the kind's `namespaced` from the API server."""

    NAMESPACED = {"Certificate": True, "Issuer": True, "ClusterIssuer": False, "StorageClass": False}

    def __init__(self):
        self.asked = []
        self.resources = self

    def get(self, api_version, kind):
        self.asked.append((api_version, kind))
        return SimpleNamespace(namespaced=self.NAMESPACED[kind], kind=kind)


def test_a_manifest_gives_every_object_a_namespace_and_discovery_takes_it_from_cluster_scoped_kinds():
    targets = _waiter.targets_from_manifest(MANIFEST, "openlakes")
    assert [t.namespace for t in targets] == ["openlakes", "traefik", "openlakes", "openlakes"]
    dyn = Discovery()
    assert [t.label for t in _waiter.scoped(dyn, targets)] == [
        "ClusterIssuer openlakes-letsencrypt", "Certificate traefik/openlakes-wildcard", "Issuer openlakes/local",
        "StorageClass fast"]
    assert ("cert-manager.io/v1", "ClusterIssuer") in dyn.asked


def test_a_cluster_scoped_kind_no_list_knows_is_still_cluster_scoped():
    """A custom resource of a later layer (here a made-up kind): scope is whatever the API server says."""
    Discovery.NAMESPACED["ClusterWidget"] = False
    try:
        targets = [_waiter.Target("lab.openlakes.io/v1", "ClusterWidget", "w", "openlakes"),
                   _waiter.Target("lab.openlakes.io/v1", "ClusterWidget", "w", "")]
        assert _waiter.scoped(Discovery(), targets) == [_waiter.Target("lab.openlakes.io/v1", "ClusterWidget", "w", "")]
    finally:
        Discovery.NAMESPACED.pop("ClusterWidget")
