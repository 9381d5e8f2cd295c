#!/usr/bin/env bash
# Builds one of the collection's images: images/build.sh NAME [--push]
#   REGISTRY   where to push (e.g. registry.example.com); the image is REGISTRY/IMAGE:TAG (image.env)
#   MAVEN_REPO the Maven repository or mirror the jars come from (default: Maven Central)
#   BUILDER    podman, buildah or docker (the first one found)
# Each jar of jars.lock is downloaded once into ~/.cache/openlakes-images/<sha-or-coordinate>, verified against its
# sha256, and copied into the build context: the container build downloads nothing.
set -euo pipefail
name=${1:?usage: images/build.sh NAME [--push]}
push=${2:-}
here=$(cd "$(dirname "$0")/$name" && pwd)
# shellcheck source=/dev/null
. "$here/image.env"
repo=${MAVEN_REPO:-https://repo1.maven.org/maven2}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/openlakes-images/jars
builder=${BUILDER:-$(command -v podman || command -v buildah || command -v docker || true)}
[ -n "$builder" ] || { echo "images/build.sh: no podman, buildah or docker on this machine" >&2; exit 2; }
ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/jars" "$cache"
while read -r coord sha; do
  case "$coord" in ''|'#'*) continue ;; esac
  IFS=: read -r group artifact version <<<"$coord"
  file="$artifact-$version.jar"
  url="$repo/${group//.//}/$artifact/$version/$file"
  if [ ! -s "$cache/$file" ]; then
    curl -fsSL --retry 3 -o "$cache/$file.part" "$url" || { echo "images/build.sh: cannot fetch $url" >&2; exit 1; }
    mv -f "$cache/$file.part" "$cache/$file"
  fi
  got=$(sha256sum "$cache/$file" | cut -d' ' -f1)
  if [ "$sha" = "-" ]; then
    echo "images/build.sh: $coord has no sha256 in jars.lock; it downloaded as $got: record it there" >&2; exit 1
  elif [ "$got" != "$sha" ]; then
    echo "images/build.sh: $coord: sha256 $got, jars.lock says $sha" >&2; exit 1
  fi
  cp "$cache/$file" "$ctx/jars/"
done < "$here/jars.lock"
cp "$here/Containerfile" "$ctx/"
ref="${REGISTRY:+$REGISTRY/}$IMAGE:$TAG"
"$builder" build --build-arg "BASE=$BASE" -t "$ref" -f "$ctx/Containerfile" "$ctx"
[ "$push" = "--push" ] && "$builder" push "$ref"
echo "$ref"
