"""Layer 02's data path for the lab's core-config.yaml, on layer 01's servers (test_01_layer01.py): a real
Trino (coordinator and one worker) with the files the Trino chart writes from the collection's values, and
a real Spark driver with the platform's spark-defaults.conf, each as its own MinIO user.

Trino: it starts with exactly these files (a single unknown property stops it); the generated admin
password logs in behind the proxy and a wrong one is refused; SELECT 1 waits past NO_NODES_AVAILABLE; an
Iceberg table through Nessie on MinIO; PostgreSQL's `app` through the read-only role, a write refused; an
external table over a file under raw/, writing there refused; another consumer's prefixes out of reach.
Spark: an Iceberg table in the default catalog, the event log under spark-history/, Trino's table read
and Spark's read by Trino through the one Nessie catalog, a streaming checkpoint under checkpoints/, the
image's Kafka source loads, raw/ read but never written.

The lab runs `server.workers` 2; the tier starts one worker (the second has the same files)."""
from __future__ import annotations

import json
import urllib.request

import pytest

import compute
import servers

NS_TRINO, NS_SPARK, STREAM = "datapath_trino", "datapath_spark", "rate_events"
RAW_DIR = "raw/datapath/events/"
STATE: dict = {}
# Hops later tests need.
SELECT_1 = "trino: SELECT 1 succeeds once the worker is scheduled (pitfall 8)"
LOGIN = "trino: the generated admin password logs in over HTTP with X-Forwarded-Proto: https"
ICEBERG = "trino: an Iceberg table through Nessie, its files on MinIO as Trino's user"
RAW = f"trino: the Hive catalog (file metastore in trino-metastore/) reads an external table over {RAW_DIR}"
SPARK_WRITE = "spark: an Iceberg table in the default catalog through Nessie, as Spark's MinIO user"
SPARK_STREAM = f"spark: a rate stream into an Iceberg table, its checkpoint under checkpoints/{STREAM}"
SPARK_STOP = "spark: stops (the event log is closed)"


def _catalog(lab, connector: str) -> str:
    return next(name for name, text in lab.gen.trino_catalogs.items() if f"connector.name={connector}\n" in text)


def _refused(exc: Exception) -> bool:
    text = str(exc)
    return "Access Denied" in text or "AccessDenied" in text or "403" in text


def test_trino_starts_with_the_files_the_chart_writes(lab):
    lab.require("nessie: ready (JDBC2 on postgresql-rw, warehouse on minio)", "minio-setup Job: first run",
                "postgresql: roles and databases from the cluster chart's values")
    values = lab.gen.releases["trino"]["values"]
    rendered = compute.trino_files(lab)
    # The catalog files are the unit's (trino.catalogs written by trino.properties), and only those.
    assert rendered["catalogs"] == lab.gen.trino_catalogs
    assert rendered["workers"] >= 1 and values["coordinator"]["config"]["nodeScheduler"]["includeCoordinator"] is False
    shown, logs = [], []
    for role in ("coordinator", "worker"):
        _pod, name, files = compute.trino(lab, role)
        shown.append(files)
        logs.append(lab.cluster.log(name))
        STATE.setdefault("trino", []).append(name)
    with lab.hop("trino 476: coordinator and worker start with the chart's files (one unknown property stops it)",
                 config="\n".join(shown), logs=tuple(logs)):
        for name in STATE["trino"]:
            compute.trino_started(lab, name)
    for name in STATE["trino"]:
        warned = compute.config_warnings(lab, name)
        lab.notes.append(f"{name}: configuration warnings: " + ("; ".join(warned) if warned else "none"))
    with lab.hop(SELECT_1, logs=tuple(logs)):
        seen = compute.wait_select_1(compute.trino_admin(lab))
    lab.notes.append("trino: errors before SELECT 1 answered: " + (json.dumps(seen) if seen else "none"))


def test_trino_password_login_behind_the_proxy(lab):
    lab.require(SELECT_1)
    admin = compute.trino_admin(lab)
    logs = (lab.cluster.log(STATE["trino"][0]),)
    with lab.hop(LOGIN, logs=logs):
        assert admin.query("SELECT current_user") == [[admin.headers["X-Trino-User"]]]
    # process-forwarded: Trino answers with the proxy's https:// address, the UI host of the Ingress.
    assert admin.uris and all(u.startswith(f"https://{admin.host}/") for u in admin.uris), admin.uris[:2]
    with lab.hop("trino: a wrong password is refused", logs=logs):
        with pytest.raises(compute.TrinoError) as refused:
            compute.TrinoClient(lab, admin.headers["X-Trino-User"], "not-the-password").query("SELECT 1")
        assert refused.value.status == 401, refused.value
    with lab.hop("trino: over plain HTTP (not through the proxy) neither a password nor a user name alone gets in",
                 logs=logs):
        for client in (compute.trino_admin(lab, forwarded=False), compute.TrinoClient(lab, "admin", None, forwarded=False),
                       compute.TrinoClient(lab, "admin", None)):
            with pytest.raises(compute.TrinoError) as refused:
                client.query("SELECT current_user")
            assert refused.value.status in (401, 403), refused.value
            lab.notes.append(f"trino, {'forwarded' if client.forwarded else 'plain HTTP'}, "
                             f"{'password' if 'Authorization' in client.headers else 'user name alone'}: {refused.value}")


def test_trino_writes_and_reads_iceberg_through_nessie(lab):
    lab.require(LOGIN)
    admin, cat = compute.trino_admin(lab), _catalog(lab, "iceberg")
    with lab.hop(ICEBERG, config=lab.gen.trino_catalogs[cat], logs=(lab.cluster.log(STATE["trino"][0]), lab.cluster.log("nessie"))):
        admin.query(f"CREATE SCHEMA IF NOT EXISTS {cat}.{NS_TRINO}")
        admin.query(f"CREATE TABLE IF NOT EXISTS {cat}.{NS_TRINO}.events (id BIGINT, kind VARCHAR)")
        admin.query(f"INSERT INTO {cat}.{NS_TRINO}.events VALUES (1, 'trino'), (2, 'trino')")
        rows = admin.query(f"SELECT id, kind FROM {cat}.{NS_TRINO}.events ORDER BY id")
        assert rows == [[1, "trino"], [2, "trino"]], rows
    files = lab.mc("ls", "-r", f"minio/openlakes/warehouse/{NS_TRINO}/", env=lab.root_env()).stdout
    assert ".parquet" in files and ".metadata.json" in files, files


def test_trino_reads_postgresql_through_its_read_only_role(lab):
    lab.require(LOGIN)
    admin, cat = compute.trino_admin(lab), _catalog(lab, "postgresql")
    pg = lab.cluster.pods["postgresql-1"]
    database = lab.gen.trino_catalogs[cat].split("connection-url=", 1)[1].split("\n", 1)[0].rsplit("/", 1)[1]
    servers.psql_local(pg, database, "CREATE TABLE public.customers (id integer PRIMARY KEY, name text);"
                                     "INSERT INTO public.customers VALUES (1, 'ada'), (2, 'grace');"
                                     "ALTER TABLE public.customers OWNER TO app;")
    logs = (lab.cluster.log(STATE["trino"][0]), lab.cluster.log("postgresql"))
    with lab.hop(f"trino: {cat} catalog reads {database}.public.customers through postgresql-ro as the read-only role",
                 config=lab.gen.trino_catalogs[cat], logs=logs):
        assert admin.query(f"SELECT id, name FROM {cat}.public.customers ORDER BY id") == [[1, "ada"], [2, "grace"]]
    with lab.hop(f"trino: {cat} catalog cannot write (the role only reads)", logs=logs):
        with pytest.raises(compute.TrinoError) as refused:
            admin.query(f"INSERT INTO {cat}.public.customers VALUES (3, 'mallory')")
        assert "permission denied" in str(refused.value), refused.value
    assert servers.psql_local(pg, database, "SELECT count(*) FROM public.customers") == "2"


def test_trino_reads_files_under_raw_and_cannot_write_there(lab):
    lab.require(LOGIN)
    admin, cat = compute.trino_admin(lab), _catalog(lab, "hive")
    lab.mc("pipe", f"minio/openlakes/{RAW_DIR}part-0.csv", env=lab.root_env(), stdin="1,raw\n2,raw\n")
    logs = (lab.cluster.log(STATE["trino"][0]),)
    with lab.hop(RAW, config=lab.gen.trino_catalogs[cat], logs=logs):
        admin.query(f"CREATE SCHEMA IF NOT EXISTS {cat}.landing")
        admin.query(f"CREATE TABLE IF NOT EXISTS {cat}.landing.events (id VARCHAR, kind VARCHAR) "
                    f"WITH (format = 'CSV', external_location = 's3://openlakes/{RAW_DIR}')")
        assert admin.query(f"SELECT id, kind FROM {cat}.landing.events ORDER BY id") == [["1", "raw"], ["2", "raw"]]
    meta = lab.mc("ls", "-r", "minio/openlakes/trino-metastore/", env=lab.root_env()).stdout
    assert "landing/" in meta, meta
    with lab.hop("trino: nothing is written under raw/ (Trino's MinIO user only reads it)", logs=logs):
        with pytest.raises(compute.TrinoError) as external:
            admin.query(f"INSERT INTO {cat}.landing.events VALUES ('3', 'trino')")
        # A table of its own placed under raw/: MinIO refuses the write.
        admin.query(f"CREATE SCHEMA IF NOT EXISTS {cat}.rawprobe WITH (location = 's3://openlakes/raw/trino-probe/')")
        with pytest.raises(compute.TrinoError) as managed:
            admin.query(f"CREATE TABLE {cat}.rawprobe.t AS SELECT 1 AS x")
        assert _refused(managed.value), managed.value
    lab.notes.append(f"trino raw/: INSERT into the external table refused by Trino ({str(external.value)[:120]}); "
                     f"a table placed under raw/ refused by MinIO ({str(managed.value)[:120]})")
    assert "trino-probe" not in lab.mc("ls", "-r", "minio/openlakes/raw/", env=lab.root_env()).stdout


@pytest.mark.parametrize("args, allowed", [
    (("pipe", "minio/openlakes/trino-metastore/probe.txt"), True),
    (("cat", "minio/openlakes/raw/.keep"), True),
    (("pipe", "minio/openlakes/raw/probe.txt"), False),
    (("pipe", "minio/openlakes/spark-history/probe.txt"), False),
    (("ls", "minio/openlakes/spark-history/"), False),
    (("pipe", "minio/openlakes/checkpoints/probe.txt"), False),
    (("cat", "minio/openlakes-notebooks/shared/.keep"), False),
])
def test_trinos_minio_user_is_held_to_its_policy(lab, args, allowed):
    lab.require("minio-setup Job: first run")
    lab.assert_policy("openlakes-trino-credentials", args, allowed)


def test_trino_cannot_put_a_table_in_another_consumers_prefix(lab):
    """Asked for a table under spark-history/, Trino either fails (MinIO refuses its user) or the catalog puts
    the table elsewhere; either way nothing of Trino's lands under another consumer's prefix."""
    lab.require(ICEBERG)
    admin, cat = compute.trino_admin(lab), _catalog(lab, "iceberg")
    table = f"{cat}.{NS_TRINO}.probe"
    with lab.hop("trino: a table asked for under spark-history/ leaves nothing there", logs=(lab.cluster.log(STATE["trino"][0]),)):
        try:
            admin.query(f"CREATE TABLE {table} WITH (location = 's3://openlakes/spark-history/trino-probe') AS SELECT 1 AS x")
        except compute.TrinoError as exc:
            outcome = f"refused: {str(exc)[:160]}"
        else:
            paths = [row[0] for row in admin.query(f'SELECT "$path" FROM {table}')]
            assert paths and not any("/spark-history/" in path for path in paths), paths
            outcome = f"created elsewhere: {paths[0]}"
            admin.query(f"DROP TABLE {table}")
        listed = lab.mc("ls", "-r", "minio/openlakes/spark-history/", env=lab.root_env()).stdout
        assert "trino-probe" not in listed, listed
    lab.notes.append(f"trino, a table under spark-history/: {outcome}")


def test_spark_runs_on_the_platforms_configuration(lab):
    lab.require(ICEBERG, RAW)
    args = ["--namespace", NS_SPARK, "--trino-table", f"{NS_TRINO}.events", "--stream-name", STREAM,
            "--raw-object", f"s3a://openlakes/{RAW_DIR}part-0.csv", "--raw-target", "s3a://openlakes/raw/spark-probe/"]
    logs = (lab.cluster.log("spark-driver"),)
    with lab.hop(f"spark {compute.spark_version()}: a driver in local[2] with spark-defaults.conf as charts/openlakes-spark "
                 "renders it", logs=logs):
        results, conf, dropped, env = compute.spark_job(lab, args)
        STATE.update(spark=results, conf=conf)
    lab.notes.append(f"spark: left out of the local driver's spark-defaults.conf: {', '.join(line.split()[0] for line in dropped)}; "
                     f"the driver got {', '.join(env)} from the Secret they name")
    assert conf == "".join(f"{k} {v}\n" for k, v in sorted(lab.gen.spark_defaults.items()) if not k.startswith(compute.K8S_ONLY))
    for name, hop in (("session", "spark: session on the configuration (default catalog, event log, checkpoints)"),
                      ("write", SPARK_WRITE),
                      ("read", "spark: reads the table Trino wrote (the same Nessie catalog)"),
                      ("kafka", "spark: the image's Kafka source (spark-sql-kafka 3.5.7) is defined on this Spark"),
                      ("stream", SPARK_STREAM),
                      ("raw-read", "spark: reads a file under raw/"),
                      ("stop", SPARK_STOP)):
        result = results.get(name) or {"ok": False, "error": "not reached (the driver ended before this step)", "seconds": 0}
        with lab.hop(hop, config=conf, logs=logs, seconds=result["seconds"]):
            if not result["ok"]:
                raise servers.HopFailed(f"{result['error']}\n{result.get('trace', '')}")
    assert results["session"]["data"]["defaultCatalog"] == _catalog(lab, "iceberg")
    assert results["write"]["data"]["rows"] == 3 and results["write"]["data"]["location"].startswith("s3://openlakes/warehouse/")
    assert results["read"]["data"]["rows"] == [[1, "trino"], [2, "trino"]]
    assert results["stream"]["data"]["rows"] > 0
    assert results["raw-read"]["data"]["lines"] == ["1,raw", "2,raw"]
    write = results.get("raw-write") or {"ok": False, "error": "not reached", "seconds": 0}
    with lab.hop("spark: writing under raw/ is refused by MinIO", logs=logs, seconds=write["seconds"]):
        assert not write["ok"] and _refused(write["error"]), write
    assert "spark-probe" not in lab.mc("ls", "-r", "minio/openlakes/raw/", env=lab.root_env()).stdout


def test_spark_left_its_event_log_and_checkpoint(lab):
    lab.require(SPARK_STOP, SPARK_STREAM)
    app = STATE["spark"]["session"]["data"]["applicationId"]
    with lab.hop("minio: the event log is under spark-history/, the checkpoint under checkpoints/"):
        logs = lab.mc("ls", "-r", "minio/openlakes/spark-history/", env=lab.root_env()).stdout
        assert app in logs and f"{app}.inprogress" not in logs, logs
        checkpoint = lab.mc("ls", "-r", f"minio/openlakes/checkpoints/{STREAM}/", env=lab.root_env()).stdout
        assert "offsets/" in checkpoint and "commits/" in checkpoint, checkpoint
    lab.notes.append(f"spark event log: spark-history/{app}; checkpoint: checkpoints/{STREAM}/ "
                     f"({checkpoint.count(chr(10))} objects)")


def test_trino_reads_what_spark_wrote_and_nessie_has_both(lab):
    lab.require(SPARK_WRITE)
    admin, cat = compute.trino_admin(lab), _catalog(lab, "iceberg")
    with lab.hop("trino: reads the table Spark wrote", logs=(lab.cluster.log(STATE["trino"][0]),)):
        rows = admin.query(f"SELECT id, kind FROM {cat}.{NS_SPARK}.events ORDER BY id")
        assert rows == [[1, "spark"], [2, "spark"], [3, "spark"]], rows
    nessie = servers.configmap_standin.fullname(lab.gen.releases["nessie"]["values"], "nessie")
    with urllib.request.urlopen(f"http://{lab.svc(nessie)}:19120/api/v2/trees/main/history?fetch=ALL", timeout=10) as r:
        history = json.loads(r.read().decode())["logEntries"]
    keys = {".".join(op["key"]["elements"]) for e in history for op in e.get("operations") or []}
    assert {f"{NS_TRINO}.events", f"{NS_SPARK}.events"} <= keys, sorted(keys)
    lab.notes.append(f"nessie main: {len(history)} commits, among them Trino's {NS_TRINO}.events and Spark's {NS_SPARK}.events")
