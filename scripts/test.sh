#!/usr/bin/env bash
# Runs every check MQIS has: ruff, mypy, then the whole pytest suite twice, on SQLite
# (the embedded default) and on a throwaway PostgreSQL 15 cluster that this script
# starts on 127.0.0.1 and removes when it ends. Sets the machine up first (setup.sh).
# Extra arguments go to both pytest runs:  scripts/test.sh -k sign_in -x
# Exits non-zero if any step fails, and if pytest collects no tests.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '\n[test] %s\n' "$*"; }

scripts/setup.sh

failed=()

say "ruff check mqis tests bench conftest.py"
.venv/bin/ruff check mqis tests bench conftest.py || failed+=("ruff")

say "mypy mqis"
.venv/bin/mypy mqis || failed+=("mypy")

# --- a throwaway PostgreSQL 15 cluster --------------------------------------------
pgbin=/usr/lib/postgresql/15/bin
work=$(mktemp -d "${TMPDIR:-/tmp}/mqis-test.XXXXXX")
chmod 755 "$work"
pgdata="$work/pgdata"

as_pg() {
  # initdb and postgres refuse to run as root: run them as the postgres OS user.
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$work" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

cleanup() {
  if [ -f "$pgdata/postmaster.pid" ]; then
    as_pg "$pgbin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true
    echo "[test] PostgreSQL test cluster stopped"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(.venv/bin/python - <<'PY'
import socket

def free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True

if free(54329):
    print(54329)
else:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
PY
)

say "starting a throwaway PostgreSQL 15 cluster on 127.0.0.1:$port"
mkdir -p "$pgdata"
[ "$(id -u)" -ne 0 ] || chown postgres: "$pgdata"
as_pg "$pgbin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
  --no-sync >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
as_pg "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 start -o \
  "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$pgdata' \
   -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null \
  || { cat "$pgdata/server.log" >&2; exit 1; }
"$pgbin/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
  -c "CREATE ROLE mqis LOGIN CREATEDB" -c "CREATE DATABASE mqis OWNER mqis"

# --- pytest, twice ------------------------------------------------------------------
run_pytest() {
  local name=$1; shift
  local rc=0
  "$@" || rc=$?
  case $rc in
    0) ;;
    5) echo "[test] pytest on $name collected no tests: that is a failure" >&2; failed+=("pytest-$name") ;;
    *) failed+=("pytest-$name") ;;
  esac
}

say "pytest on SQLite"
mkdir -p "$work/data-sqlite"
run_pytest sqlite env -u DATABASE_URL MQIS_DATA_DIR="$work/data-sqlite" \
  .venv/bin/python -m pytest "$@"

say "pytest on PostgreSQL 15"
mkdir -p "$work/data-postgres"
run_pytest postgres env MQIS_DATA_DIR="$work/data-postgres" \
  DATABASE_URL="postgresql://mqis@127.0.0.1:$port/mqis" \
  .venv/bin/python -m pytest "$@"

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "[test] FAILED: ${failed[*]}"
  exit 1
fi
echo "[test] all checks passed: ruff, mypy, pytest on SQLite and on PostgreSQL"
