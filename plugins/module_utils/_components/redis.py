# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redis: the collection's own chart on the official image. Private to this collection."""
from __future__ import annotations

LONGHORN_STORAGE_CLASS = "longhorn"


def redis(u, release: dict) -> dict:
    return {
        "auth": {"existingSecret": u.own_secret(), "passwordKey": "password"},
        "persistence": {"storageClass": LONGHORN_STORAGE_CLASS, "size": str(u.sizing().get("storage", "1Gi"))},
        "resources": u.resources(),
    }


RELEASES = {"redis": redis}
