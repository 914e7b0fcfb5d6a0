#!/usr/bin/env bash
# Runs the official Databricks clients against a local warehouse, as their users would:
# Python databricks-sql-connector (default mode, use_sea, use_kernel) and databricks-sdk,
# Node @databricks/sql (useKernel), JDBC databricks-jdbc (default mode and UseThriftClient=0).
# The clients install from PyPI, npm and Maven Central into $SLUICE_CLIENTS_CACHE (default
# ~/.cache/sluice-clients) on first use. The warehouse binary is $WAREHOUSE_BIN, else the
# debug build under $CARGO_TARGET_DIR (or target/). Prints PASS/FAIL lines and a summary;
# exits non-zero if any client failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cache="${SLUICE_CLIENTS_CACHE:-$HOME/.cache/sluice-clients}"
bin="${WAREHOUSE_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/sluice-warehouse}"
# 4.9's `kernel` extra asks for databricks-sql-kernel>=1.4, which the registry does not have;
# the newest published kernel (1.3) is installed beside it instead.
python_connector="databricks-sql-connector[pyarrow]==4.9.*"
python_kernel="databricks-sql-kernel==1.3.*"
python_sdk="databricks-sdk==0.167.*"
node_client="@databricks/sql@2.1"
jdbc_version="3.4.5"
mkdir -p "$cache"

if [ ! -x "$bin" ]; then
  echo "warehouse binary not found at $bin (cargo build -p sluice-warehouse, or set WAREHOUSE_BIN)" >&2
  exit 2
fi

# Clients, installed once (each marker names what was installed).
if [ ! -f "$cache/venv/.installed-4.9-0.167" ]; then
  python3 -m venv "$cache/venv"
  "$cache/venv/bin/pip" install --quiet "$python_connector" "$python_kernel" "$python_sdk"
  touch "$cache/venv/.installed-4.9-0.167"
fi
if [ ! -f "$cache/node/.installed-2.1" ]; then
  mkdir -p "$cache/node"
  (cd "$cache/node" && echo '{"private":true}' > package.json &&
    npm install --silent --no-audit --no-fund "$node_client")
  touch "$cache/node/.installed-2.1"
fi
if [ ! -f "$cache/jdbc/.installed-$jdbc_version" ]; then
  mkdir -p "$cache/jdbc"
  cat > "$cache/jdbc/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>jdbc-judge</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>com.databricks</groupId><artifactId>databricks-jdbc</artifactId><version>$jdbc_version</version></dependency>
  </dependencies>
</project>
POM
  (cd "$cache/jdbc" && mvn -q dependency:copy-dependencies -DoutputDirectory=lib)
  touch "$cache/jdbc/.installed-$jdbc_version"
fi
javac -d "$cache/jdbc/classes" -cp "$cache/jdbc/lib/*" "$here/Jdbc.java"

# The warehouse, on a free port; its ready line tells the clients where it is.
state="$(mktemp -d)"
"$bin" --port 0 --tpch-scale 0.001 --state-dir "$state" > "$state/ready" 2> "$state/log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$state"' EXIT
for _ in $(seq 1 100); do
  [ -s "$state/ready" ] && break
  sleep 0.1
done
ready="$(head -n1 "$state/ready")"
[ -n "$ready" ] || { echo "the warehouse did not start:" >&2; cat "$state/log" >&2; exit 2; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$ready" "$1"; }

status=0
export WAREHOUSE_READY="$ready"
"$cache/venv/bin/python" "$here/python_clients.py" 2> "$state/python.err" || { status=1; tail -n 30 "$state/python.err" >&2; }
NODE_PATH="$cache/node/node_modules" node "$here/node_clients.js" || status=1
java -cp "$cache/jdbc/classes:$cache/jdbc/lib/*" Jdbc "$(field host)" "$(field port)" \
  "$(field http_path)" "$(field token)" "$(field ca_path)" 2> "$state/jdbc.err" || { status=1; grep -v "^\s*at " "$state/jdbc.err" | tail -n 30 >&2; }
if [ "$status" = 0 ]; then echo "official clients: all passed"; else echo "official clients: some failed"; fi
exit "$status"
