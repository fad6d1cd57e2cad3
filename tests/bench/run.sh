#!/usr/bin/env bash
# npm run bench: builds, then runs every tests/bench/*.bench.ts one after the other.
# Timings are information, not pass/fail: this exits non-zero only when the build fails or a
# benchmark crashes, never because a figure is over its budget.
set -uo pipefail
cd "$(dirname "$0")/../.."

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund || { echo "bench: npm ci failed" >&2; exit 1; }
fi
npm run --silent build || { echo "bench: build failed" >&2; exit 1; }

shopt -s nullglob
benches=(tests/bench/*.bench.ts)
if [ ${#benches[@]} -eq 0 ]; then
  echo "bench: no tests/bench/*.bench.ts found" >&2
  exit 1
fi

crashed=()
for bench in "${benches[@]}"; do
  echo "== ${bench}"
  if ! npx tsx "${bench}"; then
    crashed+=("${bench}")
  fi
  echo
done

if [ ${#crashed[@]} -gt 0 ]; then
  echo "bench: crashed: ${crashed[*]}" >&2
  exit 1
fi
