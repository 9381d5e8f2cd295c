#!/usr/bin/env bash
# The data path tier's servers and clients (tests/datapath), built or fetched once per pinned
# version (lab/datapath.env) into the lab cache; prints that directory. Never writes into the
# repository. MinIO and mc come from Go modules (`go install` at the exact pseudo-version the proxy
# serves), Nessie's runner jar from Maven Central (Maven checks its .sha1; the pinned SHA-256 is
# checked here), Kafka's jars from Maven Central, pyiceberg and confluent-kafka from PyPI into a venv of
# its own. PostgreSQL is a Debian package (lab/install-host-packages.sh datapath). helm (the lab's pinned v4)
# renders the collection's charts. Layer 02: Trino's server tarball from Maven Central (only the plugins the
# catalogs use are kept), and Spark as the collection's image has it: pyspark from PyPI plus every jar of
# images/spark/jars.lock.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=/dev/null
. "$here/datapath.env"
# helm renders the collection's setup chart; its pin is the lab's (read, never changed, here).
HELM_VERSION=$(sed -n 's/^HELM_VERSION=//p' "$here/versions.env")
# Spark is the version the collection's image is built of (read, never changed, here).
SPARK_VERSION=$(sed -n 's/^SPARK_VERSION=//p' "$repo/images/spark/image.env")

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

maven_copy() { # local repository, output directory, group:artifact:version[:type]: one artifact, no
  # dependencies; Maven checks the checksum Central serves beside it (--strict-checksums).
  mvn -q -B -Dstyle.color=never --strict-checksums "-Dmaven.repo.local=$1" dependency:copy "-Dartifact=$3" "-DoutputDirectory=$2" \
    -Dmdep.overWriteReleases=true >&2
}

sha256_check() { # file, pinned SHA-256, where it is pinned: a mismatch removes the file and fails
  local sum
  sum=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$2" = "-" ] || [ -z "$2" ]; then
    log "error: $(basename "$1") has no SHA-256 pinned in $3; the checked download's is $sum: record it there"
    rm -f "$1"; exit 1
  elif [ "$sum" != "$2" ]; then
    log "error: $(basename "$1") has SHA-256 $sum, $3 pins $2; removing it"
    rm -f "$1"; exit 1
  fi
}

nessie_fetch() {
  local dir="$cache/nessie-$NESSIE_VERSION" jar tmp
  jar="$dir/nessie-quarkus-$NESSIE_VERSION-runner.jar"
  if [ ! -f "$jar" ]; then
    log "fetching org.projectnessie.nessie:nessie-quarkus:$NESSIE_VERSION:runner from Maven Central (245 MB, once)"
    tmp=$(mktemp -d)
    maven_copy "$tmp/m2" "$tmp/out" "org.projectnessie.nessie:nessie-quarkus:$NESSIE_VERSION:jar:runner"
    mkdir -p "$dir"
    mv "$tmp/out/nessie-quarkus-$NESSIE_VERSION-runner.jar" "$jar.tmp"
    rm -rf "$tmp"
    mv "$jar.tmp" "$jar"
  fi
  sha256_check "$jar" "$NESSIE_RUNNER_SHA256" lab/datapath.env
}

trino_dir() { # the server's directory name: its version and the plugins kept
  echo "trino-$TRINO_VERSION-$(echo "$TRINO_PLUGINS" | sha256sum | cut -c1-8)"
}

trino_fetch() {
  # The whole io.trino:trino-server tarball is the one artifact that holds every plugin of the same
  # version (the PostgreSQL plugin is not served on its own); only what the catalogs use is kept.
  local dir tmp start plugins p
  dir="$cache/$(trino_dir)"
  [ -f "$dir/.installed" ] && return 0
  log "fetching io.trino:trino-server:$TRINO_VERSION:tar.gz from Maven Central (820 MB, once)"
  start=$(date +%s)
  tmp=$(mktemp -d)
  maven_copy "$tmp/m2" "$tmp/out" "io.trino:trino-server:$TRINO_VERSION:tar.gz"
  sha256_check "$tmp/out/trino-server-$TRINO_VERSION.tar.gz" "$TRINO_SERVER_SHA256" lab/datapath.env
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  # Plugins share jars as hard links into one another: extract all, then drop the plugins not used.
  tar -xzf "$tmp/out/trino-server-$TRINO_VERSION.tar.gz" -C "$dir.tmp" --strip-components=1
  rm -rf "$tmp"
  IFS=, read -ra plugins <<<"$TRINO_PLUGINS"
  for p in "$dir.tmp"/plugin/*; do
    case " ${plugins[*]} " in *" $(basename "$p") "*) ;; *) rm -rf "$p" ;; esac
  done
  touch "$dir.tmp/.installed"
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
  log "Trino $TRINO_VERSION ready in $(( $(date +%s) - start ))s (plugins: $TRINO_PLUGINS)"
}

lock_entries() { # "group:artifact:version sha256 file" for each jar of images/spark/jars.lock
  local coord sha artifact version
  while read -r coord sha; do
    case "$coord" in ''|'#'*) continue ;; esac
    IFS=: read -r _ artifact version <<<"$coord"
    echo "$coord $sha $artifact-$version.jar"
  done < "$repo/images/spark/jars.lock"
}

spark_fetch() {
  # pyspark of the image's Spark version from PyPI, with the jars of images/spark/jars.lock in its jars/
  # (the image copies them into /opt/spark/jars): the venv is the image's Spark, keyed by both.
  local key dir tmp start coord sha file jars="$cache/maven-jars" site
  key=$(cat "$repo/images/spark/jars.lock" <(echo "$SPARK_VERSION") | sha256sum | cut -c1-12)
  dir="$cache/spark-$SPARK_VERSION-$key"
  [ -f "$dir/.installed" ] && return 0
  log "creating Spark: pyspark $SPARK_VERSION from PyPI and the jars of images/spark/jars.lock (once)"
  start=$(date +%s)
  tmp=$(mktemp -d)
  mkdir -p "$jars"
  while read -r coord sha file; do
    [ -s "$jars/$file" ] || { maven_copy "$tmp/m2" "$tmp/out" "$coord"; mv "$tmp/out/$file" "$jars/$file"; }
    sha256_check "$jars/$file" "$sha" images/spark/jars.lock
  done < <(lock_entries)
  rm -rf "$tmp" "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "pyspark==$SPARK_VERSION" >&2
  site=$("$dir/bin/python" -c 'import pyspark, os; print(os.path.dirname(pyspark.__file__))')
  while read -r coord sha file; do  # a hard link where it can be: each jar is on disk once
    cp -l "$jars/$file" "$site/jars/" 2>/dev/null || cp "$jars/$file" "$site/jars/"
  done < <(lock_entries)
  touch "$dir/.installed"
  log "Spark ready in $(( $(date +%s) - start ))s"
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
trino_fetch
spark_fetch
echo "$cache"
