#!/usr/bin/env bash
# npm test: installs what the tests need on a fresh Debian machine, builds, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/lab/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
exec npx vitest run --config tests/vitest.config.ts "$@"
