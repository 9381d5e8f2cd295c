# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The air-gap modules read what the platform needs from the plan.
    DOCUMENTATION = r"""
options:
  plan:
    description: The platform plan, as M(openlakes.core.platform_plan) returns it (values are not needed).
    type: dict
    required: true
notes:
  - Runs on the controller only; the task's host is never contacted.
"""
