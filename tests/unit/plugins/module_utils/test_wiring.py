"""plugins/module_utils/_wiring.py: each release's row in status (state, revision, chart and app version, readiness
now, age of the last change), judged from its live objects read once."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from ansible_collections.openlakes.core.plugins.module_utils import _wiring
from ansible_collections.openlakes.core.plugins.module_utils._waiter import Target

sys.path.insert(0, str(Path(__file__).parent))
import fake_helm  # noqa: E402

NOW = dt.datetime(2026, 12, 1, 13, 0, 0, tzinfo=dt.timezone.utc)


def _live(releases, objects):
    live = object.__new__(_wiring.Live)
    live.cluster = fake_helm.Cluster(releases)
    live._texts, live._records, live._objects = {}, {}, objects
    return live


def test_a_release_row_says_state_versions_readiness_and_age():
    deploy = Target("apps/v1", "Deployment", "nessie", "openlakes")
    job = Target("batch/v1", "Job", "setup", "openlakes")
    ready = {"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 1},
             "status": {"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1}}
    stuck = dict(ready, status=dict(ready["status"], readyReplicas=0, availableReplicas=0))
    rels = [fake_helm.release("nessie", chart="nessie", version="0.108.4", app_version="0.108.4", revision=3),
            fake_helm.release("trino", revision=1), fake_helm.release("redis", status="pending-upgrade", revision=2)]
    live = _live(rels, {("nessie", "openlakes"): [(deploy, ready), (job, None)], ("trino", "openlakes"): [(deploy, stuck)]})
    rows = {r["name"]: r for r in _wiring.release_rows(live, [{"name": n, "namespace": "openlakes", "layer": "01"}
                                                              for n in ("nessie", "trino", "redis", "spark")], now=NOW)}
    assert rows["nessie"] == {"name": "nessie", "namespace": "openlakes", "layer": "01", "status": "deployed", "revision": 3,
                              "chart": "nessie-0.108.4", "app_version": "0.108.4", "ready": True, "not_ready": [],
                              "last_deployed": "2026-12-01T10:00:00Z", "age": "3h", "age_seconds": 10800, "ok": True}
    assert rows["trino"]["not_ready"] == ["Deployment openlakes/nessie: 0/1 replicas ready, 0 available"]
    assert not rows["trino"]["ok"]
    assert (rows["redis"]["status"], rows["redis"]["ok"]) == ("pending-upgrade", False)
    assert (rows["spark"]["status"], rows["spark"]["age"]) == ("absent", "unknown")


def test_ages_read_like_a_person_says_them():
    assert [_wiring.age_text(s) for s in (5, 61, 7200, 3 * 86400, float("inf"))] == ["5s", "1m", "2h", "3d", "unknown"]
