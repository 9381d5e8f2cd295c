"""plugins/module_utils/_uninstall.py: which nodes a layer selection removes and in which order, what stops it before
any change, which claims belong to a release (rendered, from claim templates, owned by an operator's resource), and
the hosts' data an uninstall reports."""
from __future__ import annotations

import sys
from pathlib import Path

from ansible_collections.openlakes.core.plugins.module_utils import _plan, _uninstall

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

LAB = values_configs.configs()["lab"][0]
PLAN = values_configs.plan(LAB)
NODES = PLAN["nodes"]


def test_every_layer_or_the_chosen_ones():
    assert set(_uninstall.select(NODES, [])) == {n["name"] for n in NODES}
    two = _uninstall.select(NODES, ["02"])
    releases = {n["name"] for n in NODES if n["type"] == "release"}
    assert sorted(set(two) & releases) == ["spark", "spark-operator", "trino"]
    assert {n["layer"] for n in NODES if n["name"] in two} == {"02"}
    assert _uninstall.select(NODES, [2]) == two   # a layer given as a number, as -e may pass it


def test_removal_runs_the_graph_backwards():
    chosen = set(_uninstall.select(NODES, []))
    levels = _plan.validate(_uninstall.reverse(NODES, chosen))
    position = {name: i for i, level in enumerate(levels) for name in level}
    for n in NODES:
        for dep in n["depends_on"]:
            assert position[n["name"]] < position[dep], f"{n['name']} must go before {dep}"
    # Consumers first, their providers after them, the operator after its cluster, namespaces last.
    assert position["trino"] < position["nessie"] < position["postgresql"] < position["cnpg-operator"]
    assert position["minio-setup"] < position["minio"] < position["minio-volumes"]
    assert levels[-1] and all(name.startswith("namespace/") or name == "longhorn-nodes" for name in levels[-1])


def test_a_layer_that_stays_and_needs_a_chosen_one_stops_the_run():
    chosen = set(_uninstall.select(NODES, ["01"]))
    present = {n["name"] for n in NODES}
    problems = _uninstall.blockers(NODES, chosen, present)
    assert "trino (layer 02) stays deployed and needs nessie (layer 01): uninstall layer 02 too (--tags layer02), " \
           "or leave layer 01 out" in problems
    # Not deployed, nothing to break; namespaces are kept unless purging, so they block only then.
    later = {n["name"] for n in NODES if n["layer"] > "01" and n["type"] == "release"}
    assert _uninstall.blockers(NODES, chosen, present - later) == []
    assert _uninstall.blockers(NODES, set(_uninstall.select(NODES, ["02"])), present) == []


def _pvc(name, owners=(), keep=False):
    meta = {"name": name, "namespace": "openlakes"}
    if owners:
        meta["ownerReferences"] = [{"kind": k, "name": n, "uid": f"uid-{n}"} for k, n in owners]
    if keep:
        meta["annotations"] = {_uninstall.KEEP_POLICY: "keep"}
    return {"metadata": meta, "spec": {"volumeName": f"pv-{name}"}, "status": {"phase": "Bound"}}


def test_the_claims_of_a_release():
    cluster_docs = [{"kind": "Cluster", "metadata": {"name": "postgresql"}}]
    redis_docs = [{"kind": "StatefulSet", "metadata": {"name": "redis"}, "spec": {}}]
    sts = [{"metadata": {"name": "postgresql", "ownerReferences": [{"kind": "Cluster", "name": "postgresql"}]},
            "spec": {"volumeClaimTemplates": [{"metadata": {"name": "pgdata"}}]}},
           {"metadata": {"name": "redis"}, "spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}}]}}]
    pvcs = [_pvc("pgdata-postgresql-0", [("Cluster", "postgresql")]), _pvc("pgdata-postgresql-1"),
            _pvc("data-redis-0"), _pvc("data-redis-extra"), _pvc("minio-cold", keep=True)]
    found = {c["claim"]["metadata"]["name"]: c for c in _uninstall.claims_of(cluster_docs, "openlakes", pvcs, sts)}
    # CloudNativePG's claims are owned by its Cluster: that reference would let the garbage collector delete them.
    assert found["pgdata-postgresql-0"]["why"] == "owned by its Cluster postgresql"
    assert [o["name"] for o in found["pgdata-postgresql-0"]["owners"]] == ["postgresql"]
    # The operator's StatefulSet is the Cluster's, so its claim templates count too.
    assert found["pgdata-postgresql-1"]["why"] == "made from a claim template of its StatefulSet"
    assert set(found) == {"pgdata-postgresql-0", "pgdata-postgresql-1"}
    redis = _uninstall.claims_of(redis_docs, "openlakes", pvcs, sts)
    assert [c["claim"]["metadata"]["name"] for c in redis] == ["data-redis-0"]
    rendered = [{"kind": "PersistentVolumeClaim", "metadata": {"name": "minio-cold"}}]
    assert [c["why"] for c in _uninstall.claims_of(rendered, "openlakes", pvcs, [])] == ["rendered by the release"]


def test_the_hosts_data_it_reports():
    data = _uninstall.host_data(LAB)
    assert {"host": "lab-node-1", "path": "/mnt/openlakes/minio/hot1/data", "purpose": "MinIO drive",
            "device": "/dev/disk/by-id/lab-hot1"} in data
    assert {"host": "lab-node-3", "path": "/var/lib/openlakes/longhorn/disk1/data", "purpose": "Longhorn disk",
            "device": "/dev/disk/by-id/lab-longhorn1"} in data
    assert data[-1]["path"] == "/cold-nas/openlakes-minio-cold"
    assert len(data) == 3 * 3 + 1


def test_the_plan_names_the_volume_providers_and_each_credential_sets_owner():
    assert PLAN["volume_providers"] == {"longhorn": "driver.longhorn.io"}
    owners = {c["name"]: c["component"] for c in PLAN["credentials"]}
    assert owners["ui-auth"] == "traefik" and owners["nessie"] == "nessie"
