"""plugins/module_utils/_bundle.py: which Secret values are scrubbed, that every form of them (raw, base64, each line
of a key) and every credential shape in free text leaves the bundle's text, and that release records lose their
values and manifests."""
from __future__ import annotations

import base64
import json
import tarfile

from ansible_collections.openlakes.core.plugins.module_utils import _bundle, _helm

PASSWORD = "Zq8vR2mXk4LpT9wYc3NbF6hJd1sGa5Ue"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\nVJTUt9Us8cKjMzEfYyjiWA4R4\n-----END PRIVATE KEY-----\n"


def _secrets():
    own = {"openlakes-nessie-credentials": {"username": "fixed:nessie", "password": "password",
                                            "s3-access-key": "fixed:nessie", "s3-secret-key": "password:40"}}
    secrets = [
        {"metadata": {"name": "openlakes-nessie-credentials"}, "type": "Opaque",
         "values": {"username": "nessie", "password": PASSWORD, "s3-access-key": "nessie", "s3-secret-key": "k" * 40}},
        # An operator's Secret: its password and URI go, its host name, port and database stay readable.
        {"metadata": {"name": "postgresql-app"}, "type": "kubernetes.io/basic-auth",
         "values": {"username": "app", "password": "s3cr3t-Pa55", "host": "postgresql-rw", "port": "5432",
                    "uri": "postgresql://app:s3cr3t-Pa55@postgresql-rw.openlakes:5432/app"}},
        {"metadata": {"name": "tls"}, "type": "kubernetes.io/tls", "values": {"tls.key": KEY}},
        {"metadata": {"name": "sh.helm.release.v1.nessie.v1"}, "type": "helm.sh/release.v1", "values": {"release": "x" * 50}},
    ]
    return secrets, own


def test_which_values_are_scrubbed():
    secrets, own = _secrets()
    values, count = _bundle.secret_values(secrets, own)
    assert PASSWORD in values and "k" * 40 in values and "s3cr3t-Pa55" in values and KEY in values
    assert "nessie" not in values and "app" not in values and "postgresql-rw" not in values and "5432" not in values
    assert "x" * 50 not in values     # helm's own release records are not credentials
    assert count == len(values) == 5


def test_every_form_and_shape_leaves_the_text():
    secrets, own = _secrets()
    scrub = _bundle.Scrubber(_bundle.secret_values(secrets, own)[0])
    text = "\n".join([
        f"login with {PASSWORD} failed", base64.b64encode(PASSWORD.encode()).decode(),
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",          # one line of the private key
        "connecting to https://admin:hunter2hunter2@minio.openlakes:9000/",  # a URL password no Secret holds
        "env MINIO_ROOT_PASSWORD=notInAnySecret --db-password=alsoNotKnown HOST=postgresql-rw",
        "token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    ])
    out = scrub.text(text)
    for leaked in (PASSWORD, base64.b64encode(PASSWORD.encode()).decode(), "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
                   "hunter2hunter2", "notInAnySecret", "alsoNotKnown", "ghp_abcdef"):
        assert leaked not in out, leaked
    assert "HOST=postgresql-rw" in out and "https://admin:********@minio.openlakes:9000/" in out
    assert json.loads(scrub.data({"env": [{"name": "DB_PASSWORD", "value": "plainValue1"}]}))["env"][0]["value"] == "********"


def test_release_records_lose_values_and_manifests():
    rec = _helm.Record("nessie", "openlakes", 2, "deployed", description="openlakes.core fingerprint=sha256:ab",
                       chart_name="nessie", chart_version="0.108.4", app_version="0.108.4",
                       values={"password": PASSWORD}, manifest="kind: Secret\nmetadata: {name: s}\nstringData: {p: " + PASSWORD + "}\n",
                       last_deployed="2026-12-01T10:00:00Z")
    out = _bundle.release_summary([rec])
    assert out["objects"] == ["Secret/s"] and out["revisions"][0]["chart"] == "nessie-0.108.4"
    assert PASSWORD not in json.dumps(out)


def test_the_tarball_is_private_and_scrubbed(tmp_path):
    secrets, own = _secrets()
    scrub = _bundle.Scrubber(_bundle.secret_values(secrets, own)[0])
    dest = tmp_path / "openlakes-support-lab-20261201T100000Z.tar.gz"
    sizes = _bundle.write(str(dest), "20261201T100000Z", {"logs/a.log": f"pw {PASSWORD}\n", "x.json": {"p": PASSWORD}}, scrub)
    assert oct(dest.stat().st_mode & 0o777) == "0o600" and set(sizes) == {"logs/a.log", "x.json"}
    with tarfile.open(dest) as tar:
        names = tar.getnames()
        texts = [tar.extractfile(m).read().decode() for m in tar.getmembers()]
    assert names == ["openlakes-support-lab-20261201T100000Z/logs/a.log", "openlakes-support-lab-20261201T100000Z/x.json"]
    assert all(PASSWORD not in t for t in texts) and "********" in texts[0]


def test_core_config_is_redacted_where_a_credential_slipped_in():
    text = "cluster:\n  name: lab\ncomponents:\n  nessie:\n    values:\n      adminPassword: Hunter2Hunter2x\n"
    doc = {"cluster": {"name": "lab"}, "components": {"nessie": {"values": {"adminPassword": "Hunter2Hunter2x"}}}}
    out = _bundle.redact_config_text(text, doc)
    assert "Hunter2Hunter2x" not in out and "name: lab" in out
