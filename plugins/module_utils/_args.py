# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs shared by the release modules (documented by the doc
fragments openlakes.core.cluster, openlakes.core.helm, openlakes.core.release
and openlakes.core.waiting) and by the disk modules (openlakes.core.disks).
Private to this collection."""
from __future__ import annotations

CLUSTER_ARGS = {
    "kubeconfig": {"type": "path"},
    "context": {"type": "str", "default": ""},
}
HELM_ARGS = {
    "helm_binary": {"type": "path", "default": "helm"},
}

# What the day-2 modules take of the platform plan (openlakes.core.platform_plan's return values).
PLAN_ARGS = {
    "nodes": {"type": "list", "elements": "dict", "required": True},
    "credentials": {"type": "list", "elements": "dict", "default": [], "no_log": False},  # names and specs only
}

CHART_OPTIONS = {
    "name": {"type": "str", "required": True},
    "version": {"type": "str", "default": ""},
    "repository": {"type": "str", "default": ""},
    "path": {"type": "path", "default": ""},
}

WAIT_ARGS = {
    "timeout": {"type": "int", "default": 600},
    "grace_seconds": {"type": "int", "default": 10},
    "wait_for_load_balancer": {"type": "bool", "default": False},
}

RELEASE_ARGS = {
    "name": {"type": "str", "required": True},
    "namespace": {"type": "str", "required": True},
    "chart": {"type": "dict", "required": True, "options": CHART_OPTIONS},
    "chart_mirror": {"type": "str", "default": ""},
    "values": {"type": "dict", "default": {}},
    "wait": {"type": "bool", "default": True},
    "atomic": {"type": "bool", "default": False},
    "pending_timeout": {"type": "int", "default": 300},
    "create_namespace": {"type": "bool", "default": True},
    "openapi_validation": {"type": "bool", "default": False},
    "crds": {"type": "str", "default": "helm", "choices": ["helm", "apply"]},
    **WAIT_ARGS,
}

DISK_OPTIONS = {
    "device": {"type": "path", "required": True},
    "mount": {"type": "path", "required": True},
    "fstype": {"type": "str", "choices": ["xfs", "ext4"], "default": "xfs"},
    "label": {"type": "str", "default": ""},
    "purpose": {"type": "str", "default": ""},
    "confirm_serial": {"type": "str", "default": ""},
    "owner": {"type": "dict", "default": {"uid": 0, "gid": 0},
              "options": {"uid": {"type": "int", "default": 0}, "gid": {"type": "int", "default": 0}}},
}
DISK_ARGS = {
    "host": {"type": "str", "default": ""},
    "disks": {"type": "list", "elements": "dict", "default": [], "options": DISK_OPTIONS},
}


def release_spec(params: dict):
    from . import _helm, _release

    chart = _helm.ChartRef.from_spec(params["chart"], mirror=params.get("chart_mirror") or "")
    return _release.Spec(
        name=params["name"], namespace=params["namespace"], chart=chart, values=params.get("values") or {},
        wait=params.get("wait", True), timeout=float(params.get("timeout", 600)), atomic=params.get("atomic", False),
        pending_timeout=float(params.get("pending_timeout", 300)), create_namespace=params.get("create_namespace", True),
        grace_seconds=float(params.get("grace_seconds", 10)), openapi_validation=params.get("openapi_validation", False),
        wait_for_load_balancer=params.get("wait_for_load_balancer", False), crds=params.get("crds", "helm"))


# openlakes.core.wiring_check (the module and its in-process action plugin).
WIRING_ARGS = {
    "links": {"type": "list", "elements": "dict", "required": True},
    "releases": {"type": "list", "elements": "dict", "default": []},
}

# openlakes.core.platform_secrets (the module and its action plugin).
SECRETS_ARGS = {
    "sets": {"type": "list", "elements": "dict", "required": True, "no_log": False},  # names and specs only
}

# openlakes.core.release_plan (the module and its action plugin). Each item is checked against its kind's options
# in _deploy.ITEMS, so that a release's options are documented once, in openlakes.core.helm_release.
RELEASE_PLAN_ARGS = {
    "releases": {"type": "list", "elements": "dict", "required": True},
    "max_workers": {"type": "int", "default": 6},
    "chart_mirror": {"type": "str", "default": ""},
    "variables": {"type": "dict", "default": {}, "no_log": True},
}
