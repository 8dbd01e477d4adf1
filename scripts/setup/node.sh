#!/usr/bin/env bash
# npm dependencies, the TypeScript build and the ddp shared-memory addon (C, needs cc; quick when up to date).
# Skips `npm ci` when node_modules matches package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
stamp=node_modules/.wsovvis-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
npx tsc -b
node packages/ddp/scripts/build-native.mjs
