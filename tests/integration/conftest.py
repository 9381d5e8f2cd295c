"""Lab integration fixtures: the lab cluster is brought up once per test
session (and stopped at the end only if this session started it)."""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE_CHARTS = REPO / "tests" / "fixtures" / "charts"


@pytest.fixture(scope="session")
def lab_cluster():
    from openlakes_lab import cluster, hosts, procs
    from openlakes_lab.state import Record

    rec = Record.load("cluster")
    running = bool(rec.data.get("processes")) and all(procs.alive(p) for p in rec.data["processes"].values())
    data = cluster.up([h.name for h in hosts.default_hosts()], log=print)
    yield {"kubeconfig": str(cluster.kubeconfig_path()), "bin": Path(data["bin"]), "server": data["server"]}
    if not running and os.environ.get("OPENLAKES_LAB_KEEP") != "1":
        cluster.down(log=print)


@pytest.fixture(scope="session")
def api(lab_cluster):
    from kubernetes import client, config

    return config.new_client_from_config(lab_cluster["kubeconfig"])


@pytest.fixture
def namespace(api):
    """A fresh namespace per test, deleted afterwards."""
    from kubernetes import client

    core = client.CoreV1Api(api)
    name = f"t-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name}})
    yield name
    core.delete_namespace(name)


@pytest.fixture(scope="session")
def helm(lab_cluster):
    def run(*args, check=True, binary="helm"):
        env = dict(os.environ, KUBECONFIG=lab_cluster["kubeconfig"])
        proc = subprocess.run([str(lab_cluster["bin"] / binary), *args], capture_output=True, text=True, check=False, env=env)
        if check and proc.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} failed rc={proc.returncode}: {proc.stderr}")
        return proc
    return run
