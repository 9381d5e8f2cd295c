# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A component's monitoring objects besides its monitor: alerting rules (a PrometheusRule) and Grafana dashboards
(ConfigMaps the Grafana sidecar loads). Each component's unit says what it alerts on (`alerts(u)`) and what its
dashboards show (`dashboards(u)`), with the helpers here; _platform.monitor_node renders them with the component's
monitors, only when layer 08's kube_prometheus_stack is on. Private to this collection.

Every expression is PromQL (LogQL for panels on the Loki data source); `make test` parses each with the real
Prometheus parser (promtool) and checks the metric names against the lists kept per exporter version."""
from __future__ import annotations

import json

PART_OF = {"app.kubernetes.io/part-of": "openlakes"}
# The Grafana sidecar loads every ConfigMap with this label, in every namespace (kube_prometheus_stack's values).
DASHBOARD_LABEL, DASHBOARD_LABEL_VALUE = "grafana_dashboard", "1"
# Grafana's data sources (kube_prometheus_stack.datasources): a panel names the one it queries.
PROMETHEUS_UID, LOKI_UID = "prometheus", "loki"
SEVERITIES = ("info", "warning", "critical")


def alert(name: str, expr: str, summary: str, description: str, for_: str = "5m", severity: str = "warning") -> dict:
    """One alerting rule; the component label is added by prometheus_rule."""
    if severity not in SEVERITIES:
        raise ValueError(f"alert {name}: severity {severity} is not one of {SEVERITIES}")
    return {"alert": name, "expr": expr, "for": for_, "labels": {"severity": severity},
            "annotations": {"summary": summary, "description": description}}


def prometheus_rule(u, rules: list) -> dict:
    """The component's PrometheusRule: one group of its alerts, each labelled with the component."""
    name = u.name.replace("_", "-")
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": f"openlakes-{name}", "namespace": u.ns,
                         "labels": {**PART_OF, "openlakes.io/component": u.name}},
            "spec": {"groups": [{"name": f"openlakes.{u.name}",
                                 "rules": [dict(r, labels={**r["labels"], "openlakes_component": u.name})
                                           for r in rules]}]}}


def panel(title: str, expr: str, kind: str = "timeseries", unit: str = "short", legend: str = "",
          datasource: str = PROMETHEUS_UID) -> dict:
    """A panel of one query: `kind` timeseries, stat, table or logs; `datasource` PROMETHEUS_UID or LOKI_UID."""
    return {"title": title, "expr": expr, "kind": kind, "unit": unit, "legend": legend, "datasource": datasource}


def _width(p: dict) -> int:
    return 24 if p["kind"] == "logs" else 12 if p["kind"] in ("timeseries", "table") else 6


def _layout(panels: list) -> list:
    """Grid positions, left to right then down (Grafana's 24 columns)."""
    out, x, y, row_h = [], 0, 0, 0
    for p in panels:
        w, h = _width(p), 4 if p["kind"] == "stat" else 8
        if x + w > 24:
            x, y, row_h = 0, y + row_h, 0
        out.append({"h": h, "w": w, "x": x, "y": y})
        x, row_h = x + w, max(row_h, h)
    return out


def _grafana_panel(index: int, p: dict, grid: dict) -> dict:
    ds_type = "loki" if p["datasource"] == LOKI_UID else "prometheus"
    target = {"refId": "A", "datasource": {"type": ds_type, "uid": p["datasource"]}, "expr": p["expr"]}
    if p["legend"]:
        target["legendFormat"] = p["legend"]
    if p["kind"] == "table":
        target.update(instant=True, format="table")
    return {"id": index + 1, "type": p["kind"], "title": p["title"],
            "datasource": {"type": ds_type, "uid": p["datasource"]},
            "gridPos": grid,
            "fieldConfig": {"defaults": {"unit": p["unit"]}, "overrides": []},
            "targets": [target]}


def dashboard(u, uid: str, title: str, panels: list) -> dict:
    """A Grafana dashboard as a ConfigMap in the component's namespace, labelled for the Grafana sidecar."""
    doc = {"uid": f"openlakes-{uid}", "title": f"OpenLakes / {title}", "tags": ["openlakes", u.name],
           "schemaVersion": 39, "editable": False, "time": {"from": "now-6h", "to": "now"}, "refresh": "1m",
           "panels": [_grafana_panel(i, p, g) for i, (p, g) in enumerate(zip(panels, _layout(panels)))]}
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"openlakes-dashboard-{uid}", "namespace": u.ns,
                         "labels": {**PART_OF, "openlakes.io/component": u.name,
                                    DASHBOARD_LABEL: DASHBOARD_LABEL_VALUE}},
            "data": {f"openlakes-{uid}.json": json.dumps(doc, indent=1, sort_keys=True)}}


def expressions(objects: list) -> list:
    """(kind, where, datasource uid, expression) of every alerting rule (kind `rule`) and dashboard panel query
    (kind `panel`) in `objects`: the tests parse and check them."""
    out = []
    for obj in objects:
        if obj["kind"] == "PrometheusRule":
            for group in obj["spec"]["groups"]:
                out += [("rule", f"{obj['metadata']['name']}/{r['alert']}", PROMETHEUS_UID, r["expr"])
                        for r in group["rules"]]
        elif obj["kind"] == "ConfigMap" and (obj["metadata"].get("labels") or {}).get(DASHBOARD_LABEL):
            for doc in obj["data"].values():
                d = json.loads(doc)
                out += [("panel", f"{d['uid']}/{p['title']}", t["datasource"]["uid"], t["expr"])
                        for p in d["panels"] for t in p["targets"]]
    return out
