#!/usr/bin/env bash
# Run each libFuzzer target for SECONDS (default 20; use 3600 for a long
# run) on a scratch copy of its seed corpus, so runs never modify the
# checked-in seeds. Needs the asan build (scripts/build.sh asan).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-20}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

for target in fuzz_spec_parser fuzz_command_parser fuzz_glob fuzz_mcp_message; do
  binary="$root/build/asan/fuzz/$target"
  if [ ! -x "$binary" ]; then
    echo "fuzz.sh: $binary is missing; run scripts/build.sh asan first" >&2
    exit 1
  fi
  mkdir -p "$scratch/$target"
  cp -r "$root/fuzz/corpus/$target/." "$scratch/$target/" 2>/dev/null || true
  echo "fuzz.sh: $target for ${seconds}s"
  status=0
  (cd "$scratch" && "$binary" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 \
    "$scratch/$target" >"$scratch/$target.log" 2>&1) || status=$?
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$scratch/$target.log" >&2
    echo "fuzz.sh: $target failed with status $status; the reproducer is in the log above" >&2
    exit 1
  fi
  grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$scratch/$target.log" || true
done
echo "fuzz.sh: all targets ran ${seconds}s without a failure"
