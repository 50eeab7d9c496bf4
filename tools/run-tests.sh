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
log=$(mktemp)
trap 'rm -f "$log"' EXIT
npx nx run-many -t test --parallel=1 --skip-nx-cache --output-style=static 2>&1 | tee -a "$log"
npx nx run-many -t e2e --parallel=1 --skip-nx-cache --output-style=static 2>&1 | tee -a "$log"

# One closing line for the whole suite, summed over every jest run.
count() { sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^Tests:' | grep -oE "[0-9]+ $1" | awk '{ s += $1 } END { print s + 0 }'; }
echo "tests: $(count passed) passed, $(count failed) failed"
