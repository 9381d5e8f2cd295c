#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of openlakes.core.airgap_load; the work is done by its action plugin."""
from __future__ import annotations

DOCUMENTATION = r"""
module: airgap_load
short_description: Load an air-gap bundle into the user's chart mirror and image registry
description:
  - Checks every file of the bundle against its C(SHA256SUMS) first, and changes nothing when one differs.
  - Puts every chart of the bundle into I(chart_mirror), a directory (then indexed with C(helm repo index), so it can
    also be served over HTTP as a helm repository), an C(oci://) registry (C(helm push)) or a helm repository's upload
    API (I(chart_upload)).
  - Pushes every image the bundle holds to I(image_registry) at C(<image_registry>/<path>:<tag>), the name the
    platform's values give it when C(air_gap.image_registry) is that registry, with skopeo or crane; an image the
    bundle only lists is reported, with the command that copies it.
  - Returns the C(air_gap) block for C(core-config.yaml).
version_added: 0.2.0
author: OpenLakes maintainers (@openlakes)
extends_documentation_fragment:
  - openlakes.core.attributes
  - openlakes.core.attributes.diff_none
  - openlakes.core.attributes.controller
  - openlakes.core.helm
options:
  bundle:
    description: The bundle's directory, or its C(.tar.gz) archive (unpacked beside it).
    type: path
    required: true
  chart_mirror:
    description:
      - Where the charts go, a directory on the controller, C(oci://host/path) or the C(http(s)://) URL of a helm
        repository that accepts uploads. Empty loads no chart.
      - For OCI, log in first with C(helm registry login). For uploads, the user is I(chart_mirror_username) and
        the password the environment variable C(OPENLAKES_CHART_MIRROR_PASSWORD) (never a task argument).
    type: str
    default: ""
  chart_upload:
    description:
      - How an http(s) helm repository accepts a chart, C(chartmuseum) (C(POST <url>/api/charts)) or C(put)
        (C(PUT <url>/<file>), Nexus and Artifactory).
    type: str
    choices: [chartmuseum, put]
    default: chartmuseum
  chart_mirror_username:
    description: The user for uploads to an http(s) helm repository.
    type: str
    default: ""
  chart_mirror_url:
    description: How C(core-config.yaml) names the chart mirror, when not as I(chart_mirror) (a directory served over HTTP).
    type: str
    default: ""
  image_registry:
    description: The registry images are pushed to (C(host[:port][/path])). Empty pushes none. Log in first with the tool's own login.
    type: str
    default: ""
  image_tool:
    description: C(skopeo) or C(crane); empty picks whichever is installed, skopeo first.
    type: str
    choices: ["", skopeo, crane]
    default: ""
  image_tls_verify:
    description: Verify the registry's TLS certificate.
    type: bool
    default: true
requirements:
  - helm 3.17+ or 4.x on the controller (an index for a directory, C(helm push) for OCI)
  - skopeo or crane to push images
notes:
  - Runs on the controller only; the task's host is never contacted.
"""

EXAMPLES = r"""
- name: Load the bundle
  openlakes.core.airgap_load:
    bundle: /media/usb/openlakes-bundle.tar.gz
    chart_mirror: /srv/charts
    chart_mirror_url: https://charts.internal/
    image_registry: registry.internal:5000
  register: loaded

- name: What core-config.yaml says
  ansible.builtin.debug:
    msg: "{{ loaded.air_gap_block }}"
"""

RETURN = r"""
charts:
  description: Per chart, C(name), C(version) and what was done (C(copied), C(present), C(pushed), C(uploaded)).
  returned: success
  type: list
  elements: dict
images:
  description: Per image, C(source), C(target) and what was done (C(pushed), C(not in the bundle), C(built by the collection)).
  returned: success
  type: list
  elements: dict
air_gap:
  description: The C(air_gap) settings of C(core-config.yaml) for the loaded mirrors.
  returned: success
  type: dict
air_gap_block:
  description: The same as YAML text, to paste.
  returned: success
  type: str
"""
