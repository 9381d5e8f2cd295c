"""openlakes lab control: `python -m openlakes_lab {up,down,status}` (run from lab/)."""
from __future__ import annotations

import argparse
import json
import sys
import time

from . import cluster, hosts
from .state import LabError, Record, state_dir


def _log(msg: str) -> None:
    print(f"[lab] {msg}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="openlakes_lab", description=__doc__)
    ap.add_argument("action", choices=["up", "down", "status", "hosts-up", "hosts-down", "cluster-up", "cluster-down",
                                       "molecule-env", "disks-down"])
    ap.add_argument("names", nargs="*", help="molecule-env: the scenario directory; disks-down: the scenario name")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    try:
        if args.action in ("up", "hosts-up"):
            hosts.up(log=_log)
        if args.action in ("up", "cluster-up"):
            cluster.up([h.name for h in hosts.default_hosts()], log=_log)
        if args.action in ("down", "cluster-down"):
            cluster.down(log=_log)
        if args.action in ("down", "hosts-down"):
            hosts.down(log=_log)
        if args.action == "molecule-env":
            # Everything a molecule scenario's molecule.yml refers to: host images, and loop
            # disks for each platform whose devices come from OPENLAKES_DEVICES_<NAME>.
            import re
            from pathlib import Path
            scenario = Path(args.names[0])
            text = (scenario / "molecule.yml").read_text()
            for release in ("bookworm", "trixie"):
                print(f"OPENLAKES_IMAGE_{release.upper()}={hosts.ensure_image(release, _log)}")
            wanted = re.findall(r"\$\{OPENLAKES_DEVICES_([A-Z0-9_]+)\}", text)
            names = [w.lower().replace("_", "-") for w in wanted]
            if names:
                for host, disks in hosts.disk_set_up(scenario.name, names).items():
                    var = host.upper().replace("-", "_")
                    print(f"OPENLAKES_DEVICES_{var}=[{', '.join(disks.values())}]")
                    print(f"OPENLAKES_LINKS_{var}={','.join(f'{d}={dev}' for d, dev in disks.items())}")
            return 0
        if args.action == "disks-down":
            hosts.disk_set_down(args.names[0])
            return 0
        if args.action == "status":
            print(json.dumps({"state_dir": str(state_dir()), "hosts": Record.load("hosts").data,
                              "cluster": Record.load("cluster").data}, indent=2))
    except LabError as exc:
        _log(f"error: {exc}")
        return 1
    if args.action != "status":
        _log(f"{args.action} done in {time.monotonic() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
