"""The lab's chart mirror: the stand-in charts of tests/standin-charts packaged as
`<name>-<version>.tgz` in .lab/chart-mirror, which the lab's core-config.yaml names as
`air_gap.chart_mirror` (the mechanism an air-gapped user has). A chart is packaged again only
when its source changed, so a release's fingerprint stays the same across `make lab` runs."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import yaml

from .state import REPO, run, state_dir

STANDINS = REPO / "tests" / "standin-charts"


def mirror_dir() -> Path:
    return state_dir() / "chart-mirror"


def source_digest(chart: Path) -> str:
    """Every file of the chart, the library it links in charts/ (a symbolic link) included."""
    h = hashlib.sha256()
    files = [Path(root, name) for root, _dirs, names in os.walk(chart, followlinks=True) for name in names]
    for f in sorted(files):
        h.update(str(f.relative_to(chart)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def standins() -> list:
    """The stand-in charts (each a thin chart over the library chart standin-lib, which is not one)."""
    return sorted(p for p in STANDINS.iterdir() if (p / "Chart.yaml").exists()
                  and yaml.safe_load((p / "Chart.yaml").read_text()).get("type") != "library")


def build_mirror(helm: Path, log=print) -> Path:
    out = mirror_dir()
    out.mkdir(parents=True, exist_ok=True)
    index_file = out / "sources.json"
    index = json.loads(index_file.read_text()) if index_file.exists() else {}
    packaged = 0
    for chart in standins():
        meta = yaml.safe_load((chart / "Chart.yaml").read_text())
        tgz = out / f"{meta['name']}-{meta['version']}.tgz"
        digest = source_digest(chart)
        if tgz.exists() and index.get(tgz.name) == digest:
            continue
        run([str(helm), "package", str(chart), "--destination", str(out)])
        index[tgz.name] = digest
        packaged += 1
    index_file.write_text(json.dumps(index, indent=1, sort_keys=True))
    log(f"chart mirror {out}: {len(index)} stand-in charts ({packaged} packaged now)")
    return out


def link_helm(helm: Path) -> Path:
    """.lab/bin/helm: the helm the lab's inventory gives the playbooks."""
    bindir = state_dir() / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    link = bindir / "helm"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(helm)
    return link
