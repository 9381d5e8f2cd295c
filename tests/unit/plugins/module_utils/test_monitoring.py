"""Layer 08's alerts and dashboards: each component's own (its unit's `alerts`/`dashboards`), rendered only with
kube_prometheus_stack; every expression names only metrics the pinned exporters produce (metric_names/, one list
per exporter with its source: monitoring/metric_names/); the real Prometheus parser (promtool, built from its Go module by
lab/build-promtool.sh) checks every rule file and every dashboard query, and runs the rules' unit tests
(monitoring/rule_tests/). Counts are printed with -s."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.openlakes.core.plugins.module_utils import _config, _monitoring
from ansible_collections.openlakes.core.plugins.module_utils._components import kube_prometheus_stack

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

HERE = Path(__file__).parent / "monitoring"
REPO = values_configs.REPO

MANIFEST = _config.load_manifest()
EVERYTHING = values_configs.configs()["lab+air-gap-everything"][0]
LISTS = {p.stem: yaml.safe_load(p.read_text()) for p in sorted((HERE / "metric_names").glob("*.yml"))}
RULE_TESTS = sorted((HERE / "rule_tests").glob("*.yml"))

ALERTS = {   # the alerts, by the component whose unit raises them
    "kube_prometheus_stack": {"OpenLakesPodCrashLooping", "OpenLakesTargetDown", "OpenLakesDiskFilling"},
    "minio": {"OpenLakesMinIODriveOffline"},
    "longhorn": {"OpenLakesLonghornVolumeDegraded"},
    "postgresql": {"OpenLakesPostgreSQLDown", "OpenLakesPostgreSQLReplicationLag"},
    "kafka": {"OpenLakesKafkaUnderReplicatedPartitions"},
    "airflow": {"OpenLakesAirflowSchedulerHeartbeatMissing"},
}
DASHBOARDS = {"kube_prometheus_stack": "platform-overview", "minio": "minio", "longhorn": "longhorn",
              "postgresql": "postgresql", "kafka": "kafka", "trino": "trino", "spark": "spark",
              "airflow": "airflow"}


def _monitoring_nodes(config) -> dict:
    return {n["component"]: n for n in values_configs.plan(config)["nodes"]
            if n["name"].startswith("monitors/")}


NODES = _monitoring_nodes(EVERYTHING)


def _of_kind(kind: str) -> dict:
    return {c: [o for o in n["objects"] if o["kind"] == kind] for c, n in NODES.items()
            if any(o["kind"] == kind for o in n["objects"])}


RULES = {c: objs[0] for c, objs in _of_kind("PrometheusRule").items()}
DASHBOARD_MAPS = _of_kind("ConfigMap")


def _all_objects() -> list:
    return [o for n in NODES.values() for o in n["objects"]]


# --- what is rendered, and where ------------------------------------------------------------

def test_rules_and_dashboards_only_with_layer_08():
    without = _monitoring_nodes(values_configs.without(EVERYTHING))
    assert not without
    plain = [n for n in values_configs.plan(values_configs.without(EVERYTHING))["nodes"]
             for o in n.get("objects") or [] if o["kind"] == "PrometheusRule"
             or _monitoring.DASHBOARD_LABEL in (o["metadata"].get("labels") or {})]
    assert not plain


def test_each_alert_comes_from_its_components_unit():
    for component, names in ALERTS.items():
        rule = RULES[component]
        assert rule["metadata"]["labels"]["openlakes.io/component"] == component
        assert rule["metadata"]["namespace"] == NODES[component]["namespace"]
        got = {r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]}
        assert names <= got, (component, names - got)
        for r in (r for g in rule["spec"]["groups"] for r in g["rules"]):
            assert r["labels"]["openlakes_component"] == component and r["labels"]["severity"] in _monitoring.SEVERITIES
            assert r["annotations"]["summary"] and r["annotations"]["description"] and r["for"]
    # The monitoring node waits for the CRDs' release like the monitors do.
    assert all(n["depends_on"][-1] == "kube-prometheus-stack" for n in NODES.values())


def test_chart_default_rules_replaced_by_ours_are_off():
    values = next(n for n in values_configs.plan(EVERYTHING)["releases"] if n["name"] == "kube-prometheus-stack")["values"]
    disabled = values["defaultRules"]["disabled"]
    assert set(disabled) == set(kube_prometheus_stack.DEFAULT_RULES_REPLACED) and all(disabled.values())
    # Each disabled name is a rule the chart really has (its values list them under defaultRules.rules groups).
    upstream = (REPO / "tests" / "upstream-charts" / "kube-prometheus-stack" / "88.5.3" / "values.yaml").read_text()
    assert "disabled: {}" in upstream


def test_each_component_ships_its_dashboards_for_the_sidecar():
    values = next(n for n in values_configs.plan(EVERYTHING)["releases"] if n["name"] == "kube-prometheus-stack")["values"]
    sidecar = values["grafana"]["sidecar"]["dashboards"]
    uids = {d["uid"] for d in values["grafana"]["additionalDataSources"]}
    for component, uid in DASHBOARDS.items():
        (cm,) = [c for c in DASHBOARD_MAPS[component] if c["metadata"]["name"] == f"openlakes-dashboard-{uid}"]
        assert cm["metadata"]["labels"][sidecar["label"]] == sidecar["labelValue"] and sidecar["searchNamespace"] == "ALL"
        assert cm["metadata"]["namespace"] == NODES[component]["namespace"]
        (doc,) = [json.loads(v) for v in cm["data"].values()]
        assert doc["uid"] == f"openlakes-{uid}" and doc["panels"]
        for p in doc["panels"]:
            assert p["datasource"]["uid"] in uids
            assert all(t["expr"] and t["datasource"]["uid"] in uids for t in p["targets"])
        ids = [p["id"] for p in doc["panels"]]
        assert len(ids) == len(set(ids))
    overview = json.loads(next(iter(DASHBOARD_MAPS["kube_prometheus_stack"][0]["data"].values())))
    assert {t["datasource"]["uid"] for p in overview["panels"] for t in p["targets"]} == {"prometheus", "loki"}


# --- metric names ------------------------------------------------------------------------------

PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
                "offset", "inf", "nan", "start", "end"}


def metric_names(expr: str) -> set:
    """The metric names a PromQL expression selects: identifiers that are neither functions, aggregation
    modifiers, keywords, label names (inside {} or a by/without/on/ignoring list) nor inside strings."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)                       # strings
    text = re.sub(r"\{[^}]*\}", "", text)                                   # label matchers
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)                                  # ranges and subqueries
    names = set()
    for m in re.finditer(r"(?<![\w:.])([A-Za-z_:][\w:]*)(\s*\()?", text):
        word, call = m.group(1), m.group(2)
        if call or word.lower() in PROMQL_WORDS or re.fullmatch(r"\d+[smhdwy]", word):
            continue
        names.add(word)
    return names


def test_metric_name_extraction():
    assert metric_names('sum by (pod) (rate(kafka_x_total{a="b"}[5m])) / on (pod) up') == {"kafka_x_total", "up"}
    assert metric_names('max_over_time(kube_w{reason="CrashLoopBackOff"}[5m]) >= 1') == {"kube_w"}
    assert metric_names("predict_linear(node_a[6h], 24 * 3600) < 0 and node_b == 0") == {"node_a", "node_b"}
    assert metric_names('ALERTS{alertstate="firing"}') == {"ALERTS"}


def test_each_list_names_its_pinned_exporter_and_source():
    images = {i["image"] if isinstance(i, dict) else i for c in MANIFEST["components"].values()
              for r in c.get("releases") or [] for i in r.get("images") or []}
    charts = {f"{r['chart']['name']} {r['chart']['version']}" for c in MANIFEST["components"].values()
              for r in c.get("releases") or []}
    for name, data in LISTS.items():
        assert data["source"] and data["metrics"] and data["exporter"], name
        pinned = data["pinned"]
        assert pinned.get("image") in images or pinned.get("chart") in charts, (name, pinned)
        assert len(data["metrics"]) == len(set(data["metrics"])), name


def test_every_rule_and_panel_names_only_listed_metrics():
    known = {m for data in LISTS.values() for m in data["metrics"]}
    # Histograms and summaries: a listed base name brings its series.
    known |= {m + suffix for m in known for suffix in ("_bucket", "_sum", "_count")}
    exprs = [(where, e) for _k, where, ds, e in _monitoring.expressions(_all_objects()) if ds == _monitoring.PROMETHEUS_UID]
    unknown = {(where, n) for where, e in exprs for n in metric_names(e) if n not in known}
    assert not unknown, sorted(unknown)
    print(f"\n{len(exprs)} PromQL expressions name {len({n for _w, e in exprs for n in metric_names(e)})} metrics, "
          f"all in {len(LISTS)} lists")


def test_every_loki_panel_selects_the_labels_alloy_sets():
    from ansible_collections.openlakes.core.plugins.module_utils._components import alloy
    labels = set(re.findall(r'target_label\s*=\s*"(\w+)"', alloy.config(_FakeUnit())))
    exprs = [e for _k, _w, ds, e in _monitoring.expressions(_all_objects()) if ds == _monitoring.LOKI_UID]
    assert exprs
    for e in exprs:
        used = set(re.findall(r"(\w+)\s*=~?", re.search(r"\{([^}]*)\}", e).group(1)))
        for grouping in re.findall(r"\bby \(([^)]*)\)", e):
            used |= {g.strip() for g in grouping.split(",")}
        assert used <= labels, (e, used - labels)


class _FakeUnit:
    def service(self, _c, _p):
        class S:
            url = "http://loki.example:3100"
        return S()


# --- the real parser ------------------------------------------------------------------------------

def promtool() -> str:
    path = os.environ.get("OPENLAKES_PROMTOOL") or subprocess.run(
        [str(REPO / "lab" / "build-promtool.sh"), "--path"], capture_output=True, text=True, check=True).stdout.strip()
    if not os.access(path, os.X_OK):
        if os.environ.get("CI") or os.environ.get("OPENLAKES_PROMTOOL"):
            pytest.fail(f"promtool is not built at {path}: tests/run-all.sh unit builds it (lab/build-promtool.sh)")
        pytest.skip(f"promtool is not built at {path}: lab/build-promtool.sh builds it once (tests/run-all.sh unit does)")
    return path


def _write_rule_files(tmp: Path) -> list:
    out = []
    for component, rule in sorted(RULES.items()):
        path = tmp / f"{component}.rules.yml"
        path.write_text(yaml.safe_dump(rule["spec"], sort_keys=False))
        out.append(path)
    return out


def _run(args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, check=False)


def test_promtool_checks_every_rule_file(tmp_path):
    tool = promtool()
    files = _write_rule_files(tmp_path)
    res = _run([tool, "check", "rules", *map(str, files)], tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    found = sum(int(n) for n in re.findall(r"SUCCESS: (\d+) rules found", res.stdout + res.stderr))
    want = sum(len(g["rules"]) for r in RULES.values() for g in r["spec"]["groups"])
    assert found == want
    print(f"\npromtool check rules: {len(files)} rule files, {found} rules: SUCCESS")


def test_promtool_parses_every_dashboard_query(tmp_path):
    """Each PromQL panel query as a recording rule: promtool check rules parses it with Prometheus' own parser."""
    tool = promtool()
    panels = [(w, e) for kind, w, ds, e in _monitoring.expressions(_all_objects())
              if kind == "panel" and ds == _monitoring.PROMETHEUS_UID]
    rules = {"groups": [{"name": "dashboards", "rules": [
        {"record": f"openlakes:dashboard_panel:{i}", "expr": e, "labels": {"panel": w}} for i, (w, e) in enumerate(panels)]}]}
    path = tmp_path / "dashboards.rules.yml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    res = _run([tool, "check", "rules", str(path)], tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"SUCCESS: {len(panels)} rules found" in res.stdout + res.stderr
    loki = [e for _k, _w, ds, e in _monitoring.expressions(_all_objects()) if ds == _monitoring.LOKI_UID]
    print(f"\npromtool: {len(panels)} dashboard PromQL queries parsed ({len(loki)} LogQL queries are Loki's, not "
          f"PromQL)")


def test_promtool_rule_unit_tests(tmp_path):
    tool = promtool()
    _write_rule_files(tmp_path)
    for t in RULE_TESTS:
        shutil.copy(t, tmp_path / t.name)
    res = _run([tool, "test", "rules", *[t.name for t in RULE_TESTS]], tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    cases = sum(len(yaml.safe_load(t.read_text())["tests"]) for t in RULE_TESTS)
    checks = sum(len(c.get("alert_rule_test") or []) for t in RULE_TESTS for c in yaml.safe_load(t.read_text())["tests"])
    tested = {a["alertname"] for t in RULE_TESTS for c in yaml.safe_load(t.read_text())["tests"]
              for a in c.get("alert_rule_test") or []}
    assert {"OpenLakesPodCrashLooping", "OpenLakesTargetDown", "OpenLakesMinIODriveOffline",
            "OpenLakesKafkaUnderReplicatedPartitions"} <= tested
    print(f"\npromtool test rules: {len(RULE_TESTS)} files, {cases} test groups, {checks} alert checks over "
          f"{len(tested)} alerts: SUCCESS")


def test_every_alert_has_a_rule_unit_test():
    tested = {a["alertname"] for t in RULE_TESTS for c in yaml.safe_load(t.read_text())["tests"]
              for a in c.get("alert_rule_test") or []}
    alerts = {r["alert"] for rule in RULES.values() for g in rule["spec"]["groups"] for r in g["rules"]}
    assert alerts <= tested, sorted(alerts - tested)
