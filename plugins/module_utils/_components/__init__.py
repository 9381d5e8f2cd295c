# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The components' units: one module per component of platform/components.yml, named after it.
Private to this collection.

Each module defines `RELEASES` (release name -> values builder `f(unit, release) -> dict`) and may define
`objects(unit, build_values) -> list` (object nodes: node labels, Secrets from controller-side files), and, for
layer 08, `monitors(unit)`, `alerts(unit)` and `dashboards(unit)` (its ServiceMonitor or PodMonitor, alerting rules
and Grafana dashboards: _monitoring, rendered only while kube_prometheus_stack is on).
Modules are found by name, so adding a component adds a file here and touches nothing else.
"""
from __future__ import annotations

import importlib
import pkgutil


def _discover() -> dict:
    units = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            units[info.name] = importlib.import_module(f"{__name__}.{info.name}")
    return units


UNITS = _discover()
