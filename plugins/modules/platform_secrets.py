#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: platform_secrets
short_description: Generate each service's credentials once, into Kubernetes Secrets
description:
  - For each service, makes sure a Secret C(openlakes-<service>-credentials) exists in I(namespace), generating its
    values with the operating system's cryptographic randomness and each service's policy the first time.
    An existing Secret is reused as it is, on every later run; nothing is rotated here.
  - A service may name an existing Secret of the user's instead; it is checked for the keys the platform needs.
  - Returns Secret names and keys only. Values are never returned, logged or written to a file.
version_added: 0.1.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.cluster
options:
  namespace:
    description: The platform namespace.
    type: str
    required: true
  services:
    description:
      - Services that need credentials, among C(minio), C(postgresql), C(nessie), C(airflow), C(superset),
        C(openmetadata), C(redis), C(grafana), C(jupyterhub) and C(ui-auth) (basic auth in front of UIs without a
        login; its key C(users) is an htpasswd line with a bcrypt hash).
    type: list
    elements: str
    required: true
  existing_secrets:
    description: Per service, the name of an existing Secret to use instead of a generated one.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Credentials for layer 01
  openlakes.core.platform_secrets:
    namespace: openlakes
    services: [minio, postgresql, nessie, redis]
"""

RETURN = r"""
secrets:
  description: Per service, the Secret holding its credentials, its keys, and whether it was created in this run.
  returned: always
  type: dict
  sample: {minio: {secret: openlakes-minio-credentials, keys: [rootPassword, rootUser], created: false}}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _k8s, _secrets
from ansible_collections.openlakes.core.plugins.module_utils._args import CLUSTER_ARGS

LABELS = {"app.kubernetes.io/managed-by": "openlakes.core", "app.kubernetes.io/part-of": "openlakes"}


def main():
    module = AnsibleModule(argument_spec={
        **CLUSTER_ARGS,
        "namespace": {"type": "str", "required": True},
        "services": {"type": "list", "elements": "str", "required": True},
        "existing_secrets": {"type": "dict", "default": {}, "no_log": False},  # names of Secrets, not their content
    }, supports_check_mode=True)
    p = module.params
    unknown = sorted(set(p["services"]) - set(_secrets.POLICIES))
    if unknown:
        module.fail_json(msg=f"no credential policy for: {', '.join(unknown)}; known: {', '.join(sorted(_secrets.POLICIES))}")
    if not _k8s.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    core = client.CoreV1Api(_k8s.Cluster(p["kubeconfig"] or "", p["context"]).api)
    ns = p["namespace"]
    out, changed, problems = {}, False, []
    for service in p["services"]:
        name = p["existing_secrets"].get(service) or _secrets.secret_name(service)
        try:
            current = core.read_namespaced_secret(name, ns)
        except ApiException as exc:
            if exc.status != 404:
                module.fail_json(msg=f"reading Secret {ns}/{name} failed: {exc.status} {exc.reason}")
            current = None
        if current is not None:
            missing = _secrets.missing_keys(service, current.data)
            if missing:
                problems.append(f"Secret {ns}/{name} for {service} lacks the keys {', '.join(missing)}")
            out[service] = {"secret": name, "keys": sorted(current.data or {}), "created": False}
            continue
        if service in p["existing_secrets"]:
            problems.append(f"{service}: the existing Secret {ns}/{name} named in core-config.yaml does not exist")
            continue
        values = _secrets.generate(service)
        # Mask the secret values only: user names such as `nessie` are not secret, and masking them would
        # also mask every Secret name and value that contains them (openlakes-nessie-credentials).
        module.no_log_values.update(v for k, v in values.items() if k not in _secrets.USER_KEYS)
        changed = True
        out[service] = {"secret": name, "keys": sorted(values), "created": True}
        if module.check_mode:
            continue
        _ensure_namespace(core, ns, client, ApiException)
        body = client.V1Secret(metadata=client.V1ObjectMeta(name=name, namespace=ns, labels=LABELS),
                               type="Opaque", string_data=values)
        try:
            core.create_namespaced_secret(ns, body)
        except ApiException as exc:
            module.fail_json(msg=f"creating Secret {ns}/{name} failed: {exc.status} {exc.reason}")
    if problems:
        module.fail_json(msg="; ".join(problems), secrets=out)
    module.exit_json(changed=changed, secrets=out)


def _ensure_namespace(core, ns, client, api_exception):
    try:
        core.read_namespace(ns)
    except api_exception as exc:
        if exc.status != 404:
            raise
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))


if __name__ == "__main__":
    main()
