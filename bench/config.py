"""Validation time of core-config.yaml. Prints figures.

    .venv/bin/python bench/config.py

- every example configuration (target: under a second);
- a 10 MB file of legitimate chart values, as YAML data and as one embedded string (an exported
  dashboard), in seconds per MB (target: well under 1 s/MB);
- an alias bomb ("billion laughs": 10^9 nodes once expanded) in a values map (target: refused fast,
  with its location, in bounded time and memory).
The large files and the bomb run in a child process each, with a time limit and a memory cap, so
that a loader that hangs or blows up is reported instead of taking the machine with it.
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / ".build" / "collections"))
from ansible_collections.openlakes.core.plugins.module_utils import _config  # noqa: E402

SINGLE = REPO / "inventories" / "single-node" / "core-config.yaml"
TIME_LIMIT = 120          # seconds per child
MEMORY_LIMIT = 4 * 2**30  # address space per child


def _hosts(example: Path) -> list:
    inv = yaml.safe_load((example.parent / "hosts.yml").read_text())
    return list((inv["all"].get("children", {}).get("openlakes", {}) or {}).get("hosts", {}))


def _panel(i: int) -> dict:
    return {"id": i, "title": f"Panel {i}", "type": "timeseries", "gridPos": {"h": 8, "w": 12, "x": 0, "y": i},
            "targets": [{"expr": f'rate(http_requests_total{{job="svc{i}"}}[5m])', "refId": "A",
                         "legendFormat": "{{instance}}"}],
            "fieldConfig": {"defaults": {"unit": "short", "thresholds": {"steps": [
                {"color": "green", "value": None}, {"color": "red", "value": 80}]}}}}


def large_text(kind: str, megabytes: float = 10.0) -> str:
    """The single-node example with `megabytes` of values for MinIO: YAML data or one string."""
    base = SINGLE.read_text() + "\ncomponents:\n  minio:\n    values:\n"
    if kind == "yaml":
        def body_of(count):
            return yaml.dump({"dashboard": {"panels": [_panel(i) for i in range(count)]}}, Dumper=yaml.CSafeDumper)
        sample = body_of(1000)
        size_of_one = (len(sample) + 6 * sample.count("\n")) / 1000   # with the indentation added below
        body = body_of(int(megabytes * 1e6 / size_of_one))
    else:
        dashboard = json.dumps({"panels": [_panel(i) for i in range(int(megabytes * 1200))]}, indent=1)
        body = "dashboard_json: |\n" + "".join(f"  {line}\n" for line in dashboard.splitlines())
    return base + "".join(f"      {line}\n" for line in body.splitlines())


def bomb_text(levels: int = 9) -> str:
    """Billion laughs in a values map: 10 ** levels nodes once expanded."""
    lines = ["      l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"      l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, levels)]
    return SINGLE.read_text() + "\ncomponents:\n  minio:\n    values:\n" + "\n".join(lines) + "\n"


def _peak_mib() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would count the parent's, kept across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(path: str) -> None:
    """Loads the file at `path` as core-config.yaml bytes; prints wall and CPU time and peak memory."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    data = Path(path).read_bytes()
    before = _peak_mib()
    start, cpu = time.perf_counter(), time.process_time()
    result = _config.load(str(SINGLE), _hosts(SINGLE), text=data, check_files=False)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = _peak_mib()
    print(json.dumps({"seconds": seconds, "cpu": cpu, "mb": len(data) / 1e6, "problems": len(result.problems),
                      "first": result.problems[0].render()[:160] if result.problems else "",
                      "rss_before": before, "rss_peak": peak}))


def _measure(kind: str) -> dict:
    text = bomb_text() if kind == "bomb" else large_text(kind)
    with tempfile.NamedTemporaryFile("wb", suffix=".yaml", delete=False) as fh:
        fh.write(text.encode())
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, __file__, "--child", fh.name], capture_output=True, text=True,
                              timeout=TIME_LIMIT, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {TIME_LIMIT} s (killed)"}
    finally:
        os.unlink(fh.name)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"failed after {time.perf_counter() - start:.1f} s (rc={proc.returncode}, memory cap "
                         f"{MEMORY_LIMIT // 2**30} GiB): {last[:120]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(rounds: int = 20) -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times grow with it; CPU times less)")
    for example in sorted((REPO / "inventories").glob("*/core-config.yaml")):
        hosts, times = _hosts(example), []
        for _round in range(rounds):
            start = time.perf_counter()
            result = _config.load(str(example), hosts, check_files=False)
            times.append((time.perf_counter() - start) * 1000)
        print(f"{example.parent.name:14s} median {statistics.median(times):6.1f} ms  max {max(times):6.1f} ms  "
              f"problems {len(result.problems)}  (target < 1000 ms)")
    for kind, label in (("yaml", "10 MB of values as YAML data"), ("string", "10 MB of values as one string")):
        m = _measure(kind)
        if "error" in m:
            print(f"{label}: {m['error']}")
            continue
        print(f"{label}: {m['mb']:.1f} MB in {m['seconds']:.2f} s = {m['seconds'] / m['mb']:.3f} s/MB (CPU "
              f"{m['cpu'] / m['mb']:.3f} s/MB), peak RSS {m['rss_peak']:.0f} MiB ({m['rss_before']:.0f} MiB before "
              f"loading), problems {m['problems']}  (target well under 1 s/MB)")
    m = _measure("bomb")
    if "error" in m:
        print(f"alias bomb (10^9 nodes expanded): {m['error']}")
    else:
        print(f"alias bomb (10^9 nodes expanded): {m['seconds'] * 1000:.1f} ms (CPU {m['cpu'] * 1000:.1f} ms), "
              f"peak RSS {m['rss_peak']:.0f} MiB "
              f"({m['rss_before']:.0f} MiB before loading), problems {m['problems']}: {m['first']}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2])
    else:
        main()
