"""The lab cluster's real controllers roll out what a chart creates, and
kwok's fault stages show through the real API."""
from __future__ import annotations

import time

from kubernetes import client, watch

from ..conftest import FIXTURE_CHARTS


def _until(fn, timeout=60.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


def test_fixture_chart_rolls_out(api, helm, namespace):
    helm("install", "fx", str(FIXTURE_CHARTS / "rollout"), "-n", namespace)
    apps, core, batch = client.AppsV1Api(api), client.CoreV1Api(api), client.BatchV1Api(api)
    ext, custom = client.ApiextensionsV1Api(api), client.CustomObjectsApi(api)

    dep = _until(lambda: (d := apps.read_namespaced_deployment("fx-web", namespace)).status.ready_replicas == 3 and d)
    assert dep.status.available_replicas == 3
    sts = _until(lambda: (s := apps.read_namespaced_stateful_set("fx-db", namespace)).status.ready_replicas == 1 and s)
    assert sts.status.current_replicas == 1
    pvc = _until(lambda: (p := core.read_namespaced_persistent_volume_claim("data-fx-db-0", namespace)).status.phase == "Bound" and p)
    assert pvc.spec.storage_class_name == "standard"
    job = _until(lambda: (j := batch.read_namespaced_job("fx-init", namespace)).status.succeeded == 1 and j)
    assert any(c.type == "Complete" and c.status == "True" for c in job.status.conditions)
    crd = ext.read_custom_resource_definition("widgets.fixtures.openlakes.io")
    assert any(c.type == "Established" and c.status == "True" for c in crd.status.conditions)
    widget = custom.get_namespaced_custom_object("fixtures.openlakes.io", "v1", namespace, "widgets", "fx-widget")
    assert widget["spec"]["size"] == 3


def test_crashloop_stage_is_observed_through_the_api(api, namespace):
    core = client.CoreV1Api(api)
    core.create_namespaced_pod(namespace, {
        "metadata": {"name": "crasher", "labels": {"lab.openlakes.io/fault": "CrashLoopBackOff"}},
        "spec": {"containers": [{"name": "app", "image": "registry.invalid/app:1"}]},
    })
    seen = None
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_pod, namespace, field_selector="metadata.name=crasher", timeout_seconds=30):
        statuses = event["object"].status.container_statuses or []
        waiting = [s.state.waiting.reason for s in statuses if s.state and s.state.waiting]
        if "CrashLoopBackOff" in waiting:
            seen = event["object"]
            w.stop()
    assert seen is not None, "the pod never reported CrashLoopBackOff"
    status = seen.status.container_statuses[0]
    assert status.restart_count > 0
    assert status.last_state.terminated.exit_code == 1
    assert not any(c.type == "Ready" and c.status == "True" for c in seen.status.conditions)


def test_node_goes_not_ready_when_labelled(api):
    core = client.CoreV1Api(api)
    name = "lab-fault-node"
    core.create_node({"metadata": {"name": name, "annotations": {"kwok.x-k8s.io/node": "fake"}},
                      "status": {"capacity": {"cpu": "1", "memory": "1Gi", "pods": "10"}}})
    try:
        def ready_status():
            node = core.read_node(name)
            return [c.status for c in node.status.conditions or [] if c.type == "Ready"]
        _until(lambda: ready_status() == ["True"], timeout=30)
        core.patch_node(name, {"metadata": {"labels": {"lab.openlakes.io/fault": "NotReady"}}})
        _until(lambda: ready_status() == ["False"], timeout=30)
        time.sleep(3)
        assert ready_status() == ["False"], "the node came back Ready while labelled NotReady"
    finally:
        core.delete_node(name)
