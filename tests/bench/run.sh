#!/usr/bin/env bash
# npm run bench: builds, then runs every tests/bench/*.bench.ts one after the other.
# npm run bench -- backup poll: runs only tests/bench/backup.bench.ts and poll.bench.ts.
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
if [ $# -gt 0 ]; then
  benches=()
  for name in "$@"; do
    file="tests/bench/${name%.bench.ts}.bench.ts"
    file="tests/bench/$(basename "${file}")"
    if [ ! -f "${file}" ]; then
      echo "bench: no ${file}" >&2
      exit 1
    fi
    benches+=("${file}")
  done
fi
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
