#!/usr/bin/env bash
# npm run demo: installs what it needs, builds, and starts the appliance on a simulated branch LAN
# (tests/lab/demo.ts): the lab of network namespaces when run as root, else simulated devices on
# loopback addresses. Only the lab or loopback is ever scanned.
#   npm run demo               keep the demo's data between runs (data/demo)
#   npm run demo -- --fresh    start from an empty store (first boot, new setup code)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/lab/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
exec node --import tsx tests/lab/demo.ts "$@"
