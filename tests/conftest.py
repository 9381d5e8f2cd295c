"""Tests import the collection as ansible_collections.openlakes.core
(make links the checkout into .build/collections) and the lab package from lab/."""
import os
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
for extra in (REPO / ".build" / "collections", REPO / "lab"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))


@pytest.fixture(scope="session")
def airflow_version() -> str:
    """The Airflow of platform/components.yml's Airflow image (what tests/unit/files/airflow/make-venv.sh installs)."""
    manifest = yaml.safe_load((REPO / "platform" / "components.yml").read_text())
    return manifest["components"]["airflow"]["releases"][0]["images"][0]["image"].rsplit(":", 1)[1]


@pytest.fixture(scope="session")
def airflow_venv(airflow_version) -> Path:
    """The pinned Airflow's own venv: OPENLAKES_AIRFLOW_VENV (set by tests/run-all.sh unit, which builds it; missing
    is then a failure) or the lab cache's (missing: skipped)."""
    named = os.environ.get("OPENLAKES_AIRFLOW_VENV")
    venv = Path(named or Path.home() / ".cache" / "openlakes-lab" / f"airflow-{airflow_version}-venv")
    if not (venv / ".openlakes-ready").exists():   # written by make-venv.sh once the install has succeeded
        if named:
            pytest.fail(f"no Airflow environment at {venv}: tests/run-all.sh unit builds it (tests/unit/files/airflow/make-venv.sh)")
        pytest.skip(f"no Airflow {airflow_version} environment at {venv}: run tests/unit/files/airflow/make-venv.sh")
    return venv
