#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the whole test suite with ctest.
# Honours LRF_BUILD_DIR and LRF_CMAKE_ARGS like setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir "${LRF_BUILD_DIR:-build}" --output-on-failure --parallel "$(nproc)"
