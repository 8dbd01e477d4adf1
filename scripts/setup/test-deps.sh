#!/usr/bin/env bash
# What the test suite needs beyond npm packages: the Python venv for interop tests and the
# MongoDB-compatible server (scripts/setup/*.server.sh). Runs as npm's `pretest`; idempotent and fast when present.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup/python.sh
for step in scripts/setup/*.server.sh; do
  [ -f "$step" ] || continue
  bash "$step"
done
