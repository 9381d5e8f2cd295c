"""plugins/module_utils/_minio_setup.py: the setup Job's policies (table-driven) and its script's
guarantees (issue 20): no credential on a command line, a missing tier found by `tier check`, versioning
never suspended, an order in which the first attempt succeeds, unsafe names refused. The script runs
against real MinIO servers in the datapath tier (tests/datapath/test_01_layer01.py)."""
from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ansible_collections.openlakes.core.plugins.module_utils import _minio_setup as ms

CASES = yaml.safe_load((Path(__file__).parent / "minio_policy_cases.yml").read_text())
SPEC = {
    "hot": {"alias": "hot", "endpoint": "http://minio.openlakes.svc.cluster.local:9000", "credentials_dir": "/secrets/minio"},
    "cold": {"alias": "cold", "endpoint": "http://minio-cold.openlakes.svc.cluster.local:9000",
             "credentials_dir": "/secrets/minio", "bucket": "openlakes-cold"},
    "buckets": [{"name": "openlakes", "versioning": False, "prefixes": ["raw/", "warehouse/", "spark-history/"]},
                {"name": "openlakes-notebooks", "versioning": True, "prefixes": ["shared/", "workspace/"]}],
    "users": [{"name": "nessie", "credentials_dir": "/secrets/nessie", "access_key_file": "s3-access-key",
               "secret_key_file": "s3-secret-key",
               "grants": [{"bucket": "openlakes", "prefix": "warehouse/", "access": "readwrite"}]}],
    "tiering": {"tier": "COLD", "bucket": "openlakes", "prefix": "openlakes/", "transition_days": 30, "noncurrent": False},
}


def spec(**changes) -> dict:
    out = copy.deepcopy(SPEC)
    out.update(changes)
    return out


def lines_of(text: str) -> list:
    return [line.strip() for line in text.splitlines()]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_policy(case):
    doc = ms.policy(case["grants"])
    assert doc["Version"] == "2012-10-17"
    assert doc["Statement"] == case["statements"]


@pytest.mark.parametrize("grants, message", [
    ([], "at least one grant"),
    ([{"bucket": "openlakes", "prefix": "warehouse/", "access": "write"}], "access: 'write' is not one of read, readwrite"),
    ([{"bucket": "Open_Lakes", "prefix": "", "access": "read"}], "grants[0].bucket"),
    ([{"bucket": "openlakes", "prefix": "warehouse", "access": "read"}], "grants[0].prefix"),
    ([{"bucket": "openlakes", "prefix": "a/*", "access": "read"}], "grants[0].prefix"),
])
def test_policy_refuses(grants, message):
    with pytest.raises(ms.SpecError, match=re.escape(message)):
        ms.policy(grants)


@pytest.mark.skipif(not shutil.which("sh"), reason="no POSIX shell")
@pytest.mark.parametrize("variant", ["tiered", "tiered-versioned", "no-cold", "no-users"])
def test_the_script_is_valid_posix_sh(variant, tmp_path):
    s = {"tiered": spec(),
         "tiered-versioned": spec(tiering=dict(SPEC["tiering"], noncurrent=True)),
         "no-cold": spec(cold=None, tiering=None),
         "no-users": spec(users=[])}[variant]
    path = tmp_path / "setup.sh"
    path.write_text(ms.script(s))
    proc = subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_no_credential_is_an_argument():
    """Secret files are read only into printf (a shell builtin) piped into mc, which reads keys on stdin."""
    text = ms.script(spec())
    for line in lines_of(text):
        if "$(cat" in line:
            assert line.startswith("printf '%s\\n%s\\n' \"$(cat \"$3\")\" \"$(cat \"$4\")\" | mc alias set") or \
                line.startswith("printf '%s\\n' \"$(cat \"$3\")\" | mc admin user add") or \
                line.startswith("key=$(cat \"$2\")"), line
    # Only the tier's own generated key is ever a flag value (mc ilm tier add has no other way).
    assert [line for line in lines_of(text) if "--secret-key" in line] == [
        "m ilm tier add minio hot COLD --endpoint http://minio-cold.openlakes.svc.cluster.local:9000 --access-key "
        "openlakes-tier --secret-key \"$tier_key\" --bucket openlakes-cold --prefix openlakes/ || fail \"mc ilm tier add: $out\""]
    # The root password is only ever the name of the file alias_set reads.
    assert [line for line in lines_of(text) if "rootPassword" in line] == [
        "alias_set hot http://minio.openlakes.svc.cluster.local:9000 /secrets/minio/rootUser /secrets/minio/rootPassword",
        "alias_set cold http://minio-cold.openlakes.svc.cluster.local:9000 /secrets/minio/rootUser /secrets/minio/rootPassword"]


def test_a_missing_tier_is_found_by_tier_check_not_tier_info():
    text = ms.script(spec())
    assert "m ilm tier check hot COLD" in text and "tier info" not in text


def test_versioning_is_only_ever_enabled():
    text = ms.script(spec())
    assert "version suspend" not in text
    calls = [line for line in lines_of(text) if line.startswith("versioning_on ")]
    assert calls == ["versioning_on hot openlakes-notebooks"]  # not openlakes (versioning: false), never the cold bucket


def test_the_order_makes_the_first_attempt_succeed():
    text = lines_of(ms.script(spec()))

    def at(prefix):
        return next(i for i, line in enumerate(text) if line.startswith(prefix))
    assert at("wait_ready hot") < at("wait_ready cold") < at("bucket hot openlakes") < at("marker hot openlakes raw/")
    assert at("bucket hot openlakes") < at("policy_apply hot openlakes-nessie") < at("user_apply hot")
    assert at("bucket cold openlakes-cold") < at("m ilm tier add") < at("else mc ilm rule import hot/openlakes")


def test_prefix_markers_are_written_only_when_absent():
    text = ms.script(spec())
    assert 'if m stat "$1/$2/$3.keep"; then say "present"' in text
    assert [line for line in lines_of(text) if line.startswith("marker ")] == [
        "marker hot openlakes raw/", "marker hot openlakes warehouse/", "marker hot openlakes spark-history/",
        "marker hot openlakes-notebooks shared/", "marker hot openlakes-notebooks workspace/"]


def _heredoc(text: str, path: str):
    lines = text.splitlines()
    start = lines.index(f"cat > \"$MC_CONFIG_DIR\"/{path} <<'OPENLAKES_JSON'")
    return json.loads(lines[start + 1])


def test_the_script_applies_the_policy_documents():
    text = ms.script(spec())
    assert _heredoc(text, "policy-nessie.json") == ms.policy(SPEC["users"][0]["grants"])
    tier = _heredoc(text, "policy-tier.json")
    listing = [s for s in tier["Statement"] if s["Action"] == ["s3:ListBucket"]][0]
    # MinIO checks a tier's prefix by listing it without its slash.
    assert listing["Condition"]["StringLike"]["s3:prefix"] == ["openlakes", "openlakes/*"]


@pytest.mark.parametrize("noncurrent", [False, True])
def test_lifecycle_rule(noncurrent):
    tiering = dict(SPEC["tiering"], noncurrent=noncurrent)
    doc = ms.lifecycle(tiering)
    (rule,) = doc["Rules"]
    assert rule["Transition"] == {"Days": 30, "StorageClass": "COLD"} and rule["Status"] == "Enabled"
    assert ("NoncurrentVersionTransition" in rule) is noncurrent
    assert rule["ID"].startswith("openlakes-tier-")
    assert _heredoc(ms.script(spec(tiering=tiering)), "lifecycle-openlakes.json") == doc


def test_the_rule_id_changes_with_the_rule():
    ids = {ms.lifecycle(dict(SPEC["tiering"], transition_days=d, noncurrent=n))["Rules"][0]["ID"]
           for d in (7, 30) for n in (False, True)}
    assert len(ids) == 4
    assert ms.lifecycle(SPEC["tiering"]) == ms.lifecycle(copy.deepcopy(SPEC["tiering"]))


def test_without_tiering_only_this_scripts_rules_are_removed():
    text = ms.script(spec(cold=None, tiering=None))
    assert "ilm tier" not in text and "ilm rule import" not in text
    assert "grep -o '\"ID\":\"openlakes-tier-[0-9a-f]*\"'" in text
    assert "rm --all" not in text


@pytest.mark.parametrize("change, message", [
    ({"buckets": [{"name": "openlakes; rm -rf /", "prefixes": []}]}, "buckets[0].name"),
    ({"buckets": [{"name": "openlakes", "prefixes": ["$(reboot)/"]}]}, "buckets[0].prefixes[0]"),
    ({"hot": {"alias": "hot", "endpoint": "http://minio:9000/`id`", "credentials_dir": "/secrets/minio"}}, "hot.endpoint"),
    ({"users": [dict(SPEC["users"][0], credentials_dir="../secrets")]}, "users[0].credentials_dir"),
    ({"cold": None}, "tiering needs the cold MinIO"),
    ({"tiering": dict(SPEC["tiering"], tier="cold")}, "tiering.tier"),
    ({"tiering": dict(SPEC["tiering"], bucket="elsewhere")}, "is not one of the buckets"),
    ({"tiering": dict(SPEC["tiering"], transition_days="30")}, "transition_days"),
])
def test_unsafe_or_inconsistent_specs_are_refused(change, message):
    with pytest.raises(ms.SpecError, match=re.escape(message)):
        ms.script(spec(**change))


def test_every_failure_names_its_step():
    text = ms.script(spec())
    assert 'fail() { echo "openlakes-minio-setup: FAILED at step $step: $*" >&2; exit 1; }' in text
    # every mc call whose failure matters goes through must/fail (m alone only where a failure is a state)
    for line in lines_of(text):
        if re.match(r"^mc ", line):
            pytest.fail(f"unchecked mc call: {line}")
