#!/usr/bin/env bash
# npm run demo: installs what it needs, builds, and starts the appliance on this machine.
# The demo binds to loopback only and scans nothing (no subnets are configured). Later the lab
# (tests/lab) gives it a simulated branch LAN in network namespaces.
#   npm run demo               keep the demo's data between runs (data/demo)
#   npm run demo -- --fresh    start from an empty store (first boot, new setup code)
set -euo pipefail
cd "$(dirname "$0")/../.."

bash tests/lab/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build

export CARETAKER_DATA_DIR="${CARETAKER_DATA_DIR:-$PWD/data/demo}"
export CARETAKER_HOST="${CARETAKER_HOST:-127.0.0.1}"
export CARETAKER_PORT="${CARETAKER_PORT:-8080}"
export CARETAKER_LOG_LEVEL="${CARETAKER_LOG_LEVEL:-info}"

if [ "${1:-}" = "--fresh" ]; then
  rm -rf -- "$CARETAKER_DATA_DIR"
fi
mkdir -p "$CARETAKER_DATA_DIR"

url="http://$CARETAKER_HOST:$CARETAKER_PORT"
echo
echo "  Caretaker demo"
echo "  URL:        $url"
echo "  Data:       $CARETAKER_DATA_DIR"
echo "  Stop with Ctrl-C."
echo

node --max-semi-space-size=1 dist/src/cli.js serve & # the flags of npm start and the systemd unit
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' INT TERM EXIT

for _ in $(seq 1 100); do
  if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$url/api/v1/health"; then break; fi
  kill -0 "$pid" 2>/dev/null || { echo "The service did not start; see the log above." >&2; exit 1; }
  sleep 0.1
done
if [ -f "$CARETAKER_DATA_DIR/setup-code" ]; then
  echo
  echo "  First boot: open $url/setup and enter the setup code: $(cat "$CARETAKER_DATA_DIR/setup-code")"
  echo
else
  echo
  echo "  Open $url/login (forgot the password? npm run demo -- --fresh starts over)"
  echo
fi
wait "$pid"
