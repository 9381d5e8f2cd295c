# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for openlakes.core.airgap_bundle: runs on the controller only, where the collection's
requirements and source are files and the bundle is written."""
from __future__ import annotations

import os

from ansible_collections.openlakes.core.plugins.module_utils import _airgap, _config
from ansible_collections.openlakes.core.plugins.plugin_utils._controller import ControllerAction


def collection_version() -> str:
    import yaml

    with open(os.path.join(_config.COLLECTION_ROOT, "galaxy.yml"), encoding="utf-8") as fh:
        return str((yaml.safe_load(fh) or {}).get("version", ""))


class ActionModule(ControllerAction):
    SPEC = {
        "plan": {"type": "dict", "required": True},
        "dest": {"type": "path", "required": True},
        "helm_binary": {"type": "path", "default": "helm"},
        "chart_repository": {"type": "str", "default": ""},
        "images": {"type": "str", "default": "auto", "choices": ["auto", "copy", "list"]},
        "image_tool": {"type": "str", "default": "", "choices": ["", "skopeo", "crane"]},
        "python": {"type": "bool", "default": True},
        "collection": {"type": "bool", "default": True},
        "archive": {"type": "bool", "default": False},
    }

    def act(self, args, check_mode):
        try:
            return _airgap.build_bundle(
                args["plan"], args["dest"], helm=args["helm_binary"], chart_repository=args["chart_repository"],
                images_mode=args["images"], image_tool=args["image_tool"], python=args["python"],
                collection=args["collection"], archive=args["archive"], check_mode=check_mode,
                collection_root=_config.COLLECTION_ROOT,
                requirements=os.path.join(_config.COLLECTION_ROOT, "requirements", "controller.txt"),
                version=collection_version())
        except (_airgap.AirGapError, OSError) as exc:
            return {"failed": True, "changed": False, "msg": f"the air-gap bundle {args['dest']}: {exc}"}
