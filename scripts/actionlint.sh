#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow checker the suite runs on .github/workflows)
# from the Go module proxy into a cache outside the clone, once per pinned version, and prints
# its path. Its log goes to stderr so callers can capture the path alone.
set -euo pipefail

VERSION=v1.7.12
DIR="${SLUICE_TOOLS_DIR:-$HOME/.cache/sluice/bin}"
BIN="$DIR/actionlint-$VERSION"

if [ ! -x "$BIN" ]; then
  GO="$(command -v go || echo /usr/local/go/bin/go)"
  [ -x "$GO" ] || { echo "actionlint.sh: no Go toolchain (looked on PATH and at /usr/local/go/bin/go)" >&2; exit 1; }
  mkdir -p "$DIR"
  staging="$(mktemp -d "$DIR/.install.XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  echo "actionlint.sh: installing actionlint $VERSION into $DIR" >&2
  GOBIN="$staging" CGO_ENABLED=0 "$GO" install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION" >&2
  mv "$staging/actionlint" "$BIN"
fi
echo "$BIN"
