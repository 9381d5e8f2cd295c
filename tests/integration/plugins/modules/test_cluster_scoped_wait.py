"""Waiting on cluster-scoped custom resources in the lab (issue 14, fault 2): the `ingress` release in
cloudflare-dns01 mode renders a ClusterIssuer, which the waiter used to look for in the release's namespace
("does not exist yet") until the release timed out. Scope now comes from API discovery."""
from __future__ import annotations

import threading
import time

import pytest
from kubernetes import client

from ansible_collections.openlakes.core.plugins.module_utils import _helm, _k8s, _release, _waiter

from ...conftest import REPO

INGRESS = str(REPO / "charts" / "openlakes-ingress")
CERT_MANAGER_KINDS = [("Certificate", "certificates", "Namespaced"), ("Issuer", "issuers", "Namespaced"),
                      ("ClusterIssuer", "clusterissuers", "Cluster")]


def crd(group: str, kind: str, plural: str, scope: str) -> dict:
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.{group}", "labels": {"openlakes.io/test": "cluster-scoped-wait"}},
            "spec": {"group": group, "scope": scope,
                     "names": {"kind": kind, "listKind": f"{kind}List", "plural": plural, "singular": kind.lower()},
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": {"type": "object",
                                                                  "x-kubernetes-preserve-unknown-fields": True}}}]}}


def ensure_crds(api, crds: list) -> list:
    """Creates the CRDs that do not exist yet and waits until they are served; returns those it created."""
    ext = client.ApiextensionsV1Api(api)
    made = []
    for body in crds:
        try:
            ext.read_custom_resource_definition(body["metadata"]["name"])
        except client.ApiException as exc:
            if exc.status != 404:
                raise
            ext.create_custom_resource_definition(body)
            made.append(body["metadata"]["name"])
    deadline = time.monotonic() + 30
    for name in [b["metadata"]["name"] for b in crds]:
        while True:
            conds = ext.read_custom_resource_definition(name).status.conditions or []
            if any(c.type == "Established" and c.status == "True" for c in conds):
                break
            assert time.monotonic() < deadline, f"CRD {name} not established"
            time.sleep(0.2)
    return made


@pytest.fixture(scope="module")
def cert_manager_crds(api):
    made = ensure_crds(api, [crd("cert-manager.io", *k) for k in CERT_MANAGER_KINDS])
    yield
    for name in made:
        client.ApiextensionsV1Api(api).delete_custom_resource_definition(name)


def test_the_ingress_release_in_cloudflare_mode_is_ready_once_its_cluster_issuer_exists(
        lab_cluster, api, namespace, cert_manager_crds):
    values = {"certificate": {"enabled": True, "namespace": namespace, "secretName": "openlakes-wildcard-tls",
                              "domain": "openlakes.lab.internal",
                              "acme": {"email": "ops@example.com", "server": "https://acme-staging-v02.api.letsencrypt.org/directory",
                                       "apiTokenSecret": {"name": "openlakes-cloudflare-api-token", "key": "api-token"}}}}
    spec = _release.Spec("ingress", namespace, _helm.ChartRef("openlakes-ingress", "0.1.0", path=INGRESS), values,
                         timeout=30.0)
    helm = _helm.Helm(str(lab_cluster["bin"] / "helm"), lab_cluster["kubeconfig"])
    try:
        res = _release.apply(spec, helm, _k8s.Cluster(lab_cluster["kubeconfig"]))
        print(f"\ningress (cloudflare-dns01) installed and ready in {res.readiness.get('elapsed')} s: {res.msg}")
        assert not res.failed, res.msg
        assert res.readiness["ready"] and res.readiness["targets"] == 2
        assert res.readiness["elapsed"] < 10, res.readiness
        issuer = client.CustomObjectsApi(api).get_cluster_custom_object("cert-manager.io", "v1", "clusterissuers",
                                                                        "openlakes-letsencrypt")
        assert "namespace" not in issuer["metadata"]
    finally:
        helm.run([helm.binary, "uninstall", "ingress", "--namespace", namespace] + helm.global_args())


@pytest.fixture
def widgets(api):
    made = ensure_crds(api, [crd("lab.openlakes.io", "ClusterWidget", "clusterwidgets", "Cluster")])
    yield client.CustomObjectsApi(api)
    for name in made:
        client.ApiextensionsV1Api(api).delete_custom_resource_definition(name)


def test_a_cluster_scoped_custom_resource_is_found_and_judged_by_its_conditions(api, namespace, widgets):
    """Named with the release's namespace, as a manifest names it: found cluster-wide, judged by its Ready
    condition (not ready while False), then ready as soon as it turns True."""
    body = {"apiVersion": "lab.openlakes.io/v1", "kind": "ClusterWidget", "metadata": {"name": f"w-{namespace}"},
            "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "Warming"}]}}
    widgets.create_cluster_custom_object("lab.openlakes.io", "v1", "clusterwidgets", body)
    try:
        target = _waiter.Target("lab.openlakes.io/v1", "ClusterWidget", f"w-{namespace}", namespace)
        waiting = _waiter.Waiter(api, [target], timeout=3, grace_seconds=0).wait()
        assert (waiting.ready, waiting.reason) == (False, "timeout")
        assert f"ClusterWidget w-{namespace}: Ready is False: Warming" in waiting.message, waiting.message

        def turn_ready():
            time.sleep(1.0)
            obj = widgets.get_cluster_custom_object("lab.openlakes.io", "v1", "clusterwidgets", f"w-{namespace}")
            obj["status"]["conditions"][0].update(status="True", reason="Done")
            widgets.replace_cluster_custom_object("lab.openlakes.io", "v1", "clusterwidgets", f"w-{namespace}", obj)

        threading.Thread(target=turn_ready, daemon=True).start()
        ready = _waiter.Waiter(api, [target], timeout=20, grace_seconds=0).wait()
        print(f"\nClusterWidget ready {ready.elapsed:.2f} s after the wait started (turned Ready after 1 s)")
        assert ready.ready and ready.elapsed < 5, ready.message
    finally:
        widgets.delete_cluster_custom_object("lab.openlakes.io", "v1", "clusterwidgets", f"w-{namespace}")
