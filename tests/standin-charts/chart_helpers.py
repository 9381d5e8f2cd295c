"""What the stand-ins of charts' templates (tests/standin-charts/<chart>/configmap_standin.py) share with helm
and with the usual chart helpers."""
from __future__ import annotations

import copy


def merge(base: dict, extra: dict) -> dict:
    """helm's merge of user values over the chart's: maps merge, a null removes the key."""
    out = copy.deepcopy(base)
    for key, value in (extra or {}).items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def fullname(values: dict, release: str, chart: str) -> str:
    """The `<chart>.fullname` helper of `helm create`: fullnameOverride, else the release name when it holds the
    chart's name (or nameOverride), else `<release>-<name>`; 63 characters at most."""
    if values.get("fullnameOverride"):
        return values["fullnameOverride"][:63].rstrip("-")
    name = values.get("nameOverride") or chart
    return release[:63].rstrip("-") if name in release else f"{release}-{name}"[:63].rstrip("-")
