#!/usr/bin/python3
"""lrfind under mpirun on this machine, measured in one run, interleaved (the
machine may be shared: every configuration runs once per round, in turn, and
each ratio is the median of the per-round ratios), then the cost model for N
nodes. Writes the tables docs/scaling.md shows.

  1. --runs 4 (independent sweeps): the plain process with 2 OpenBLAS threads,
     mpirun -np 1 and mpirun -np 2 (--threads 1 each, given: one rank alone would
     default to every core);
     the sweep's own seconds (lrfind's JSON) and the wall time with the launch.
  2. --data-parallel training (--train, one epoch of one-cycle): samples/s of
     the training steps (allreduce included) on 1 and 2 ranks.
  3. The cost model: time per step = compute/N + ring allreduce of the
     parameters, 2(N-1)/N * 4P bytes / bandwidth + 2(N-1) * latency, for the MLP
     (mlp:512,256, 784 inputs) and the CNN (cnn:32,64,128, 3x32x32), with the
     compute of one step measured here on one core.

Usage: scripts/bench_dist.py [BUILD_DIR] [ROUNDS]     (default build, 5)
Data: Fashion-MNIST's 10,000 test images as CSV (scripts/make_fashion_csv.py).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
LRFIND = os.path.join(BUILD, "lrfind")
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]
ENV = dict(os.environ)
BATCH = 128
MLP_PARAMS = 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10
CNN_PARAMS = (3 * 32 * 9 + 2 * 32) + (32 * 64 * 9 + 2 * 64) + (64 * 128 * 9 + 2 * 128) + 128 * 10 + 10
NETWORKS = [("10 Gb/s Ethernet", 10e9 / 8, 25e-6), ("100 Gb/s InfiniBand", 100e9 / 8, 2e-6)]


def run(cmd):
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), out.stderr[-2000:]))
    return json.loads(out.stdout), wall


def lrfind(np, args):
    cmd = ([] if np == 0 else MPIRUN + ["-np", str(np)]) + [LRFIND] + args
    return run(cmd)


def main():
    tmp = tempfile.mkdtemp(prefix="lrf_bench_dist.")
    data = os.path.join(tmp, "fashion-test.csv")
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts/make_fashion_csv.py"), data,
                    "test"], check=True)
    # The MLP pinned: image data defaults to the CNN, and these figures are the MLP's.
    common = ["--data", data, "--json", "-q", "--seed", "1", "--model", "mlp:512,256"]
    runs = common + ["--runs", "4", "--iters", "100", "--no-cache"]
    train = common + ["--iters", "10", "--train", "--epochs", "1", "--data-parallel",
                      "--schedule", "onecycle(max_lr=0.05)"]
    configs = {
        "runs4 plain 2 threads": (0, runs + ["--threads", "2"]),
        # One BLAS thread per rank, as the goal states (one rank alone would take every core).
        "runs4 mpirun -np 1": (1, runs + ["--threads", "1"]),
        "runs4 mpirun -np 2": (2, runs + ["--threads", "1"]),
        "train -np 1": (1, train + ["--threads", "1"]),
        "train -np 2": (2, train + ["--threads", "1"]),
    }
    got = {k: [] for k in configs}
    print("machine: %d cores, load average %.2f at the start (shared with other sessions)"
          % (os.cpu_count(), os.getloadavg()[0]))
    for r in range(ROUNDS):
        for name, (np, args) in configs.items():
            res, wall = lrfind(np, args)
            if name.startswith("train"):
                got[name].append(res["train"]["epochs"][0]["samples_per_second"])
            else:
                got[name].append((res["sweep"]["seconds"], wall))
        print("round %d of %d done (load %.2f)" % (r + 1, ROUNDS, os.getloadavg()[0]), flush=True)
    report(got)
    cost_model(statistics.median(got["train -np 1"]))
    subprocess.run(["rm", "-rf", tmp])


def ratio(a, b):
    return statistics.median(x / y for x, y in zip(a, b))


def report(got):
    plain, one, two = (got["runs4 " + k] for k in
                       ("plain 2 threads", "mpirun -np 1", "mpirun -np 2"))
    print("\n--runs 4, Fashion-MNIST test (10,000 rows), mlp:512,256, batch 128, 100 steps a run")
    print("| configuration | sweep s (median) | wall s with launch (median) |")
    print("| --- | --- | --- |")
    for name, v in (("plain process, --threads 2", plain), ("mpirun -np 1, --threads 1", one),
                    ("mpirun -np 2, --threads 1 each", two)):
        print("| %s | %.2f | %.2f |" % (name, statistics.median(x[0] for x in v),
                                        statistics.median(x[1] for x in v)))
    s = lambda v: [x[0] for x in v]
    w = lambda v: [x[1] for x in v]
    print("speed-up of 2 ranks over 1 rank: sweep %.2fx, wall %.2fx (goal >= 1.8x)"
          % (ratio(s(one), s(two)), ratio(w(one), w(two))))
    print("2 ranks against the plain 2-thread process: sweep %.2fx, wall %.2fx (goal >= 1.0x)"
          % (ratio(s(plain), s(two)), ratio(w(plain), w(two))))
    a, b = got["train -np 1"], got["train -np 2"]
    print("\n--data-parallel training, one epoch (9,000 rows), batch 128: samples/s")
    print("| ranks | samples/s (median) |")
    print("| --- | --- |")
    print("| 1 | %.0f |" % statistics.median(a))
    print("| 2 | %.0f |" % statistics.median(b))
    print("2 ranks / 1 rank: %.2fx (goal >= 1.5x)" % ratio(b, a))


def cnn_step_seconds():
    """One training step of cnn:32,64,128 at batch 128 on one core (scripts/bench_cnn.c)."""
    tmp = tempfile.mkdtemp(prefix="lrf_bench_cnn.")
    inc = os.path.dirname(subprocess.run(
        "find /usr/include -name cblas.h -path '*openblas-pthread*' | head -n1", shell=True,
        stdout=subprocess.PIPE, text=True).stdout.strip())
    exe = os.path.join(tmp, "bench_cnn")
    subprocess.run(["gcc", "-O2", "-std=c11", "-I" + ROOT + "/include", "-I" + ROOT + "/src",
                    "-I" + inc, ROOT + "/scripts/bench_cnn.c", BUILD + "/liblrf.a", "-lcsv",
                    "-lm", "-lpthread", "-ldl", "-lz", "-o", exe], check=True)
    out = subprocess.run([exe, "1", str(BATCH), "32,64,128", "4"], stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    subprocess.run(["rm", "-rf", tmp])
    m = re.search(r"([0-9.]+) samples/s", out)
    return BATCH / float(m.group(1)) if m else float("nan")


def cost_model(mlp_samples_per_s):
    models = [("mlp:512,256 (784 inputs)", MLP_PARAMS, BATCH / mlp_samples_per_s),
              ("cnn:32,64,128 (3x32x32)", CNN_PARAMS, cnn_step_seconds())]
    print("\nCost model: a step of the global batch %d on N nodes, one core each:" % BATCH)
    print("T(N) = T1/N + 2(N-1)/N * 4P/bandwidth + 2(N-1) * latency")
    for name, p, t1 in models:
        print("\n%s: P = %d parameters (%.2f MB), T1 = %.2f ms a step measured here"
              % (name, p, 4 * p / 1e6, t1 * 1e3))
        ns = [1, 2, 4, 8, 16, 32, 64, 128]
        print("| N | compute/N ms | " + " | ".join("allreduce %s ms | step %s ms" % (n, n)
                                                 for n, _, _ in NETWORKS) + " |")
        print("| --- " * (2 + 2 * len(NETWORKS)) + "|")
        for n in ns:
            cells = ["%d" % n, "%.3f" % (t1 / n * 1e3)]
            for _, bw, lat in NETWORKS:
                ar = 2 * (n - 1) / n * 4 * p / bw + 2 * (n - 1) * lat
                cells += ["%.3f" % (ar * 1e3), "%.3f" % ((t1 / n + ar) * 1e3)]
            print("| " + " | ".join(cells) + " |")
        for net, bw, lat in NETWORKS:
            cross = next((n for n in range(2, 4097)
                          if 2 * (n - 1) / n * 4 * p / bw + 2 * (n - 1) * lat >= t1 / n), None)
            print("%s over %s: the allreduce dominates from N = %s" % (name, net, cross))


if __name__ == "__main__":
    main()
