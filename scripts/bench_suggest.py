#!/usr/bin/python3
"""`lrfind suggest` on a long curve (issue 10 item 5: 1,000,000 points in under 5 s).

Writes a range-test-like curve of N points (default 1,000,000; a drop, a divergence
wall, Gaussian noise; fixed seed) and times, interleaved REPS times in one run:
  - lrfind suggest --curve FILE (every rule, lrfind's defaults), and
  - the anchor: pytorch-lr-finder 0.2.2's suggestion on the same file in numpy/pandas
    (read the CSV, EMA smoothing 0.05, argmin of np.gradient), the cheapest published
    pipeline, so the ratio says what lrfind's extra rules cost.
Prints the median wall time of each, their ratio, and PASS/FAIL against the bar.
The machine may be shared: the ratio is the figure to compare, the absolute time an
indication. Needs python3-numpy, python3-pandas and python3-scipy (scripts/setup.sh
installs them if missing, and builds lrfind). Usage:
  /usr/bin/python3 scripts/bench_suggest.py [--points N] [--reps R]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BAR_SECONDS = 5.0

ANCHOR = r"""
import sys, numpy as np, pandas as pd
d = pd.read_csv(sys.argv[1])
lr, loss = d["lr"].to_numpy(), d["loss"].to_numpy()
s = np.empty_like(loss); s[0] = loss[0]
# pytorch-lr-finder's smoothing is a Python loop; lfilter is the same recurrence in C.
from scipy.signal import lfilter
s = lfilter([0.05], [1, -0.95], loss, zi=[0.95 * loss[0]])[0]
g = np.gradient(s[10:-5])
print(lr[10 + int(np.argmin(g))])
"""


def write_curve(path, n):
    import numpy as np

    rng = np.random.default_rng(0)
    lr = 1e-7 * (10 / 1e-7) ** (np.arange(n) / (n - 1))
    x = np.log10(lr)
    base = 2.3 - 1.5 / (1 + np.exp(-(x + 3))) + np.where(x < -0.7, 0, 6 * (x + 0.7) ** 2)
    loss = base + rng.normal(0, 0.05, n)
    with open(path, "w") as f:
        f.write("lr,loss\n")
        np.savetxt(f, np.column_stack([lr, loss]), fmt="%.17g", delimiter=",")


def wall(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"bench_suggest: {' '.join(cmd)} failed: {r.stderr.strip()}")
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--points", type=int, default=1_000_000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--lrfind", default=os.path.join(REPO, "build", "lrfind"))
    a = p.parse_args()
    subprocess.run([os.path.join(REPO, "scripts", "setup.sh"), "python3-numpy", "python3-pandas",
                    "python3-scipy"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        curve = os.path.join(tmp, "curve.csv")
        write_curve(curve, a.points)
        ours, anchor = [], []
        for _ in range(a.reps):  # interleaved: both see the same machine load
            ours.append(wall([a.lrfind, "suggest", "--curve", curve]))
            anchor.append(wall([sys.executable, "-c", ANCHOR, curve]))
    o, t = statistics.median(ours), statistics.median(anchor)
    print(f"{a.points} points, median of {a.reps}: lrfind suggest {o:.2f} s, "
          f"anchor (pytorch-lr-finder's rule in numpy) {t:.2f} s, ratio {o / t:.2f}")
    ok = o < BAR_SECONDS
    print(f"{'PASS' if ok else 'FAIL'}: lrfind suggest {'<' if ok else '>='} {BAR_SECONDS} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
