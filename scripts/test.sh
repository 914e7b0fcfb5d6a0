#!/usr/bin/env bash
# The whole test suite: formatting and lint, the builds, the Rust tests, then the TypeScript tests
# against the built addon and a spawned local warehouse. The runners' own summaries end the output.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
npx biome check .
# The GitHub workflows, checked by actionlint (installed once into a cache outside the clone).
# Without its shellcheck and pyflakes passes, so the result does not depend on what the host has.
"$(bash scripts/actionlint.sh)" -shellcheck= -pyflakes=
npm run build:native
npm run build:ts
rm -rf .build-test && npx tsc -p tsconfig.test.json
git diff --exit-code -- index.d.ts || { echo "index.d.ts drifted from the binding: commit the regenerated file" >&2; exit 1; }
# Also builds the sluice-warehouse binary the TypeScript tests start (cargo builds a package's
# binaries for its integration tests), so DataFusion compiles once, not twice.
cargo test --workspace
# The tarballs a user on this platform would install (release builds), for __test__/packaging.test.ts.
npm run pack
# The TCP fault tests run through toxiproxy-server, installed once into a cache outside the clone.
SLUICE_TOXIPROXY_BIN="$(bash scripts/toxiproxy.sh)"
export SLUICE_TOXIPROXY_BIN
# The reliability suite runs too, with a short soak (npm run test:reliability takes longer ones).
SLUICE_SOAK_SECONDS="${SLUICE_SOAK_SECONDS:-15}" node --test --test-concurrency=1 .build-test/__test__/ .build-test/reliability/
