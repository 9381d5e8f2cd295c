# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Objects of the platform plan that are not Helm releases (namespaces, node labels and
annotations, Secrets written from controller-side files or ansible-vault), and the check that
a node of another slice is in place. Private to this collection.

An object set is up to date when every field it sets already has that value in the live object
(one read per object); otherwise it is applied with server-side apply (field manager
`openlakes.core`), which leaves every field it does not set alone. `patch_only` sets change
existing objects only (a Node is never created).
"""
from __future__ import annotations

import base64
import time

FIELD_MANAGER = "openlakes.core"


class ObjectError(Exception):
    pass


def contains(live, want) -> bool:
    """Every field of `want` has the same value in `live`."""
    if isinstance(want, dict):
        return isinstance(live, dict) and all(k in live and contains(live[k], v) for k, v in want.items())
    return live == want


def resolve_data(objects: list, data_from: dict, variables: dict) -> list:
    """The objects with their Secret's `data` filled from files on the controller or ansible-vault variables."""
    if not data_from:
        return objects
    data = {}
    for key, src in data_from.items():
        if "file" in src:
            try:
                with open(src["file"], "rb") as fh:
                    data[key] = base64.b64encode(fh.read()).decode()
            except OSError as exc:
                raise ObjectError(f"cannot read {src['file']} for the Secret key {key}: {exc.strerror}") from exc
        elif src.get("variable") in variables:
            data[key] = base64.b64encode(str(variables[src["variable"]]).encode()).decode()
        else:
            raise ObjectError(f"the variable {src.get('variable')!r} (ansible-vault) for the Secret key {key} is not defined")
    out = [dict(o) for o in objects]
    secret = next(o for o in out if o["kind"] == "Secret")
    secret["data"] = data
    return out


def apply(cluster, node: dict, variables: dict, check_mode: bool = False) -> dict:
    """Brings one object set to its state: {changed, failed, action, reasons, msg}."""
    from kubernetes import dynamic
    from kubernetes.client.rest import ApiException

    t0 = time.monotonic()
    name = node["name"]
    try:
        objects = resolve_data(node["objects"], node.get("data_from") or {}, variables)
    except ObjectError as exc:
        return {"changed": False, "failed": True, "action": "none", "reasons": [], "msg": f"{name}: {exc}"}
    client = dynamic.DynamicClient(cluster.api)
    reasons = []
    for obj in objects:
        meta = obj["metadata"]
        what = f"{obj['kind']} {meta.get('namespace', '') + '/' if meta.get('namespace') else ''}{meta['name']}"
        resource = client.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        try:
            live = client.get(resource, name=meta["name"], namespace=meta.get("namespace")).to_dict()
        except ApiException as exc:
            if exc.status != 404:
                return {"changed": False, "failed": True, "action": "none", "reasons": reasons,
                        "msg": f"{name}: reading {what} failed: {exc.status} {exc.reason}"}
            live = None
        if live is not None and contains(live, obj):
            continue
        if live is None and node.get("patch_only"):
            return {"changed": False, "failed": True, "action": "none", "reasons": reasons,
                    "msg": f"{name}: {what} does not exist"}
        reasons.append(f"{what} {'absent' if live is None else 'differs'}")
        if check_mode:
            continue
        try:
            client.server_side_apply(resource, body=obj, name=meta["name"], namespace=meta.get("namespace"),
                                     field_manager=FIELD_MANAGER, force_conflicts=True)
        except ApiException as exc:
            return {"changed": bool(reasons[:-1]), "failed": True, "action": "apply", "reasons": reasons,
                    "msg": f"{name}: applying {what} failed: {exc.status} {exc.reason}"}
    verb = "would apply" if check_mode else "applied"
    return {"changed": bool(reasons), "failed": False, "action": "apply" if reasons else "none", "reasons": reasons,
            "msg": f"{name}: {verb}: {'; '.join(reasons)}" if reasons else f"{name}: up to date",
            "timings": {"total": round(time.monotonic() - t0, 3)}}


def require(cluster, node: dict) -> dict:
    """A node of another slice that this slice depends on: a release deployed, or a namespace that exists
    (one read). A missing one is named, with what to run."""
    from . import _helm

    name, layer = node["name"], node.get("layer", "")
    hint = f"deploy layer {layer} first (--tags layer{layer})" if layer else "deploy it first"
    if node.get("type") == "release":
        records = _helm.read_records(cluster, name, node["namespace"])
        status = records[0].status if records else "absent"
        if status != "deployed":
            return {"changed": False, "failed": True, "action": "require", "reasons": [],
                    "msg": f"{name} ({node.get('component') or name}, layer {layer}) is needed but is {status} in "
                           f"namespace {node['namespace']}: {hint}"}
        return {"changed": False, "failed": False, "action": "none", "reasons": [],
                "msg": f"{name}: deployed (revision {records[0].revision})", "revision": records[0].revision}
    from kubernetes import dynamic
    from kubernetes.client.rest import ApiException

    client = dynamic.DynamicClient(cluster.api)
    for obj in node.get("objects") or []:
        meta = obj["metadata"]
        resource = client.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        try:
            client.get(resource, name=meta["name"], namespace=meta.get("namespace"))
        except ApiException as exc:
            if exc.status != 404:
                raise
            return {"changed": False, "failed": True, "action": "require", "reasons": [],
                    "msg": f"{obj['kind']} {meta['name']} ({name}, layer {layer}) is needed but does not exist: {hint}"}
    return {"changed": False, "failed": False, "action": "none", "reasons": [], "msg": f"{name}: exists"}
