# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # Every module of this collection supports check mode and any platform.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: all
"""

    DIFF_NONE = r"""
attributes:
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
"""

    DIFF_FULL = r"""
attributes:
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
"""

    CONTROLLER = r"""
attributes:
  action:
    description: Runs as an action plugin on the controller; the task's host is never contacted.
    support: full
"""
