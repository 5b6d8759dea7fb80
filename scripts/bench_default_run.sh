#!/usr/bin/env bash
# The default range test's cost against another lrfind (issue 12's goal: on
# Fashion-MNIST the default run costs at most 1.5x the sweep of the baseline, so extra
# work such as trials is spent only where data is small). Both binaries run the same
# command, interleaved, on a warm dataset cache; the medians of the wall times and of
# the sweeps' own seconds (JSON sweep.seconds) are compared.
#
# Usage: scripts/bench_default_run.sh --baseline PATH [--lrfind PATH] [--data FILE]
#                                     [--reps N] [-- EXTRA LRFIND ARGS]
#   --baseline PATH  the lrfind to compare with (e.g. a build of main)
#   --lrfind PATH    the binary under test (default: build/lrfind)
#   --data FILE      default: datasets/eval/data/fashion_train.csv
#                    (scripts/make_eval_corpus.py writes it)
#   --reps N         repetitions of each side (default 5; medians are compared)
#   EXTRA            default: --model mlp:512,256 (pinned: image data may default to a CNN)
# Exit status: 0 when the ratio of wall times is <= 1.5, 3 when it is not, 1 on an error.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lrfind="$repo/build/lrfind"
baseline=""
data="$repo/datasets/eval/data/fashion_train.csv"
reps=5
extra=(--model mlp:512,256)
while [ $# -gt 0 ]; do
    case "$1" in
    --baseline) baseline=${2:?--baseline needs a value}; shift 2 ;;
    --lrfind) lrfind=${2:?--lrfind needs a value}; shift 2 ;;
    --data) data=${2:?--data needs a value}; shift 2 ;;
    --reps) reps=${2:?--reps needs a value}; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "bench_default_run: unknown option '$1'" >&2; exit 2 ;;
    esac
done
[ -n "$baseline" ] || { echo "bench_default_run: --baseline PATH is required" >&2; exit 2; }
for b in "$lrfind" "$baseline"; do
    [ -x "$b" ] || { echo "bench_default_run: $b is not executable" >&2; exit 1; }
done
[ -s "$data" ] || { echo "bench_default_run: no data at $data (scripts/make_eval_corpus.py)" >&2; exit 1; }
case "$reps" in ''|*[!0-9]*|0) echo "bench_default_run: --reps must be a positive integer" >&2; exit 2 ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/lrfind-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"

# one BIN LOG: runs the default range test; prints "wall_seconds sweep_seconds".
one() {
    local bin=$1 log=$2 t0 t1
    t0=$(date +%s%N)
    "$bin" --data "$data" -q --json "${extra[@]}" >"$log" 2>"$log.err" || {
        echo "bench_default_run: $bin failed:" >&2; tail -n 5 "$log.err" >&2; exit 1; }
    t1=$(date +%s%N)
    local sweep
    sweep=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sweep"]["seconds"])' "$log")
    awk -v a="$t0" -v b="$t1" -v s="$sweep" 'BEGIN { printf "%.3f %.3f\n", (b - a) / 1e9, s }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "data: $data; args: ${extra[*]}; $(nproc) cores, $reps repetitions, interleaved"
one "$baseline" "$work/fill.json" >/dev/null # fills the dataset cache (untimed)
bw=() bs=() nw=() ns=()
printf '%-4s %12s %12s %12s %12s\n' rep base_wall base_sweep new_wall new_sweep
for ((r = 1; r <= reps; r++)); do
    read -r w s < <(one "$baseline" "$work/base.json")
    bw+=("$w") bs+=("$s")
    read -r w2 s2 < <(one "$lrfind" "$work/new.json")
    nw+=("$w2") ns+=("$s2")
    printf '%-4s %12s %12s %12s %12s\n' "$r" "$w" "$s" "$w2" "$s2"
done
/usr/bin/python3 - "$work/new.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print("new run: suggested_lr %.4g, confidence %s, diagnostics %s, trials %d" % (
    d["suggested_lr"], d.get("confidence"), d.get("diagnostics"),
    len(d.get("response", {}).get("trials", []))))
EOF
awk -v bw="$(median "${bw[@]}")" -v bs="$(median "${bs[@]}")" -v nw="$(median "${nw[@]}")" \
    -v ns="$(median "${ns[@]}")" 'BEGIN {
    printf "median wall: baseline %.3f s, new %.3f s (x%.2f); sweep: baseline %.3f s, new %.3f s\n",
        bw, nw, nw / bw, bs, ns
    ok = nw / bw <= 1.5
    printf "default run vs baseline: x%.2f (goal <= 1.5) %s\n", nw / bw, ok ? "PASS" : "FAIL"
    exit ok ? 0 : 3
}'
