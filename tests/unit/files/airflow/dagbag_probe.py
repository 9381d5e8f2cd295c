"""Run by the pinned Airflow's own interpreter (tests/unit/files/airflow/test_openlakes_notebooks.py): lays out a DAG
folder as the notebook flow does (the factory at its root; each notebook in published/ with its loader beside it),
loads it with Airflow's DagBag and prints what it found as JSON. Argument: the sample notebooks' folder."""
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

FACTORY = Path(__file__).resolve().parents[4] / "files" / "airflow" / "dags" / "openlakes_notebooks.py"


def main(samples: str) -> None:
    home = Path(tempfile.mkdtemp(prefix="openlakes-dagbag-"))
    dags = home / "dags"
    (dags / "published").mkdir(parents=True)
    shutil.copy(FACTORY, dags / FACTORY.name)
    sys.path.insert(0, str(dags))
    import openlakes_notebooks  # noqa: E402  (the shipped factory, as the DAG folder holds it)
    for nb in sorted(Path(samples).glob("*.ipynb")):
        shutil.copy(nb, dags / "published" / nb.name)
        (dags / "published" / (nb.stem + ".py")).write_text(openlakes_notebooks.LOADER)
    os.environ.update(AIRFLOW_HOME=str(home), AIRFLOW__CORE__DAGS_FOLDER=str(dags),
                      AIRFLOW__CORE__LOAD_EXAMPLES="False", AIRFLOW__CORE__UNIT_TEST_MODE="True")
    import airflow  # noqa: E402
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:
        from airflow.models.dagbag import DagBag
    bag = DagBag(dag_folder=str(dags), include_examples=False, safe_mode=False)
    out = {"airflow": airflow.__version__, "dags": {}, "import_errors": {}}
    for ident, dag in sorted(bag.dags.items()):
        out["dags"][ident] = {
            "file": os.path.relpath(dag.fileloc, dags),
            "schedule": dag.schedule, "timetable": type(dag.timetable).__name__,
            "tasks": sorted(dag.task_ids), "tags": sorted(dag.tags), "owner": dag.owner,
            "params": {k: dag.params[k] for k in dag.params},
            "command": dag.get_task("run_notebook").bash_command}
    for file, message in sorted(bag.import_errors.items()):
        out["import_errors"][os.path.relpath(file, dags)] = message.strip().splitlines()[-1]
    shutil.rmtree(home, ignore_errors=True)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
