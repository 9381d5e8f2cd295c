"""Credential rotation against the real servers (runs last, on test_01's servers): Nessie's credential set rotated by
the rotation's own generator (`_rotation.new_values`), then what the rotation makes the consumer side do. CloudNativePG
sets the role's password from the changed Secret (the tier plays the operator, as test_01 does: ALTER ROLE), and the
collection's MinIO setup Job runs again with the new Secret mounted. The new values work, and PostgreSQL and MinIO
refuse the old ones."""
from __future__ import annotations

import pytest

import servers

from ansible_collections.openlakes.core.plugins.module_utils import _rotation

NESSIE = "openlakes-nessie-credentials"


def test_rotated_credentials_work_and_the_old_ones_are_refused(lab):
    lab.require("postgresql: nessie logs in through postgresql-rw:5432", "minio-setup Job: first run")
    old = dict(lab.gen.secrets[NESSIE])
    new = _rotation.new_values(lab.gen.key_specs[NESSIE], old)
    assert sorted(new) == ["password", "s3-secret-key"] and all(new[k] != old[k] for k in new)
    lab.gen.secrets[NESSIE].update(new)          # what the rotation writes into the Secret
    pod = lab.cluster.pods[f"{lab.gen.releases['postgresql']['values']['fullnameOverride']}-1"]
    with lab.hop("rotation: CloudNativePG sets nessie's password from the changed Secret", logs=(lab.cluster.log("postgresql"),)):
        assert "nessie" in servers.postgresql_passwords(lab, pod)   # every managed role, as the operator does
    with lab.hop("rotation: the MinIO setup Job runs again with the changed Secret",
                 logs=(lab.cluster.log("minio-0"), lab.cluster.log("minio-cold"))):
        proc = servers.run_setup_job(lab, servers.render_setup_chart(lab), "rotation")
        if proc.returncode != 0:
            raise servers.HopFailed(f"the Job's container exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    with lab.hop("rotation: nessie's new password and secret key work"):
        assert servers.psql_as(lab, "nessie", new["password"], "nessie", "select current_user") == "nessie"
        lab.mc("ls", "minio/openlakes/warehouse/", env=lab.mc_as(old["s3-access-key"], new["s3-secret-key"]))
    with lab.hop("rotation: the old password and secret key are refused"):
        with pytest.raises(servers.HopFailed, match="password authentication failed"):
            servers.psql_as(lab, "nessie", old["password"], "nessie", "select 1")
        denied = lab.mc("ls", "minio/openlakes/warehouse/", env=lab.mc_as(old["s3-access-key"], old["s3-secret-key"]),
                        check=False)
        assert denied.returncode != 0 and ("signature" in denied.stderr.lower() or "Access Denied" in denied.stderr
                                           or "InvalidAccessKeyId" in denied.stderr), denied.stderr
    lab.notes.append("rotation: nessie's PostgreSQL password and MinIO secret key rotated; the new ones log in, "
                     f"PostgreSQL refuses the old password and MinIO the old key ({denied.stderr.strip()[:80]})")
