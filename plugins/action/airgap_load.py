# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.airgap_load: runs on the controller only, where the bundle is."""
from __future__ import annotations

import os

from ansible.plugins.action import ActionBase

from ansible_collections.openlakes.core.plugins.module_utils import _airgap

SPEC = {
    "bundle": {"type": "path", "required": True},
    "chart_mirror": {"type": "str", "default": ""},
    "chart_upload": {"type": "str", "default": "chartmuseum", "choices": ["chartmuseum", "put"]},
    "chart_mirror_username": {"type": "str", "default": ""},
    "chart_mirror_url": {"type": "str", "default": ""},
    "image_registry": {"type": "str", "default": ""},
    "image_tool": {"type": "str", "default": "", "choices": ["", "skopeo", "crane"]},
    "image_tls_verify": {"type": "bool", "default": True},
    "helm_binary": {"type": "path", "default": "helm"},
}
PASSWORD_ENV = "OPENLAKES_CHART_MIRROR_PASSWORD"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars or {})
        _validation, args = self.validate_argument_spec(argument_spec=SPEC)
        mirror = args["chart_mirror"]
        if mirror and _airgap.mirror_kind(mirror) == "directory":
            mirror = os.path.abspath(os.path.expanduser(mirror))
        auth = (args["chart_mirror_username"], os.environ.get(PASSWORD_ENV, "")) if args["chart_mirror_username"] else None
        try:
            out = _airgap.load_bundle(
                args["bundle"], chart_mirror=mirror, chart_upload=args["chart_upload"], auth=auth,
                chart_mirror_url=args["chart_mirror_url"], image_registry=args["image_registry"],
                image_tool=args["image_tool"], tls_verify=args["image_tls_verify"], helm=args["helm_binary"],
                check_mode=bool(self._task.check_mode))
        except (_airgap.AirGapError, OSError, ValueError) as exc:
            return {**result, "failed": True, "changed": False, "msg": f"loading {args['bundle']}: {exc}"}
        return {**result, **out}
