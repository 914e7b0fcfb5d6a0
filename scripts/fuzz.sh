#!/usr/bin/env bash
# Fuzzes the kernel's parsers of server data (API JSON, LZ4 frames, Arrow IPC chunks) for a
# bounded time each, growing the corpus kept in fuzz/corpus. Needs the nightly toolchain (rustup);
# installs cargo-fuzz from crates.io when it is missing.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${SLUICE_FUZZ_SECONDS:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
for target in wire_json lz4_frames arrow_chunk; do
  echo "fuzzing $target for ${seconds}s"
  cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048
done
