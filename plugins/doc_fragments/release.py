# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  name:
    description: Release name.
    type: str
    required: true
  namespace:
    description: Namespace of the release.
    type: str
    required: true
  chart:
    description: The chart, pinned. One of I(path), an C(oci://) I(repository), or an HTTP(S) I(repository).
    type: dict
    required: true
    suboptions:
      name:
        description: Chart name.
        type: str
        required: true
      version:
        description: Chart version.
        type: str
        default: ""
      repository:
        description: Chart repository URL (C(https://...)) or OCI registry path (C(oci://...)).
        type: str
        default: ""
      path:
        description: A chart directory or C(.tgz) on the controller.
        type: path
        default: ""
  chart_mirror:
    description:
      - Air-gap mirror that replaces the upstream location; a directory holding C(<name>-<version>.tgz) or an HTTP(S) chart repository.
    type: str
    default: ""
  values:
    description: Values for the chart. Strings under keys that look like credentials are masked in all output.
    type: dict
    default: {}
  wait:
    description: Wait until every object of the release is ready (watching the API), failing fast on signals that do not heal.
    type: bool
    default: true
  atomic:
    description: Roll back to the last good revision when the release does not become ready. Off by default; leave it off for stateful releases.
    type: bool
    default: false
  pending_timeout:
    description: A revision left C(pending-*) for longer than this many seconds is considered abandoned and is recovered.
    type: int
    default: 300
  openapi_validation:
    description:
      - Let helm check the rendered objects against the cluster's OpenAPI schema before applying them. The API server
        validates every object anyway; helm's own check downloads the cluster's whole OpenAPI document on every run,
        about half of helm's time per release.
    type: bool
    default: false
  create_namespace:
    description: Create the namespace if missing.
    type: bool
    default: true
  crds:
    description:
      - How the CustomResourceDefinitions in the chart's C(crds/) directory are kept. C(helm) leaves them to helm, which
        installs them at the first install and never upgrades or removes them.
      - C(apply) applies them before every install and upgrade (C(helm show crds), server-side apply of those that
        differ, field manager C(openlakes.core)), runs helm with C(--skip-crds) and waits until each is Established
        with the release's other objects, so a chart upgrade also upgrades its CRDs. They are never deleted.
    type: str
    choices: [helm, apply]
    default: helm
"""
