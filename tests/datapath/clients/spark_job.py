"""A Spark application of the data path tier, run by the driver in local mode (`local[2]`) with the
platform's spark-defaults.conf (SPARK_CONF_DIR) and Spark's MinIO user in AWS_* (what the operator gives
a driver): nothing here names a catalog URI, an endpoint or a key. Each step is recorded in the result
file (JSON: step -> {ok, seconds, data | error}); a failed step does not stop the others, so one run
reports every hop.

Steps: session (the configuration Spark sees), write (an Iceberg table in the default catalog), read
(the table Trino wrote, through the same Nessie catalog), kafka (the Kafka source of the image's
connector is found and defined on this Spark), stream (a rate source into an Iceberg table, with its
checkpoint under the configured root), raw-read and raw-write (files under raw/: read allowed, writing
refused by MinIO), and stop (the event log is closed)."""
import argparse
import json
import time
import traceback

from pyspark.sql import SparkSession

RESULTS = {}


def step(name, out):
    def run(fn):
        start = time.monotonic()
        try:
            RESULTS[name] = {"ok": True, "data": fn()}
        except Exception as exc:  # noqa: BLE001 - each step's failure is its result
            RESULTS[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:4000],
                             "trace": traceback.format_exc()[-3000:]}
        RESULTS[name]["seconds"] = round(time.monotonic() - start, 2)
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(RESULTS, fh, indent=1)
        return fn
    return run


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--namespace", required=True)
    ap.add_argument("--trino-table", required=True)      # namespace.table Trino wrote
    ap.add_argument("--raw-object", required=True)       # s3a:// URL of a file under raw/
    ap.add_argument("--raw-target", required=True)       # s3a:// URL under raw/ to try writing
    ap.add_argument("--stream-name", required=True)
    args = ap.parse_args()
    spark = None

    @step("session", args.out)
    def _session():
        nonlocal spark
        spark = SparkSession.builder.master("local[2]").appName("openlakes-datapath").getOrCreate()
        conf = spark.sparkContext.getConf()
        return {"version": spark.version, "defaultCatalog": conf.get("spark.sql.defaultCatalog"),
                "eventLog": conf.get("spark.eventLog.dir"), "applicationId": spark.sparkContext.applicationId,
                "checkpointRoot": conf.get("spark.sql.streaming.checkpointLocation")}

    if spark is None:
        return 1

    @step("write", args.out)
    def _write():
        spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {args.namespace}")
        spark.sql(f"CREATE TABLE IF NOT EXISTS {args.namespace}.events (id BIGINT, kind STRING) USING iceberg")
        spark.sql(f"INSERT INTO {args.namespace}.events VALUES (1, 'spark'), (2, 'spark'), (3, 'spark')")
        location = [r for r in spark.sql(f"DESCRIBE TABLE EXTENDED {args.namespace}.events").collect()
                    if r[0] == "Location"][0][1]
        return {"rows": spark.sql(f"SELECT count(*) FROM {args.namespace}.events").collect()[0][0], "location": location,
                "catalog": spark.sql("SELECT current_catalog()").collect()[0][0]}

    @step("read", args.out)
    def _read():
        rows = spark.sql(f"SELECT id, kind FROM {args.trino_table} ORDER BY id").collect()
        return {"rows": [[r[0], r[1]] for r in rows]}

    @step("kafka", args.out)
    def _kafka():
        df = (spark.readStream.format("kafka").option("kafka.bootstrap.servers", "kafka-bootstrap:9092")
              .option("subscribe", "datapath-probe").load())
        return {"columns": df.columns, "streaming": df.isStreaming}

    @step("stream", args.out)
    def _stream():
        table = f"{args.namespace}.{args.stream_name}"
        spark.sql(f"CREATE TABLE IF NOT EXISTS {table} (timestamp TIMESTAMP, value BIGINT) USING iceberg")
        query = (spark.readStream.format("rate").option("rowsPerSecond", 5).load().writeStream
                 .queryName(args.stream_name).outputMode("append").trigger(processingTime="2 seconds").toTable(table))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            progress = query.lastProgress
            if progress and progress["batchId"] >= 1 and progress["numInputRows"] > 0:
                break
            if query.exception():
                raise RuntimeError(str(query.exception()))
            time.sleep(1)
        if query.exception():
            raise RuntimeError(str(query.exception()))
        query.stop()
        # stop() interrupts the trigger's sleep; on a loaded machine Spark can then report that interruption as the
        # query's exception. Any other exception after stop() is a real one.
        stopped = query.exception()
        if stopped and "InterruptedException" not in str(stopped):
            raise RuntimeError(str(stopped))
        last = query.lastProgress or {}
        return {"batches": last.get("batchId"), "rows": spark.sql(f"SELECT count(*) FROM {table}").collect()[0][0]}

    @step("raw-read", args.out)
    def _raw_read():
        return {"lines": [r[0] for r in spark.read.text(args.raw_object).collect()]}

    @step("raw-write", args.out)
    def _raw_write():
        spark.createDataFrame([("spark was here",)], ["value"]).write.mode("overwrite").text(args.raw_target)
        return {"written": args.raw_target}

    @step("stop", args.out)
    def _stop():
        app = spark.sparkContext.applicationId
        spark.stop()
        return {"applicationId": app}

    return 0


if __name__ == "__main__":
    raise SystemExit(main())
