#!/usr/bin/env bash
# promtool, the Prometheus project's rule checker and rule unit tester, built from its Go module (through the
# Go module proxy) once per pinned version into the lab cache; prints the binary's path on stdout. Never writes
# into the repository. The version is the module lab/promtool/go.mod requires (v0.314.0 is Prometheus v3.14.0,
# the image kube-prometheus-stack 88.5.3 runs); a tool module of its own because promtool's module has replace
# directives, which `go install pkg@version` refuses. Service discovery is left out (-tags remove_all_sd):
# promtool checks rules and their tests here, it never discovers targets.
# `lab/build-promtool.sh --path` prints where the binary is (or would be) without building it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mod="$here/promtool"
module_version=$(awk '$1 == "github.com/prometheus/prometheus" && $2 ~ /^v0\.3[0-9][0-9]\.[0-9]+$/ {print $2}' "$mod/go.mod")
[ -n "$module_version" ] || { echo "[build-promtool] no github.com/prometheus/prometheus require in $mod/go.mod" >&2; exit 1; }
# Module v0.MMM.P is Prometheus v3.MM.P (the project's tagging of its Go module since 3.0).
minor=${module_version#v0.3}; minor=${minor%%.*}; patch=${module_version##*.}
version="3.$((10#$minor)).$patch"
cache=${OPENLAKES_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openlakes-lab}
key=$(cat "$mod/go.mod" "$mod/go.sum" "$here/build-promtool.sh" | sha256sum | cut -c1-12)
dir="$cache/promtool/v$version-$key"
if [ "${1:-}" = "--path" ]; then echo "$dir/promtool"; exit 0; fi
if [ -x "$dir/promtool" ]; then echo "$dir/promtool"; exit 0; fi

log() { echo "[build-promtool] $*" >&2; }
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false
log "building promtool v$version from github.com/prometheus/prometheus@$module_version (a few CPU-minutes, once)"
start=$(date +%s)
mkdir -p "$dir.tmp"
ldflags="-s -w -X github.com/prometheus/common/version.Version=$version -X github.com/prometheus/common/version.Branch=HEAD"
(cd "$mod" && nice go build -trimpath -tags remove_all_sd -ldflags "$ldflags" -o "$dir.tmp/promtool" \
  github.com/prometheus/prometheus/cmd/promtool)
rm -rf "$dir"; mv "$dir.tmp" "$dir"
log "built in $(( $(date +%s) - start ))s into $dir"
echo "$dir/promtool"
