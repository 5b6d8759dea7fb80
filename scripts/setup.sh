#!/usr/bin/env bash
# Installs the Debian packages lrfind needs (only those missing), then
# configures and builds it in build/ (or $LRF_BUILD_DIR). Safe to run again.
# Extra CMake arguments: LRF_CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Debug ...".
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(gcc libc6-dev make cmake libopenblas-dev libdnnl-dev libcsv-dev zlib1g-dev gnuplot-nox
    libopenmpi-dev openmpi-bin) # Open MPI: lrfind under mpirun (docs/scaling.md)
packages+=("$@") # callers may ask for more (the CI adds clang-format)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

build=${LRF_BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release ${LRF_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" --parallel "$(nproc)" -- --no-print-directory >&2
