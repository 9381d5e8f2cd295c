"""plugins/module_utils/_helm.py: argv building (table-driven), fingerprints,
release records and masking."""
from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
import yaml

from ansible_collections.openlakes.core.plugins.module_utils import _helm

CASES = yaml.safe_load((Path(__file__).parent / "helm_argv_cases.yml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_upgrade_argv(case):
    chart = _helm.ChartRef.from_spec(case["chart"], mirror=case.get("mirror", ""))
    helm = _helm.Helm("helm", "/k/config", case.get("context", ""))
    argv = helm.upgrade_argv("nessie", "openlakes", chart, "VALUES", "DESC",
                             create_namespace=case.get("create_namespace", True), timeout_s=600,
                             openapi_validation=case.get("openapi_validation", False),
                             skip_crds=case.get("skip_crds", False))
    assert argv == [str(a) for a in case["argv"]]


def test_fingerprint_ignores_key_order_and_tracks_content(tmp_path):
    chart_dir = tmp_path / "c"
    chart_dir.mkdir()
    (chart_dir / "Chart.yaml").write_text("name: c\nversion: 1.0.0\n")
    chart = _helm.ChartRef("c", "1.0.0", path=str(chart_dir))
    a = _helm.fingerprint(chart, {"x": 1, "y": {"b": 2, "a": 1}}, "ns")
    assert a == _helm.fingerprint(chart, {"y": {"a": 1, "b": 2}, "x": 1}, "ns")
    assert a != _helm.fingerprint(chart, {"x": 2, "y": {"a": 1, "b": 2}}, "ns")
    assert a != _helm.fingerprint(chart, {"x": 1, "y": {"a": 1, "b": 2}}, "other")
    (chart_dir / "values.yaml").write_text("x: 1\n")  # same version, new content: a rebuilt chart
    assert a != _helm.fingerprint(chart, {"x": 1, "y": {"b": 2, "a": 1}}, "ns")


def test_fingerprint_round_trips_through_the_description():
    assert _helm.fingerprint_of(_helm.FINGERPRINT_PREFIX + "sha256:abc") == "sha256:abc"
    assert _helm.fingerprint_of("Upgrade complete") == ""


def test_release_record_is_decoded_from_helms_secret_format():
    rel = {"name": "r", "namespace": "ns", "version": 3, "info": {"status": "deployed", "description": "d"},
           "chart": {"metadata": {"name": "c", "version": "1.2.3"}}, "config": {"a": 1}, "manifest": "---"}
    stored = base64.b64encode(gzip.compress(json.dumps(rel).encode()))   # what helm writes
    secret_data = base64.b64encode(stored).decode()                      # what the API returns in .data
    rec = _helm.record_from_release(_helm.decode_release(secret_data))
    assert (rec.name, rec.revision, rec.status, rec.chart_version, rec.values) == ("r", 3, "deployed", "1.2.3", {"a": 1})


def test_secrets_are_masked_in_values_and_text():
    values = {"auth": {"rootPassword": "s3cr3t-value", "rootUser": "admin"}, "image": {"tag": "1"},
              "tls": {"privateKey": "-----BEGIN KEY-----"}}
    secrets = _helm.secret_strings(values)
    assert "s3cr3t-value" in secrets and "-----BEGIN KEY-----" in secrets and "1" not in secrets
    masked = _helm.mask_values(values, secrets)
    assert masked["auth"]["rootPassword"] == _helm.MASK and masked["image"]["tag"] == "1"
    err = _helm.HelmError(["helm", "upgrade", "--set", "pw=s3cr3t-value"], 1, "bad value s3cr3t-value", secrets)
    assert "s3cr3t-value" not in str(err) and "rc=1" in str(err) and "helm upgrade" in str(err)


def test_a_missing_helm_binary_is_a_sentence_not_a_traceback(tmp_path):
    helm = _helm.Helm(binary=str(tmp_path / "no-helm"))
    with pytest.raises(_helm.HelmError) as err:
        helm.version()
    assert err.value.rc == 127
    assert "cannot run" in str(err.value) and "set helm_binary" in str(err.value) and "openlakes_helm_binary" in str(err.value)


def test_a_collection_chart_is_given_by_path_and_never_mirrored(tmp_path):
    ref = _helm.ChartRef.from_spec({"name": "openlakes-redis", "version": "0.1.0", "path": str(tmp_path)},
                                   mirror="/srv/mirror")
    assert ref.argv() == [str(tmp_path)]
    upstream = _helm.ChartRef.from_spec({"name": "minio", "version": "5.4.0", "repository": "https://charts.min.io/"},
                                        mirror="/srv/mirror")
    assert upstream.argv() == ["/srv/mirror/minio-5.4.0.tgz"]
