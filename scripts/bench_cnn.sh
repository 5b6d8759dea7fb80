#!/bin/sh
# The CNN's training step against PyTorch 1.13, side by side in one run:
#   1. scripts/bench_cnn_paired.py: PyTorch's step and lrfind's (scripts/bench_cnn.c,
#      loaded with ctypes) alternate in slices in ONE process, 1 and 2 threads
#      each; the median of per-round ratios, where the time goes, FLOPs and
#      GFLOP/s;
#   2. /work/shared/bench/sgemm_peak.c with 2 and 1 OpenBLAS threads: the sgemm
#      peak to read the GFLOP/s against.
# The default workload is issue 14's: cnn:32,64,128, batch 128, 3x32x32.
#
# Usage: scripts/bench_cnn.sh [BUILD_DIR] [ROUNDS] [SLICE_SECONDS] [BATCH] [WIDTHS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build}
rounds=${2:-8}
secs=${3:-2}
batch=${4:-128}
widths=${5:-32,64,128}
anchors=${LRF_BENCH_ANCHORS:-/work/shared/bench}
cblas_inc=$(dirname "$(find /usr/include -name cblas.h -path '*openblas-pthread*' | head -n1)")
cmake --build "$build" --target lrf >/dev/null
tmp=$(mktemp -d /tmp/lrf_bench_cnn.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -std=c11 -shared -fPIC -DLRF_BENCH_NO_MAIN -I"$root/include" -I"$root/src" \
    -I"$cblas_inc" "$here/bench_cnn.c" "$build/liblrf.a" -lcsv -lm -lpthread -ldl \
    -o "$tmp/bench_cnn.so"
gcc -O2 -I"$cblas_inc" "$anchors/sgemm_peak.c" -lopenblas -o "$tmp/sgemm_peak"

echo "== paired, in one process: PyTorch and lrfind, cnn:$widths, batch $batch, 3x32x32"
/usr/bin/python3 "$here/bench_cnn_paired.py" "$tmp/bench_cnn.so" "$rounds" "$secs" "$batch" \
    "$widths"
echo "== sgemm_peak.c (OpenBLAS, 2 threads)"
OPENBLAS_NUM_THREADS=2 "$tmp/sgemm_peak"
echo "== sgemm_peak.c (1 thread)"
OPENBLAS_NUM_THREADS=1 "$tmp/sgemm_peak"
