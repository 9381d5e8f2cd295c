# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.core_config: runs on the controller only."""
from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.openlakes.core.plugins.module_utils import _config

ARGS = {"path", "inventory_hosts", "check_files", "fact_name"}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = self._task.args
        unknown = sorted(set(args) - ARGS)
        if unknown:
            return {**result, "failed": True, "msg": f"unsupported parameters: {', '.join(unknown)}"}
        path = args.get("path") or self._templar.template(task_vars.get("openlakes_core_config_file"))
        if not path:
            return {**result, "failed": True,
                    "msg": "no core-config.yaml given: set the variable openlakes_core_config_file "
                           "(for example in the inventory) or the path option"}
        hosts = args.get("inventory_hosts")
        if hosts is None:
            hosts = task_vars.get("groups", {}).get("all", [])
        loaded = _config.load(path, hosts, check_files=bool(args.get("check_files", True)))
        result["changed"] = False
        result["path"] = path
        if not loaded.ok:
            lines = [p.render(path) for p in loaded.problems]
            result["failed"] = True
            result["problems"] = [{"path": p.dotted, "line": p.line, "message": p.message} for p in loaded.problems]
            result["msg"] = (f"{path} has {len(lines)} problem{'s' if len(lines) != 1 else ''}; nothing was "
                             f"changed on any host:\n" + "\n".join(lines))
            return result
        result["ansible_facts"] = {args.get("fact_name", "openlakes_config"): loaded.config}
        return result
