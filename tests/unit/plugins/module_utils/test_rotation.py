"""plugins/module_utils/_rotation.py: which keys rotate (secrets, not names; derived keys made again), what reads a
Secret (volumes, envFrom, secretKeyRef; CloudNativePG roles and superuser), and the order of the steps (providers
before consumers; within a release, the database side, the servers, then the Jobs)."""
from __future__ import annotations

import sys
from pathlib import Path

from ansible_collections.openlakes.core.plugins.module_utils import _rotation

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

PLAN = values_configs.plan(values_configs.configs()["lab"][0])
SETS = {c["name"]: c for c in PLAN["credentials"]}


def test_secrets_rotate_and_names_stay():
    assert _rotation.keys_to_rotate(SETS["nessie"]["keys"]) == ["password", "s3-secret-key"]
    assert _rotation.keys_to_rotate(SETS["minio"]["keys"]) == ["rootPassword"]
    assert SETS["minio"]["restart"] == "together" and SETS["nessie"]["restart"] == "rolling"
    current = {"username": "admin", "password": "old-password-value", "users": "admin:$2y$12$old"}
    new = _rotation.new_values(SETS["ui-auth"]["keys"], current)
    assert set(new) == {"password", "users"} and new["password"] != current["password"]
    assert new["users"].startswith("admin:$2y$") and new["users"] != current["users"]   # made again from the new one


def test_what_reads_a_secret():
    s = "openlakes-nessie-credentials"
    assert _rotation.references({"containers": [{"env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": s, "key": "password"}}}]}]}, s)
    assert _rotation.references({"containers": [{"envFrom": [{"secretRef": {"name": s}}]}]}, s)
    assert _rotation.references({"volumes": [{"name": "v", "secret": {"secretName": s}}], "containers": []}, s)
    assert _rotation.references({"volumes": [{"projected": {"sources": [{"secret": {"name": s}}]}}]}, s)
    assert not _rotation.references({"containers": [{"env": [{"name": "P", "value": s}]}]}, s)
    job = {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"volumes": [{"secret": {"secretName": s}}]}}}}}}
    assert _rotation.references(_rotation.pod_spec(job), s)
    cluster = {"spec": {"enableSuperuserAccess": True, "superuserSecret": {"name": "openlakes-postgresql-credentials"},
                        "managed": {"roles": [{"name": "nessie", "passwordSecret": {"name": s}},
                                              {"name": "trino", "passwordSecret": {"name": "openlakes-trino-credentials"}}]}}}
    assert _rotation.cnpg_references(cluster, s) == [("role", "nessie")]
    assert _rotation.cnpg_references(cluster, "openlakes-postgresql-credentials") == [("superuser", "postgres")]


def test_steps_follow_the_plan_providers_first():
    steps = [{"kind": "restart", "release": "nessie", "namespace": "openlakes", "name": "nessie"},
             {"kind": "job", "release": "minio-setup", "namespace": "openlakes", "name": "minio-setup-ab12"},
             {"kind": "role", "release": "postgresql", "namespace": "openlakes", "name": "postgresql"},
             {"kind": "restart", "release": "", "namespace": "default", "name": "someone-elses-app"}]
    got = [s["release"] or s["name"] for s in _rotation.order(steps, PLAN["nodes"])]
    assert got.index("postgresql") < got.index("nessie") and got.index("minio-setup") < got.index("nessie")
    assert got[-1] == "someone-elses-app"
    root = [{"kind": "job", "release": "minio-setup", "namespace": "openlakes", "name": "j"},
            {"kind": "restart", "release": "minio", "namespace": "openlakes", "name": "minio"},
            {"kind": "restart", "release": "minio-cold", "namespace": "openlakes", "name": "minio-cold"}]
    assert [s["release"] for s in _rotation.order(root, PLAN["nodes"])] == ["minio-cold", "minio", "minio-setup"]
