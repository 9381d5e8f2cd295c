#!/usr/bin/env bash
# Build the lab's Kubernetes control plane, etcd, kwok and helm from Go modules
# (through the Go module proxy), once per pinned version set, into a cache
# directory. Prints that directory on stdout. Never writes into the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
. "$here/versions.env"

cache=${OPENLAKES_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openlakes-lab}
key=$(cat "$here/versions.env" "$here/build-binaries.sh" "$here/kube/go.sum" "$here/etcd/go.sum" | sha256sum | cut -c1-12)
out="$cache/bin/$key"
want=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok helm helm3)
missing=0
for b in "${want[@]}"; do [ -x "$out/$b" ] || missing=1; done
if [ "$missing" = 0 ]; then echo "$out"; exit 0; fi

mkdir -p "$out.tmp"
log() { echo "[build-binaries] $*" >&2; }
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false
k8s_minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
kver() {
  local p=$1
  printf -- '-X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s -X %s.gitTreeState=clean -X %s.buildDate=%s ' \
    "$p" "$KUBERNETES_VERSION" "$p" "$p" "$k8s_minor" "$p" "$p" "$now"
}
k8s_ldflags="-s -w $(kver k8s.io/component-base/version) $(kver k8s.io/client-go/pkg/version)"

start=$(date +%s)
for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  [ -x "$out.tmp/$b" ] && continue
  log "building $b $KUBERNETES_VERSION"
  (cd "$here/kube" && go build -trimpath -ldflags "$k8s_ldflags" -o "$out.tmp/$b" "./cmd/$b")
done
if [ ! -x "$out.tmp/etcd" ]; then
  log "building etcd $ETCD_VERSION"
  (cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$out.tmp/etcd" .)
fi
gobin_install() { # name, package@version, ldflags
  local name=$1 pkg=$2 flags=$3 tmp
  [ -x "$out.tmp/$name" ] && return 0
  log "building $name from $pkg"
  tmp=$(mktemp -d)
  GOBIN=$tmp go install -trimpath -ldflags "$flags" "$pkg"
  mv "$tmp"/* "$out.tmp/$name"; rmdir "$tmp"
}
gobin_install kwok "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION"
helm_ldflags() { # module major, version
  local m=$1 v=$2
  printf -- '-s -w -X helm.sh/helm/%s/internal/version.version=%s -X helm.sh/helm/%s/internal/version.gitTreeState=clean' "$m" "$v" "$m"
  if [ "$m" = v3 ]; then
    printf -- ' -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=%s -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=%s' "$k8s_minor" "$k8s_minor"
  else
    printf -- ' -X helm.sh/helm/v4/pkg/chart/common.k8sVersionMajor=1 -X helm.sh/helm/v4/pkg/chart/common.k8sVersionMinor=%s -X helm.sh/helm/v4/internal/version.kubeClientVersionMajor=1 -X helm.sh/helm/v4/internal/version.kubeClientVersionMinor=%s' "$k8s_minor" "$k8s_minor"
  fi
}
gobin_install helm "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" "$(helm_ldflags v4 "$HELM_VERSION")"
gobin_install helm3 "helm.sh/helm/v3/cmd/helm@$HELM3_VERSION" "$(helm_ldflags v3 "$HELM3_VERSION")"

# kwok's stages ship in its module; copy the ones the lab uses next to the binaries.
kwok_dir=$(cd "$here/kube" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
mkdir -p "$out.tmp/kwok-stages"
cp -r "$kwok_dir/kustomize/stage/." "$out.tmp/kwok-stages/"
chmod -R u+w "$out.tmp/kwok-stages"

rm -rf "$out"; mv "$out.tmp" "$out"
log "built in $(( $(date +%s) - start ))s into $out"
echo "$out"
