#!/usr/bin/env bash
# One-time setup for a fresh Debian 12 + Node 20 machine: Debian packages, then npm packages.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash tools/setup/install-debian-packages.sh

# Install only when the lockfile changed since the last install. `npm install` rather than
# `npm ci`: the lockfile records only this platform's optional native packages (swc, rollup),
# which `npm ci` rejects as out of sync; `npm install` takes the locked versions as they are.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
