#!/bin/sh
# Builds and runs scripts/bench_conv_kernels.c: the convolutions of the default
# CNN through im2col + OpenBLAS sgemm and through oneDNN, interleaved, 1 and 2
# threads; the measurement behind the kernel choice in docs/model.md.
# Usage: scripts/bench_conv_kernels.sh [ROUNDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cblas_inc=$(dirname "$(find /usr/include -name cblas.h -path '*openblas-pthread*' | head -n1)")
tmp=$(mktemp -d /tmp/lrf_bench_conv.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -std=c11 -I"$cblas_inc" "$here/bench_conv_kernels.c" -lopenblas -ldnnl -lgomp -lm \
    -o "$tmp/bench_conv_kernels"
"$tmp/bench_conv_kernels" "${1:-5}"
