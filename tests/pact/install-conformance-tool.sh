#!/bin/sh
# Copies PACT's conformance tool (MIT; ../shared/data/pact/conformance-service, read-only there) to
# var/pact-conformance and installs its npm packages from its lockfile (npm ci). Run by
# `make node-deps` and, when the copy is missing, by tests/test_pact_conformance.py.
set -e
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC=${PACT_CONFORMANCE_SRC:-$ROOT/../shared/data/pact/conformance-service}
DEST=$ROOT/var/pact-conformance
if [ ! -f "$SRC/package-lock.json" ]; then
  echo "PACT conformance tool not found at $SRC" >&2
  exit 1
fi
if [ -f "$DEST/node_modules/.package-lock.json" ] && [ "$DEST/node_modules/.package-lock.json" -nt "$SRC/package-lock.json" ]; then
  exit 0
fi
rm -rf "$DEST"
mkdir -p "$ROOT/var"
cp -R "$SRC" "$DEST"
chmod -R u+w "$DEST"
npm ci --prefix "$DEST" --no-audit --no-fund --loglevel=error
