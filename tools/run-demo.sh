#!/usr/bin/env bash
# The README's first command: setup, build, then the demo stack on its embedded configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

bash tools/setup/setup.sh
npx nx run-many -t build --skip-nx-cache
exec node --import tsx tools/demo/run-demo.ts "$@"
