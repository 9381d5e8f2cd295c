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

Its own alerts are the platform-wide ones, on what node-exporter, kube-state-metrics and Prometheus itself report:
a pod crash-looping, a scrape target down, a filesystem filling. The chart's default rules of the same purpose are
disabled by name (DEFAULT_RULES_REPLACED) so each condition alerts once; the chart's other default rules (API
server, etcd, kubelet, ...) stay.
"""
from __future__ import annotations

from .. import _monitoring as m

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
    return [{"name": "Prometheus", "uid": m.PROMETHEUS_UID, "type": "prometheus", "access": "proxy",
             "url": prometheus.url, "isDefault": True},
            {"name": "Loki", "uid": m.LOKI_UID, "type": "loki", "access": "proxy", "url": loki.url}]


# The chart's default alerts that ours replace (defaultRules.disabled): same condition, one alert.
DEFAULT_RULES_REPLACED = ("KubePodCrashLooping", "TargetDown", "NodeFilesystemSpaceFillingUp",
                          "NodeFilesystemAlmostOutOfSpace")
# node-exporter's filesystems that hold data (not the kernel's or the container runtime's in-memory ones).
DATA_FS = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.lxcfs",mountpoint!=""'


def alerts(u) -> list:
    """Platform-wide alerts: kube-state-metrics (crash loops), Prometheus (targets), node-exporter (disks)."""
    avail, size = f"node_filesystem_avail_bytes{{{DATA_FS}}}", f"node_filesystem_size_bytes{{{DATA_FS}}}"
    writable = f"node_filesystem_readonly{{{DATA_FS}}} == 0"
    return [
        m.alert("OpenLakesPodCrashLooping",
                'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1',
                "A container is crash-looping",
                "{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) has been in CrashLoopBackOff "
                "for 15 minutes.", for_="15m"),
        m.alert("OpenLakesTargetDown", "up == 0", "A scrape target is down",
                "Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }} ({{ $labels.namespace }}) "
                "for 10 minutes.", for_="10m"),
        m.alert("OpenLakesDiskFilling",
                f"({avail} / {size} < 0.15 and predict_linear({avail}[6h], 24 * 3600) < 0 and {writable})",
                "A filesystem will be full within a day",
                "{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} free "
                "and fills within 24 hours at the last 6 hours' rate.", for_="1h"),
        m.alert("OpenLakesDiskAlmostFull", f"({avail} / {size} < 0.05 and {writable})",
                "A filesystem is almost full",
                "{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} free.",
                for_="30m", severity="critical"),
    ]


def dashboards(u) -> list:
    """The platform overview: targets up per layer and component, firing alerts, crash loops, recent errors
    (Loki: lines matching `error` per namespace and component, as Alloy labels them)."""
    errors = '{namespace=~".+"} |~ "(?i)\\b(error|fatal|panic)\\b"'
    return [m.dashboard(u, "platform-overview", "Platform overview", [
        m.panel("Targets up per layer", 'sum by (openlakes_layer) (up{openlakes_layer!=""})', "stat",
                legend="layer {{openlakes_layer}}"),
        m.panel("Targets down per layer", 'count by (openlakes_layer) (up{openlakes_layer!=""} == 0)', "stat",
                legend="layer {{openlakes_layer}}"),
        m.panel("Firing alerts", 'count by (severity) (ALERTS{alertstate="firing"})', "stat", legend="{{severity}}"),
        m.panel("Containers crash-looping",
                'sum(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"})', "stat"),
        m.panel("Targets up per component", 'sum by (openlakes_layer, openlakes_component) (up{openlakes_layer!=""})',
                "table"),
        m.panel("Container restarts (1h)", "sum by (namespace) (increase(kube_pod_container_status_restarts_total[1h]))",
                legend="{{namespace}}"),
        m.panel("Error lines per component (5m)",
                f"sum by (namespace, component) (count_over_time({errors} [5m]))",
                legend="{{namespace}}/{{component}}", datasource=m.LOKI_UID),
        m.panel("Recent errors", errors, "logs", datasource=m.LOKI_UID),
    ])]


def kube_prometheus_stack(u, release: dict) -> dict:
    everywhere = {"NilUsesHelmValues": False}
    spec = {f"{kind}Selector{k}": v for kind in ("serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig")
            for k, v in everywhere.items()}
    values = {
        # The CRDs are applied by the collection (`crds: apply`); helm runs with --skip-crds.
        "crds": {"enabled": True, "upgradeJob": {"enabled": False}},
        "defaultRules": {"disabled": {name: True for name in DEFAULT_RULES_REPLACED}},
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
                        "dashboards": {"enabled": True, "label": m.DASHBOARD_LABEL, "labelValue": m.DASHBOARD_LABEL_VALUE,
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
