#!/usr/bin/env bash
# Sets up MQIS on a Debian 12 machine; safe to run again (it only does what is missing).
#   - Debian packages: PostgreSQL 15 (tests), Chromium (browser tests), poppler-utils
#     (PDF checks), Node.js/npm (front-end build), python3-venv
#   - .venv with the pinned Python packages (requirements.lock) and MQIS itself
#   - front-end assets (scripts/build-assets.sh)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

say() { printf '[setup] %s\n' "$*"; }

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  as_root=()
fi

# --- Debian packages --------------------------------------------------------------
missing=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
# WeasyPrint (the weekly report's PDF) needs Pango and an Arial-metric font.
[ -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || missing+=(fonts-liberation)
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ! -x .venv/bin/python ] && command -v python3 >/dev/null 2>&1 \
    && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && [ ${#as_root[@]} -eq 0 ]; then
    echo "setup: need Debian packages ${missing[*]} but am not root and have no sudo" >&2
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq "${missing[@]}"
else
  say "Debian packages present (postgresql 15, chromium, poppler-utils, npm)"
fi

# --- Python -----------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $(python3 --version)"
  python3 -m venv .venv
fi
# Reinstall only when the lock file or pyproject.toml changed since the last install.
req_hash=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
stamp=.venv/.mqis-requirements-sha256
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$req_hash" ] && [ -x .venv/bin/mqis ]; then
  say "Python packages up to date"
else
  say "installing Python packages from requirements.lock"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  echo "$req_hash" > "$stamp"
fi

# --- Front end --------------------------------------------------------------------
"$root/scripts/build-assets.sh"

say "ready"
