#!/usr/bin/env bash
# Installs toxiproxy-server (the TCP fault proxy of reliability/tcp-faults.test.ts) from the Go
# module proxy into a cache outside the clone, once per pinned version, and prints its path.
# Its log goes to stderr so callers can capture the path alone.
set -euo pipefail

VERSION=v2.12.0
DIR="${SLUICE_TOOLS_DIR:-$HOME/.cache/sluice/bin}"
BIN="$DIR/toxiproxy-server-$VERSION"

if [ ! -x "$BIN" ]; then
  GO="$(command -v go || echo /usr/local/go/bin/go)"
  [ -x "$GO" ] || { echo "toxiproxy.sh: no Go toolchain (looked on PATH and at /usr/local/go/bin/go)" >&2; exit 1; }
  mkdir -p "$DIR"
  staging="$(mktemp -d "$DIR/.install.XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  echo "toxiproxy.sh: installing toxiproxy-server $VERSION into $DIR" >&2
  # The package is cmd/server, so go install names the binary "server"; it is renamed with its
  # version, and moved into place only once complete, so a half-done install is never picked up.
  GOBIN="$staging" CGO_ENABLED=0 "$GO" install "github.com/Shopify/toxiproxy/v2/cmd/server@$VERSION" >&2
  mv "$staging/server" "$BIN"
fi
echo "$BIN"
