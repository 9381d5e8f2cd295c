"""The three-host example (inventories/ha-three-node): what the collection generates for it, rendered and
checked without servers (the servers run for the lab's configuration): MinIO 3 x 4 drives as the chart's
command, a versioned main bucket tiered with its noncurrent versions, the setup Job's chart and script."""
from __future__ import annotations

import subprocess

import adapter
import servers


def test_ha_three_node_generates_a_consistent_setup(bins, tmp_path):
    gen = adapter.generate("ha-three-node")
    values = gen.releases["minio"]["values"]
    args = adapter.minio_server(values, "minio", gen.namespace, "/d")
    assert args[:2] == ["server", "http://minio-{0...2}.minio-svc.openlakes.svc.cluster.local/d/export-{0...3}"]
    assert gen.spec["buckets"][0] == {"name": "openlakes", "versioning": True,
                                      # the layout, then every prefix a consumer is granted
                                      "prefixes": ["raw/", "warehouse/", "spark-history/", "checkpoints/",
                                                   "trino-metastore/", "airflow-logs/"]}
    assert gen.spec["tiering"]["noncurrent"] is True and gen.spec["cold"]["bucket"] == "openlakes-cold"
    assert [u["name"] for u in gen.spec["users"]] == ["nessie", "spark", "trino", "airflow"]
    script = tmp_path / "setup.sh"
    script.write_text(gen.setup_values["script"])
    assert subprocess.run(["sh", "-n", str(script)], check=False).returncode == 0
    assert "versioning_on hot openlakes\n" in gen.setup_values["script"]
    tier = servers.Tier(gen, None, bins)
    rendered = servers.render_setup_chart(tier, workdir=tmp_path)
    mounts = {m["mountPath"] for m in rendered["Job"]["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]}
    assert {"/secrets/minio", "/secrets/nessie", "/secrets/spark", "/secrets/trino", "/config", "/tmp/mc"} <= mounts
    assert rendered["ConfigMap"]["data"]["setup.sh"] == gen.setup_values["script"]
