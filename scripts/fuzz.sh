#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_<target>.c) with clang, ASan and UBSan
# in build-fuzz/ (or $LRF_FUZZ_BUILD_DIR) and runs each for SECONDS (default 600),
# one after the other, seeded from the committed corpora (tests/fuzz/corpus/<target>/,
# plus the finder fixtures for the curve target) with the dictionaries of tests/fuzz.
# New inputs go to build-fuzz/corpus/<target>/, crashes to build-fuzz/artifacts/;
# a crash ends the run with exit 1 and prints the reproducer's path: commit it to
# tests/fuzz/corpus/<target>/ with the fix (tests/fuzz/README.md: known_bugs). UBSan
# reports listed in tests/fuzz/known_bugs/ubsan.supp (reported, not yet fixed) are
# suppressed. The machine is shared: this runs under nice.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (targets: csv spec curve cache; default all)
# LRF_FUZZ_CI=1 (.ci/run): a fixed seed and a fixed number of executions per target
# (a few seconds each), so CI is reproducible; SECONDS then only caps each run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(csv spec curve cache)
build=${LRF_FUZZ_BUILD_DIR:-build-fuzz}

if ! command -v clang >/dev/null; then
    echo "fuzz: clang is not installed (apt-get install clang libclang-rt-14-dev)" >&2
    exit 2
fi
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLRF_FUZZ=ON \
    -DLRF_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --parallel "$(nproc)" -- --no-print-directory >&2

# Executions per target in CI mode: a few seconds each on one core.
declare -A ci_runs=([csv]=50000 [spec]=100000 [curve]=5000 [cache]=5000)
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/fuzz/known_bugs/ubsan.supp"

status=0
for t in "${targets[@]}"; do
    exe="$build/fuzz_$t"
    [ -x "$exe" ] || { echo "fuzz: no target '$t' ($exe)" >&2; exit 2; }
    seeds=("tests/fuzz/corpus/$t")
    [ "$t" = curve ] && seeds+=(tests/fixtures/finder)
    dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
    mode=()
    if [ -n "${LRF_FUZZ_CI:-}" ]; then
        mode=(-seed=1 -runs="${ci_runs[$t]:-10000}")
        rm -rf "$build/corpus/$t" # the same inputs every time: the seeds only
    fi
    mkdir -p "$build/corpus/$t" "$build/artifacts"
    echo "== fuzz_$t: ${mode[*]:-} at most ${seconds} s"
    # The first corpus directory receives new inputs; the committed seeds stay as they are.
    if ! nice -n 15 "$exe" -max_total_time="$seconds" -print_final_stats=1 "${mode[@]}" \
        -artifact_prefix="$build/artifacts/fuzz_$t-" "${dict[@]}" \
        "$build/corpus/$t" "${seeds[@]}" 2>"$build/fuzz_$t.log"; then
        tail -n 60 "$build/fuzz_$t.log" >&2
        echo "fuzz: fuzz_$t FAILED; reproducer(s): $(ls "$build/artifacts/fuzz_$t-"* 2>/dev/null)" >&2
        status=1
    else
        grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE" \
            "$build/fuzz_$t.log" || true
    fi
done
exit $status
