"""What a site.yml run that changes nothing costs, against a play that only gathers facts.
Prints figures; asserts only that every timed run succeeds and (apart from the fact play) changes nothing.

    make bench                                   (the lab; also runs bench/releases.py)
    python bench/site_noop.py [--runs 5] [--profile]
    python bench/site_noop.py --molecule [--runs 5] [--profile] [--keep]

The lab (inventories/lab/hosts.yml): brings the lab up, converges with one site.yml run, then times
`site.yml` (no-op), `site.yml --check` and a play that only gathers facts on the same hosts, --runs
times each, interleaved, and prints min/median/max and the ratios of the medians (target <= 3).

--molecule: the same three measurements of the host plays only (site.yml --tags preflight,node_prep:
validation, preflight, node preparation and the summary) on the hosts of the molecule scenario
node_prep (molecule create, prepare, converge; destroyed afterwards unless --keep). Those hosts get
their core-config.yaml from the scenario (with a placeholder kubeconfig, which validation wants to
exist) and each other's names in /etc/hosts (preflight checks name resolution).

--profile: one more no-op run with ansible.posix.profile_roles and profile_tasks, printed.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lab"))
SITE = REPO / "playbooks" / "site.yml"
SCENARIO = REPO / "tests" / "molecule" / "node_prep"
FACTS_PLAY = [{"name": "Gather facts only", "hosts": "all", "gather_facts": True, "tasks": []}]
PROFILE = "ansible.posix.profile_roles,ansible.posix.profile_tasks"


def base_env() -> dict:
    """As the Makefile sets it (molecule keeps its scenario state under ANSIBLE_HOME)."""
    return dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"),
                ANSIBLE_HOME=os.environ.get("ANSIBLE_HOME", str(REPO / ".build" / "ansible-home")),
                CONTAINERS_CONF=str(REPO / "lab" / "podman" / "containers.conf"), PYTHONPATH=str(REPO / "lab"))


def recap(out: str) -> dict:
    return {m.group(1): {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
            for m in re.finditer(r"^(\S+)\s+:\s+(ok=.*)$", out, re.M)}


def playbook(argv: list, env: dict, what: str, want_unchanged: bool) -> tuple[float, str]:
    start = time.monotonic()
    proc = subprocess.run(["ansible-playbook", *argv], env=env, cwd=REPO, capture_output=True, text=True,
                          check=False)
    took = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"{what} failed (rc={proc.returncode}):\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}")
    changed = {h: r.get("changed", 0) for h, r in recap(proc.stdout).items()}
    if want_unchanged and any(changed.values()):
        sys.exit(f"{what} changed something, so it is not a no-op: {changed}\n{proc.stdout[-4000:]}")
    return took, proc.stdout


def figures(name: str, times: list) -> str:
    return (f"  {name:34s} min {min(times):6.2f} s   median {statistics.median(times):6.2f} s   "
            f"max {max(times):6.2f} s   ({len(times)} runs)")


def measure(inventory: Path, site_args: list, facts_play: Path, runs: int, env: dict, label: str) -> None:
    kinds = {
        f"{label} (no-op)": (["-i", str(inventory), str(SITE), *site_args], True),
        f"{label} --check": (["-i", str(inventory), str(SITE), *site_args, "--check"], True),
        "fact gathering only": (["-i", str(inventory), str(facts_play)], False),
    }
    # The fact play always gathers, whatever fact cache ansible.cfg configures.
    facts_env = dict(env, ANSIBLE_GATHERING="implicit", ANSIBLE_CACHE_PLUGIN="memory")
    times: dict = {k: [] for k in kinds}
    for _round in range(runs):
        for name, (argv, noop) in kinds.items():
            took, _out = playbook(argv, facts_env if not noop else env, name, noop)
            times[name].append(took)
    print(f"{label} on {inventory}, {runs} runs each (interleaved)")
    for name, values in times.items():
        print(figures(name, values))
    facts = statistics.median(times["fact gathering only"])
    for name in list(kinds)[:2]:
        med = statistics.median(times[name])
        print(f"  ratio {name} / fact gathering (medians): {med / facts:5.2f}   (min/min: "
              f"{min(times[name]) / min(times['fact gathering only']):5.2f}; target <= 3)")


def profile(inventory: Path, site_args: list, env: dict, label: str) -> None:
    env = dict(env, ANSIBLE_CALLBACKS_ENABLED=PROFILE, PROFILE_TASKS_TASK_OUTPUT_LIMIT="25",
               PROFILE_TASKS_SORT_ORDER="descending")
    took, out = playbook(["-i", str(inventory), str(SITE), *site_args], env, f"{label} (profiled)", True)
    print(f"{label} (no-op) with profile_roles and profile_tasks: {took:.2f} s")
    tail = out[out.rfind("PLAY RECAP"):]
    print("\n".join("  " + line for line in tail.splitlines()[1:] if line.strip() and "*" * 10 not in line))


def lab(args) -> None:
    from openlakes_lab import cluster, hosts

    hosts.up(log=lambda m: print(f"[lab] {m}", file=sys.stderr))
    cluster.up([h.name for h in hosts.default_hosts()], log=lambda m: print(f"[lab] {m}", file=sys.stderr))
    env = dict(base_env(), KUBECONFIG=str(cluster.kubeconfig_path()))
    inventory = REPO / "inventories" / "lab" / "hosts.yml"
    took, _out = playbook(["-i", str(inventory), str(SITE)], env, "site.yml (converging run)", False)
    print(f"converging run of site.yml: {took:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        facts_play = Path(tmp) / "facts.yml"
        facts_play.write_text(yaml.safe_dump(FACTS_PLAY, sort_keys=False))
        measure(inventory, [], facts_play, args.runs, env, "site.yml")
        if args.profile:
            profile(inventory, [], env, "site.yml")


def molecule(args) -> None:
    env = base_env()
    out = subprocess.run([sys.executable, "-m", "openlakes_lab", "molecule-env", str(SCENARIO)], env=env,
                         capture_output=True, text=True, check=True).stdout
    env.update(line.split("=", 1) for line in out.splitlines() if "=" in line)
    hosts = [p["name"] for p in yaml.safe_load((SCENARIO / "molecule.yml").read_text())["platforms"]]
    try:
        for step in ("create", "prepare", "converge"):
            start = time.monotonic()
            proc = subprocess.run(["molecule", step, "-s", SCENARIO.name], cwd=REPO / "tests", env=env,
                                  capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                sys.exit(f"molecule {step} failed:\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}")
            print(f"molecule {step}: {time.monotonic() - start:.1f} s", file=sys.stderr)
        resolve_each_other(hosts, env)
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            config = yaml.safe_load((SCENARIO / "core-config.yaml").read_text())
            config["cluster"]["kubernetes"]["kubeconfig"] = "kubeconfig"
            (tmp / "kubeconfig").write_text("")
            (tmp / "core-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
            inventory = tmp / "hosts.yml"
            inventory.write_text(yaml.safe_dump({"all": {
                "vars": {"ansible_connection": "containers.podman.podman",
                         "openlakes_core_config_file": str(tmp / "core-config.yaml"),
                         "preflight_min_disk_gib": 1},  # the molecule disks are 1 GiB
                "hosts": {h: {} for h in hosts}}}, sort_keys=False))
            facts_play = tmp / "facts.yml"
            facts_play.write_text(yaml.safe_dump(FACTS_PLAY, sort_keys=False))
            site_args = ["--tags", "preflight,node_prep"]
            measure(inventory, site_args, facts_play, args.runs, env, "host plays")
            if args.profile:
                profile(inventory, site_args, env, "host plays")
    finally:
        if not args.keep:
            subprocess.run(["molecule", "destroy", "-s", SCENARIO.name], cwd=REPO / "tests", env=env,
                           capture_output=True, text=True, check=False)
            subprocess.run([sys.executable, "-m", "openlakes_lab", "disks-down", SCENARIO.name], env=env,
                           capture_output=True, text=True, check=False)


def resolve_each_other(hosts: list, env: dict) -> None:
    """Molecule's podman network has no DNS between its containers: add each host to the others' /etc/hosts."""
    addrs = {}
    for host in hosts:
        addrs[host] = subprocess.run(["podman", "inspect", "--format", "{{.NetworkSettings.IPAddress}}", host],
                                     env=env, capture_output=True, text=True, check=True).stdout.strip()
    for host in hosts:
        lines = "# bench/site_noop.py\n" + "".join(f"{addr} {name}\n" for name, addr in addrs.items() if name != host)
        # /etc/hosts is bind-mounted by podman, so it is appended to, not replaced.
        script = f"grep -q '^# bench/site_noop.py$' /etc/hosts || printf '%s' '{lines}' >> /etc/hosts"
        subprocess.run(["podman", "exec", host, "sh", "-c", script], env=env, check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--molecule", action="store_true", help="the host plays only, on molecule's node_prep hosts")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="one more no-op run with profile_roles/profile_tasks")
    ap.add_argument("--keep", action="store_true", help="--molecule: leave the scenario's hosts running")
    args = ap.parse_args()
    (molecule if args.molecule else lab)(args)


if __name__ == "__main__":
    main()
