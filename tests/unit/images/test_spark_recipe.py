"""images/spark: the recipe of the collection's Spark image holds together with what the platform deploys and
configures: the image platform/components.yml names, the Spark version of the chart, and every class the
generated configuration names is in a jar the recipe pins."""
from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.openlakes.core.plugins.module_utils import _config

REPO = Path(__file__).resolve().parents[3]
RECIPE = REPO / "images" / "spark"


def _env() -> dict:
    pairs = (line.split("=", 1) for line in (RECIPE / "image.env").read_text().splitlines()
             if line and not line.startswith("#"))
    return dict(pairs)


def _jars() -> dict:
    out = {}
    for line in (RECIPE / "jars.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            coord, sha = line.split()
            group, artifact, version = coord.split(":")
            out[f"{group}:{artifact}"] = version
    return out


def _release(version: str) -> tuple:
    return tuple(int(part) for part in version.split("."))


def test_every_jar_has_a_recorded_sha256():
    for line in (RECIPE / "jars.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            coord, sha = line.split()
            assert len(sha) == 64 and int(sha, 16) >= 0, f"{coord}: no verified sha256 in jars.lock"


def test_the_manifest_names_the_image_the_recipe_builds():
    spark = _config.load_manifest()["components"]["spark"]
    main = next(r for r in spark["releases"] if r.get("main"))
    env = _env()
    assert main["images"] == [f"{env['IMAGE']}:{env['TAG']}"] and main["built_by"] == "images/spark"
    assert env["TAG"].startswith(env["SPARK_VERSION"] + "-") and env["SPARK_VERSION"] in env["BASE"]
    chart = yaml.safe_load((REPO / "charts" / "openlakes-spark" / "Chart.yaml").read_text())
    assert chart["appVersion"] == env["SPARK_VERSION"]


def test_every_jar_is_pinned_for_this_spark_and_scala():
    jars, env = _jars(), _env()
    spark_line = ".".join(env["SPARK_VERSION"].split(".")[:2])
    for name, version in jars.items():
        assert version and "SNAPSHOT" not in version, name
        if "_2." in name:
            assert name.endswith("_2.12"), f"{name}: the base image's Spark is built for Scala 2.12"
        if name.startswith("org.apache.spark:"):
            # Spark's own connectors of its line, never newer than Spark (the registry serves the Kafka ones
            # only up to 3.5.7; jars.lock says so and the data path tier loads them on this Spark).
            assert version.split(".")[:2] == env["SPARK_VERSION"].split(".")[:2], name
            assert _release(version) <= _release(env["SPARK_VERSION"]), name
        if "iceberg-spark-runtime" in name:
            assert f"-{spark_line}_" in name, name
    # What the generated configuration loads by class name (plugins/module_utils/_components/spark.py).
    for needed in ("org.apache.iceberg:iceberg-spark-runtime-3.5_2.12", "org.apache.iceberg:iceberg-aws-bundle",
                   "org.apache.hadoop:hadoop-aws", "com.amazonaws:aws-java-sdk-bundle"):
        assert needed in jars, f"jars.lock lacks {needed}"
