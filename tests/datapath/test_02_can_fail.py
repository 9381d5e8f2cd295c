"""The tier can fail: a deliberately broken generated setting makes its hop fail, and the report names
the hop, shows the generated configuration (credentials masked) and the server's log tail. Runs after
test_01_layer01.py, on the same servers."""
from __future__ import annotations

import copy
import subprocess

import pytest

import compute
import servers


def test_nessie_without_path_style_access_fails_naming_the_hop(lab):
    """Pitfall 7: with the in-cluster host name as endpoint, a missing path-style setting sends the
    S3 client to `<bucket>.minio.<ns>.svc.cluster.local`, which no cluster resolves."""
    lab.require("nessie: ready (JDBC2 on postgresql-rw, warehouse on minio)")
    broken = copy.deepcopy(lab.gen.releases["nessie"]["values"])
    broken["catalog"]["storage"]["s3"]["defaultOptions"]["pathStyleAccess"] = False
    pod, full, shown, rendered = servers.nessie(lab, release="nessie-broken", values=broken)
    logs = (lab.cluster.log(full),)
    name = "nessie-broken (on purpose: pathStyleAccess false): ready and a table created"
    with pytest.raises(servers.HopFailed) as failure:
        with lab.hop(name, config=shown, logs=logs):
            servers.nessie_ready(lab, full, rendered["ports"]["management"], timeout=120)
            servers.iceberg(lab, full, rendered["ports"]["http"], "broken", "events")
    lab.cluster.stop(full)
    report = str(failure.value)
    print(report[:3000])
    assert report.startswith(f"hop FAILED: {name}")
    assert "nessie.catalog.service.s3.default-options.path-style-access=false" in report
    assert "openlakes.minio.openlakes.svc.cluster.local" in report  # the virtual-host name, in the log tail or answer
    for value in lab.gen.secret_values():
        assert value not in report
    lab.hops[-1].note = "failed as it must: " + lab.hops[-1].note
    lab.notes.append(f"failing on purpose: '{name}' failed; report names the hop, shows "
                     "path-style-access=false and the UnknownHost of the virtual-host name")


def test_the_setup_job_with_a_wrong_root_password_fails_naming_the_step(lab):
    lab.require("minio-setup Job: second run")
    rendered = servers.render_setup_chart(lab)
    secret = lab.gen.releases["minio"]["values"]["existingSecret"]
    saved = copy.deepcopy(lab.gen.secrets[secret])
    lab.gen.secrets[secret]["rootPassword"] = "not-the-password-0000"
    try:
        with pytest.raises(servers.HopFailed) as failure:
            with lab.hop("minio-setup Job (on purpose: wrong root password)", config=lab.gen.setup_values["script"][:400]):
                proc = servers.run_setup_job(lab, rendered, "wrong-password")
                if proc.returncode != 0:
                    raise servers.HopFailed(f"the Job's container exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    finally:
        lab.gen.secrets[secret] = saved
    report = str(failure.value)
    print(report[:2000])
    assert "FAILED at step wait for hot: hot refuses the credentials" in report
    assert "not-the-password-0000" not in report  # masked like every generated credential
    lab.hops[-1].note = "failed as it must: " + lab.hops[-1].note


def test_nessies_health_check_needs_what_its_policy_refuses(lab):
    """Nessie 0.99.0's object-store health check is a HeadBucket, which MinIO authorises as s3:ListBucket
    with no prefix; Nessie's policy lists only under `warehouse/`, so the check stays off in its values."""
    lab.require("minio-setup Job: first run")
    nessie = lab.gen.secrets["openlakes-nessie-credentials"]
    head = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-I", "--aws-sigv4", "aws:amz:us-east-1:s3",
                           "--user", f"{nessie['s3-access-key']}:{nessie['s3-secret-key']}",
                           f"http://{lab.svc('minio')}:9000/openlakes"], capture_output=True, text=True, check=False)
    assert head.stdout == "403", "HeadBucket as Nessie's user is refused by its policy"
    assert lab.gen.releases["nessie"]["values"]["catalog"]["iceberg"]["objectStoresHealthCheckEnabled"] is False


def test_trino_with_a_catalog_without_s3_region_fails_naming_the_hop(lab):
    """Pitfall 5: without s3.region the Iceberg catalog does not load, and a catalog that does not load stops
    Trino: the start is the check of every generated property (one unknown property stops it the same way)."""
    lab.require("nessie: ready (JDBC2 on postgresql-rw, warehouse on minio)")
    broken = copy.deepcopy(lab.gen.releases["trino"]["values"])
    cat = next(name for name, text in lab.gen.trino_catalogs.items() if "connector.name=iceberg\n" in text)
    broken["catalogs"][cat] = "".join(line + "\n" for line in broken["catalogs"][cat].splitlines()
                                      if not line.startswith("s3.region="))
    _pod, name, shown = compute.trino(lab, "coordinator", values=broken, release="trino-broken")
    hop = "trino-broken (on purpose: the Iceberg catalog without s3.region): starts"
    with pytest.raises(servers.HopFailed) as failure:
        with lab.hop(hop, config=shown, logs=(lab.cluster.log(name),)):
            compute.trino_started(lab, name, timeout=150)
    lab.cluster.stop(name)
    report = str(failure.value)
    print(report[:3000])
    assert report.startswith(f"hop FAILED: {hop}") and "exited before it started" in report
    assert "s3.region" in report and "s3.region=" not in report.split("--- etc/catalog/" + cat, 1)[1].split("--- ", 1)[0]
    for value in lab.gen.secret_values():
        assert value not in report
    lab.hops[-1].note = "failed as it must: " + lab.hops[-1].note
