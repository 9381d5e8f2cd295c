#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of openlakes.core.airgap_bundle; the work is done by its action plugin."""
from __future__ import annotations

DOCUMENTATION = r"""
module: airgap_bundle
short_description: Write everything an air-gapped platform needs into one bundle, where the internet is reachable
description:
  - From the platform plan (M(openlakes.core.platform_plan)), writes into I(dest) every pinned upstream chart of the
    enabled components (C(helm pull), each verified by digest), the complete list of their images, the
    controller's Python requirements (C(pip download)) and this collection (C(ansible-galaxy collection build)),
    with a C(manifest.json) (every file and its sha256, every chart, every image) and C(SHA256SUMS).
  - A chart from a helm repository is verified against the repository index's digest of that version; an OCI
    pull is content-addressed (helm checks the layer's digest) and its manifest digest is recorded.
  - Images, with I(images=auto) or C(copy) and skopeo or crane on the controller, are copied into the bundle
    (every platform; each image's digest recorded); otherwise the list and C(images/copy.sh), the same copy step
    for later, are written. Images the collection builds from its own recipes are listed, never pulled.
  - Changes nothing in check mode; reports what it would write.
version_added: 0.2.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.attributes.controller
  - openlakes.core.helm
  - openlakes.core.airgap
options:
  dest:
    description: The bundle's directory on the controller (made when missing).
    type: path
    required: true
  chart_repository:
    description:
      - A helm repository (or C(oci://) registry) that serves every pinned chart, used instead of each chart's own
        repository (a proxy or caching repository; the lab's stand-in charts).
    type: str
    default: ""
  images:
    description:
      - C(auto) copies the images when skopeo or crane is installed and otherwise writes only their list and
        C(images/copy.sh); C(copy) requires a copy tool; C(list) never copies.
    type: str
    choices: [auto, copy, list]
    default: auto
  image_tool:
    description: C(skopeo) or C(crane); empty picks whichever is installed, skopeo first.
    type: str
    choices: ["", skopeo, crane]
    default: ""
  python:
    description: Download the controller's Python requirements (C(requirements/controller.txt)) into C(python/).
    type: bool
    default: true
  collection:
    description: Build this collection into C(collections/).
    type: bool
    default: true
  archive:
    description: Also write the bundle as C(<dest>.tar.gz).
    type: bool
    default: false
requirements:
  - helm 3.17+ or 4.x on the controller, and access to the charts' repositories
  - skopeo or crane to copy images (not to list them)
"""

EXAMPLES = r"""
- name: Plan the platform (names, charts and images; no values)
  openlakes.core.platform_plan:
    config: "{{ openlakes_config }}"
    build_values: false
  register: plan

- name: Write the bundle
  openlakes.core.airgap_bundle:
    plan: "{{ plan }}"
    dest: /srv/openlakes-bundle
    archive: true
"""

RETURN = r"""
path:
  description: The bundle's directory.
  returned: success
  type: str
archive:
  description: The archive, when I(archive) is set.
  returned: success
  type: str
manifest:
  description:
    - What C(manifest.json) holds, C(charts) (name, version, source, file, sha256, verified), C(images) (source,
      path in a mirror, releases, digest and file when copied, built_by), C(python), C(collections), C(files).
  returned: success
  type: dict
sums_sha256:
  description: The sha256 of C(SHA256SUMS), the one value that vouches for the whole bundle.
  returned: success
  type: str
"""
