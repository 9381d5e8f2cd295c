# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.airgap_load: runs on the controller only, where the bundle is."""
from __future__ import annotations

import os

from ansible_collections.openlakes.core.plugins.module_utils import _airgap
from ansible_collections.openlakes.core.plugins.plugin_utils._controller import ControllerAction

PASSWORD_ENV = "OPENLAKES_CHART_MIRROR_PASSWORD"


class ActionModule(ControllerAction):
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

    def act(self, args, check_mode):
        mirror = args["chart_mirror"]
        if mirror and _airgap.mirror_kind(mirror) == "directory":
            mirror = os.path.abspath(os.path.expanduser(mirror))
        user = args["chart_mirror_username"]
        try:
            return _airgap.load_bundle(
                args["bundle"], chart_mirror=mirror, chart_upload=args["chart_upload"],
                auth=(user, os.environ.get(PASSWORD_ENV, "")) if user else None,
                chart_mirror_url=args["chart_mirror_url"], image_registry=args["image_registry"],
                image_tool=args["image_tool"], tls_verify=args["image_tls_verify"], helm=args["helm_binary"],
                check_mode=check_mode)
        except (_airgap.AirGapError, OSError, ValueError) as exc:
            return {"failed": True, "changed": False, "msg": f"loading {args['bundle']}: {exc}"}
