"""roles/preflight/templates/checks.json.j2: one row per check, rendered with the facts a host reports."""
from __future__ import annotations

import json
import os
from pathlib import Path

import jinja2

from ansible_collections.openlakes.core.plugins.filter import runtime_pulls_from
from ansible_collections.openlakes.core.plugins.module_utils import _airgap

TEMPLATES = Path(__file__).resolve().parents[4] / "roles" / "preflight" / "templates"
DEFAULTS = {"preflight_min_cpus": 2, "preflight_min_memory_mib": 3800, "preflight_min_disk_gib": 10,
            "preflight_min_root_free_gib": 10, "preflight_supported_os": {"Debian": ["12"]},
            "preflight_required_free_ports": [], "preflight_k3s_ports": [6443]}


def render(devices, registry="", paths=None, host="node-1", chart_mirror=None):
    """`devices`: (name, the node it resolves to) of each disk the host's storage lists; all are empty
    block devices of 20 GiB, as node_prep's one read (host_facts) reports them. `paths`: what the read found
    at the container runtime's files; `chart_mirror`: the controller's chart mirror check."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)))
    env.filters.update({"to_json": json.dumps, "basename": os.path.basename,
                        "openlakes.core.runtime_pulls_from": runtime_pulls_from.runtime_pulls_from})
    disks = [{"device": {"path": name, "real": real, "exists": True, "is_block": True}, "size_bytes": 20 * 2**30,
              "action": "format", "message": ""} for name, real in devices]
    facts = {"distribution": "Debian", "distribution_major_version": "12", "distribution_version": "12.8",
             "processor_vcpus": 4, "memtotal_mb": 8000}
    text = env.get_template("checks.json.j2").render(
        **DEFAULTS, ansible_facts=facts,
        node_prep_host={"disks": disks, "root_free_bytes": 50 * 2**30, "listening_tcp_ports": [], "resolve": {},
                        "paths": paths or {}},
        openlakes_config={"cluster": {"kubernetes": {"source": "existing"}}, "air_gap": {"image_registry": registry}},
        inventory_hostname=host, ansible_play_hosts_all=["node-1", "node-2"],
        preflight_chart_mirror=chart_mirror or {"skipped": True})
    return json.loads(text)


def test_one_disk_under_two_names_fails():
    rows = render([("/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", "/dev/sdb"),
                   ("/dev/disk/by-path/pci-0000:03:00.0-sas-phy0-lun-0", "/dev/sdb"),
                   ("/dev/disk/by-id/wwn-0x5000c500a1b2c3d5", "/dev/sdc")])
    failed = [r for r in rows if not r["ok"]]
    assert [r["summary"] for r in failed] == [
        "device /dev/disk/by-path/pci-0000:03:00.0-sas-phy0-lun-0 (expected a disk given once, found also given as "
        "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4)"]


def test_distinct_disks_pass():
    rows = render([("/dev/disk/by-id/a", "/dev/sdb"), ("/dev/disk/by-id/b", "/dev/sdc")])
    assert all(r["ok"] for r in rows), [r for r in rows if not r["ok"]]


REGISTRY = "registry.internal:5000/mirror"


def test_a_host_whose_runtime_does_not_know_the_mirror_fails_naming_where_it_looked():
    nothing = {p: {"exists": False} for p in _airgap.runtime_files(REGISTRY)}
    failed = [r for r in render([], REGISTRY, nothing) if not r["ok"]]
    assert [r["check"] for r in failed] == ["container runtime pulls from the mirror"]
    assert failed[0]["summary"].startswith("container runtime pulls from the mirror (expected configured for "
                                           "registry.internal:5000, found registry.internal:5000 in none of ")
    assert "/etc/rancher/k3s" in failed[0]["summary"] and "/etc/containerd/certs.d/registry.internal:5000" in failed[0]["summary"]


def test_k3s_registries_yaml_or_a_containerd_hosts_file_configure_the_runtime():
    k3s = {"/etc/rancher/k3s/registries.yaml": {"exists": True, "content": (
        "mirrors:\n  docker.io:\n    endpoint: ['https://registry.internal:5000']\n")}}
    assert all(r["ok"] for r in render([], REGISTRY, k3s))
    other = {"/etc/rancher/k3s/registries.yaml": {"exists": True, "content": "mirrors:\n  docker.io: {endpoint: [https://other:5000]}\n"}}
    assert not all(r["ok"] for r in render([], REGISTRY, other))
    hosts_toml = {"/etc/containerd/certs.d/registry.internal:5000/hosts.toml": {"exists": True, "content": ""}}
    assert all(r["ok"] for r in render([], REGISTRY, hosts_toml))
    crio = {"/etc/containers/registries.conf": {"exists": True, "content": '[[registry]]\nlocation = "registry.internal:5000"\n'}}
    assert all(r["ok"] for r in render([], REGISTRY, crio))
    assert not [r for r in render([]) if "runtime" in r["check"]], "no mirror, no runtime row"


def test_the_chart_mirror_rows_join_the_first_hosts_table_only():
    check = {"checks": [{"check": "chart mirror /srv/charts", "expected": "answers", "found": "answers", "ok": True,
                         "summary": "x"},
                        {"check": "chart nessie 0.108.4", "expected": "in the chart mirror", "found": "no nessie-0.108.4.tgz",
                         "ok": False, "summary": "chart nessie 0.108.4 (expected in the chart mirror, found no nessie-0.108.4.tgz)"}]}
    first = render([], chart_mirror=check)
    assert [r["summary"] for r in first if not r["ok"]] == [
        "chart nessie 0.108.4 (expected in the chart mirror, found no nessie-0.108.4.tgz)"]
    assert all(r["ok"] for r in render([], chart_mirror=check, host="node-2"))
