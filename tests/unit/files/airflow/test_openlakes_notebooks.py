"""files/airflow/dags/openlakes_notebooks.py, the notebook flow's DAG factory, loaded by a real Airflow DagBag.

The pinned apache-airflow (the Airflow image's version, platform/components.yml) lives in a virtual environment of
its own, because its dependencies clash with the controller's: OPENLAKES_AIRFLOW_VENV, or
~/.cache/openlakes-lab/airflow-<version>-venv, made with `tests/unit/files/airflow/make-venv.sh`. The DagBag reads
the sample notebooks under notebooks/ (two scheduled, one without metadata, two malformed) and the test asserts the
DAG ids, schedules, tasks and params, and that each malformed notebook is an import error of its own that names it.
The metadata checks also run here without Airflow."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[3]
sys.path.insert(0, str(REPO / "files" / "airflow" / "dags"))
import openlakes_notebooks as factory  # noqa: E402


@pytest.fixture(scope="module")
def dagbag(airflow_venv):
    python = airflow_venv / "bin" / "python"
    proc = subprocess.run([str(python), str(HERE / "dagbag_probe.py"), str(HERE / "notebooks")], capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\nDagBag (Airflow {out['airflow']}): DAGs {sorted(out['dags'])}; import errors {sorted(out['import_errors'])}")
    return out


def test_the_dagbag_runs_the_pinned_airflow(dagbag, airflow_version):
    assert dagbag["airflow"] == airflow_version


def test_each_published_notebook_is_one_papermill_dag(dagbag):
    assert sorted(dagbag["dags"]) == ["notebook_adhoc_report", "notebook_daily_sales", "notebook_weekday_load"]
    daily = dagbag["dags"]["notebook_daily_sales"]
    assert daily["file"] == "published/daily_sales.py" and daily["tasks"] == ["run_notebook"]
    assert daily["schedule"] == "@daily" and daily["params"] == {"day": "2026-01-01", "limit": 10}
    assert daily["tags"] == ["notebook", "sales"] and daily["owner"] == "analytics"
    assert daily["command"] == (
        'papermill "s3://${OPENLAKES_NOTEBOOKS_BUCKET}/published/daily_sales.ipynb" '
        '"s3://${OPENLAKES_NOTEBOOKS_BUCKET}/artifacts/notebook_daily_sales/{{ run_id | replace(\':\', \'_\') }}.ipynb" '
        "-y '{{ params | tojson }}' --log-output")
    assert dagbag["dags"]["notebook_weekday_load"]["schedule"] == "30 2 * * 1-5"
    assert daily["timetable"].startswith("Cron") and dagbag["dags"]["notebook_adhoc_report"]["timetable"] == "NullTimetable"
    # No metadata: a DAG that runs only when triggered.
    assert dagbag["dags"]["notebook_adhoc_report"]["schedule"] is None
    assert dagbag["dags"]["notebook_adhoc_report"]["params"] == {}


def test_a_malformed_notebook_is_an_import_error_of_its_own_naming_it(dagbag):
    errors = dagbag["import_errors"]
    assert sorted(errors) == ["published/bad_schedule.py", "published/truncated.py"]
    assert "published notebook bad_schedule.ipynb: metadata.openlakes.schedule 'every day' is neither a cron " \
           "expression" in errors["published/bad_schedule.py"]
    assert "published notebook truncated.ipynb: it is not a notebook (not JSON" in errors["published/truncated.py"]


@pytest.mark.parametrize("meta, why", [
    ({"schedul": "@daily"}, "unknown keys schedul"),
    ({"schedule": "0 0 * *"}, "is neither a cron expression"),
    ({"parameters": {"not a name": 1}}, "parameters must map Python names"),
    ({"tags": "sales"}, "tags must be a list of strings"),
    ([], "metadata.openlakes must be a mapping"),
])
def test_the_metadata_is_checked_with_a_sentence(tmp_path, meta, why):
    nb = tmp_path / "x.ipynb"
    nb.write_text(json.dumps({"nbformat": 4, "cells": [], "metadata": {"openlakes": meta}}))
    with pytest.raises(factory.NotebookError, match=why):
        factory.read_metadata(nb)


def test_dag_ids_are_python_names_from_the_file_name():
    assert factory.dag_id(Path("published/weekday-load.v2.ipynb")) == "notebook_weekday_load_v2"
