#!/usr/bin/python3
"""Noise stability of every suggestion rule on synthetic range-test curves.

For several curve shapes and noise levels, draws SEEDS noisy sweeps (100 rungs,
1e-7..10, Gaussian noise of sd NOISE added to the raw loss), runs each rule exactly as
lrfind does in its default mode (the Python ports of scripts/gen_finder_fixtures.py,
which the C tests pin bit-for-bit), and reports per rule the median pick, the spread
(sd and 10-90% range of log10 lr, in decades) and, against the pick on the noise-free
curve, the median absolute error in decades.
Usage: /usr/bin/python3 scripts/eval_finder_rules.py [SEEDS]
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_finder_fixtures as G  # noqa: E402

SEEDS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
RULES = ("robust", "steepest", "valley", "slide", "minimum", "steep")
SHAPES = {
    # name: bowl() parameters (drop 2.0 from 2.3; see gen_finder_fixtures.bowl)
    "standard": dict(),
    "wide-valley": dict(x0=-4.0, w=0.6, xd=0.0),
    "narrow-valley": dict(x0=-2.0, w=0.2, xd=-1.2, wd=0.15),
    "small-drop": dict(drop=0.3, base=0.7),
}


def picks(lrs, raw):
    sm, stop = G.run_lrfind(raw)
    m = len(sm)
    X = lrs[:m]
    out = {"steepest": G.steepest_lrfind(X, sm)}
    out.update(G.fastai_rules(X, sm, len(raw), nan_only=False))
    out["robust"] = G.robust_rule(X, raw[:m], stop)
    return {r: (math.log10(v[1]) if v else math.nan) for r, v in out.items()}


def main():
    g = G.exp_grid(100)
    print("seeds per cell: %d; spread = sd of log10(lr) over seeds; p10-p90 in decades;"
          " err = median |log10(pick) - log10(noise-free pick)|" % SEEDS)
    for shape, kw in SHAPES.items():
        clean = G.bowl(g, **kw)
        ref = picks(g, clean)
        drop = kw.get("drop", 2.0)
        for rel in (0.01, 0.025, 0.05, 0.1):
            sd = rel * drop * 4  # noise sd as a fraction of the drop, x4: minibatch-like
            rows = {r: [] for r in RULES}
            for s in range(SEEDS):
                rng = np.random.default_rng(1000 + s)
                raw = [v + rng.normal(0, sd) for v in clean]
                p = picks(g, raw)
                for r in RULES:
                    rows[r].append(p[r])
            print("\n%s curve, noise sd %.3g (%.0f%% of the drop)" % (shape, sd, 100 * sd / drop))
            print("  %-9s %10s %10s %8s %9s %7s %6s" % ("rule", "clean", "median", "sd",
                                                         "p10-p90", "err", "valid"))
            for r in RULES:
                v = np.array(rows[r])
                ok = v[np.isfinite(v)]
                if len(ok) == 0:
                    print("  %-9s %10s %10s" % (r, "-", "none"))
                    continue
                p10, p90 = np.percentile(ok, [10, 90])
                err = np.median(np.abs(ok - ref[r])) if math.isfinite(ref[r]) else math.nan
                print("  %-9s %10.3g %10.3g %8.2f %9.2f %7.2f %5d%%" % (
                    r, 10 ** ref[r] if math.isfinite(ref[r]) else math.nan, 10 ** np.median(ok),
                    ok.std(), p90 - p10, err, 100 * len(ok) // len(v)))


if __name__ == "__main__":
    main()
