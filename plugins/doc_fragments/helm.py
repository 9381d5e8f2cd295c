# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  helm_binary:
    description: The helm executable, v3.17 or later, or v4.
    type: path
    default: helm
requirements:
  - helm 3.17+ or 4.x on the controller
"""
