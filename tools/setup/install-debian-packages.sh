#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the benchmarks need.
# Idempotent; skips apt entirely when everything is already present.
set -euo pipefail

packages=(
  # build: sd-notify and unix-dgram are native addons
  build-essential python3 libsystemd-dev
  # tests: socket activation, a real systemd in a container
  systemd systemd-container debootstrap iproute2 procps curl
  # real peers for interop tests and benchmarks
  lighttpd nginx php8.2-fpm php8.2-cgi libfcgi-bin spawn-fcgi wrk apache2-utils util-linux
  # the demo's browser test (tools/demo/demo-browser.test.ts): headless, over the DevTools protocol
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-debian-packages: need root to install: ${missing[*]}" >&2
  exit 1
fi

# Package scripts must not start the peers' own system services: tests start their own copies.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f "$policy"' EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
