#!/usr/bin/env bash
# Install the Debian packages the lab and the tests need, only those missing.
# `install-host-packages.sh datapath`: those of the data path tier (tests/datapath) instead.
set -euo pipefail
# netavark runs iptables to set up the lab network; --no-install-recommends leaves it out.
pkgs=(podman runc debootstrap xfsprogs e2fsprogs util-linux aardvark-dns netavark iptables python3-venv)
if [ "${1:-}" = datapath ]; then
  # PostgreSQL 15 (Debian 12 has no 16), iproute2 for the tier's namespaces, curl for signed S3 requests,
  # Maven for the Nessie runner jar; Go and the Temurin 25 JDK come with this kind of machine.
  pkgs=(postgresql-15 postgresql-client-15 iproute2 util-linux curl maven python3-venv)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "[lab] installing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" != 0 ]; then
  echo "[lab] error: these packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
