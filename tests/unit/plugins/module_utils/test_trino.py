"""plugins/module_utils/_components/trino.py: the faults a real Trino found (branch datapath2's data path tier):
the chart's sample catalogs merged in beside the generated ones, and a login that a bare user name could bypass."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ansible_collections.openlakes.core.plugins.module_utils import _platform
from ansible_collections.openlakes.core.plugins.module_utils._components import trino

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

CONFIGS = values_configs.configs()


def _values(name: str) -> dict:
    plan = values_configs.plan(CONFIGS[name][0])
    return next(r for r in plan["releases"] if r["name"] == "trino")["values"]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_trino_gets_the_three_catalogs_and_only_those(name):
    """The chart's values.yaml ships tpch and tpcds; helm merges them in unless each is null (a real Trino without
    the tpch plugin refused to start)."""
    unit = _platform.Unit(values_configs.inputs(CONFIGS[name][0]), "trino")
    catalogs = _values(name)["catalogs"]
    assert {k for k, v in catalogs.items() if v is None} == set(trino.CHART_SAMPLE_CATALOGS)
    assert sorted(k for k, v in catalogs.items() if v is not None) == sorted(
        [unit.setting("catalog_name"), trino.PG_CATALOG, trino.RAW_CATALOG])


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_password_is_the_only_way_in(name):
    """allow-insecure-over-http=true never lets a password in over plain HTTP; it lets a bare X-Trino-User in."""
    extra = _values(name)["additionalConfigProperties"]
    assert "http-server.process-forwarded=true" in extra
    assert not any(p.startswith("http-server.authentication.allow-insecure-over-http=") for p in extra)
    assert "internal-communication.shared-secret=${ENV:TRINO_SHARED_SECRET}" in extra
