# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.airgap_check: runs on the controller only, where the chart mirror is read."""
from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.openlakes.core.plugins.module_utils import _airgap

SPEC = {
    "plan": {"type": "dict", "required": True},
    "chart_mirror": {"type": "str", "required": True},
    "helm_binary": {"type": "path", "default": "helm"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars or {})
        _validation, args = self.validate_argument_spec(argument_spec=SPEC)
        return {**result, "changed": False,
                **_airgap.check_rows(args["plan"], args["chart_mirror"], helm=args["helm_binary"])}
