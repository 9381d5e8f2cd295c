"""Helm release records as helm stores them, and a cluster that serves them: for the modules that read releases
without helm (status, upgrade, uninstall)."""
from __future__ import annotations

import base64
import gzip
import json


def release(name, namespace="openlakes", revision=1, status="deployed", chart="c", version="1.0.0", app_version="",
            manifest="", last_deployed="2026-12-01T10:00:00Z", description="", values=None) -> dict:
    return {"name": name, "namespace": namespace, "version": revision,
            "info": {"status": status, "description": description, "last_deployed": last_deployed},
            "chart": {"metadata": {"name": chart, "version": version, "appVersion": app_version}},
            "config": values or {}, "manifest": manifest}


def secret(rel: dict) -> dict:
    stored = base64.b64encode(gzip.compress(json.dumps(rel).encode()))   # what helm writes
    return {"metadata": {"name": f"sh.helm.release.v1.{rel['name']}.v{rel['version']}"},
            "data": {"release": base64.b64encode(stored).decode()}}     # what the API returns in .data


class Cluster:
    """`list_secrets` as `_k8s.Cluster` answers it, from release dicts."""

    def __init__(self, releases=()):
        self.releases = list(releases)

    def list_secrets(self, namespace, label_selector):
        name = dict(kv.split("=") for kv in label_selector.split(","))["name"]
        return [secret(r) for r in self.releases if r["name"] == name and r["namespace"] == namespace]
