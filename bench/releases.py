"""Benchmarks of the release modules on the lab cluster. Prints figures; asserts nothing.

    make bench            (or: python bench/releases.py [--only noop|plan|failure])

1. No-op re-run of 20 releases: openlakes.core.helm_release (20 tasks) and
   openlakes.core.release_plan (1 task) against kubernetes.core.helm (20 tasks),
   on the same cluster in the same run. Target: ours <= 1/5 of theirs.
2. A plan of 20 releases with known readiness delays: wall time divided by
   the critical-path lower bound (the longest dependency chain of delays). Target <= 1.15.
3. Failure detection: seconds from an injected CrashLoopBackOff to the module's
   failure, against `helm upgrade --install --wait --timeout 5m`. Target < 15 s.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lab"))
sys.path.insert(0, str(REPO / ".build" / "collections"))
APP = REPO / "tests" / "fixtures" / "charts" / "app"


def playbook(tasks, path):
    path.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "connection": "local",
                                     "tasks": tasks}], sort_keys=False))


def run_playbook(path, env) -> float:
    start = time.monotonic()
    proc = subprocess.run(["ansible-playbook", str(path)], env=env, capture_output=True, text=True, check=False)
    took = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"playbook {path.name} failed:\n{proc.stdout[-3000:]}")
    recap = [line for line in proc.stdout.splitlines() if line.startswith("localhost")]
    return took, recap[-1] if recap else ""


def bench_noop(kubeconfig, bindir, tmp, env, n=20):
    # kubernetes.core.helm 6.2 cannot drive helm 4 ("unknown flag: --all"), so both sides use helm 3.
    helm = str(bindir / "helm3")
    ours = [{"name": f"ours {i}", "openlakes.core.helm_release": {
        "name": f"ours-{i}", "namespace": "bench-ours", "chart": {"name": "app", "version": "0.1.0", "path": str(APP)},
        "values": {"replicas": 1}, "kubeconfig": kubeconfig, "helm_binary": helm}} for i in range(n)]
    plan = [{"name": "plan", "openlakes.core.release_plan": {
        "kubeconfig": kubeconfig, "helm_binary": helm, "max_workers": 8,
        "releases": [{"name": f"ours-{i}", "namespace": "bench-ours",
                      "chart": {"name": "app", "version": "0.1.0", "path": str(APP)},
                      "values": {"replicas": 1}} for i in range(n)]}}]
    theirs = [{"name": f"theirs {i}", "kubernetes.core.helm": {
        "name": f"theirs-{i}", "release_namespace": "bench-theirs", "chart_ref": str(APP), "create_namespace": True,
        "values": {"replicas": 1}, "kubeconfig": kubeconfig, "binary_path": helm, "wait": True}} for i in range(n)]
    for name, tasks in (("ours", ours), ("plan", plan), ("theirs", theirs)):
        playbook(tasks, tmp / f"{name}.yml")
    run_playbook(tmp / "ours.yml", env)      # first runs install
    run_playbook(tmp / "theirs.yml", env)
    t_ours, r_ours = run_playbook(tmp / "ours.yml", env)
    t_plan, r_plan = run_playbook(tmp / "plan.yml", env)
    t_theirs, r_theirs = run_playbook(tmp / "theirs.yml", env)
    print(f"no-op re-run of {n} releases")
    print(f"  kubernetes.core.helm x{n}:        {t_theirs:6.2f} s   {r_theirs.split(':', 1)[-1].strip()}")
    print(f"  openlakes.core.helm_release x{n}: {t_ours:6.2f} s   {r_ours.split(':', 1)[-1].strip()}")
    print(f"  openlakes.core.release_plan x1:  {t_plan:6.2f} s   {r_plan.split(':', 1)[-1].strip()}")
    print(f"  ratio helm_release/k.c.helm = {t_ours / t_theirs:.3f}; release_plan/k.c.helm = {t_plan / t_theirs:.3f}"
          f" (target <= 0.2)")


def bench_plan(kubeconfig, bindir, cluster):
    from ansible_collections.openlakes.core.plugins.module_utils import _helm, _plan, _release

    # 20 releases in 4 tiers; each tier depends on the whole previous tier; delays in seconds.
    tiers = [[2, 3, 1, 2, 4], [3, 1, 2, 2, 1], [1, 4, 2, 3, 2], [2, 2, 1, 3, 1]]
    nodes, delays = [], {}
    for t, row in enumerate(tiers):
        for i, d in enumerate(row):
            name = f"t{t}-r{i}"
            delays[name] = float(d)
            deps = [f"t{t - 1}-r{j}" for j in range(len(tiers[t - 1]))] if t else []
            spec = _release.Spec(name, "bench-plan", _helm.ChartRef("app", "0.1.0", path=str(APP)),
                                 {"readyDelay": f"{d}s"}, timeout=120)
            nodes.append(_plan.Node(name, deps, spec))

    def work(node):
        res = _release.apply(node.payload, _helm.Helm(str(bindir / "helm"), kubeconfig), cluster)
        return not res.failed, res

    cluster.warm()
    start = time.monotonic()
    out = _plan.run(nodes, work, max_workers=8)
    wall = time.monotonic() - start
    bad = [n for n, o in out.items() if o["outcome"] != "ok"]
    lower = _plan.critical_path(nodes, delays)
    print(f"plan of {len(nodes)} releases in {len(tiers)} dependent tiers (readiness delays {min(delays.values()):.0f}-"
          f"{max(delays.values()):.0f} s)")
    print(f"  wall {wall:.2f} s, critical-path lower bound {lower:.2f} s, ratio {wall / lower:.3f} (target <= 1.15)"
          + (f"; FAILED: {bad}" if bad else ""))


def bench_failure(kubeconfig, bindir, cluster, helm_timeout):
    from ansible_collections.openlakes.core.plugins.module_utils import _helm, _release

    spec = _release.Spec("crash-ours", "bench-fail", _helm.ChartRef("app", "0.1.0", path=str(APP)),
                         {"fault": "CrashLoopBackOff"}, timeout=300)
    start = time.monotonic()
    res = _release.apply(spec, _helm.Helm(str(bindir / "helm"), kubeconfig), cluster)
    ours = time.monotonic() - start
    env = dict(os.environ, KUBECONFIG=kubeconfig)
    start = time.monotonic()
    proc = subprocess.run([str(bindir / "helm"), "upgrade", "--install", "crash-helm", str(APP), "-n", "bench-fail",
                           "--set", "fault=CrashLoopBackOff", "--wait", "--timeout", helm_timeout],
                          env=env, capture_output=True, text=True, check=False)
    theirs = time.monotonic() - start
    print("failure detection (injected CrashLoopBackOff)")
    print(f"  openlakes.core.helm_release: {ours:7.2f} s  -> {res.msg.splitlines()[0][:160]}")
    print(f"  helm upgrade --install --wait --timeout {helm_timeout}: {theirs:7.2f} s  -> rc={proc.returncode} "
          f"{(proc.stderr.strip().splitlines() or [''])[-1][:120]}")
    print(f"  ratio {ours / theirs:.3f} (target: ours < 15 s)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["noop", "plan", "failure"])
    ap.add_argument("--helm-timeout", default="5m")
    args = ap.parse_args()
    from openlakes_lab import cluster, hosts
    from ansible_collections.openlakes.core.plugins.module_utils import _k8s

    data = cluster.up([h.name for h in hosts.default_hosts()], log=lambda m: print(f"[lab] {m}", file=sys.stderr))
    kubeconfig, bindir = str(cluster.kubeconfig_path()), Path(data["bin"])
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), KUBECONFIG=kubeconfig)
    cluster = _k8s.Cluster(kubeconfig)
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "noop"):
            bench_noop(kubeconfig, bindir, Path(tmp), env)
        if args.only in (None, "plan"):
            bench_plan(kubeconfig, bindir, cluster)
        if args.only in (None, "failure"):
            bench_failure(kubeconfig, bindir, cluster, args.helm_timeout)


if __name__ == "__main__":
    main()
