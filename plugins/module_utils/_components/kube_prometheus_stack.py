# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kube-prometheus-stack: Prometheus, Alertmanager, Grafana, node-exporter and kube-state-metrics. Private to this
collection.

Prometheus keeps `retention` on a Longhorn volume of `storage_size` and selects every ServiceMonitor, PodMonitor,
Probe and PrometheusRule in every namespace (no release label needed: each component's unit renders its own
monitor, _platform.monitor_node). Alertmanager routes to core-config's `alert_receiver`, or to no receiver at all
(the chart's `null`): never a webhook nobody listens on. Grafana logs its admin in from the `grafana` credential
set, serves grafana.<domain> and reads Prometheus and Loki through the data sources its consumption declares; it
loads the dashboards shipped as ConfigMaps labelled grafana_dashboard in any namespace. Every image (the subcharts'
too) is set through the chart's keys from platform/components.yml (Unit.image_values).
"""
from __future__ import annotations

LONGHORN_STORAGE_CLASS = "longhorn"
NULL_RECEIVER = "null"    # the chart's receiver that sends nowhere


def storage_size(u) -> str:
    given = u.setting("storage_size")
    return str(u.sizing().get("storage", "10Gi")) if given == "auto" else given


def alertmanager_config(u) -> dict:
    """The chart's Alertmanager configuration with its route sent to core-config's receiver, or to `null`."""
    receiver = u.setting("alert_receiver")
    receivers = [{"name": NULL_RECEIVER}] + ([dict(receiver)] if receiver else [])
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {"group_by": ["namespace", "alertname"], "group_wait": "30s", "group_interval": "5m",
                  "repeat_interval": "12h", "receiver": receiver["name"] if receiver else NULL_RECEIVER,
                  # The always-firing Watchdog proves the pipeline; it is never sent.
                  "routes": [{"receiver": NULL_RECEIVER, "matchers": ['alertname = "Watchdog"']}]},
        "receivers": receivers,
        "inhibit_rules": [{"source_matchers": ["severity = critical"], "target_matchers": ["severity =~ warning|info"],
                           "equal": ["namespace", "alertname"]}],
    }


def datasources(u) -> list:
    prometheus, loki = u.service(u.name, "prometheus"), u.service("loki", "http")
    return [{"name": "Prometheus", "uid": "prometheus", "type": "prometheus", "access": "proxy",
             "url": prometheus.url, "isDefault": True},
            {"name": "Loki", "uid": "loki", "type": "loki", "access": "proxy", "url": loki.url}]


def kube_prometheus_stack(u, release: dict) -> dict:
    everywhere = {"NilUsesHelmValues": False}
    spec = {f"{kind}Selector{k}": v for kind in ("serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig")
            for k, v in everywhere.items()}
    values = {
        # The CRDs are applied by the collection (`crds: apply`); helm runs with --skip-crds.
        "crds": {"enabled": True, "upgradeJob": {"enabled": False}},
        "prometheus": {"prometheusSpec": {
            **spec,
            "retention": u.setting("retention"),
            "resources": u.resources(),
            "storageSpec": {"volumeClaimTemplate": {"spec": {
                "storageClassName": LONGHORN_STORAGE_CLASS, "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": storage_size(u)}}}}},
        }},
        "alertmanager": {
            "config": alertmanager_config(u),
            "alertmanagerSpec": {"resources": {"requests": {"cpu": "25m", "memory": "64Mi"}}},
        },
        "grafana": {
            "admin": {"existingSecret": u.own_secret(), "userKey": "admin-user", "passwordKey": "admin-password"},
            # Both data sources name their Services in full (the wiring check reads them).
            "sidecar": {"datasources": {"defaultDatasourceEnabled": False},
                        "dashboards": {"enabled": True, "label": "grafana_dashboard", "labelValue": "1",
                                       "searchNamespace": "ALL"}},
            "additionalDataSources": datasources(u),
            "testFramework": {"enabled": False},   # a `helm test` hook, which the collection never runs
        },
    }
    if u.enabled("traefik"):
        values["grafana"]["ingress"] = {"enabled": True,  # Traefik is the default IngressClass (no key for it here)
                                        "annotations": u.ingress_annotations(), "hosts": [u.host_name()], "path": "/"}
    return values


RELEASES = {"kube-prometheus-stack": kube_prometheus_stack}
