# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alloy as a DaemonSet: every pod's log files on its node (/var/log/pods), labelled namespace, pod, container and
component (the pod's app.kubernetes.io/name, else its `app` label), CRI lines parsed, pushed to Loki. Private to this
collection."""
from __future__ import annotations

PUSH_PATH = "/loki/api/v1/push"


def _relabel(source: str, target: str, regex: str = "(.+)") -> str:
    return (f'  rule {{\n    source_labels = ["{source}"]\n    regex         = "{regex}"\n'
            f'    target_label  = "{target}"\n  }}\n')


def config(u) -> str:
    """The Alloy configuration (River): discovery on this node only, relabelling, files, CRI parsing, Loki."""
    loki = u.service("loki", "http")
    rules = "".join([
        # Only the pods of this node: the chart runs Alloy with HOSTNAME set to the node's name.
        '  rule {\n    source_labels = ["__meta_kubernetes_pod_node_name"]\n'
        '    regex         = sys.env("HOSTNAME")\n    action        = "keep"\n  }\n',
        _relabel("__meta_kubernetes_namespace", "namespace"),
        _relabel("__meta_kubernetes_pod_name", "pod"),
        _relabel("__meta_kubernetes_pod_container_name", "container"),
        _relabel("__meta_kubernetes_pod_label_app", "component"),
        _relabel("__meta_kubernetes_pod_label_app_kubernetes_io_name", "component"),
        '  rule {\n    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]\n'
        '    separator     = "/"\n    target_label  = "__path__"\n    replacement   = "/var/log/pods/*$1/*.log"\n  }\n',
    ])
    return (
        'discovery.kubernetes "pods" {\n  role = "pod"\n}\n\n'
        'discovery.relabel "pods" {\n  targets = discovery.kubernetes.pods.targets\n' + rules + '}\n\n'
        'local.file_match "pods" {\n  path_targets = discovery.relabel.pods.output\n}\n\n'
        'loki.source.file "pods" {\n  targets    = local.file_match.pods.targets\n'
        '  forward_to = [loki.process.pods.receiver]\n}\n\n'
        'loki.process "pods" {\n  stage.cri {}\n  forward_to = [loki.write.loki.receiver]\n}\n\n'
        f'loki.write "loki" {{\n  endpoint {{\n    url = "{loki.url}{PUSH_PATH}"\n  }}\n}}\n'
    )


def alloy(u, release: dict) -> dict:
    return {   # its images (Alloy and the config reloader) come from platform/components.yml (Unit.image_values)
        "controller": {"type": "daemonset"},
        "alloy": {"configMap": {"create": True, "content": config(u)}, "mounts": {"varlog": True},
                  "resources": u.resources()},
    }


def monitors(u) -> list:
    return [u.monitor({"app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": "alloy"})]


RELEASES = {"alloy": alloy}
