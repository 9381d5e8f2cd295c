# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  timeout:
    description: Seconds to wait at most (for helm too, where helm runs).
    type: int
    default: 600
  grace_seconds:
    description: How long image pull failures, unschedulable pods and NotReady nodes may last before they count as failures.
    type: int
    default: 10
  wait_for_load_balancer:
    description: Also wait for LoadBalancer Services to get an address.
    type: bool
    default: false
"""
