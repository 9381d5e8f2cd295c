#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: helm_release
short_description: Bring one Helm release to its desired state, and wait until it is ready
description:
  - Fingerprints the desired state (chart identity and digest, canonical values, namespace) and keeps the fingerprint
    in the release's description. When the release is deployed and its fingerprint matches, reports C(changed=false)
    after a single read of helm's release records through the Kubernetes API; no helm command runs and no revision is made.
  - Handles every release state. Absent is installed; failed is upgraded; a revision left C(pending-install),
    C(pending-upgrade) or C(pending-rollback) by an interrupted run is recovered once older than I(pending_timeout)
    (rolled back to the last good revision; a release that was never deployed is reinstalled). A release that has been
    deployed is never uninstalled.
  - In check mode reports whether and why the release would change, without running helm; with diff, the values
    before and after, with credentials masked.
  - Runs C(helm upgrade --install) without helm's wait, then watches the release's objects until ready, failing fast with
    the object and the reason (see M(openlakes.core.k8s_ready)).
version_added: 0.1.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_full
  - openlakes.core.waiting
  - openlakes.core.cluster
  - openlakes.core.helm
  - openlakes.core.release
"""

EXAMPLES = r"""
- name: Deploy Nessie
  openlakes.core.helm_release:
    name: nessie
    namespace: openlakes
    chart:
      repository: https://charts.projectnessie.org
      name: nessie
      version: 0.108.4
    values:
      versionStoreType: JDBC2
    kubeconfig: ~/.kube/lake.conf
"""

RETURN = r"""
action:
  description: What was (or in check mode would be) done, C(none), C(install), C(upgrade) or C(recover).
  returned: always
  type: str
reasons:
  description: Why the release changed, for example C(values changed) or C(chart nessie 0.108.3 -> nessie 0.108.4).
  returned: always
  type: list
  elements: str
revision:
  description: The release revision after the run.
  returned: always
  type: int
helm_commands:
  description: Every helm command run, with credentials masked. Empty when nothing changed.
  returned: always
  type: list
  elements: str
readiness:
  description: The readiness wait, with diagnostics of each object not ready (events, pods, container states, log tail).
  returned: when waited
  type: dict
timings:
  description: Seconds spent reading, in helm, waiting, and in total.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _args, _helm, _k8s, _release


def main():
    module = AnsibleModule(argument_spec={**_args.CLUSTER_ARGS, **_args.HELM_ARGS, **_args.RELEASE_ARGS}, supports_check_mode=True)
    if not _k8s.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
    p = module.params
    module.no_log_values.update(_helm.secret_strings(p["values"]))
    spec = _args.release_spec(p)
    helm = _helm.Helm(p["helm_binary"], p["kubeconfig"] or "", p["context"])
    try:
        result = _release.apply(spec, helm, _k8s.Cluster(p["kubeconfig"] or "", p["context"]),
                                check_mode=module.check_mode, diff=module._diff).as_dict()
    except Exception as exc:  # noqa: BLE001 - the cluster's answer, as a sentence, not a traceback
        module.fail_json(msg=f"{spec.name}: cannot read or change the release in namespace {spec.namespace}: "
                             f"{getattr(exc, 'status', '')} {getattr(exc, 'reason', '') or exc}".replace("  ", " "))
    if module._diff:
        result["diff"] = {"before": result["diff"].get("before", {}), "after": result["diff"].get("after", {})}
    else:
        result.pop("diff", None)
    if result["failed"]:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
