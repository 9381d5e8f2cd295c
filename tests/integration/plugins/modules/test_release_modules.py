"""helm_release / k8s_ready / release_plan against the lab cluster: real helm,
real API server and controllers, kwok-simulated pods."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from kubernetes import client

from ansible_collections.openlakes.core.plugins.module_utils import _helm, _k8s, _plan, _release

from ...conftest import FIXTURE_CHARTS

APP = str(FIXTURE_CHARTS / "app")


@pytest.fixture(scope="module")
def cluster(lab_cluster):
    return _k8s.Cluster(lab_cluster["kubeconfig"])


@pytest.fixture
def release(lab_cluster, api, namespace):
    def make(name="app", values=None, helm_binary="helm", **kw):
        spec = _release.Spec(name, namespace, _helm.ChartRef("app", "0.1.0", path=APP), values or {}, **kw)
        helm = _helm.Helm(str(lab_cluster["bin"] / helm_binary), lab_cluster["kubeconfig"])
        return spec, helm
    return make


@pytest.mark.parametrize("helm_binary", ["helm", "helm3"])
def test_install_noop_and_values_change(release, cluster, api, namespace, helm_binary):
    spec, helm = release(values={"replicas": 2}, helm_binary=helm_binary, timeout=60)
    first = _release.apply(spec, helm, cluster)
    assert not first.failed, first.msg
    assert (first.action, first.revision, first.changed) == ("install", 1, True)
    assert first.readiness["ready"]
    assert client.AppsV1Api(api).read_namespaced_deployment("app", namespace).status.ready_replicas == 2

    spec, helm = release(values={"replicas": 2}, helm_binary=helm_binary)
    again = _release.apply(spec, helm, cluster)
    assert (again.action, again.changed, again.revision) == ("none", False, 1)
    assert helm.calls == [], "a no-op ran helm"
    assert len(_helm.read_records(cluster, "app", namespace)) == 1, "a no-op made a revision"

    spec, helm = release(values={"replicas": 3}, helm_binary=helm_binary, timeout=60)
    up = _release.apply(spec, helm, cluster)
    assert (up.action, up.revision, up.reasons) == ("upgrade", 2, ["values changed"])
    assert client.AppsV1Api(api).read_namespaced_deployment("app", namespace).status.ready_replicas == 3


def test_check_mode_reports_without_running_helm(release, cluster, api, namespace):
    spec, helm = release(values={"replicas": 1})
    res = _release.apply(spec, helm, cluster, check_mode=True)
    assert (res.changed, res.action, helm.calls) == (True, "install", [])
    assert _helm.read_records(cluster, "app", namespace) == []


def test_interrupted_upgrade_is_recovered(release, cluster, api, namespace, lab_cluster):
    spec, helm = release(values={"replicas": 1}, timeout=60)
    assert not _release.apply(spec, helm, cluster).failed
    # A real interruption: helm waits on pods that never become ready, and is killed.
    env = dict(os.environ, KUBECONFIG=lab_cluster["kubeconfig"])
    proc = subprocess.Popen([str(lab_cluster["bin"] / "helm"), "upgrade", "app", APP, "-n", namespace,
                             "--set", "fault=ImagePullBackOff", "--wait=watcher", "--timeout", "5m"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    core = client.CoreV1Api(api)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        recs = _helm.read_records(cluster, "app", namespace)
        if recs and recs[0].status == "pending-upgrade":
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _helm.read_records(cluster, "app", namespace)[0].status == "pending-upgrade"

    spec, helm = release(values={"replicas": 2}, timeout=60, pending_timeout=300)
    refused = _release.apply(spec, helm, cluster)
    assert refused.failed and "another helm operation may still be running" in refused.msg

    spec, helm = release(values={"replicas": 2}, timeout=60, pending_timeout=0)
    res = _release.apply(spec, helm, cluster)
    assert not res.failed, res.msg
    assert res.action == "recover"
    assert any("rolled back to revision 1" in r for r in res.reasons), res.reasons
    recs = _helm.read_records(cluster, "app", namespace)
    assert recs[0].status == "deployed" and recs[0].revision == res.revision == 4  # 2 stuck, 3 rollback, 4 ours


@pytest.mark.parametrize("fault,expect", [
    ("CrashLoopBackOff", "is in CrashLoopBackOff (restarted 4 times, last exit code 1 (Error))"),
    ("ImagePullBackOff", "ImagePullBackOff: Back-off pulling image"),
    ("ExitNonZero", "exited non-zero 3 times, last with code 3 (Error)"),
])
def test_fault_fails_fast_naming_pod_and_reason(release, cluster, api, namespace, fault, expect):
    spec, helm = release(values={"fault": fault}, timeout=300, grace_seconds=2)
    start = time.monotonic()
    res = _release.apply(spec, helm, cluster)
    took = time.monotonic() - start
    assert res.failed
    assert res.readiness["reason"] == "failed"
    assert f"Deployment {namespace}/app: pod app-" in res.msg and expect in res.msg, res.msg
    assert took < 15, f"took {took:.1f}s to notice {fault}"
    diag = res.readiness["objects"][0]
    assert diag["pods"] and diag["pods"][0]["containers"], diag


def test_node_going_not_ready_fails_fast(release, cluster, api, namespace):
    core = client.CoreV1Api(api)
    node = f"lab-fault-{namespace}"
    core.create_node({"metadata": {"name": node, "annotations": {"kwok.x-k8s.io/node": "fake"},
                                   "labels": {"kubernetes.io/hostname": node}},
                      "status": {"capacity": {"cpu": "2", "memory": "4Gi", "pods": "10"}}})
    try:
        deadline = time.monotonic() + 30
        while not any(c.type == "Ready" and c.status == "True" for c in core.read_node(node).status.conditions or []):
            assert time.monotonic() < deadline
            time.sleep(0.3)
        spec, helm = release(values={"readyDelay": "60s", "nodeSelector": {"kubernetes.io/hostname": node}},
                             timeout=120, grace_seconds=2)
        import threading
        threading.Timer(2.0, lambda: core.patch_node(node, {"metadata": {"labels": {"lab.openlakes.io/fault": "NotReady"}}})).start()
        start = time.monotonic()
        res = _release.apply(spec, helm, cluster)
        assert res.failed and f"node {node} is NotReady" in res.msg, res.msg
        assert time.monotonic() - start < 15
    finally:
        core.delete_node(node)


def test_plan_respects_dependencies(release, cluster, api, namespace, lab_cluster):
    delays = {"db": 2.0, "cache": 1.0, "api": 2.0, "ui": 1.0}
    deps = {"db": [], "cache": [], "api": ["db", "cache"], "ui": ["api"]}
    nodes = []
    for name, delay in delays.items():
        spec, _helm_unused = release(name=name, values={"readyDelay": f"{delay:.0f}s"}, timeout=60)
        nodes.append(_plan.Node(name, deps[name], spec))

    def work(node):
        helm = _helm.Helm(str(lab_cluster["bin"] / "helm"), lab_cluster["kubeconfig"])
        res = _release.apply(node.payload, helm, cluster)
        return not res.failed, res

    out = _plan.run(nodes, work, max_workers=4)
    assert all(o["outcome"] == "ok" for o in out.values()), {n: o["result"].msg for n, o in out.items()}
    for name, needs in deps.items():
        for dep in needs:
            assert out[name]["start"] >= out[dep]["end"], f"{name} started before {dep} was ready"
    assert abs(out["db"]["start"] - out["cache"]["start"]) < 1.0, "independent releases did not start together"


def _crd_chart(root, version: str, group: str, served: list):
    """A chart whose crds/ holds one CRD serving `served` versions (the first stored), and a ConfigMap."""
    chart = root / f"gadgets-{version}"
    (chart / "crds").mkdir(parents=True)
    (chart / "templates").mkdir()
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: gadgets\nversion: {version}\n")
    versions = "".join(f"""
    - name: {v}
      served: true
      storage: {str(i == 0).lower()}
      schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}""" for i, v in enumerate(served))
    (chart / "crds" / "gadgets.yaml").write_text(f"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: gadgets.{group}}}
spec:
  group: {group}
  names: {{kind: Gadget, plural: gadgets, singular: gadget}}
  scope: Namespaced
  versions:{versions}
""")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}}\ndata: {a: b}\n")
    return _helm.ChartRef("gadgets", version, path=str(chart))


@pytest.mark.parametrize("helm_binary", ["helm", "helm3"])
def test_crds_apply_upgrades_the_chart_crds_that_helm_leaves_alone(lab_cluster, cluster, api, namespace, tmp_path,
                                                                   helm_binary):
    ext = client.ApiextensionsV1Api(api)
    groups = {mode: f"{mode}-{namespace}.fixtures.openlakes.io" for mode in ("helm", "apply")}
    try:
        for mode, group in groups.items():
            for version, served in (("0.1.0", ["v1"]), ("0.2.0", ["v1", "v2"])):
                spec = _release.Spec(f"gadgets-{mode}", namespace, _crd_chart(tmp_path / mode, version, group, served),
                                     {}, timeout=60, crds=mode)
                helm = _helm.Helm(str(lab_cluster["bin"] / helm_binary), lab_cluster["kubeconfig"])
                res = _release.apply(spec, helm, cluster)
                assert not res.failed, res.msg
                crd = ext.read_custom_resource_definition(f"gadgets.{group}")
                assert any(c.type == "Established" and c.status == "True" for c in crd.status.conditions)
                live = [v.name for v in crd.spec.versions]
                if mode == "apply":
                    # Applied before helm ran (helm got --skip-crds), awaited with the release, upgraded with the chart.
                    assert live == served, (version, live)
                    assert any(a[1:3] == ["upgrade", "gadgets-apply"] and "--skip-crds" in a for a in helm.calls)
                    assert res.readiness["targets"] == 2, "the ConfigMap and the CRD"
                    new = "1 new, 0 changed" if version == "0.1.0" else "0 new, 1 changed"
                    assert f"CRDs of the chart applied: {new}, 0 unchanged" in res.reasons, res.reasons
                    assert "openlakes.core" in {m.manager for m in crd.metadata.managed_fields or []}
                else:
                    # helm installs crds/ once and never upgrades them: v2 never arrives.
                    assert live == ["v1"], (version, live)
    finally:
        for group in groups.values():
            try:
                ext.delete_custom_resource_definition(f"gadgets.{group}")
            except client.ApiException:
                pass
