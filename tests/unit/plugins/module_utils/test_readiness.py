"""plugins/module_utils/_readiness.py, table-driven from recorded object states."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from ansible_collections.openlakes.core.plugins.module_utils import _readiness as rd

HERE = Path(__file__).parent
OBJECTS = yaml.safe_load((HERE / "readiness_cases.yml").read_text())
PODS = yaml.safe_load((HERE / "pod_problem_cases.yml").read_text())
NOW = dt.datetime(2026, 1, 1, 0, 0, 30, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("case", OBJECTS, ids=[c["name"] for c in OBJECTS])
def test_assess(case):
    status = rd.assess(case["object"])
    want = case["expect"]
    assert status.ready is want["ready"]
    assert status.fatal is want.get("fatal", False)
    if "reason" in want:
        assert want["reason"] in status.reason


@pytest.mark.parametrize("case", PODS, ids=[c["name"] for c in PODS])
def test_pod_problem(case):
    problem = rd.pod_problem(case["pod"], now=NOW, grace_seconds=10, nodes=case.get("nodes"))
    if case["expect"] is None:
        assert problem is None
    else:
        assert problem is not None and problem.fatal
        assert problem.reason == case["expect"]


def test_load_balancer_address_is_awaited_when_asked():
    svc = {"kind": "Service", "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.11"}, "status": {}}
    assert not rd.assess(svc, wait_for_load_balancer=True).ready
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}
    assert rd.assess(svc, wait_for_load_balancer=True).ready


def test_provisioning_failed_event_is_fatal():
    ev = {"type": "Warning", "reason": "ProvisioningFailed", "message": "no space left on disk"}
    assert rd.event_problem(ev).fatal
    assert rd.event_problem({"type": "Normal", "reason": "Provisioning"}) is None


def test_strimzi_refusing_a_resource_is_fatal_once_it_has_lasted_the_grace_period():
    """Strimzi says "invalid" of a Kafka it reconciled a moment before its node pool arrived (same helm apply); the
    next reconciliation heals that, so only a refusal that lasts is a failure."""
    kafka = {"apiVersion": "kafka.strimzi.io/v1", "kind": "Kafka", "metadata": {"generation": 1},
             "status": {"observedGeneration": 1, "conditions": [{
                 "type": "NotReady", "status": "True", "reason": "InvalidResourceException",
                 "lastTransitionTime": "2026-01-01T00:00:25Z", "message": "At least one KafkaNodePool ..."}]}}
    early = rd.assess(kafka, now=NOW, grace_seconds=10)
    assert not early.ready and not early.fatal and "InvalidResourceException" in early.reason
    assert rd.assess(kafka, now=NOW + dt.timedelta(seconds=6), grace_seconds=10).fatal
    kafka["status"]["conditions"][0]["reason"] = "Creating"
    assert not rd.assess(kafka, now=NOW + dt.timedelta(seconds=600), grace_seconds=10).fatal
