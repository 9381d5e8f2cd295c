#!/usr/bin/env bash
# The data path tier's servers and clients (tests/datapath), built or fetched once per pinned
# version (lab/datapath.env) into the lab cache; prints that directory. Never writes into the
# repository. MinIO and mc come from Go modules (`go install` at the exact pseudo-version the proxy
# serves), Nessie's runner jar from Maven Central (Maven checks its .sha1; the pinned SHA-256 is
# checked here), Kafka's jars from Maven Central, pyiceberg and confluent-kafka from PyPI into a venv of
# its own. PostgreSQL is a Debian package (lab/install-host-packages.sh datapath). helm (the lab's pinned v4) renders the setup chart.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=/dev/null
. "$here/datapath.env"
# helm renders the collection's setup chart; its pin is the lab's (read, never changed, here).
HELM_VERSION=$(sed -n 's/^HELM_VERSION=//p' "$here/versions.env")

cache=${OPENLAKES_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openlakes-lab}/datapath
mkdir -p "$cache"
log() { echo "[build-datapath] $*" >&2; }
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

gobin_install() { # name, module, version: $cache/<name>-<version>/<name>
  local name=$1 module=$2 version=$3 dir tmp start
  dir="$cache/$name-$version"
  [ -x "$dir/$name" ] && return 0
  log "building $name from $module@$version (a few CPU-minutes, once)"
  start=$(date +%s)
  tmp=$(mktemp -d)
  GOBIN=$tmp nice go install -trimpath -ldflags "-s -w" "$module@$version" >&2
  mkdir -p "$dir.tmp"; mv "$tmp/$name" "$dir.tmp/$name"; rm -rf "$tmp"
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
  log "built $name in $(( $(date +%s) - start ))s"
}

nessie_fetch() {
  local dir="$cache/nessie-$NESSIE_VERSION" jar sum tmp
  jar="$dir/nessie-quarkus-$NESSIE_VERSION-runner.jar"
  if [ ! -f "$jar" ]; then
    log "fetching org.projectnessie.nessie:nessie-quarkus:$NESSIE_VERSION:runner from Maven Central (245 MB, once)"
    tmp=$(mktemp -d)
    mvn -q -B --strict-checksums -Dmaven.repo.local="$tmp/m2" dependency:copy \
      "-Dartifact=org.projectnessie.nessie:nessie-quarkus:$NESSIE_VERSION:jar:runner" \
      "-DoutputDirectory=$tmp/out" -Dmdep.overWriteReleases=true >&2
    mkdir -p "$dir"
    mv "$tmp/out/nessie-quarkus-$NESSIE_VERSION-runner.jar" "$jar.tmp"
    rm -rf "$tmp"
    mv "$jar.tmp" "$jar"
  fi
  sum=$(sha256sum "$jar" | cut -d' ' -f1)
  if [ -n "$NESSIE_RUNNER_SHA256" ] && [ "$sum" != "$NESSIE_RUNNER_SHA256" ]; then
    log "error: $jar has SHA-256 $sum, lab/datapath.env pins $NESSIE_RUNNER_SHA256; removing it"
    rm -f "$jar"
    exit 1
  fi
  [ -n "$NESSIE_RUNNER_SHA256" ] || log "warning: no NESSIE_RUNNER_SHA256 pinned; this jar's is $sum"
}

kafka_fetch() { # the broker's jars: $cache/kafka-<version>/libs
  local dir="$cache/kafka-$KAFKA_VERSION" tmp
  [ -f "$dir/.complete" ] && return 0
  log "fetching org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its runtime dependencies from Maven Central (44 MB, once)"
  tmp=$(mktemp -d)
  cat > "$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.openlakes.datapath</groupId><artifactId>kafka-broker</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>$SLF4J_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>$SLF4J_VERSION</version></dependency>
  </dependencies>
</project>
POM
  (cd "$tmp" && mvn -q -B --strict-checksums -Dmaven.repo.local="$tmp/m2" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp/libs" >&2)
  rm -rf "$dir"; mkdir -p "$dir"
  mv "$tmp/libs" "$dir/libs"
  rm -rf "$tmp"
  touch "$dir/.complete"
}

client_venv() {
  local key dir
  key=$(sha256sum "$repo/requirements/datapath.txt" | cut -c1-12)
  dir="$cache/venv-$key"
  [ -x "$dir/bin/python" ] && [ -f "$dir/.installed" ] && return 0
  log "creating the clients' venv (requirements/datapath.txt: pyiceberg, confluent-kafka)"
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check -r "$repo/requirements/datapath.txt" >&2
  touch "$dir/.installed"
}

gobin_install minio github.com/minio/minio "$MINIO_MODULE_VERSION"
gobin_install mc github.com/minio/mc "$MC_MODULE_VERSION"
gobin_install helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION"
nessie_fetch
kafka_fetch
client_venv
echo "$cache"
