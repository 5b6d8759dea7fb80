#!/usr/bin/env bash
# End-to-end speed: `lrfind --data fashion-mnist_train.csv --plot OUT.png` against the
# Python way (../shared/bench/torch_pipeline.py: pandas + PyTorch + matplotlib) on the
# same file, side by side in one invocation. Runs are interleaved (torch, lrfind cold,
# lrfind warm per repetition) so machine noise hits all three alike; medians are compared.
#
# Goals (issue 6): lrfind cold (--no-cache) >= 10x faster in wall time, warm cache >= 30x.
#
# Usage: scripts/bench_e2e.sh [--reps N] [--data FILE.csv] [--lrfind PATH] [--cache-dir DIR]
#   --reps N        repetitions of each side (default 3; the median is reported)
#   --data FILE     the CSV (default: Fashion-MNIST train, made in the cache dir if missing)
#   --lrfind PATH   the binary (default: build/lrfind)
#   --cache-dir DIR where generated CSVs live (default: $LRF_BENCH_CACHE, else
#                   ${XDG_CACHE_HOME:-~/.cache}/lrfind-bench)
# Environment: LRF_SHARED_BENCH (default ../shared/bench from the repository root),
#   PYTHON (default /usr/bin/python3: Debian's interpreter has torch/pandas/matplotlib).
# Exit status: 0 when both goals are met, 3 when a goal is missed, 1 on an error.
# lrfind runs with a private, temporary XDG_CACHE_HOME so the user's cache is untouched and
# "cold" really is cold.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
reps=3
data=""
lrfind="$repo/build/lrfind"
cache_dir="${LRF_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lrfind-bench}"
shared="${LRF_SHARED_BENCH:-$repo/../shared/bench}"
python="${PYTHON:-/usr/bin/python3}"

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
    exit "${1:-0}"
}
while [ $# -gt 0 ]; do
    case "$1" in
    --reps) reps=${2:?--reps needs a value}; shift 2 ;;
    --data) data=${2:?--data needs a value}; shift 2 ;;
    --lrfind) lrfind=${2:?--lrfind needs a value}; shift 2 ;;
    --cache-dir) cache_dir=${2:?--cache-dir needs a value}; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench_e2e: unknown option '$1'" >&2; usage 2 ;;
    esac
done
case "$reps" in ''|*[!0-9]*|0) echo "bench_e2e: --reps must be a positive integer" >&2; exit 2 ;; esac

[ -x "$lrfind" ] || { echo "bench_e2e: $lrfind not found; build first (scripts/setup.sh)" >&2; exit 1; }
[ -f "$shared/torch_pipeline.py" ] || { echo "bench_e2e: $shared/torch_pipeline.py not found (set LRF_SHARED_BENCH)" >&2; exit 1; }

# --- the data: our own converter if the repository has one, else the shared anchor's ---
if [ -z "$data" ]; then
    mkdir -p "$cache_dir"
    data="$cache_dir/fashion-mnist_train.csv"
    if [ ! -s "$data" ]; then
        maker=""
        for m in "$repo/scripts/make_fashion_csv.py" "$repo/scripts/make_fashion_csv.sh" \
                 "$shared/make_fashion_csv.py"; do
            [ -f "$m" ] && { maker=$m; break; }
        done
        [ -n "$maker" ] || { echo "bench_e2e: no make_fashion_csv script found" >&2; exit 1; }
        echo "making $data with $maker ..."
        case "$maker" in
        *.py) "$python" "$maker" "$data.tmp" train >/dev/null ;;
        *) bash "$maker" "$data.tmp" train >/dev/null ;;
        esac
        mv "$data.tmp" "$data"
    fi
fi
[ -s "$data" ] || { echo "bench_e2e: no data at $data" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/lrfind-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"
mkdir -p "$XDG_CACHE_HOME"

now_ns() { date +%s%N; }

# run_timed NAME LOG CMD...: runs CMD, prints its wall time in seconds; aborts on failure.
run_timed() {
    local name=$1 log=$2; shift 2
    local t0 t1
    t0=$(now_ns)
    if ! "$@" >"$log" 2>&1; then
        echo "bench_e2e: $name failed; its output:" >&2
        tail -n 20 "$log" >&2
        exit 1
    fi
    t1=$(now_ns)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

size_mb=$(awk -v b="$(stat -c %s "$data")" 'BEGIN { printf "%.0f", b / 1048576 }')
echo "data: $data (${size_mb} MB)"
echo "lrfind: $lrfind ($("$lrfind" --version 2>/dev/null || echo '?'))"
echo "anchor: $python $shared/torch_pipeline.py"
echo "machine: $(nproc) cores; $reps repetitions, interleaved"

# The anchor trains an MLP: lrfind is pinned to the same network (its default for images,
# such as this file, is the CNN).
model=(--model mlp:512,256)

# Fill the cache once (untimed) so the warm runs read the parsed dataset.
run_timed "lrfind (cache fill)" "$work/fill.log" "$lrfind" --data "$data" "${model[@]}" --plot "$work/fill.png" >/dev/null

torch_t=() cold_t=() warm_t=()
printf '%-4s %10s %12s %12s\n' rep torch_s lrfind_cold lrfind_warm
for ((r = 1; r <= reps; r++)); do
    t=$(run_timed torch_pipeline "$work/torch.log" "$python" "$shared/torch_pipeline.py" "$data" "$work/torch.png")
    c=$(run_timed "lrfind --no-cache" "$work/cold.log" "$lrfind" --data "$data" "${model[@]}" --no-cache --plot "$work/cold.png")
    w=$(run_timed "lrfind (warm cache)" "$work/warm.log" "$lrfind" --data "$data" "${model[@]}" --plot "$work/warm.png")
    torch_t+=("$t") cold_t+=("$c") warm_t+=("$w")
    printf '%-4s %10s %12s %12s\n' "$r" "$t" "$c" "$w"
done
for f in torch.png cold.png warm.png; do
    [ -s "$work/$f" ] || { echo "bench_e2e: $f was not written" >&2; exit 1; }
done

mt=$(median "${torch_t[@]}") mc=$(median "${cold_t[@]}") mw=$(median "${warm_t[@]}")
echo "torch_pipeline phases (last run): $(tail -n 1 "$work/torch.log")"
# lrfind's own report says where its time went (load, sweep); show those lines.
for side in cold warm; do
    echo "lrfind $side (last run): $(grep -m1 '^data:' "$work/$side.log" | sed 's/^data: *//')"
    echo "    $(grep -m1 '^sweep:' "$work/$side.log" || true)"
done
echo "lrfind suggestion (last run): $(grep -m1 -i 'one-cycle\|suggested' "$work/warm.log" || echo '(see lrfind output)')"
awk -v t="$mt" -v c="$mc" -v w="$mw" 'BEGIN {
    rc = t / c; rw = t / w
    printf "median wall time: torch %.3f s, lrfind cold %.3f s, lrfind warm %.3f s\n", t, c, w
    printf "speed-up: cold %.1fx (goal >= 10x) %s, warm %.1fx (goal >= 30x) %s\n",
        rc, ((rc >= 10) ? "PASS" : "FAIL"), rw, ((rw >= 30) ? "PASS" : "FAIL")
    ok = (rc >= 10 && rw >= 30)
    print (ok ? "PASS" : "FAIL")
    exit (ok ? 0 : 3)
}'
