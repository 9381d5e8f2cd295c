"""The data path tier: real PostgreSQL, MinIO (hot, distributed, and cold), mc, Nessie and an Iceberg
REST client (layer 01, servers.py), Trino and a Spark driver (layer 02, compute.py), configured from what
the collection generates (adapter.py), each server in a pod of its own (pods.py). Run it with `make datapath`
or `tests/run-all.sh datapath`: pytest then runs inside a network and mount namespace of its own. Every
process is stopped by recorded PID at the end."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import adapter  # noqa: E402
import compute  # noqa: E402
import pods  # noqa: E402
import servers  # noqa: E402

TIERS: dict = {}
STARTED = time.monotonic()


def pytest_collection_modifyitems(items):
    if not pods.in_private_network():
        skip = pytest.mark.skip(reason="the data path tier runs in a network namespace of its own: "
                                       "`make datapath` or `tests/run-all.sh datapath`")
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def bins() -> Path:
    """The tier's binaries (lab/build-datapath.sh: built or fetched once per pinned version)."""
    base = servers.cache_dir()
    p = servers.pins()
    out = base / "bin-links"
    out.mkdir(exist_ok=True)
    helm_version = (adapter.REPO / "lab" / "versions.env").read_text().split("HELM_VERSION=", 1)[1].split()[0]
    for name, path in (("minio", base / f"minio-{p['MINIO_MODULE_VERSION']}" / "minio"),
                       ("mc", base / f"mc-{p['MC_MODULE_VERSION']}" / "mc"), ("helm", base / f"helm-{helm_version}" / "helm")):
        link = out / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(path)
    return out


@pytest.fixture(scope="session")
def cluster():
    root = Path(tempfile.mkdtemp(prefix="openlakes-datapath-"))
    root.chmod(0o755)
    c = pods.Cluster(root, adapter.generate("lab").namespace)
    c.up()
    yield c
    stopped = pods.down()
    print(f"\n[datapath] stopped by recorded PID: {', '.join(stopped)}")
    if os.environ.get("OPENLAKES_DATAPATH_KEEP") != "1":
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def lab(cluster, bins) -> servers.Tier:
    tier = servers.Tier(adapter.generate("lab"), cluster, bins)
    TIERS["lab"] = tier
    return tier


@pytest.fixture(scope="session")
def streaming(cluster, bins) -> servers.Tier:
    """Layer 03 for the single-node example (one broker, as `brokers: auto` gives one host), with the tier's own
    Kafka client (adapter.KAFKA_CLIENT) so that the plan makes a Kafka user for it."""
    tier = servers.Tier(adapter.generate("single-node", kafka_client=True), cluster, bins)
    TIERS["single-node + a Kafka client"] = tier
    return tier


def pytest_terminal_summary(terminalreporter):
    if not TIERS:
        return
    w = terminalreporter.write_line
    p = servers.pins()
    w("")
    w("===== data path tier: versions run vs pinned by the platform")
    w(f"  Nessie      {p['NESSIE_VERSION']} (nessie-quarkus runner, Maven Central; the nearest obtainable) vs {servers.PINNED['nessie']}")
    w(f"  MinIO       github.com/minio/minio@{p['MINIO_MODULE_VERSION']} (the proxy's @latest) vs {servers.PINNED['minio']}")
    w(f"  mc          github.com/minio/mc@{p['MC_MODULE_VERSION']} (the proxy's @latest) vs {servers.PINNED['mc']}")
    w(f"  PostgreSQL  15 (Debian 12) vs {servers.PINNED['postgresql']}")
    w(f"  Kafka       {p['KAFKA_VERSION']} (kafka_2.13 jars, Maven Central) vs {servers.PINNED['kafka']}")
    w(f"  Trino       {p['TRINO_VERSION']} (io.trino:trino-server, Maven Central; the newest obtainable) vs {compute.TRINO_PINNED}")
    w(f"  Spark       pyspark {compute.spark_version()} (PyPI) with the jars of images/spark/jars.lock, Java 17, local[2] "
      "vs the collection's image (images/spark) under the Spark operator")
    for name, tier in TIERS.items():
        w(f"===== data path tier, config {name}: hops")
        for hop in tier.hops:
            w(f"  {'ok  ' if hop.ok else 'FAIL'} {hop.seconds:6.1f}s  {hop.name}" + (f"  ({hop.note})" if hop.note else ""))
        w("  peak RSS per server (process and children, sampled after each hop):")
        total = 0
        for server, kib in sorted(tier.rss.items()):
            total += kib
            limit = tier.limits.get(server)
            extra = f"   (container limit {limit / 2 ** 20:.0f} MiB, given to the JVM as MaxRAM)" if limit else ""
            w(f"    {server:<22} {kib / 1024:7.1f} MiB{extra}")
        w(f"    {'all together':<22} {total / 1024:7.1f} MiB")
        for note in tier.notes:
            w(f"  note: {note}")
    w(f"===== data path tier: {time.monotonic() - STARTED:.1f}s in all")
