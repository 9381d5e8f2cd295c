# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The notebook flow's DAG factory: one Papermill DAG per notebook published to the notebooks bucket's `published/`
prefix, shipped by openlakes.core for Airflow's DAG folder.

Each published notebook `published/<name>.ipynb` arrives in the DAG folder's `published/` directory with a loader
beside it, `published/<name>.py` (LOADER below: two lines that call `notebook_dag` for the notebook of the same
name), so each notebook is parsed on its own: a malformed notebook is an import error of its own loader, naming the
notebook and what is wrong with it, and never hides the others' DAGs or stops the dag-processor.

What a notebook says about itself, in its metadata under `openlakes` (what mark_notebook_ready.py checks):
  schedule     a cron expression or preset (`@daily`); absent or null: run only when triggered
  parameters   {name: default}: the DAG's params, handed to Papermill (`-y`), overridable per run
  description, tags, owner (optional)

The task runs `papermill` on the notebook as published (read from MinIO, `s3://<notebooks bucket>/published/...`) and
writes the executed copy to `s3://<notebooks bucket>/artifacts/<dag id>/<run id>.ipynb`; the platform's Spark, Trino,
Nessie and MinIO settings reach it as the task pod's environment (OPENLAKES_* and AWS_* variables that the Airflow
release sets), so a notebook needs no endpoint of its own.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

DAG_ID_PREFIX = "notebook_"
METADATA_KEY = "openlakes"
KNOWN_KEYS = {"schedule", "parameters", "description", "tags", "owner"}
NOTEBOOKS_BUCKET_ENV = "OPENLAKES_NOTEBOOKS_BUCKET"
LOADER = ("from openlakes_notebooks import notebook_dag\n"
          "dag = notebook_dag(__file__)\n")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$")
_PRESETS = {"@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly", "@annually"}


class NotebookError(ValueError):
    """A published notebook that cannot become a DAG; the message names the notebook and says why."""


def _fail(path: Path, why: str):
    raise NotebookError(f"published notebook {path.name}: {why}; fix it and publish it again "
                        f"(mark_notebook_ready.py checks this before publishing)")


def read_metadata(path: Path) -> dict:
    """The notebook's `openlakes` metadata, checked: the reason for any problem, naming the file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(path, "the file is missing beside its loader")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(path, f"it is not a notebook (not JSON: {exc})")
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list) or "nbformat" not in doc:
        _fail(path, "it is not a notebook (no nbformat or cells)")
    meta = (doc.get("metadata") or {}).get(METADATA_KEY)
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        _fail(path, f"metadata.{METADATA_KEY} must be a mapping")
    unknown = sorted(set(meta) - KNOWN_KEYS)
    if unknown:
        _fail(path, f"metadata.{METADATA_KEY} has unknown keys {', '.join(unknown)} "
                    f"(known: {', '.join(sorted(KNOWN_KEYS))})")
    schedule = meta.get("schedule")
    if schedule is not None and not (isinstance(schedule, str) and (schedule in _PRESETS or _cron(schedule))):
        _fail(path, f"metadata.{METADATA_KEY}.schedule {schedule!r} is neither a cron expression "
                    f"(five fields) nor one of {', '.join(sorted(_PRESETS))}")
    params = meta.get("parameters", {})
    if not isinstance(params, dict) or not all(isinstance(k, str) and k.isidentifier() for k in params):
        _fail(path, f"metadata.{METADATA_KEY}.parameters must map Python names to default values")
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        _fail(path, f"metadata.{METADATA_KEY}.tags must be a list of strings")
    return meta


def _cron(text: str) -> bool:
    fields = text.split()
    return len(fields) == 5 and all(re.fullmatch(r"[0-9*/,\-A-Za-z?LW#]+", f) for f in fields)


def dag_id(path: Path) -> str:
    return DAG_ID_PREFIX + re.sub(r"[^A-Za-z0-9_]", "_", path.stem)


def papermill_command(notebook_key: str, output_prefix: str) -> str:
    """The task's command (a Jinja template Airflow renders per run): the published notebook in, the executed copy
    out, the run's params as YAML (JSON is YAML)."""
    bucket = "${%s}" % NOTEBOOKS_BUCKET_ENV
    return (f'papermill "s3://{bucket}/{notebook_key}" '
            f'"s3://{bucket}/{output_prefix}/{{{{ run_id | replace(\':\', \'_\') }}}}.ipynb" '
            "-y '{{ params | tojson }}' --log-output")


def notebook_dag(loader_file: str):
    """The DAG of the notebook beside `loader_file` (`published/<name>.py` -> `published/<name>.ipynb`)."""
    from airflow.sdk import DAG
    from airflow.providers.standard.operators.bash import BashOperator

    path = Path(loader_file).with_suffix(".ipynb")
    if not _NAME.match(path.name):
        _fail(path, "its name may hold only letters, digits, '.', '_' and '-'")
    meta = read_metadata(path)
    ident = dag_id(path)
    with DAG(dag_id=ident, schedule=meta.get("schedule"), catchup=False, params=dict(meta.get("parameters", {})),
             description=meta.get("description") or f"Runs the published notebook {path.name} with Papermill",
             tags=["notebook", *meta.get("tags", [])],
             default_args={"owner": meta.get("owner") or "openlakes"}) as dag:
        # No `env`: the command inherits the task pod's environment, which the Airflow release sets. Copying it here
        # would store the values (Airflow's MinIO key among them) in the serialized DAG.
        BashOperator(task_id="run_notebook",
                     bash_command=papermill_command(f"published/{path.name}", f"artifacts/{ident}"))
    return dag
