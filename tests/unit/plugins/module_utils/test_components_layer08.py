"""Layer 08 units: every enabled component that declares metrics has its monitor (from its own unit), and none
without layer 08; monitors wait for the release bringing the monitoring CRDs; Prometheus' retention and volume,
Alertmanager's receiver (none by default), Grafana's admin and data sources, Loki on Longhorn, Alloy's pipeline."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

from ansible_collections.openlakes.core.plugins.module_utils import _components, _config, _platform

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

CONFIGS = values_configs.configs()
LAB = CONFIGS["lab"][0]
MANIFEST = _config.load_manifest()


def _nodes(config):
    return {n["name"]: n for n in values_configs.plan(config)["nodes"]}


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_every_enabled_component_with_metrics_has_its_monitor(config):
    cfg = CONFIGS[config][0]
    nodes = _nodes(cfg)
    if "kube_prometheus_stack" not in cfg["derived"]["enabled_components"]:
        assert not [n for n in nodes if n.startswith("monitors/")], "monitors only while layer 08 is on"
        return
    declared = {name: comp["metrics"] for name, comp in MANIFEST["components"].items()
                if comp.get("metrics") and name in cfg["derived"]["enabled_components"]}
    assert declared, "the examples enable components with metrics"
    missing = [name for name in declared if f"monitors/{name}" not in nodes]
    assert not missing, f"enabled components with metrics but no monitor: {missing}"
    for name, decl in declared.items():
        node = nodes[f"monitors/{name}"]
        assert node["depends_on"][-1] == "kube-prometheus-stack" and node["layer"] == MANIFEST["components"][name]["layer"]
        (mon,) = [o for o in node["objects"] if o["kind"] in ("ServiceMonitor", "PodMonitor")]
        endpoints = mon["spec"]["endpoints" if decl["kind"] == "ServiceMonitor" else "podMetricsEndpoints"]
        assert mon["kind"] == decl["kind"] and (endpoints[0]["port"], endpoints[0]["path"]) == (decl["port"], decl["path"])
        assert mon["spec"]["selector"]["matchLabels"] and mon["metadata"]["namespace"] == node["namespace"]
    # A unit with a monitors hook declares its metrics (no monitor that the manifest does not know of).
    hooks = {name for name, unit in _components.UNITS.items() if hasattr(unit, "monitors")}
    assert hooks == {n for n, c in MANIFEST["components"].items() if c.get("metrics")}


def test_no_monitor_without_layer_08():
    nodes = _nodes(values_configs.without(LAB))
    assert not [n for n in nodes if n.startswith("monitors/")]
    assert "kube-prometheus-stack" not in nodes


def test_the_monitoring_crds_come_first_whatever_the_layer():
    nodes = _nodes(LAB)
    kps = nodes["kube-prometheus-stack"]
    assert kps["crds"] == "apply" and kps["slice"] == "01" and kps["layer"] == "08"
    assert nodes["monitors/kafka"]["slice"] == "03" and nodes["monitors/longhorn"]["slice"] == "01"


def test_prometheus_alertmanager_and_grafana():
    values = _nodes(LAB)["kube-prometheus-stack"]["values"]
    spec = values["prometheus"]["prometheusSpec"]
    assert spec["retention"] == "15d" and spec["serviceMonitorSelectorNilUsesHelmValues"] is False
    assert spec["podMonitorSelectorNilUsesHelmValues"] is False and spec["ruleSelectorNilUsesHelmValues"] is False
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["storageClassName"] == "longhorn" and claim["resources"]["requests"]["storage"] == "10Gi"
    am = values["alertmanager"]["config"]
    assert am["route"]["receiver"] == "null" and am["receivers"] == [{"name": "null"}], "no receiver by default"
    graf = values["grafana"]
    assert graf["admin"] == {"existingSecret": "openlakes-grafana-credentials", "userKey": "admin-user",
                             "passwordKey": "admin-password"}
    assert graf["ingress"]["hosts"] == ["grafana.openlakes.lab.internal"]
    assert [d["url"] for d in graf["additionalDataSources"]] == [
        "http://kube-prometheus-stack-prometheus.openlakes-monitoring.svc.cluster.local:9090",
        "http://loki.openlakes-monitoring.svc.cluster.local:3100"]


def test_settings_reach_prometheus_loki_and_alertmanager():
    cfg = copy.deepcopy(LAB)
    receiver = {"name": "ops", "webhook_configs": [{"url": "https://alerts.example.com/hook"}]}
    cfg["components"]["kube_prometheus_stack"].update(retention="30d", storage_size="40Gi", alert_receiver=receiver)
    cfg["components"]["loki"].update(retention="14d", storage_size="20Gi")
    nodes = _nodes(cfg)
    values = nodes["kube-prometheus-stack"]["values"]
    assert values["prometheus"]["prometheusSpec"]["retention"] == "30d"
    assert values["alertmanager"]["config"]["route"]["receiver"] == "ops"
    assert values["alertmanager"]["config"]["receivers"] == [{"name": "null"}, receiver]
    loki = nodes["loki"]["values"]
    assert loki["loki"]["limits_config"]["retention_period"] == "14d"
    assert loki["singleBinary"]["persistence"] == {"enabled": True, "size": "20Gi", "storageClass": "longhorn"}
    assert loki["loki"]["storage"]["type"] == "filesystem" and loki["loki"]["compactor"]["retention_enabled"] is True


def test_alloy_ships_every_pod_log_of_its_node_to_loki():
    content = _nodes(LAB)["alloy"]["values"]["alloy"]["configMap"]["content"]
    for label in ("namespace", "pod", "container", "component"):
        assert f'target_label  = "{label}"' in content
    assert 'sys.env("HOSTNAME")' in content and "stage.cri {}" in content
    assert 'url = "http://loki.openlakes-monitoring.svc.cluster.local:3100/loki/api/v1/push"' in content


def test_the_receiver_schema_refuses_a_receiver_without_a_destination():
    import jsonschema
    schema = _config.load_schema(MANIFEST)
    prop = schema["properties"]["components"]["properties"]["kube_prometheus_stack"]["properties"]["alert_receiver"]
    assert list(jsonschema.Draft202012Validator(prop).iter_errors({"name": "ops"}))
    # Something besides a name is not a destination, nor is an empty list of them.
    assert list(jsonschema.Draft202012Validator(prop).iter_errors({"name": "ops", "url": "https://x.example"}))
    assert list(jsonschema.Draft202012Validator(prop).iter_errors({"name": "ops", "webhook_configs": []}))
    assert not list(jsonschema.Draft202012Validator(prop).iter_errors(
        {"name": "ops", "webhook_configs": [{"url": "https://alerts.example.com/hook"}]}))
    assert not list(jsonschema.Draft202012Validator(prop).iter_errors(None))


def test_monitor_needs_a_declaration():
    unit = _platform.Unit(values_configs.inputs(LAB), "redis")
    with pytest.raises(_platform.PlanError, match="monitor\\(\\) needs `metrics` under components.redis"):
        unit.monitor({"app": "redis"})
