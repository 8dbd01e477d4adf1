#!/usr/bin/env bash
# Python venv for interop tests only (Sacred, pycocotools): never a runtime dependency of the product.
# Usage: scripts/setup/python.sh [requirements file] [venv dir]; defaults: requirements-test.txt, .venv
set -euo pipefail
cd "$(dirname "$0")/../.."
req=${1:-scripts/setup/requirements-test.txt}
venv=${2:-.venv}
mkdir -p .cache
exec 9>.cache/pip.lock
flock 9
want=$(sha256sum "$req" | cut -d' ' -f1)
stamp="$venv/.wsovvis-req-$(basename "$req").hash"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
