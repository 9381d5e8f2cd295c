#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: platform_secrets
short_description: Generate each credential set once, into Kubernetes Secrets in every namespace that reads it
description:
  - For each credential set (as M(openlakes.core.platform_plan) returns them from C(platform/components.yml)), makes sure
    its Secret exists in each of its namespaces, generating the values with the operating system's cryptographic
    randomness the first time. The first namespace holds the original; the others get the same values, so a
    consumer in another namespace (and PostgreSQL or the MinIO setup reading a consumer's keys) reads the same
    credential. Existing values are never changed; nothing is rotated here.
  - A key the declaration gained since the Secret was made (for example a service's new MinIO user) is added to a
    Secret the collection made; a user's own Secret (I(existing)) is checked for the keys and never written.
  - Returns Secret names and keys only. Values are never returned, logged or written to a file.
version_added: 0.1.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.cluster
options:
  sets:
    description:
      - The credential sets. Each has C(name), C(component) (whose set it is), C(restart) (how a rotation restarts what
        reads it), C(secret) (the Secret's name), C(keys) (key to generator, see
        C(plugins/module_utils/_secrets.py)), C(namespaces) and C(existing) (the Secret is the user's own).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Credentials of the platform plan
  openlakes.core.platform_secrets:
    sets:
      - {name: redis, secret: openlakes-redis-credentials, keys: {password: password}, namespaces: [openlakes]}
"""

RETURN = r"""
secrets:
  description: Per credential set, its Secret, namespaces, keys, and whether anything was written in this run.
  returned: always
  type: dict
  sample: {minio: {secret: openlakes-minio-credentials, namespaces: [openlakes], keys: [rootPassword, rootUser], created: false}}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.openlakes.core.plugins.module_utils import _k8s, _secrets
from ansible_collections.openlakes.core.plugins.module_utils._args import CLUSTER_ARGS

LABELS = {"app.kubernetes.io/managed-by": "openlakes.core", "app.kubernetes.io/part-of": "openlakes"}
MANAGED_SELECTOR = "app.kubernetes.io/managed-by=openlakes.core"
SET_SPEC = {"name": {"type": "str", "required": True}, "component": {"type": "str", "default": ""},
            "restart": {"type": "str", "default": "rolling", "choices": ["rolling", "together"]},
            "secret": {"type": "str", "required": True},
            "keys": {"type": "dict", "required": True, "no_log": False},  # generator specs, not values
            "namespaces": {"type": "list", "elements": "str", "required": True},
            "existing": {"type": "bool", "default": False}}


def main():
    module = AnsibleModule(argument_spec={
        **CLUSTER_ARGS,
        "sets": {"type": "list", "elements": "dict", "required": True, "no_log": False},  # names and specs only
    }, supports_check_mode=True)
    p = module.params
    sets = []
    for i, raw in enumerate(p["sets"]):
        checked = ArgumentSpecValidator(SET_SPEC).validate(raw)
        if checked.error_messages:
            module.fail_json(msg=f"sets[{i}] ({raw.get('name', '?')}): {'; '.join(checked.error_messages)}")
        sets.append(checked.validated_parameters)
        try:
            for spec in sets[-1]["keys"].values():
                _secrets.parse(spec)
        except _secrets.PolicyError as exc:
            module.fail_json(msg=f"credential set {sets[-1]['name']}: {exc}")
    if not _k8s.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    core = client.CoreV1Api(_k8s.Cluster(p["kubeconfig"] or "", p["context"]).api)
    out, changed, problems = {}, False, []

    # One list per namespace of the Secrets this collection made, instead of one read per Secret and namespace;
    # a user's own Secret (credentials.existing_secrets) is read by name.
    made = {}
    for ns in sorted({ns for cset in sets for ns in cset["namespaces"]}):
        try:
            items = core.list_namespaced_secret(ns, label_selector=MANAGED_SELECTOR).items
        except ApiException as exc:
            if exc.status != 404:
                module.fail_json(msg=f"listing Secrets in {ns} failed: {exc.status} {exc.reason}")
            items = []
        made.update({(ns, item.metadata.name): item for item in items})

    def read(ns, name, by_name=False):
        if not by_name:
            return made.get((ns, name))
        try:
            return core.read_namespaced_secret(name, ns)
        except ApiException as exc:
            if exc.status != 404:
                module.fail_json(msg=f"reading Secret {ns}/{name} failed: {exc.status} {exc.reason}")
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
        current = {k: _b64decode(v) for k, v in ((first.data or {}) if first is not None else {}).items()}
        # A user's own Secret is only checked (above); one the collection made gains the keys it lacks.
        added = {} if cset["existing"] else _secrets.generate(keys, current)
        values = {**current, **added}
        # Mask the secret values only: user names such as `nessie` are not secret, and masking them would
        # also mask every Secret name and value that contains them (openlakes-nessie-credentials).
        module.no_log_values.update(v for k, v in values.items() if k not in keys or _secrets.is_secret(keys[k]))
        wrote = False
        for ns in namespaces:
            live = first if ns == namespaces[0] else read(ns, name)
            have = {k: _b64decode(v) for k, v in ((live.data or {}) if live is not None else {}).items()}
            if live is not None and all(have.get(k) == v for k, v in values.items()):
                continue
            if live is not None and ns != namespaces[0] and not _managed(live):
                problems.append(f"Secret {ns}/{name} exists and was not made by openlakes.core; remove it or name another")
                continue
            wrote = True
            if module.check_mode:
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
                    problems.append(f"Secret {ns}/{name} exists and was not made by openlakes.core; remove it or name another")
                    continue
                module.fail_json(msg=f"writing Secret {ns}/{name} failed: {exc.status} {exc.reason}")
        changed = changed or wrote
        out[cset["name"]] = {"secret": name, "namespaces": namespaces, "keys": sorted(values), "created": wrote}
    if problems:
        module.fail_json(msg="; ".join(problems), secrets=out)
    module.exit_json(changed=changed, secrets=out)


def _b64decode(value: str) -> str:
    import base64
    return base64.b64decode(value).decode()


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


if __name__ == "__main__":
    main()
