# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the controller-only actions of this collection share. Private to this collection."""
from __future__ import annotations

from ansible.plugins.action import ActionBase


class ControllerAction(ActionBase):
    """An action that runs on the controller only (the task's host is never contacted), its arguments checked
    against `SPEC`; `act(args, check_mode)` returns the result."""

    TRANSFERS_FILES = False
    _requires_connection = False
    SPEC: dict = {}

    def act(self, args: dict, check_mode: bool) -> dict:
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars or {})
        _validation, args = self.validate_argument_spec(argument_spec=self.SPEC)
        return {**result, **self.act(args, bool(self._task.check_mode))}
