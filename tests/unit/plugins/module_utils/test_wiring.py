"""plugins/module_utils/_wiring.py: each release's row in status (state, revision, chart and app version, readiness
now, age of the last change), judged from its live objects read once."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from ansible_collections.openlakes.core.plugins.module_utils import _wiring

sys.path.insert(0, str(Path(__file__).parent))
import fake_helm  # noqa: E402

NOW = dt.datetime(2026, 12, 1, 13, 0, 0, tzinfo=dt.timezone.utc)
MANIFEST = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: %s}\n---\n"
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: setup}\n")


class _Resource:
    namespaced = True


def _live(releases, objects):
    live = object.__new__(_wiring.Live)
    live.cluster = fake_helm.Cluster(releases)
    live._texts, live._records = {}, {}
    live._resources = {("apps/v1", "Deployment"): _Resource(), ("batch/v1", "Job"): _Resource()}
    live._objects = {k: (json.dumps(v) if v is not None else None) for k, v in objects.items()}
    return live


def test_a_release_row_says_state_versions_readiness_and_age():
    ready = {"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 1},
             "status": {"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1}}
    stuck = dict(ready, status=dict(ready["status"], readyReplicas=0, availableReplicas=0))
    rels = [fake_helm.release("nessie", chart="nessie", version="0.108.4", app_version="0.108.4", revision=3,
                              manifest=MANIFEST % "nessie"),
            fake_helm.release("trino", revision=1, manifest=MANIFEST % "trino"),
            fake_helm.release("redis", status="pending-upgrade", revision=2)]
    live = _live(rels, {("apps/v1", "Deployment", "openlakes", "nessie"): ready,
                        ("batch/v1", "Job", "openlakes", "setup"): None,       # a Job may be cleaned up
                        ("apps/v1", "Deployment", "openlakes", "trino"): stuck})
    rows = {r["name"]: r for r in _wiring.release_rows(live, [{"name": n, "namespace": "openlakes", "layer": "01"}
                                                              for n in ("nessie", "trino", "redis", "spark")], now=NOW)}
    assert rows["nessie"] == {"name": "nessie", "namespace": "openlakes", "layer": "01", "status": "deployed", "revision": 3,
                              "chart": "nessie-0.108.4", "app_version": "0.108.4", "ready": True, "not_ready": [],
                              "last_deployed": "2026-12-01T10:00:00Z", "age": "3h", "age_seconds": 10800, "ok": True}
    assert rows["trino"]["not_ready"] == ["Deployment openlakes/trino: 0/1 replicas ready, 0 available"]
    assert not rows["trino"]["ok"]
    assert (rows["redis"]["status"], rows["redis"]["ok"]) == ("pending-upgrade", False)
    assert (rows["spark"]["status"], rows["spark"]["age"]) == ("absent", "unknown")


def test_ages_read_like_a_person_says_them():
    assert [_wiring.age_text(s) for s in (5, 61, 7200, 3 * 86400, float("inf"))] == ["5s", "1m", "2h", "3d", "unknown"]
