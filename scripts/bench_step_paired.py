#!/usr/bin/python3
"""Paired, in-process step benchmark: PyTorch's step (torch_step.py's workload and
fastest configuration: 1 torch thread, OpenBLAS's 2 threads) and lrfind's step
(scripts/bench_step.c built as a shared library, loaded with ctypes, so both use
the same libopenblas) alternate in short slices in ONE process. Each round gives
one ratio measured under the same machine load; the summary is the median over
rounds (the machines are shared and noisy: separate runs minutes apart are not
comparable). Also per round: the sgemm bound of lrfind's step with 1 and 2
OpenBLAS threads (the step's own GEMM calls timed in isolation).

Usage: /usr/bin/python3 scripts/bench_step_paired.py LIB.so [ROUNDS] [SLICE_S] [BATCH] [DIMS]"""
import ctypes, statistics, sys, time
import torch, torch.nn as nn

lib = ctypes.CDLL(sys.argv[1])
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
slice_s = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
B = int(sys.argv[4]) if len(sys.argv) > 4 else 128
dims_text = sys.argv[5] if len(sys.argv) > 5 else "784,512,256,10"
dims = [int(d) for d in dims_text.split(",")]
lib.bench_steps.restype = ctypes.c_double
lib.bench_steps.argtypes = [ctypes.c_int, ctypes.c_double]
lib.bench_bound.restype = ctypes.c_double
lib.bench_bound.argtypes = [ctypes.c_int, ctypes.c_double]
if lib.bench_init(B, dims_text.encode()) != 0:
    sys.exit("bench_init failed")

torch.set_num_threads(1)
layers = []
for i in range(len(dims) - 1):
    layers.append(nn.Linear(dims[i], dims[i + 1]))
    if i < len(dims) - 2:
        layers.append(nn.ReLU())
m = nn.Sequential(*layers)
opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
X = torch.randn(60000, dims[0]); y = torch.randint(0, dims[-1], (60000,))
lossf = nn.CrossEntropyLoss()
it = [0]


def torch_step():
    s = (it[0] * B) % (60000 - B); it[0] += 1
    opt.zero_grad(); l = lossf(m(X[s:s + B]), y[s:s + B]); l.backward(); opt.step()


def torch_rate(seconds):
    for _ in range(3):
        torch_step()
    n = 0; t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        torch_step(); n += 1
    return B * n / (time.perf_counter() - t0)


for _ in range(20):
    torch_step()
rows = []
for r in range(rounds):
    row = {"torch": torch_rate(slice_s),
           "lrfind2": lib.bench_steps(2, slice_s), "lrfind1": lib.bench_steps(1, slice_s),
           "bound2": lib.bench_bound(2, slice_s), "bound1": lib.bench_bound(1, slice_s)}
    rows.append(row)
    print("round %2d: " % (r + 1) + "  ".join("%s %7.0f" % kv for kv in row.items()), flush=True)


def med(f):
    return statistics.median(f(row) for row in rows)


print(f"paired summary, MLP {dims_text} batch {B}, {rounds} rounds of {slice_s} s slices "
      f"(median of per-round ratios):")
for t in ("2", "1"):
    print(f"  lrfind {t} OpenBLAS thread(s): {med(lambda r: r['lrfind' + t] / r['torch']):.2f}x "
          f"PyTorch (1 torch thread); {100 * med(lambda r: r['lrfind' + t] / r['bound' + t]):.0f}% "
          f"of the sgemm bound at {t} thread(s); "
          f"median {med(lambda r: r['lrfind' + t]):.0f} samples/s")
print(f"  PyTorch median {med(lambda r: r['torch']):.0f} samples/s; "
      f"best rounds: lrfind {max(r['lrfind2'] for r in rows):.0f}, "
      f"torch {max(r['torch'] for r in rows):.0f}")
