"""tests/standin-charts/: every stand-in is a thin chart over the one library chart (standin-lib), linked as
charts/standin-lib, and renders its objects through it; no stand-in defines a helper of the library's name. The
rendered objects themselves are checked in the lab tier (tests/integration/lab/test_standins.py)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

STANDINS = Path(__file__).resolve().parents[2] / "standin-charts"
LIBRARY = STANDINS / "standin-lib"
CHARTS = sorted(p.name for p in STANDINS.iterdir() if (p / "Chart.yaml").exists() and p != LIBRARY)


def test_the_library_is_a_library_chart():
    meta = yaml.safe_load((LIBRARY / "Chart.yaml").read_text())
    assert meta["type"] == "library" and meta["name"] == "standin-lib"
    assert len(CHARTS) >= 14


@pytest.mark.parametrize("chart", CHARTS)
def test_each_stand_in_links_the_library_and_renders_through_it(chart):
    link = STANDINS / chart / "charts" / "standin-lib"
    assert link.is_symlink() and os.readlink(link) == "../../standin-lib", f"{chart}: charts/standin-lib is not the link"
    templates = "".join(p.read_text() for p in sorted((STANDINS / chart / "templates").glob("*.yaml")))
    assert 'include "standin.render"' in templates, f"{chart} renders its objects without the library"
    own = set(re.findall(r'define "(standin\.[^"]+)"', templates))
    assert not own, f"{chart} defines {sorted(own)}, which the library owns"
