#!/usr/bin/python3
"""Paired, in-process CNN step benchmark: PyTorch 1.13's training step of the CNN
(cnn:32,64,128 as pinned in PLAN.md: per width Conv2d 3x3 pad 1 no bias,
BatchNorm2d, ReLU, MaxPool2d(2); AdaptiveAvgPool2d(1), Linear; cross-entropy,
SGD momentum 0.9) and lrfind's (scripts/bench_cnn.c built as a shared library,
loaded with ctypes) alternate in short slices in ONE process, each with 1 and 2
threads. Each round gives one ratio measured under the same machine load:
lrfind's faster configuration over PyTorch's faster one; the summary is the
median over rounds (shared machines are noisy: separate runs are not
comparable).

Also reported: where each step's time goes. lrfind: its convolutions (oneDNN),
its sgemm calls (OpenBLAS, the linear head) and BatchNorm+ReLU+max-pool, each
timed in isolation, as a fraction of a step; PyTorch: torch.profiler's
self-time of its convolution operators. And FLOPs per step and the GFLOP/s
reached (compare with sgemm_peak.c, which scripts/bench_cnn.sh runs).

Usage: /usr/bin/python3 scripts/bench_cnn_paired.py LIB.so [ROUNDS] [SLICE_S] [BATCH] [WIDTHS]"""
import ctypes
import statistics
import sys
import time

import torch
import torch.nn as nn

lib = ctypes.CDLL(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 8
slice_s = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
B = int(sys.argv[4]) if len(sys.argv) > 4 else 128
widths_text = sys.argv[5] if len(sys.argv) > 5 else "32,64,128"
widths = [int(w) for w in widths_text.split(",")]
C, H, W = 3, 32, 32
lib.bench_cnn_steps.restype = ctypes.c_double
lib.bench_cnn_steps.argtypes = [ctypes.c_int, ctypes.c_double]
lib.bench_cnn_parts.argtypes = [ctypes.c_int, ctypes.c_double, ctypes.POINTER(ctypes.c_double)]
if lib.bench_cnn_init(B, widths_text.encode(), C, H, W) != 0:
    sys.exit("bench_cnn_init failed")


def cnn():
    layers, cin = [], C
    for w in widths:
        layers += [nn.Conv2d(cin, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
                   nn.MaxPool2d(2)]
        cin = w
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10))


torch.manual_seed(0)
model = cnn()
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
ROWS = 2048
X = torch.randn(ROWS, C, H, W)
Y = torch.randint(0, 10, (ROWS,))
lossf = nn.CrossEntropyLoss()
it = [0]


def torch_step():
    s = (it[0] * B) % (ROWS - B + 1)
    it[0] += 1
    opt.zero_grad()
    lossf(model(X[s:s + B]), Y[s:s + B]).backward()
    opt.step()


def torch_rate(threads, seconds):
    torch.set_num_threads(threads)
    for _ in range(2):
        torch_step()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        torch_step()
        n += 1
    return B * n / (time.perf_counter() - t0)


def torch_conv_fraction(threads):
    torch.set_num_threads(threads)
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(3):
            torch_step()
    ev = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in ev)
    conv = sum(e.self_cpu_time_total for e in ev if "convolution" in e.key)
    return conv / total


rows = []
for r in range(rounds):
    row = {"torch1": torch_rate(1, slice_s), "lrfind2": lib.bench_cnn_steps(2, slice_s),
           "torch2": torch_rate(2, slice_s), "lrfind1": lib.bench_cnn_steps(1, slice_s)}
    row["ratio"] = max(row["lrfind1"], row["lrfind2"]) / max(row["torch1"], row["torch2"])
    rows.append(row)
    print("round %2d: " % (r + 1) + "  ".join("%s %7.1f" % (k, v) if k != "ratio" else
                                              "%s %.2fx" % (k, v) for k, v in row.items()),
          flush=True)


def med(key):
    return statistics.median(row[key] for row in rows)


best_t = "1" if med("torch1") >= med("torch2") else "2"
best_l = "1" if med("lrfind1") >= med("lrfind2") else "2"
parts = (ctypes.c_double * 5)()
lib.bench_cnn_parts(int(best_l), max(4.0, 2 * slice_s), parts)
step, conv, gemm, flops, bn = parts[0], parts[1], parts[2], parts[3], parts[4]
print(f"paired summary, cnn:{widths_text} on {C}x{H}x{W}, batch {B}, SGD momentum 0.9, "
      f"{rounds} rounds of {slice_s} s slices:")
print(f"  lrfind / PyTorch (each at its faster thread count in that round): "
      f"median {med('ratio'):.2f}x (rounds {min(r['ratio'] for r in rows):.2f}.."
      f"{max(r['ratio'] for r in rows):.2f}x)")
for k in ("lrfind1", "lrfind2", "torch1", "torch2"):
    print(f"  {k:8s} median {med(k):7.1f} samples/s  ({1e3 * B / med(k):6.1f} ms/step)")
print(f"  FLOPs per step: {flops / 1e9:.2f} GFLOP (convolutions: forward, weight and input "
      f"gradients; linear head)")
print(f"  lrfind {best_l} thread(s), one step measured alone: {1e3 * step:.1f} ms = "
      f"{flops / step / 1e9:.1f} GFLOP/s; convolutions {100 * conv / step:.0f}% of it "
      f"({flops / conv / 1e9:.1f} GFLOP/s in them), sgemm {100 * gemm / step:.2f}%, "
      f"BatchNorm+ReLU+max-pool {100 * bn / step:.0f}%")
print(f"  PyTorch {best_t} thread(s): {flops / (B / med('torch' + best_t)) / 1e9:.1f} GFLOP/s; "
      f"convolution operators {100 * torch_conv_fraction(int(best_t)):.0f}% of its CPU time "
      f"(torch.profiler)")
