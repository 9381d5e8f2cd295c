# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # What the day-2 modules take of openlakes.core.platform_plan's result (_args.PLAN_ARGS).
    DOCUMENTATION = r"""
options:
  nodes:
    description: The plan's C(nodes) (M(openlakes.core.platform_plan)); their names and C(depends_on) give the order.
    type: list
    elements: dict
    required: true
  credentials:
    description: The plan's C(credentials) (each set's C(name), C(component), C(secret), C(keys), C(namespaces)).
    type: list
    elements: dict
    default: []
"""
