# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  kubeconfig:
    description: Path of the kubeconfig on the controller. The usual lookup (C(KUBECONFIG), C(~/.kube/config)) when unset.
    type: path
  context:
    description: Context in the kubeconfig; the current context when empty.
    type: str
    default: ""
requirements:
  - kubernetes (Python client) on the controller
"""
