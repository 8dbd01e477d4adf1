#!/usr/bin/env bash
# Builds the MongoDB-compatible test server: FerretDB 1.x with its SQLite backend (pure Go, no PostgreSQL needed),
# from its Go module, into .cache/ferretdb/bin/ferretdb. Idempotent: exits at once when that binary already reports
# the wanted version. Run by `npm test`'s pretest (scripts/setup/test-deps.sh); the vitest global setup
# (test/utils/mongo-global-setup.ts) starts the binary on 127.0.0.1 with a free port and a temporary data dir.
#
# Built even when MONGO_URL points the tests at a real MongoDB: the outage tests stop and restart a server of their
# own, which only FerretDB lets them do. Any failure here is fatal (also in CI), so a missing server can never turn
# into skipped tests.
set -euo pipefail
cd "$(dirname "$0")/../.."

FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_VERSION=v1.24.2
BIN_DIR="$PWD/.cache/ferretdb/bin"
BIN="$BIN_DIR/ferretdb"

if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "version: $FERRETDB_VERSION"; then
  exit 0
fi

mkdir -p "$BIN_DIR"
exec 9>"$BIN_DIR/../build.lock"
flock 9
# Another process may have built it while we waited for the lock.
if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "version: $FERRETDB_VERSION"; then
  exit 0
fi

GO=$(command -v go || true)
[ -z "$GO" ] && [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go
if [ -z "$GO" ]; then
  echo "ferretdb.server.sh: no Go toolchain on PATH; installing Debian's golang-go (newer toolchains come from the module proxy via GOTOOLCHAIN=auto)" >&2
  if command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go) >&2 || true
  fi
  GO=$(command -v go || true)
fi
if [ -z "$GO" ]; then
  echo "ferretdb.server.sh: cannot build FerretDB: no Go toolchain (install Go >= 1.21, or set MONGO_URL to a MongoDB)" >&2
  exit 1
fi

echo "ferretdb.server.sh: building FerretDB $FERRETDB_VERSION (SQLite backend) into $BIN (takes about 2 minutes once)" >&2
# `go install module@version` refuses here: FerretDB panics at start unless build/version/version.txt names the
# version (its release builds generate that file), so build from a writable copy of the module source with the file.
export GOFLAGS=-mod=readonly GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
SRC_CACHE=$("$GO" mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$SRC_CACHE" ] || [ ! -d "$SRC_CACHE" ]; then
  echo "ferretdb.server.sh: go mod download $FERRETDB_MODULE@$FERRETDB_VERSION gave no source directory" >&2
  exit 1
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -r "$SRC_CACHE" "$WORK/src"
chmod -R u+w "$WORK/src"
echo "$FERRETDB_VERSION" > "$WORK/src/build/version/version.txt"
(cd "$WORK/src" && "$GO" build -trimpath -tags ferretdb_no_postgresql -o "$WORK/ferretdb" ./cmd/ferretdb)
mv "$WORK/ferretdb" "$BIN"
"$BIN" --version | head -1 >&2
