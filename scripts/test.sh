#!/usr/bin/env bash
# Run every test: install dependencies, build with g++ and run the suite,
# then build with clang under AddressSanitizer and UndefinedBehaviorSanitizer,
# run the suite again and give each libFuzzer target a short run.
#   NUCLEUS_FUZZ_SECONDS  seconds per fuzz target (default 20)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz_seconds=${NUCLEUS_FUZZ_SECONDS:-20}

"$root/scripts/install-deps.sh"

echo "== MCP test clients (@modelcontextprotocol/sdk from npm, pinned by package-lock.json)"
npm ci --prefix "$root/tests/mcp/client" --no-audit --no-fund

echo "== release build (g++) and tests"
"$root/scripts/build.sh" release
ctest --test-dir "$root/build/release" --output-on-failure --no-tests=error -j "$(nproc)"

echo "== sanitizer build (clang, ASan + UBSan) and tests"
"$root/scripts/build.sh" asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build/asan" --output-on-failure --no-tests=error -j "$(nproc)"

echo "== fuzz targets, ${fuzz_seconds}s each"
"$root/scripts/fuzz.sh" "$fuzz_seconds"
