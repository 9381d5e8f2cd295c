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


class InProcessAction(ActionBase):
    """An action whose module's whole work is API calls from the controller: on a connection-local task,
    `in_process(params, check_mode)` does it here, in the controller's process, without shipping and starting
    `MODULE`; it returns None to let the module do the job (a change it leaves to the module, any doubt). A task
    elsewhere (delegated, a remote controller), arguments the module would refuse, or a controller without the
    kubernetes client run the module as usual, which reports in its own words."""

    MODULE = ""
    SPEC: dict = {}

    def in_process(self, params: dict, check_mode: bool) -> dict | None:
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

        from ansible_collections.openlakes.core.plugins.module_utils import _k8s

        result = super().run(tmp, task_vars)
        done = None
        if getattr(self._connection, "transport", "") == "local" and _k8s.HAS_KUBERNETES:
            checked = ArgumentSpecValidator(self.SPEC).validate(dict(self._task.args))
            if not checked.error_messages:
                done = self.in_process(checked.validated_parameters, bool(self._task.check_mode))
        if done is None:
            done = self._execute_module(module_name=self.MODULE, module_args=self._task.args, task_vars=task_vars)
        result.update(done)
        return result
