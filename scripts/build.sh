#!/usr/bin/env bash
# Configure and build one flavour of the tree.
#   scripts/build.sh release   -> build/release (g++, optimized, benchmarks)
#   scripts/build.sh asan      -> build/asan    (clang, ASan+UBSan, fuzz targets)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
flavour=${1:-release}
jobs=${NUCLEUS_JOBS:-$(nproc)}

case "$flavour" in
  release)
    cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER=g++ >/dev/null
    ;;
  asan)
    cmake -S "$root" -B "$root/build/asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_COMPILER=clang++ -DNUCLEUS_SANITIZE=ON -DNUCLEUS_FUZZ=ON -DNUCLEUS_BENCH=OFF >/dev/null
    ;;
  *)
    echo "build.sh: unknown flavour \"$flavour\"; expected release or asan" >&2
    exit 2
    ;;
esac
cmake --build "$root/build/$flavour" -j "$jobs"
