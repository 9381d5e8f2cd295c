"""Layer 01's data path for the lab's core-config.yaml, hop by hop, each against real servers fed what
the collection generates: PostgreSQL with CloudNativePG's roles and databases; MinIO hot (one pod per
MinIO host, each drive a file system of its own) and cold; the collection's MinIO setup Job run as
the kubelet runs it, twice; a lifecycle transition to the cold tier; Nessie's MinIO user held to its
policy; Nessie on PostgreSQL and MinIO; an Iceberg REST client creating a table through Nessie."""
from __future__ import annotations

import datetime
import json
import subprocess

import pytest

import servers


def test_postgresql_plays_cloudnativepg(lab):
    gen = lab.gen
    values = gen.releases["postgresql"]["values"]
    with lab.hop("postgresql: server up", config={"cluster.superuserSecret": values["cluster"]["superuserSecret"]},
                 logs=(lab.cluster.log("postgresql"),)):
        pod = servers.postgresql(lab)
    with lab.hop("postgresql: roles and databases from the cluster chart's values",
                 config={"cluster.roles": values["cluster"]["roles"], "cluster.initdb": values["cluster"]["initdb"],
                         "databases": values["databases"]},
                 logs=(lab.cluster.log("postgresql"),)):
        roles = servers.postgresql_operator(lab, pod)
    assert roles[0] == "nessie" and {"apicurio", "trino"} <= set(roles)
    nessie_secret = values["cluster"]["roles"][0]["passwordSecret"]["name"]
    with lab.hop("postgresql: nessie logs in through postgresql-rw:5432", logs=(lab.cluster.log("postgresql"),)):
        who = servers.psql_as(lab, "nessie", lab.secret(nessie_secret, "password"), "nessie",
                              "select current_user || '@' || current_database()")
    assert who == "nessie@nessie"


def test_minio_hot_and_cold_form(lab):
    gen = lab.gen
    for release in ("minio-cold", "minio"):
        values = gen.releases[release]["values"]
        shown = {k: values[k] for k in ("mode", "replicas", "drivesPerNode", "existingSecret") if k in values}
        with lab.hop(f"{release}: servers up and healthy", config=shown,
                     logs=tuple(lab.cluster.log(n) for n in ([release] if values["mode"] == "standalone"
                                                             else [f"{release}-{i}" for i in range(int(values["replicas"]))]))):
            servers.minio(lab, release)
            servers.minio_ready(lab, release)
    values = gen.releases["minio"]["values"]
    nodes, drives = int(values["replicas"]), int(values["drivesPerNode"])
    deadline = servers.time.monotonic() + 30
    while True:  # health needs write quorum only; every pod and drive joins shortly after
        info = json.loads(lab.mc("admin", "info", "minio", "--json", env=lab.root_env()).stdout)["info"]
        online = [s["endpoint"] for s in info["servers"] if s.get("state") == "online"]
        ok = [d["endpoint"] for s in info["servers"] for d in s.get("drives", []) if d.get("state") == "ok"]
        if (len(online), len(ok)) == (nodes, nodes * drives) or servers.time.monotonic() > deadline:
            break
        servers.time.sleep(1)
    assert (len(online), len(ok)) == (nodes, nodes * drives), info
    lab.notes.append(f"hot MinIO: {nodes} pods x {drives} drives online, one erasure set over the pods' in-cluster names: "
                     + ", ".join(sorted(online)))


SETUP = {}


def _setup_run(lab, run: str, audit: bool = False):
    with lab.hop(f"minio-setup Job: {run} run", config=lab.gen.setup_values["script"],
                 logs=(lab.cluster.log("minio-0"), lab.cluster.log("minio-cold"))):
        if "rendered" not in SETUP:
            SETUP["rendered"] = servers.render_setup_chart(lab)
        proc = servers.run_setup_job(lab, SETUP["rendered"], run, audit=audit)
        SETUP[run] = proc
        if proc.returncode != 0:
            raise servers.HopFailed(f"the Job's container exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return proc


def _state(lab) -> dict:
    env = lab.root_env()
    env.update(lab.root_env("minio-cold"))
    out = {}
    for args in (("ls", "--versions", "-r", "minio/openlakes"), ("ls", "--versions", "-r", "minio/openlakes-notebooks"),
                 ("version", "info", "minio/openlakes", "--json"), ("version", "info", "minio/openlakes-notebooks", "--json"),
                 ("version", "info", "minio_cold/openlakes-cold", "--json"), ("ilm", "rule", "ls", "minio/openlakes", "--json"),
                 ("ilm", "tier", "ls", "minio", "--json"), ("admin", "user", "ls", "minio", "--json"),
                 ("admin", "policy", "ls", "minio", "--json"), ("admin", "user", "ls", "minio_cold", "--json")):
        proc = lab.mc(*args, env=env, check=False)
        out[" ".join(args)] = "\n".join(sorted(line for line in proc.stdout.splitlines() if '"updatedAt"' not in line))
    return out


def test_setup_job_first_run_creates_everything(lab):
    lab.require("minio: servers up and healthy", "minio-cold: servers up and healthy")
    proc = _setup_run(lab, "first", audit=True)
    print(proc.stdout)
    assert "FAILED" not in proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith("change(s)") and " 0 change(s)" not in proc.stdout
    env = {**lab.root_env(), **lab.root_env("minio-cold")}
    check = lab.mc("ilm", "tier", "check", "minio", "COLD", env=env)
    assert "successful" in check.stdout
    rules = lab.mc("ilm", "rule", "ls", "minio/openlakes", "--json", env=env).stdout
    assert '"StorageClass":"COLD","Days":30' in rules.replace(" ", "") or '"Days":30' in rules
    versions = {b: lab.mc("version", "info", f"{b}", "--json", env=env).stdout
                for b in ("minio/openlakes", "minio/openlakes-notebooks", "minio_cold/openlakes-cold")}
    assert '"status":""' in versions["minio/openlakes"]            # versioning: false stays never enabled
    assert '"status":"Enabled"' in versions["minio/openlakes-notebooks"]
    assert '"status":""' in versions["minio_cold/openlakes-cold"]   # the tier target is never suspended
    for prefix in ("raw/", "warehouse/", "spark-history/"):
        lab.mc("stat", f"minio/openlakes/{prefix}.keep", env=env)
    SETUP["state-after-first"] = _state(lab)
    lab.notes.append("setup Job, first run: " + proc.stdout.strip().splitlines()[-1])


def test_no_credential_reached_a_command_line(lab):
    lab.require("minio-setup Job: first run")
    job = SETUP["rendered"]["Job"]["metadata"]["name"]
    argv = (lab.cluster.root / "jobs" / f"{job}-first" / "audit" / "argv").read_text()
    calls = argv.count("--\n")
    leaked = [v for v in lab.gen.secret_values() if v in argv]
    assert calls > 20 and not leaked, f"{len(leaked)} credential value(s) on mc's command line"
    # The tier user's key, generated by the script for `mc ilm tier add` (which takes keys only as flags).
    assert argv.count("--secret-key\n") == 1
    lab.notes.append(f"argv audit: {calls} mc calls, no Secret value among their arguments "
                     "(one --secret-key: the tier user's key the script made for mc ilm tier add)")


def test_setup_job_second_run_changes_nothing(lab):
    lab.require("minio-setup Job: first run")
    proc = _setup_run(lab, "second")
    print(proc.stdout)
    assert proc.stdout.rstrip().endswith("done: 0 change(s)")
    assert "changed:" not in proc.stdout
    assert _state(lab) == SETUP["state-after-first"]
    lab.notes.append("setup Job, second run: " + proc.stdout.strip().splitlines()[-1] + "; bucket, version, rule, tier, "
                     "user and policy listings identical before and after")


def test_an_object_older_than_the_rule_moves_to_the_cold_tier(lab):
    """The real rule (30 days): the object is backdated with MinIO's own replication header for a source
    modification time, which MinIO honours on any PUT; MinIO then evaluates the rule (its PUT-time check
    and its scanner) and moves the object to the tier. A fresh object stays hot."""
    lab.require("minio-setup Job: second run")
    env = {**lab.root_env(), **lab.root_env("minio-cold")}
    sec = lab.gen.releases["minio"]["values"]["existingSecret"]
    days = lab.gen.config["storage"]["tiering"]["cold_after_days"]
    old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days + 1)).strftime("%Y-%m-%dT%H:%M:%S.000000000Z")
    body = lab.cluster.root / "object.txt"
    body.write_text("an old raw file\n")
    with lab.hop(f"minio: an object {days + 1} days old is transitioned to COLD", config=lab.gen.spec["tiering"],
                 logs=(lab.cluster.log("minio-0"), lab.cluster.log("minio-cold"))):
        put = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4", "aws:amz:us-east-1:s3",
                              "--user", f"{lab.secret(sec, 'rootUser')}:{lab.secret(sec, 'rootPassword')}",
                              "-H", f"X-Minio-Source-Mtime: {old}", "-T", str(body),
                              f"http://{lab.svc('minio')}:9000/openlakes/raw/old.txt"], capture_output=True, text=True, check=False)
        if put.stdout != "200":
            raise servers.HopFailed(f"backdated PUT answered {put.stdout} {put.stderr}")
        lab.mc("pipe", "minio/openlakes/raw/new.txt", env=env, stdin="a new raw file\n")
        deadline = servers.time.monotonic() + 90
        while True:
            stat = lab.mc("stat", "minio/openlakes/raw/old.txt", "--json", env=env).stdout
            if '"X-Amz-Storage-Class":"COLD"' in stat:
                break
            if servers.time.monotonic() > deadline:
                raise servers.HopFailed(f"not transitioned after 90 s: {stat}")
            servers.time.sleep(1)
    assert '"lastModified":"' + old[:10] in lab.mc("stat", "minio/openlakes/raw/old.txt", "--json", env=env).stdout
    assert "COLD" not in lab.mc("stat", "minio/openlakes/raw/new.txt", "--json", env=env).stdout
    cold = lab.mc("ls", "-r", "minio_cold/openlakes-cold/openlakes/", env=env).stdout
    assert cold.strip(), "the tiered object's data is in the cold bucket under the tier's prefix"
    assert lab.mc("cat", "minio/openlakes/raw/old.txt", env=env).stdout == "an old raw file\n"  # read back through the hot tier


@pytest.mark.parametrize("args, allowed", [
    (("pipe", "minio/openlakes/warehouse/probe.txt"), True),
    (("ls", "minio/openlakes/warehouse/"), True),
    (("cat", "minio/openlakes/warehouse/probe.txt"), True),
    (("ls", "minio/openlakes-notebooks"), False),
    (("cat", "minio/openlakes-notebooks/shared/.keep"), False),
    (("pipe", "minio/openlakes/spark-history/probe.txt"), False),
    (("cat", "minio/openlakes/raw/.keep"), False),
    (("ls", "minio/openlakes"), False),
])
def test_nessies_minio_user_is_held_to_its_policy(lab, args, allowed):
    lab.require("minio-setup Job: first run")
    lab.assert_policy("openlakes-nessie-credentials", args, allowed)


def test_nessies_minio_user_sees_only_its_bucket(lab):
    """MinIO answers ListBuckets with the buckets a user may reach at all, instead of refusing it."""
    lab.require("minio-setup Job: first run")
    nessie = lab.gen.secrets["openlakes-nessie-credentials"]
    listed = lab.mc("ls", "minio", env=lab.mc_as(nessie["s3-access-key"], nessie["s3-secret-key"])).stdout
    assert "openlakes/" in listed and "openlakes-notebooks" not in listed


NESSIE = {}


def test_nessie_serves_the_iceberg_catalog(lab):
    lab.require("postgresql: roles and databases from the cluster chart's values", "minio-setup Job: first run")
    pod, full, shown, rendered = servers.nessie(lab)
    NESSIE.update(full=full, rendered=rendered)
    logs = (lab.cluster.log(full),)
    with lab.hop("nessie: ready (JDBC2 on postgresql-rw, warehouse on minio)", config=shown, logs=logs):
        servers.nessie_ready(lab, full, rendered["ports"]["management"])
    unknown = sorted({line.split("Unrecognized configuration key", 1)[1].split('"')[1]
                      for line in lab.cluster.log(full).read_text(errors="replace").splitlines()
                      if "Unrecognized configuration key" in line})
    lab.notes.append("Nessie 0.99.0 did not recognise: " + (", ".join(unknown) if unknown else "none of the chart's properties"))
    with lab.hop("nessie: pyiceberg creates namespace and table through /iceberg", config=shown, logs=logs):
        made = servers.iceberg(lab, full, rendered["ports"]["http"], "datapath", "events")
    NESSIE["table"] = made
    assert made["metadata_location"].startswith("s3://openlakes/warehouse/datapath/")
    with lab.hop("minio: Nessie wrote the table's metadata under warehouse/", logs=logs):
        key = made["metadata_location"][len("s3://"):]
        lab.mc("stat", f"minio/{key}", env=lab.root_env())
    lab.notes.append(f"table metadata: {made['metadata_location']}")
