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

from ansible_collections.openlakes.core.plugins.module_utils import _k8s, _secret_store
from ansible_collections.openlakes.core.plugins.module_utils._args import CLUSTER_ARGS, SECRETS_ARGS


def main():
    module = AnsibleModule(argument_spec={**CLUSTER_ARGS, **SECRETS_ARGS}, supports_check_mode=True)
    p = module.params
    try:
        sets = _secret_store.checked_sets(p["sets"])
        if not _k8s.HAS_KUBERNETES:
            module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
        result = _secret_store.ensure(_k8s.Cluster(p["kubeconfig"] or "", p["context"]).api, sets, module.check_mode,
                                      secret_values=module.no_log_values.update)
    except _secret_store.StoreError as exc:
        module.fail_json(msg=str(exc), **({"secrets": exc.secrets} if exc.secrets is not None else {}))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
