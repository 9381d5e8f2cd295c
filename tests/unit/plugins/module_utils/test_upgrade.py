"""plugins/module_utils/_upgrade.py: the upstream rules (no downgrade, Longhorn's one minor version at a time,
documented breaking versions, operators before their resources), what a target changes (images, CRDs, restarts,
values), which layers an upgrade covers, the claims check and the wait for a release an interrupted run left pending."""
from __future__ import annotations

import sys
from pathlib import Path

from ansible_collections.openlakes.core.plugins.module_utils import _helm, _plan, _upgrade

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402


def test_versions_compare_as_numbers():
    assert _upgrade.version_tuple("v1.21.1") < _upgrade.version_tuple("1.21.10") < _upgrade.version_tuple("1.22.0")
    assert _upgrade.version_tuple("0.108.4") == (0, 108, 4)


def test_the_rules_refuse_with_what_to_do():
    rules = {"minor_step": 1}
    assert _upgrade.refusal("longhorn", "longhorn", "longhorn", "1.11.3", "1.12.1", rules, "longhorn-system") == ""
    skip = _upgrade.refusal("longhorn", "longhorn", "longhorn", "1.10.2", "1.12.1", rules, "longhorn-system")
    assert "skips minor versions, and longhorn upgrades one minor version at a time (1.10 -> 1.11 -> ... -> 1.12)" in skip
    assert 'set components.longhorn.chart_version: "1.11.<patch>" in core-config.yaml' in skip
    assert "one minor version at a time" in _upgrade.refusal("longhorn", "longhorn", "longhorn", "1.12.1", "2.0.0", rules, "x")
    down = _upgrade.refusal("nessie", "nessie", "nessie", "0.108.4", "0.107.0", {}, "openlakes")
    assert "a downgrade is not supported" in down and "helm rollback nessie <revision> -n openlakes" in down
    breaking = {"breaking": [{"version": "35.0.0", "message": "its CRDs moved group; apply them first"}]}
    assert _upgrade.refusal("traefik", "traefik", "traefik", "34.1.0", "35.2.0", breaking, "traefik") == \
        "traefik: traefik 34.1.0 -> 35.2.0 crosses 35.0.0: its CRDs moved group; apply them first"
    assert _upgrade.refusal("traefik", "traefik", "traefik", "35.0.0", "35.2.0", breaking, "traefik") == ""


RENDERED = """---
# Source: cloudnative-pg/crds/clusters.yaml
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: clusters.postgresql.cnpg.io}
spec: {group: postgresql.cnpg.io, names: {kind: Cluster, plural: clusters}, versions: [{name: v1}, {name: v2}]}
---
# Source: cloudnative-pg/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: op, labels: {app.kubernetes.io/version: "1.30.1"}}
spec: {template: {spec: {containers: [{name: m, image: "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.1"}]}}}
---
# Source: cloudnative-pg/templates/cluster.yaml
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: pg}
spec: {instances: 3, imageName: "ghcr.io/cloudnative-pg/postgresql:17"}
"""
DEPLOYED = """apiVersion: apps/v1
kind: Deployment
metadata: {name: op}
spec: {template: {spec: {containers: [{name: m, image: "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0"}]}}}
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: pg}
spec: {instances: 3, imageName: "ghcr.io/cloudnative-pg/postgresql:16"}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: gone}
spec: {template: {}}
"""


def test_what_a_target_changes():
    templates, crds = _upgrade.split_rendered(RENDERED)
    assert [d["kind"] for d in crds] == ["CustomResourceDefinition"] and len(templates) == 2
    live = {"clusters.postgresql.cnpg.io": {"spec": {"group": "postgresql.cnpg.io", "versions": [{"name": "v1"}]}}}
    rec = _helm.Record("cnpg", "cnpg-system", 4, "deployed", chart_name="cloudnative-pg", chart_version="0.29.0",
                       values={"a": {"b": 1}, "c": 2}, manifest=DEPLOYED, app_version="1.30.0")
    node = {"name": "cnpg", "namespace": "cnpg-system", "layer": "01", "component": "postgresql",
            "chart": {"name": "cloudnative-pg", "version": "0.29.1"}, "values": {"a": {"b": 2}, "c": 2}}
    c, carried, kinds = _upgrade.change(node, "upgrade", rec, RENDERED, live)
    assert c.images_from == ["ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0", "ghcr.io/cloudnative-pg/postgresql:16"]
    assert c.images_to == ["ghcr.io/cloudnative-pg/cloudnative-pg:1.30.1", "ghcr.io/cloudnative-pg/postgresql:17"]
    assert c.crds == ["clusters.postgresql.cnpg.io: versions v1 -> v1, v2"]
    assert c.crds_not_applied == c.crds          # from crds/: helm would not apply it
    assert c.restarts == ["Cluster cnpg-system/pg (spec changes: its operator applies them)",
                          "Deployment cnpg-system/op (rolling restart)", "StatefulSet cnpg-system/gone (removed)"]
    assert c.values == ["a.b"] and c.app_to == "1.30.1"
    assert kinds == [("postgresql.cnpg.io", "Cluster")] and _upgrade.crd_kinds(carried) == [("postgresql.cnpg.io", "Cluster")]
    line = c.line()
    assert line.startswith("  01 cnpg             upgrade: cloudnative-pg 0.29.0 -> 0.29.1; app 1.30.0 -> 1.30.1; images ")
    node["crds"] = "apply"
    assert _upgrade.change(node, "upgrade", rec, RENDERED, live)[0].crds_not_applied == []


def test_an_operator_goes_before_its_resources():
    kinds = {"postgresql": [("postgresql.cnpg.io", "Cluster")]}
    carried = {("postgresql.cnpg.io", "Cluster"): "cnpg-operator"}
    assert _upgrade.operator_order(kinds, carried, {"postgresql": {"cnpg-operator", "longhorn"}}) == []
    [problem] = _upgrade.operator_order(kinds, carried, {"postgresql": {"longhorn"}})
    assert problem.startswith("postgresql renders Cluster.postgresql.cnpg.io resources whose CRD comes with cnpg-operator")
    nodes = values_configs.plan(values_configs.configs()["lab"][0])["nodes"]
    assert "cnpg-operator" in _upgrade.ancestors_of(nodes)["postgresql"]


def test_an_upgrade_covers_the_deployed_layers_only():
    plan = values_configs.plan(values_configs.configs()["lab"][0])
    mine, requires, live = _upgrade.scope(plan["nodes"], plan["slices"], {"longhorn", "nessie"})
    assert live == ["01"] and requires == [] and {"nessie", "minio", "namespace/openlakes"} <= {n["name"] for n in mine}
    assert "trino" not in {n["name"] for n in mine}
    mine, requires, live = _upgrade.scope(plan["nodes"], plan["slices"], {"trino"})
    assert live == ["02"] and {r["name"] for r in requires} >= {"nessie", "minio-setup"}
    assert all(r["type"] == "require" for r in requires)


def test_the_claims_check():
    before = {"openlakes/a": {"uid": "1", "phase": "Bound"}, "openlakes/b": {"uid": "2", "phase": "Bound"},
              "openlakes/c": {"uid": "3", "phase": "Bound"}}
    after = {"openlakes/a": {"uid": "1", "phase": "Bound"}, "openlakes/b": {"uid": "9", "phase": "Bound"}}
    assert _upgrade.claims_check(before, after) == ["PersistentVolumeClaim openlakes/b was replaced: UID 2 -> 9",
                                                    "PersistentVolumeClaim openlakes/c is gone (its UID was 3)"]
    assert _upgrade.claims_check(before, before) == []


def test_the_target_is_the_releases_fingerprints():
    spec = _helm.ChartRef("c", "1.0.0", repository="https://x")
    from ansible_collections.openlakes.core.plugins.module_utils import _release

    one = [_plan.Node("a", [], ("release", _release.Spec("a", "ns", spec, {"v": 1})))]
    two = [_plan.Node("a", [], ("release", _release.Spec("a", "ns", spec, {"v": 2})))]
    assert _upgrade.target_digest(one) == _upgrade.target_digest(list(one)) != _upgrade.target_digest(two)


def test_a_release_left_pending_is_waited_for_once():
    import datetime as dt

    young = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=10)).isoformat()
    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1000)).isoformat()
    recs = {"nessie": [_helm.Record("nessie", "ns", 3, "pending-upgrade", last_deployed=young)],
            "trino": [_helm.Record("trino", "ns", 2, "pending-upgrade", last_deployed=old)],
            "redis": [_helm.Record("redis", "ns", 1, "deployed")]}
    slept, log = [], []
    _upgrade.wait_for_pending(lambda n, ns: recs[n], [{"name": n, "namespace": "ns"} for n in recs], 30, log, slept.append)
    assert len(slept) == 1 and 19 <= slept[0] <= 22
    assert log[0].startswith("nessie: revision 3 was left pending-upgrade by the interrupted run; recovered once it is 30s old (waiting")
    assert log[1] == "trino: revision 2 was left pending-upgrade by the interrupted run; recovered once it is 30s old"
