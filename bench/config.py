"""Validation time of core-config.yaml (target: under a second for a full config). Prints figures.

    .venv/bin/python bench/config.py
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / ".build" / "collections"))
from ansible_collections.openlakes.core.plugins.module_utils import _config  # noqa: E402


def main(rounds: int = 20) -> None:
    for example in sorted((REPO / "inventories").glob("*/core-config.yaml")):
        inv = yaml.safe_load((example.parent / "hosts.yml").read_text())
        hosts = list((inv["all"].get("children", {}).get("openlakes", {}) or {}).get("hosts", {}))
        times = []
        for _round in range(rounds):
            start = time.perf_counter()
            result = _config.load(str(example), hosts, check_files=False)
            times.append((time.perf_counter() - start) * 1000)
        print(f"{example.parent.name:14s} median {statistics.median(times):6.1f} ms  max {max(times):6.1f} ms  "
              f"problems {len(result.problems)}  (target < 1000 ms)")


if __name__ == "__main__":
    main()
