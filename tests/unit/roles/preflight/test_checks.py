"""roles/preflight/templates/checks.json.j2: one row per check, rendered with the facts a host reports."""
from __future__ import annotations

import json
import os
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parents[4] / "roles" / "preflight" / "templates"
DEFAULTS = {"preflight_min_cpus": 2, "preflight_min_memory_mib": 3800, "preflight_min_disk_gib": 10,
            "preflight_min_root_free_gib": 10, "preflight_supported_os": {"Debian": ["12"]},
            "preflight_required_free_ports": [], "preflight_k3s_ports": [6443]}


def render(devices):
    """`devices`: (name, the node it resolves to) of each disk the host's storage lists; all are empty
    block devices of 20 GiB, as node_prep's one read (host_facts) reports them."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)))
    env.filters.update(to_json=json.dumps, basename=os.path.basename)
    disks = [{"device": {"path": name, "real": real, "exists": True, "is_block": True}, "size_bytes": 20 * 2**30,
              "action": "format", "message": ""} for name, real in devices]
    facts = {"distribution": "Debian", "distribution_major_version": "12", "distribution_version": "12.8",
             "processor_vcpus": 4, "memtotal_mb": 8000}
    text = env.get_template("checks.json.j2").render(
        **DEFAULTS, ansible_facts=facts,
        node_prep_host={"disks": disks, "root_free_bytes": 50 * 2**30, "listening_tcp_ports": [], "resolve": {}},
        openlakes_config={"cluster": {"kubernetes": {"source": "existing"}}})
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
