#!/usr/bin/env bash
# One-time setup for a fresh Debian 12 + Node 20 machine: Debian packages, then npm packages.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash tools/setup/install-debian-packages.sh

# npm ci only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
