#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, typecheck, lint, unit and process tests, then the
# end-to-end tests under a real systemd in a container.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

bash tools/setup/setup.sh
npx tsc -p tsconfig.json
# --skip-nx-cache: the suite is for proving the tree works now, not replaying an older result.
npx nx run-many -t lint --parallel=2 --skip-nx-cache
npx nx run-many -t build --parallel=2 --skip-nx-cache
npx nx run-many -t test --parallel=1 --skip-nx-cache --output-style=static
npx nx run-many -t e2e --parallel=1 --skip-nx-cache --output-style=static
