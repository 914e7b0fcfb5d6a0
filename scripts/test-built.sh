#!/usr/bin/env bash
# The release workflow's test of one platform's builds on its own OS: the addon (placed at the
# package root as sluice.<platform>.node, where the generated loader looks first) and the
# warehouse (SLUICE_WAREHOUSE_BIN), through the TypeScript tests that need no Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${SLUICE_WAREHOUSE_BIN:-}" ] || { echo "test-built.sh: set SLUICE_WAREHOUSE_BIN" >&2; exit 1; }
npm install --no-audit --no-fund
npm run build:ts
rm -rf .build-test && npx tsc -p tsconfig.test.json
tests=(end-to-end pep249 cross-backend values-decoding recordings native-loader metadata abort)
node --test --test-concurrency=1 $(printf ".build-test/__test__/%s.test.js " "${tests[@]}")
