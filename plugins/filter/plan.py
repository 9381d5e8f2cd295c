# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the platform plan's results."""
from __future__ import annotations

DOCUMENTATION = r"""
name: critical_path
short_description: The longest dependency chain of a deploy's node durations
description:
  - Takes the C(releases) rows of one or more M(openlakes.core.release_plan) results (each with C(name), C(type),
    C(depends_on), C(start) and C(end)) and returns the longest chain of durations through their dependencies, in
    seconds, the lower bound of any schedule of the whole graph. A C(require) row (a check of a node deployed by
    another slice) counts only where that node did not run in this deploy.
version_added: 0.2.0
author: OpenLakes maintainers (@openlakes)
positional: _input
options:
  _input:
    description: The rows.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Whole deploy against its critical path
  ansible.builtin.debug:
    msg: "{{ platform_results.values() | map(attribute='releases') | flatten | openlakes.core.critical_path }}"
"""

RETURN = r"""
_value:
  description: Seconds, rounded to milliseconds.
  type: float
"""

from ansible_collections.openlakes.core.plugins.module_utils import _plan


def critical_path(rows) -> float:
    by = {}
    for row in rows:
        if row.get("start") is None or row.get("end") is None:
            continue
        if row["name"] in by and row.get("type") == "require":
            continue
        by[row["name"]] = row
    nodes = [_plan.Node(name, [d for d in row.get("depends_on") or [] if d in by]) for name, row in by.items()]
    return round(_plan.critical_path(nodes, {n: r["end"] - r["start"] for n, r in by.items()}), 3)


class FilterModule:
    def filters(self):
        return {"critical_path": critical_path}
