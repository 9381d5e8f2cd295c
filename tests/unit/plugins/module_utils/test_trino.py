"""plugins/module_utils/_components/trino.py: what reaches Trino once the chart has its values (chart 1.42.2's own
values merged under the collection's, as helm merges them; tests/standin-charts/trino/configmap_standin.py), for
the faults the data path tier found with a real Trino (tests/datapath/test_04_layer02.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ansible_collections.openlakes.core.plugins.module_utils import _platform
from ansible_collections.openlakes.core.plugins.module_utils._components import trino

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

standin = values_configs.standin("trino")
CONFIGS = values_configs.configs()


def _values(name: str) -> dict:
    return values_configs.release_values(name, "trino")


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_trino_gets_the_three_catalogs_and_only_those(name):
    """The chart's values.yaml ships tpch and tpcds: merged in, Trino would load five catalogs (and the tier's
    Trino, which has no tpch plugin, refused to start)."""
    unit = _platform.Unit(values_configs.inputs(CONFIGS[name][0]), "trino")
    expected = {cat: trino.properties(props) for cat, props in trino.catalogs(unit).items()}
    assert standin.render(_values(name))["catalogs"] == expected
    assert sorted(expected) == sorted([unit.setting("catalog_name"), trino.PG_CATALOG, trino.RAW_CATALOG])


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_password_is_the_only_way_in(name):
    """allow-insecure-over-http=true never lets a password in over plain HTTP ("Password not allowed for insecure
    authentication"); it lets a bare X-Trino-User in instead, so anyone in the cluster was any user without one."""
    config = standin.render(_values(name))["coordinator"]["config.properties"].splitlines()
    assert "http-server.authentication.type=PASSWORD" in config
    assert "http-server.process-forwarded=true" in config
    assert not any(line.startswith("http-server.authentication.allow-insecure-over-http=") for line in config)
    assert "internal-communication.shared-secret=${ENV:TRINO_SHARED_SECRET}" in config
