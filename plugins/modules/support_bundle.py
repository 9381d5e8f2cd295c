#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: support_bundle
short_description: A tarball of what a maintainer needs to see of the platform, with every credential value scrubbed
description:
  - Writes one C(.tar.gz) (mode 0600) holding the plan's releases as helm recorded them (revisions, status, chart and
    app version, description, the objects each renders; never values or manifests), the events, workloads, pod and
    container states, claims, volumes and nodes of the platform's namespaces, the last lines of every container's log,
    each host's node preparation report, and core-config.yaml as written and as completed, each redacted.
  - Before anything is written, every value of every Secret in the platform's namespaces (but the user names of the
    collection's own credential sets), their base64 forms and the lines of multi-line values (private keys) are
    replaced by C(********) in every file, as are known token formats, passwords in URLs and C(NAME=value) with a
    credential name. The values themselves are never returned or logged.
  - In check mode reads everything and returns what the bundle would hold, writing nothing.
version_added: 0.3.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.cluster
options:
  dest:
    description: Directory on the controller the tarball is written to (created when missing).
    type: path
    required: true
  name:
    description: The platform's name (C(cluster.name)), part of the tarball's name.
    type: str
    required: true
  releases:
    description: The releases to describe (C(name), C(namespace)), the plan's release nodes.
    type: list
    elements: dict
    required: true
  namespaces:
    description: The platform's namespaces (events, pods, workloads, claims and the Secrets whose values are scrubbed).
    type: list
    elements: str
    required: true
  credentials:
    description: The plan's C(credentials), to tell user names (not secret) from credential values.
    type: list
    elements: dict
    default: []
  hosts:
    description: Per inventory host, its node preparation report (M(openlakes.core.host_facts)'s result), or why there is none.
    type: dict
    default: {}
  config:
    description: The effective configuration (C(openlakes_config)).
    type: dict
    default: {}
  config_file:
    description: Path of core-config.yaml on the controller, included as written (redacted).
    type: path
  log_lines:
    description: How many of the last lines of each container's log to include.
    type: int
    default: 200
"""

EXAMPLES = r"""
- name: Support bundle
  openlakes.core.support_bundle:
    dest: /tmp
    name: "{{ openlakes_config.cluster.name }}"
    releases: "{{ platform_plan.nodes | selectattr('type', 'equalto', 'release') | list }}"
    namespaces: "{{ platform_plan.nodes | selectattr('namespace', 'defined') | map(attribute='namespace') | unique | list }}"
"""

RETURN = r"""
path:
  description: The tarball (not written in check mode).
  returned: always
  type: str
files:
  description: Each file in the tarball with its size in bytes (in check mode, before scrubbing).
  returned: always
  type: dict
notes:
  description: What was scrubbed (counts, never values) and what could not be read.
  returned: always
  type: list
  elements: str
"""

import datetime as dt
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.openlakes.core.plugins.module_utils import _bundle, _k8s
from ansible_collections.openlakes.core.plugins.module_utils._args import CLUSTER_ARGS


def main():
    module = AnsibleModule(argument_spec={
        **CLUSTER_ARGS,
        "dest": {"type": "path", "required": True},
        "name": {"type": "str", "required": True},
        "releases": {"type": "list", "elements": "dict", "required": True},
        "namespaces": {"type": "list", "elements": "str", "required": True},
        "credentials": {"type": "list", "elements": "dict", "default": [], "no_log": False},  # names and specs only
        "hosts": {"type": "dict", "default": {}},
        "config": {"type": "dict", "default": {}},
        "config_file": {"type": "path"},
        "log_lines": {"type": "int", "default": 200},
    }, supports_check_mode=True)
    if not _k8s.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on the controller")
    p = module.params
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    own = {c["secret"]: c["keys"] for c in p["credentials"]}
    cluster = _k8s.Cluster(p["kubeconfig"] or "", p["context"])
    try:
        files, scrubber, notes = _bundle.collect(cluster, p["releases"], sorted(set(p["namespaces"])), own, p["log_lines"])
    except Exception as exc:  # noqa: BLE001 - the API's own error, as a sentence
        module.fail_json(msg=f"reading the cluster for the support bundle failed: {getattr(exc, 'status', '')} "
                             f"{getattr(exc, 'reason', exc)}; check the kubeconfig and that the API server answers")
    module.no_log_values.update(v for v in scrubber.values if len(v) >= 4)
    for host, report in sorted(p["hosts"].items()):
        files[f"hosts/{host}.json"] = report
    if p["config"]:
        files["core-config.effective.json"] = p["config"]
    if p["config_file"]:
        try:
            import yaml

            with open(p["config_file"], encoding="utf-8") as fh:
                text = fh.read()
            files["core-config.yaml"] = _bundle.redact_config_text(text, yaml.safe_load(text))
        except (OSError, ValueError) as exc:
            notes.append(f"core-config.yaml could not be read: {exc}")
    files["README.txt"] = "\n".join([
        f"OpenLakes support bundle of platform '{p['name']}', made {stamp}.",
        "releases.json: each release's revisions as helm recorded them (no values, no rendered manifests);",
        "events.json, pods.json, workloads.json, claims.json, volumes.json, nodes.json, secrets.json (names and keys",
        "only); logs/<namespace>/<pod>/<container>.log: the last lines; hosts/<host>.json: node preparation's report;",
        "core-config.yaml as written and core-config.effective.json as completed by the config check.",
        *notes, ""])
    name = f"openlakes-support-{p['name']}-{stamp}.tar.gz"
    path = os.path.join(p["dest"], name)
    if module.check_mode:
        module.exit_json(changed=True, path=path, files={k: len(str(v)) for k, v in sorted(files.items())}, notes=notes)
    os.makedirs(p["dest"], exist_ok=True)
    sizes = _bundle.write(path, stamp, files, scrubber)
    module.exit_json(changed=True, path=path, files=sizes, notes=notes)


if __name__ == "__main__":
    main()
