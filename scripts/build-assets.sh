#!/usr/bin/env bash
# Builds MQIS's front-end assets into mqis/static/vendor/ (not committed: it is built).
#   - mqis/frontend/mqis.scss -> mqis/static/vendor/mqis.css (GOV.UK Frontend Sass)
#   - GOV.UK Frontend's JavaScript and images -> mqis/static/vendor/govuk/
#   - axe-core (for the accessibility checks in browser tests) -> mqis/static/vendor/axe/
# npm packages come from mqis/frontend/package-lock.json; `npm ci` is skipped when
# node_modules already matches the lock file.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
frontend="$root/mqis/frontend"
vendor="$root/mqis/static/vendor"
modules="$frontend/node_modules"

say() { printf '[build-assets] %s\n' "$*"; }

command -v npm >/dev/null || { echo "build-assets: npm is not installed (run scripts/setup.sh)" >&2; exit 1; }

lock_hash=$(sha256sum "$frontend/package-lock.json" | cut -d' ' -f1)
stamp="$modules/.mqis-lock-sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  say "npm packages up to date"
else
  say "installing npm packages (npm ci)"
  (cd "$frontend" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" > "$stamp"
fi

govuk="$modules/govuk-frontend/dist/govuk"
mkdir -p "$vendor/govuk/assets" "$vendor/axe"

say "compiling mqis.scss -> mqis/static/vendor/mqis.css"
# GOV.UK Frontend 5 is written with @import; silence Sass's deprecation notices about
# code in the package (our own file's warnings still show).
"$modules/.bin/sass" \
  --no-source-map --style=compressed --load-path="$modules" --quiet-deps \
  --silence-deprecation=import \
  "$frontend/mqis.scss" "$vendor/mqis.css"

say "copying GOV.UK Frontend JavaScript and images, and axe-core"
cp "$govuk/govuk-frontend.min.js" "$vendor/govuk/govuk-frontend.min.js"
rm -rf "$vendor/govuk/assets/images"
cp -R "$govuk/assets/images" "$vendor/govuk/assets/images"
cp "$modules/axe-core/axe.min.js" "$vendor/axe/axe.min.js"

say "done"
