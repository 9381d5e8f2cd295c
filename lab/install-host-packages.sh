#!/usr/bin/env bash
# Install the Debian packages the lab and the tests need, only those missing.
set -euo pipefail
# netavark runs iptables to set up the lab network; --no-install-recommends leaves it out.
pkgs=(podman runc debootstrap xfsprogs e2fsprogs util-linux aardvark-dns netavark iptables python3-venv)
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
