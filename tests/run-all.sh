#!/usr/bin/env bash
# Every test tier, in order: lint, sanity, unit, datapath, molecule, integration.
# `tests/run-all.sh TIER...` runs only those. Run through `make test` (it sets up the venv).
set -euo pipefail
cd "$(dirname "$0")/.."
tiers=("$@")
[ ${#tiers[@]} -eq 0 ] && tiers=(lint sanity unit datapath molecule integration)
declare -A took
failed=()

tier_lint() {
  ansible-lint --offline --profile production
}

tier_sanity() {
  # ansible-test needs a real ansible_collections/openlakes/core directory (a symlink is refused).
  local dest=.build/ansible-test/ansible_collections/openlakes/core
  rm -rf "$dest"; mkdir -p "$dest"
  git ls-files -z --cached --others --exclude-standard | grep -zv '^lab/' | xargs -0 cp --parents -t "$dest"
  # Its own git repository: ansible-test lists files with git, and this copy lives in our ignored .build/.
  (cd "$dest" && git init -q && git add -A)
  # ansible-test's pip bootstrap downloads get-pip.py from a host we cannot reach; this
  # stand-in installs pip from the standard library and then the requested packages (LAB.md 1).
  local cache=$HOME/.ansible/test/cache
  mkdir -p "$cache"
  cp tests/sanity/get_pip_standin.py "$cache/get_pip_24_2.py"
  (cd "$dest" && ansible-test sanity --venv --python 3.11 --color no)
}

tier_unit() {
  # promtool (the real Prometheus rule checker) for the monitoring tests, built once per pinned version
  # (lab/build-promtool.sh) into the lab cache, like the lab's binaries.
  local start promtool; start=$(date +%s)
  promtool=$(lab/build-promtool.sh) || return 1
  echo "[unit] promtool ready in $(( $(date +%s) - start ))s ($promtool)"
  # The pinned Airflow in a venv of its own (the DAG factory's DagBag test and the options check), built once.
  local airflow; start=$(date +%s)
  airflow=$(tests/unit/files/airflow/make-venv.sh) || return 1
  echo "[unit] Airflow environment ready in $(( $(date +%s) - start ))s ($airflow)"
  OPENLAKES_PROMTOOL=$promtool OPENLAKES_AIRFLOW_VENV=$airflow pytest -q -p no:cacheprovider tests/unit
}

tier_datapath() {
  # Real servers fed the generated configuration (tests/datapath). Its servers are built or fetched once
  # per pinned version (lab/build-datapath.sh); pytest runs in a network and mount namespace of its own,
  # so nothing it starts is reachable from the machine and in-cluster names resolve only inside.
  lab/install-host-packages.sh datapath || return 1
  local start cache; start=$(date +%s)
  cache=$(lab/build-datapath.sh) || return 1
  echo "[datapath] servers and clients ready in $(( $(date +%s) - start ))s (cache: $cache)"
  unshare --net --mount --propagation private -- pytest -q -p no:cacheprovider -rs tests/datapath
}

tier_molecule() {
  local scen name line rc=0
  for scen in tests/molecule/*/; do
    name=$(basename "$scen")
    echo "== molecule test -s $name"
    # Host images (built from Debian's archive once, then cached) and the scenario's loop disks.
    while read -r line; do export "${line?}"; done < <(python -m openlakes_lab molecule-env "$scen")
    (cd tests && molecule test -s "$name") || rc=1
    python -m openlakes_lab disks-down "$name"
  done
  return $rc
}

tier_integration() {
  pytest -q -p no:cacheprovider tests/integration
}

for t in "${tiers[@]}"; do
  echo "===== tier: $t"
  start=$(date +%s)
  if "tier_$t"; then :; else failed+=("$t"); fi
  took[$t]=$(( $(date +%s) - start ))
done
echo "===== summary"
for t in "${tiers[@]}"; do
  status=passed; for f in "${failed[@]:-}"; do [ "$f" = "$t" ] && status=FAILED; done
  printf '%-12s %-7s %5ss\n' "$t" "$status" "${took[$t]}"
done
[ ${#failed[@]} -eq 0 ]
