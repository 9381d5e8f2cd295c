"""tests/standin-charts/trino/configmap_standin.py: the stand-in of the Trino chart's configmap templates turns the
collection's values into the files and container settings the chart would (chart 1.42.2's values underneath)."""
from __future__ import annotations

import pytest
import values_configs  # tests/unit/plugins/module_utils (conftest.py)
from ansible_collections.openlakes.core.plugins.module_utils import _platform

standin = values_configs.standin("trino")


def trino_values(name="lab"):
    return values_configs.release_values(name, "trino")


def test_the_lab_values_become_these_files():
    out = standin.render(trino_values())
    assert out["coordinator"]["config.properties"] == (
        "coordinator=true\nnode-scheduler.include-coordinator=false\nhttp-server.http.port=8080\n"
        "query.max-memory=1432MB\nquery.max-memory-per-node=716MB\ndiscovery.uri=http://localhost:8080\n"
        "http-server.authentication.type=PASSWORD\nhttp-server.process-forwarded=true\n"
        "internal-communication.shared-secret=${ENV:TRINO_SHARED_SECRET}\n")
    assert out["worker"]["config.properties"] == (
        "coordinator=false\nhttp-server.http.port=8080\nquery.max-memory=1432MB\nquery.max-memory-per-node=716MB\n"
        "discovery.uri=http://trino:8080\nhttp-server.process-forwarded=true\n"
        "internal-communication.shared-secret=${ENV:TRINO_SHARED_SECRET}\n")
    assert out["coordinator"]["password-authenticator.properties"] == (
        "password-authenticator.name=file\nfile.password-file=/etc/trino/auth/password.db\n")
    assert "password-authenticator.properties" not in out["worker"]
    assert out["coordinator"]["node.properties"] == (
        "node.environment=production\nnode.data-dir=/data/trino\nplugin.dir=/usr/lib/trino/plugin\n")
    jvm = out["worker"]["jvm.config"].splitlines()
    # maxHeapSize null removes the chart's -Xmx8G: the heap is the chart's maxHeapPercent, the share of the
    # container's memory the unit chose (_platform.HEAP_PERCENT).
    assert not any(line.startswith("-Xmx") for line in jvm)
    assert jvm[:2] == ["-server", f"-XX:MaxRAMPercentage={_platform.HEAP_PERCENT}"]
    assert (out["fullname"], out["port"], out["workers"], out["uid"], out["password_secret"]) == (
        "trino", 8080, 2, 1000, "openlakes-trino-credentials")
    assert out["env"][0] == {"name": "TRINO_S3_ACCESS_KEY", "secret": "openlakes-trino-credentials", "key": "s3-access-key"}


def test_one_host_schedules_on_the_coordinator():
    out = standin.render(trino_values("single-node"))
    assert out["workers"] == 0 and "node-scheduler.include-coordinator=true\n" in out["coordinator"]["config.properties"]


def test_the_chart_paths_can_be_a_pods():
    out = standin.render(trino_values(), paths={"etc": "/p/etc", "data": "/p/data", "plugin": "/p/trino/plugin"})
    assert "file.password-file=/p/etc/auth/password.db\n" in out["coordinator"]["password-authenticator.properties"]
    assert "node.data-dir=/p/data\nplugin.dir=/p/trino/plugin\n" in out["worker"]["node.properties"]


def test_a_null_removes_a_chart_default_as_helm_does():
    assert standin.merge({"catalogs": {"tpch": "x", "keep": "y"}}, {"catalogs": {"tpch": None}}) == {"catalogs": {"keep": "y"}}


def test_what_is_not_mirrored_is_refused():
    with pytest.raises(NotImplementedError, match="accessControl"):
        standin.render({**trino_values(), "accessControl": {"type": "configmap"}})
    values = trino_values()
    values["server"] = {**values["server"], "config": {**values["server"]["config"], "https": {"enabled": True}}}
    with pytest.raises(NotImplementedError, match="https"):
        standin.render(values)
