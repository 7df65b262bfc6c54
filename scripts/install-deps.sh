#!/usr/bin/env bash
# Install every build and test dependency from Debian's archive. Safe to run
# again: apt-get is skipped when every package is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  clang libclang-rt-14-dev
  libyaml-cpp-dev nlohmann-json3-dev libssl-dev libseccomp-dev libspdlog-dev libfmt-dev
  libcli11-dev libre2-dev libcurl4-openssl-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  bubblewrap e2fsprogs python3 bsdutils
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

# Node.js and npm run the MCP SDK test clients. A host may already have
# them from another source (NodeSource bundles npm with nodejs), so the
# commands are checked rather than the Debian package names.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
