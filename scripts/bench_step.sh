#!/bin/sh
# Training-step throughput, side by side in one run on this machine:
#   - PyTorch (/work/shared/bench/torch_step.py) with 1 and 2 torch threads,
#   - lrfind's model + SGD momentum (scripts/bench_step.c) with 1 and 2 OpenBLAS threads,
#   - the sgemm bound: the same step's cblas_sgemm calls timed in isolation
#     (forward 2*B*sum(in*out), weight grads 2*B*sum, input grads 2*B*sum minus the
#     first layer's), with 1 and 2 threads; plus /work/shared/bench/sgemm_peak.c.
# The machines are shared and noisy: every configuration runs ROUNDS times,
# interleaved, and the summary compares best with best and median with median.
# First, and most robust against that noise: scripts/bench_step_paired.py runs
# PyTorch's step and lrfind's step alternately in one process (lrfind loaded with
# ctypes) and reports the median of per-round ratios.
#
# Usage: scripts/bench_step.sh [BUILD_DIR] [ROUNDS] [SECONDS] [PAIRED_ROUNDS]
#   BUILD_DIR: a CMake build of this repository (liblrf.a is built there if needed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build}
rounds=${2:-3}
secs=${3:-3}
paired_rounds=${4:-10}
anchors=${LRF_BENCH_ANCHORS:-/work/shared/bench}
cblas_inc=$(dirname "$(find /usr/include -name cblas.h -path '*openblas-pthread*' | head -n1)")
cmake --build "$build" --target lrf >/dev/null
tmp=$(mktemp -d /tmp/lrf_bench_step.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -std=c11 -I"$root/include" -I"$cblas_inc" "$here/bench_step.c" "$build/liblrf.a" \
    -lopenblas -lcsv -lm -lpthread -o "$tmp/bench_step"
gcc -O2 -std=c11 -shared -fPIC -DLRF_BENCH_NO_MAIN -I"$root/include" -I"$cblas_inc" \
    "$here/bench_step.c" "$build/liblrf.a" -lopenblas -lcsv -lm -lpthread -o "$tmp/bench_step.so"
gcc -O2 -I"$cblas_inc" "$anchors/sgemm_peak.c" -lopenblas -o "$tmp/sgemm_peak"

echo "== paired, in one process (median of per-round ratios)"
/usr/bin/python3 "$here/bench_step_paired.py" "$tmp/bench_step.so" "$paired_rounds" 0.5 128 784,512,256,10
/usr/bin/python3 "$here/bench_step_paired.py" "$tmp/bench_step.so" "$paired_rounds" 1.0 256 3072,1024,512,10

echo "== sgemm_peak.c (OpenBLAS, 2 threads)"
OPENBLAS_NUM_THREADS=2 "$tmp/sgemm_peak"
echo "== sgemm_peak.c (1 thread)"
OPENBLAS_NUM_THREADS=1 "$tmp/sgemm_peak"

log=$tmp/log
for shape in "128 784,512,256,10" "256 3072,1024,512,10"; do
    set -- $shape
    B=$1 dims=$2
    echo "== MLP $dims, batch $B, SGD momentum 0.9: $rounds interleaved rounds of ${secs} s"
    r=1
    while [ "$r" -le "$rounds" ]; do
        for t in 1 2; do
            line=$(/usr/bin/python3 "$anchors/torch_step.py" $t $B $dims)
            echo "$line"; echo "$dims torch$t $(echo "$line" | sed 's/.* \([0-9]*\) samples\/s.*/\1/')" >>"$log"
        done
        for t in 1 2; do
            line=$(OPENBLAS_NUM_THREADS=$t "$tmp/bench_step" $t $B $dims $secs)
            echo "$line"; echo "$dims lrfind$t $(echo "$line" | sed 's/.* \([0-9]*\) samples\/s.*/\1/')" >>"$log"
            line=$(OPENBLAS_NUM_THREADS=$t "$tmp/bench_step" $t $B $dims $secs bound | tail -n1)
            echo "$line"; echo "$dims bound$t $(echo "$line" | sed 's/.* \([0-9]*\) samples\/s.*/\1/')" >>"$log"
        done
        r=$((r + 1))
    done
done

echo "== summary (samples/s; best of $rounds and median)"
/usr/bin/python3 - "$log" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    dims, cfg, v = line.split()
    rows.setdefault(dims, {}).setdefault(cfg, []).append(float(v))
for dims, r in rows.items():
    best = {k: max(v) for k, v in r.items()}
    med = {k: statistics.median(v) for k, v in r.items()}
    print(f"MLP {dims}")
    for k in sorted(r):
        print(f"  {k:8s} best {best[k]:9.0f}  median {med[k]:9.0f}")
    tb = max(best.get("torch1", 0), best.get("torch2", 0))
    tm = max(med.get("torch1", 0), med.get("torch2", 0))
    for t in ("1", "2"):
        l, b = "lrfind" + t, "bound" + t
        print(f"  lrfind {t} thread(s): {best[l] / tb:.2f}x PyTorch's best config (median "
              f"{med[l] / tm:.2f}x); {100 * best[l] / best[b]:.0f}% of the sgemm bound "
              f"(median {100 * med[l] / med[b]:.0f}%)")
PY
