#!/usr/bin/env bash
# Installs Omniboard (npm package `omniboard`, the Sacred dashboard) into .cache/omniboard for the MongoDB tests,
# which start it against the test server and read runs back through its HTTP API. Idempotent: exits at once when
# the wanted version is there. Run by `npm test`'s pretest (scripts/setup/test-deps.sh).
#
# Omniboard 2.16.1 lists its build tools (babel, semantic-release with a whole npm) as runtime dependencies
# (~530 MB, minutes to install). Its published dist/ server only requires the packages below, so we unpack the
# real package and install just those, with the version ranges its own package.json gives.
set -euo pipefail
cd "$(dirname "$0")/../.."

OMNIBOARD_VERSION=2.16.1
DIR="$PWD/.cache/omniboard"
MARKER="$DIR/.installed-$OMNIBOARD_VERSION"
[ -f "$MARKER" ] && exit 0

mkdir -p "$DIR"
exec 9>"$DIR/../omniboard.lock"
flock 9
[ -f "$MARKER" ] && exit 0

echo "omniboard.server.sh: installing omniboard@$OMNIBOARD_VERSION (server runtime only) into $DIR" >&2
rm -rf "$DIR/node_modules" "$DIR/omniboard" "$DIR/package.json" "$DIR/package-lock.json"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "omniboard@$OMNIBOARD_VERSION" >/dev/null)
# The package goes next to node_modules (npm would prune it from inside): its requires resolve upwards.
mkdir -p "$DIR/omniboard"
tar -xzf "$TMP"/omniboard-*.tgz -C "$DIR/omniboard" --strip-components=1
node -e '
  const fs = require("fs");
  const pkg = JSON.parse(fs.readFileSync(process.argv[1] + "/omniboard/package.json", "utf8"));
  const runtime = ["archiver", "body-parser", "express", "express-restify-mongoose", "express-session", "gridfs-stream",
    "lodash.isplainobject", "method-override", "moredots", "mongoose", "morgan", "yargs"];
  const deps = Object.fromEntries(runtime.map((n) => {
    if (!pkg.dependencies[n]) throw new Error("omniboard no longer depends on " + n);
    return [n, pkg.dependencies[n]];
  }));
  fs.writeFileSync(process.argv[1] + "/package.json", JSON.stringify({ name: "omniboard-runtime", private: true, dependencies: deps }, null, 2));
' "$DIR"
(cd "$DIR" && npm install --silent --no-audit --no-fund --ignore-scripts --no-package-lock >&2)
test -f "$DIR/omniboard/dist/start.js"
(cd "$DIR/omniboard" && node -e 'require("mongoose"); require("express"); require("express-restify-mongoose"); require("gridfs-stream")')
touch "$MARKER"
