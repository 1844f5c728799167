#!/usr/bin/env bash
# Sets MQIS up (if needed) and runs it with the demo North West region on SQLite.
# MQIS_HOST and MQIS_PORT choose where it listens (default 127.0.0.1:8000).
# Extra arguments are passed to `mqis demo`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/setup.sh
host=${MQIS_HOST:-127.0.0.1}
port=${MQIS_PORT:-8000}
echo "[run-demo] starting MQIS on http://$host:$port/ (Ctrl-C to stop)"
exec .venv/bin/mqis demo --host "$host" --port "$port" "$@"
