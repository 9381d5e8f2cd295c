"""The playbook tests' lab: the cluster (tests/integration/conftest.py) and the three hosts, brought up once per
module and stopped at the end only if this module started them."""
from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="module")
def lab(lab_cluster):
    from openlakes_lab import hosts
    from openlakes_lab.state import Record

    running = bool(Record.load("hosts").data.get("hosts"))
    hosts.up(log=print)
    yield lab_cluster
    if not running and os.environ.get("OPENLAKES_LAB_KEEP") != "1":
        hosts.down(log=print)
