# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential sets' Secrets in the cluster: each generated once, copied into every namespace that reads it,
a set's new keys added to a Secret the collection made, a user's own Secret only checked. Used by the module
openlakes.core.platform_secrets and by its action plugin (the same work in the controller's process). Values are
never returned. Private to this collection."""
from __future__ import annotations

import base64

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.openlakes.core.plugins.module_utils import _secrets

LABELS = {"app.kubernetes.io/managed-by": "openlakes.core", "app.kubernetes.io/part-of": "openlakes"}
MANAGED_SELECTOR = "app.kubernetes.io/managed-by=openlakes.core"
SET_SPEC = {"name": {"type": "str", "required": True}, "component": {"type": "str", "default": ""},
            "restart": {"type": "str", "default": "rolling", "choices": ["rolling", "together"]},
            "secret": {"type": "str", "required": True},
            "keys": {"type": "dict", "required": True, "no_log": False},  # generator specs, not values
            "namespaces": {"type": "list", "elements": "str", "required": True},
            "existing": {"type": "bool", "default": False}}
NOT_OURS = "Secret {ns}/{name} exists and was not made by openlakes.core; remove it or name another"


class StoreError(RuntimeError):
    """A failure that stops the run; `secrets` holds what was done before it."""

    def __init__(self, msg: str, secrets: dict | None = None):
        super().__init__(msg)
        self.secrets = secrets


def checked_sets(raw_sets: list) -> list:
    """The sets with their defaults, each key's generator parsed; StoreError names the first wrong one."""
    sets = []
    for i, raw in enumerate(raw_sets):
        checked = ArgumentSpecValidator(SET_SPEC).validate(raw)
        if checked.error_messages:
            raise StoreError(f"sets[{i}] ({raw.get('name', '?')}): {'; '.join(checked.error_messages)}")
        cset = checked.validated_parameters
        try:
            for spec in cset["keys"].values():
                _secrets.parse(spec)
        except _secrets.PolicyError as exc:
            raise StoreError(f"credential set {cset['name']}: {exc}") from exc
        sets.append(cset)
    return sets


def ensure(api_client, sets: list, check_mode: bool, secret_values=None) -> dict:
    """Makes every set's Secret hold its keys in each of its namespaces; returns {changed, secrets}.
    `secret_values(values)` is told each set's secret values before anything can fail (a module masks them)."""
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    core = client.CoreV1Api(api_client)
    out, changed, problems = {}, False, []

    # One list per namespace of the Secrets this collection made, instead of one read per Secret and namespace;
    # a user's own Secret (credentials.existing_secrets) is read by name.
    made = {}
    for ns in sorted({ns for cset in sets for ns in cset["namespaces"]}):
        try:
            items = core.list_namespaced_secret(ns, label_selector=MANAGED_SELECTOR).items
        except ApiException as exc:
            if exc.status != 404:
                raise StoreError(f"listing Secrets in {ns} failed: {exc.status} {exc.reason}") from None
            items = []
        made.update({(ns, item.metadata.name): item for item in items})

    def read(ns, name, by_name=False):
        if not by_name:
            return made.get((ns, name))
        try:
            return core.read_namespaced_secret(name, ns)
        except ApiException as exc:
            if exc.status != 404:
                raise StoreError(f"reading Secret {ns}/{name} failed: {exc.status} {exc.reason}", out) from None
            return None

    for cset in sets:
        name, keys, namespaces = cset["secret"], cset["keys"], cset["namespaces"]
        first = read(namespaces[0], name, by_name=cset["existing"])
        if cset["existing"]:
            if first is None:
                problems.append(f"{cset['name']}: the existing Secret {namespaces[0]}/{name} named in core-config.yaml does not exist")
                continue
            missing = _secrets.missing_keys(keys, first.data)
            if missing:
                problems.append(f"Secret {namespaces[0]}/{name} for {cset['name']} lacks the keys {', '.join(missing)}")
                continue
        current = _decoded(first)
        # A user's own Secret is only checked (above); one the collection made gains the keys it lacks.
        added = {} if cset["existing"] else _secrets.generate(keys, current)
        values = {**current, **added}
        if secret_values:
            # The secret values only: user names such as `nessie` are not secret, and masking them would also mask
            # every Secret name and value that contains them (openlakes-nessie-credentials).
            secret_values(v for k, v in values.items() if k not in keys or _secrets.is_secret(keys[k]))
        wrote = False
        for ns in namespaces:
            live = first if ns == namespaces[0] else read(ns, name)
            have = _decoded(live)
            if live is not None and all(have.get(k) == v for k, v in values.items()):
                continue
            if live is not None and ns != namespaces[0] and not _managed(live):
                problems.append(NOT_OURS.format(ns=ns, name=name))
                continue
            wrote = True
            if check_mode:
                continue
            _ensure_namespace(core, ns, client, ApiException)
            body = client.V1Secret(metadata=client.V1ObjectMeta(name=name, namespace=ns, labels=LABELS),
                                   type="Opaque", string_data=values)
            try:
                if live is None:
                    core.create_namespaced_secret(ns, body)
                else:
                    core.patch_namespaced_secret(name, ns, {"stringData": {k: v for k, v in values.items() if have.get(k) != v}})
            except ApiException as exc:
                if exc.status == 409:   # there, but not listed as ours: somebody else's Secret of that name
                    problems.append(NOT_OURS.format(ns=ns, name=name))
                    continue
                raise StoreError(f"writing Secret {ns}/{name} failed: {exc.status} {exc.reason}", out) from None
        changed = changed or wrote
        out[cset["name"]] = {"secret": name, "namespaces": namespaces, "keys": sorted(values), "created": wrote}
    if problems:
        raise StoreError("; ".join(problems), out)
    return {"changed": changed, "secrets": out}


def _decoded(secret) -> dict:
    data = (secret.data or {}) if secret is not None else {}
    return {k: base64.b64decode(v).decode() for k, v in data.items()}


def _managed(secret) -> bool:
    return (secret.metadata.labels or {}).get("app.kubernetes.io/managed-by") == LABELS["app.kubernetes.io/managed-by"]


def _ensure_namespace(core, ns, client, api_exception):
    try:
        core.read_namespace(ns)
    except api_exception as exc:
        if exc.status != 404:
            raise
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(
            name=ns, labels={"app.kubernetes.io/part-of": "openlakes"})))
