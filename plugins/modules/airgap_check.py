#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of openlakes.core.airgap_check; the work is done by its action plugin."""
from __future__ import annotations

DOCUMENTATION = r"""
module: airgap_check
short_description: Check that the chart mirror answers and holds every chart the platform pins
description:
  - Reads I(chart_mirror) once (a directory's files, an http(s) mirror's C(index.yaml), or C(helm show chart) for
    each chart of an C(oci://) registry) and returns one row per pinned chart of the plan (check, expected,
    found, ok), and one row saying whether the mirror answered at all, for preflight's table.
  - Read-only, also outside check mode; never fails on what it finds (preflight fails, listing every row that
    does not pass together with the hosts' own).
version_added: 0.2.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.attributes.controller
  - openlakes.core.helm
  - openlakes.core.airgap
options:
  chart_mirror:
    description: The chart mirror, as C(openlakes_config.derived.chart_mirror) resolves it.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Does the chart mirror hold every pinned chart?
  openlakes.core.airgap_check:
    plan: "{{ plan }}"
    chart_mirror: "{{ openlakes_config.derived.chart_mirror }}"
  register: mirror
"""

RETURN = r"""
checks:
  description: Rows C(check), C(expected), C(found), C(ok), C(summary).
  returned: always
  type: list
  elements: dict
missing:
  description: The pinned charts the mirror does not hold, as C(<name>-<version>).
  returned: always
  type: list
  elements: str
"""
