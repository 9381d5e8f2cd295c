#!/usr/bin/env bash
# The pinned Airflow (the version of platform/components.yml's Airflow image) in a virtual environment of its own,
# for the DagBag test of the notebook DAG factory (its dependencies clash with the controller's).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../../.." && pwd)
version=$(sed -n 's#.*"docker.io/apache/airflow:\([^"]*\)".*#\1#p' "$repo/platform/components.yml" | head -1)
venv=${OPENLAKES_AIRFLOW_VENV:-$HOME/.cache/openlakes-lab/airflow-$version-venv}
# Built once per pinned version; a half-built one (no marker) is built again from scratch.
if [ -e "$venv/.openlakes-ready" ]; then echo "$venv"; exit 0; fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "apache-airflow==$version" >&2
"$venv/bin/python" -c "import airflow, sys; sys.exit(airflow.__version__ != '$version')"
touch "$venv/.openlakes-ready"
echo "$venv"
