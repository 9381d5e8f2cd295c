#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: k8s_ready
short_description: Wait until Kubernetes objects are ready, failing fast with the reason
description:
  - Reads only, also in check mode, where it waits as well.
  - Watches the API (no polling loop) until every given object is ready. Knows Deployment, StatefulSet, DaemonSet,
    ReplicaSet, Job, Pod, PersistentVolumeClaim, Service, CustomResourceDefinition, APIService, and any custom
    resource with kstatus-style C(Ready)/C(Available)/C(Stalled) conditions and C(observedGeneration).
  - Fails at once, without waiting for the timeout, on signals that do not heal by waiting - CrashLoopBackOff, image
    pull failures past I(grace_seconds), containers exiting non-zero repeatedly, unschedulable pods (with the
    scheduler's reason), failed volume provisioning, ProgressDeadlineExceeded, Job BackoffLimitExceeded.
  - On failure returns, per object not ready, why, its last events, its pods' container states and restart counts,
    and a log tail where the cluster can give one. The message names the object and the reason in one line.
version_added: 0.1.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.waiting
  - openlakes.core.cluster
options:
  objects:
    description: Objects to wait for, each with C(kind), C(name), and C(api_version) and C(namespace) where they apply.
    type: list
    elements: dict
    default: []
  manifest:
    description: A multi-document YAML manifest (for example a Helm release's) whose objects to wait for.
    type: str
    default: ""
  namespace:
    description: Namespace of the manifest's namespaced objects that do not name one.
    type: str
    default: default
"""

EXAMPLES = r"""
- name: Wait for MinIO
  openlakes.core.k8s_ready:
    objects:
      - {api_version: apps/v1, kind: StatefulSet, namespace: openlakes, name: minio}
    timeout: 300
"""

RETURN = r"""
ready:
  description: Whether every object became ready.
  returned: always
  type: bool
elapsed:
  description: Seconds waited.
  returned: always
  type: float
objects:
  description: Diagnostics of each object not ready (reason, fatal, events, pods with container states and log tails).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _k8s, _waiter
from ansible_collections.openlakes.core.plugins.module_utils._args import CLUSTER_ARGS, WAIT_ARGS


def main():
    module = AnsibleModule(argument_spec={
        **CLUSTER_ARGS,
        "objects": {"type": "list", "elements": "dict", "default": []},
        "manifest": {"type": "str", "default": ""},
        "namespace": {"type": "str", "default": "default"},
        **WAIT_ARGS,
    }, supports_check_mode=True)
    if not _k8s.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
    p = module.params
    targets = _waiter.targets_from_manifest(p["manifest"], p["namespace"])
    for i, o in enumerate(p["objects"]):
        if not o.get("kind") or not o.get("name"):
            module.fail_json(msg=f"objects[{i}] needs kind and name, got {o}")
        targets.append(_waiter.Target(o.get("api_version") or o.get("apiVersion") or "v1", o["kind"], o["name"],
                                      o.get("namespace") or ""))
    outcome = _waiter.Waiter(_k8s.Cluster(p["kubeconfig"] or "", p["context"]).api, targets, timeout=p["timeout"],
                             grace_seconds=p["grace_seconds"], wait_for_load_balancer=p["wait_for_load_balancer"]).wait()
    result = {"changed": False, "ready": outcome.ready, "elapsed": round(outcome.elapsed, 3), "reason": outcome.reason,
              "objects": outcome.objects, "msg": outcome.message}
    if not outcome.ready:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
