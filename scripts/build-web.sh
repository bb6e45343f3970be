#!/usr/bin/env bash
# Builds the web console into web/dist when its sources changed since the
# last build (npm ci only when package-lock.json changed).
set -euo pipefail
cd "$(dirname "$0")/../web"
stamp=node_modules/.zhendi-lock
if [[ ! -f $stamp ]] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi
if [[ -f dist/index.html && -f dist/m/index.html ]] && [[ -z $(find src index.html m vite.config.* package.json public -newer dist/index.html -print -quit 2>/dev/null) ]]; then
  exit 0
fi
npm run build
