# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.airgap_check: runs on the controller only, where the chart mirror is read."""
from __future__ import annotations

from ansible_collections.openlakes.core.plugins.module_utils import _airgap
from ansible_collections.openlakes.core.plugins.plugin_utils._controller import ControllerAction


class ActionModule(ControllerAction):
    SPEC = {
        "plan": {"type": "dict", "required": True},
        "chart_mirror": {"type": "str", "required": True},
        "helm_binary": {"type": "path", "default": "helm"},
    }

    def act(self, args, check_mode):
        return {"changed": False, **_airgap.check_rows(args["plan"], args["chart_mirror"], helm=args["helm_binary"])}
