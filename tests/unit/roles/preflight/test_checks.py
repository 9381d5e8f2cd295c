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
    """`devices`: (name, inode) of each disk the host's storage lists; all are block devices of 20 GiB."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)))
    env.filters.update(to_json=json.dumps, basename=os.path.basename)
    results = [{"item": {"device": name}, "stat": {"exists": True, "isblk": True, "dev": 6, "inode": inode}}
               for name, inode in devices]
    facts = {"distribution": "Debian", "distribution_major_version": "12", "distribution_version": "12.8",
             "processor_vcpus": 4, "memtotal_mb": 8000}
    text = env.get_template("checks.json.j2").render(
        **DEFAULTS, ansible_facts=facts, _preflight_devices={"results": results},
        _preflight_sizes={"results": [{"stdout": str(20 * 2**30)} for _device in devices]},
        _preflight_root_free={"stdout_lines": ["Avail", str(50 * 2**30)]},
        _preflight_listening={"stdout_lines": []}, _preflight_dns={"results": []},
        openlakes_config={"cluster": {"kubernetes": {"source": "existing"}}})
    return json.loads(text)


def test_one_disk_under_two_names_fails():
    rows = render([("/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", 101), ("/dev/disk/by-path/pci-0000:03:00.0-sas-phy0-lun-0", 101),
                   ("/dev/disk/by-id/wwn-0x5000c500a1b2c3d5", 102)])
    failed = [r for r in rows if not r["ok"]]
    assert [r["summary"] for r in failed] == [
        "device /dev/disk/by-path/pci-0000:03:00.0-sas-phy0-lun-0 (expected a disk given once, found also given as "
        "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4)"]


def test_distinct_disks_pass():
    rows = render([("/dev/disk/by-id/a", 101), ("/dev/disk/by-id/b", 102)])
    assert all(r["ok"] for r in rows), [r for r in rows if not r["ok"]]
