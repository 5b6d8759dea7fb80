#!/usr/bin/env python3
"""The measurements behind the finder's regime responses (docs/finder.md, issue 12).

For every grid fixture of datasets/eval/grids/ (scripts/eval_grid.py's corpus) and each
seed, records with lrfind itself, no torch:

  sweep   the range test's JSON curve (training loss; --val-loss too with --val-sweeps)
          `lrfind --data TRAIN --json -q --seed S <config flags>`
  trials  one-cycle at each of the grid's 17 max_lr values for the hand-off's run length
          (PLAN.md: E = max(3, ceil(300 / S)) epochs, S = steps per epoch of the rows
          lrfind trains on), scored on lrfind's own held-out 10% (val loss, accuracy):
          `lrfind train --data TRAIN --seed S --schedule onecycle(max_lr=X) --epochs E`

Everything is cached in a JSON file (--out, default build/heldout_study.json) keyed by the
command, so an interrupted study resumes.

--report (needs /usr/bin/python3 with numpy) then replays the finder's regime responses
offline on the cached runs and scores each against the grid (the ratio of eval_grid.py):
the curve rule alone, the loss_zero cap, and trial policies (candidates from the capped
pick down, chosen by held-out accuracy or loss), on all datasets and on two halves (A:
oils wine sonar penguins cancer vehicle digits spam; B: the rest), so that a policy
chosen on one half can be checked on the other. Candidates are snapped to the grid's
quarter decades (the trials ran there). The numbers of docs/finder.md "Regimes" come
from it.

Run it niced, one process, one thread (the machine is shared):
  nice -n 15 scripts/eval_heldout_study.py --seeds 3 --trials --val-sweeps --extra "--trials off"
  /usr/bin/python3 scripts/eval_heldout_study.py --seeds 3 --report
"""
import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_grid  # noqa: E402  (the fixtures, configuration flags)

REPO = eval_grid.REPO


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lrfind", default=os.path.join(REPO, "build", "lrfind"))
    p.add_argument("--grids", default=os.path.join(REPO, "datasets", "eval", "grids"))
    p.add_argument("--data", default=os.path.join(REPO, "datasets", "eval", "data"))
    p.add_argument("--out", default=os.path.join(REPO, "build", "heldout_study.json"))
    p.add_argument("--datasets")
    p.add_argument("--configs")
    p.add_argument("--task", default="classification")
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--trials", action="store_true", help="also the 17 one-cycle trials per seed")
    p.add_argument("--val-sweeps", action="store_true", help="also the --val-loss sweeps")
    p.add_argument("--all-lrs", action="store_true",
                   help="trials at all 17 grid values (default: from 2.3 decades below the pick "
                        "to half a decade above)")
    p.add_argument("--extra", default="", help="extra arguments for the range tests")
    p.add_argument("--report", action="store_true", help="replay the policies on the cache, run nothing")
    return p.parse_args(argv)


def near_pick(sweep, lr):
    """Trials only where a policy could look: from 2.3 decades below the curve rule's pick
    (or the lr where the loss reached ~0) to half a decade above it."""
    picks = [sweep.get("rules", {}).get("robust", {}).get("lr"),
             sweep.get("response", {}).get("zero_loss_lr")]
    picks = [p for p in picks if isinstance(p, (int, float)) and p > 0]
    return not picks or any(p / 200 <= lr <= p * 3.2 for p in picks)


def run_length(n_rows, batch, val_split=0.1):
    n_val = int(math.floor(val_split * n_rows + 0.5))
    n_train = n_rows - n_val
    b = min(batch, n_train)
    s = -(-n_train // b)
    return max(3, -(-300 // s)), s, n_train


# ---------------------------------------------------------------- the offline replay
HALF_A = eval_grid.HALF_A


def cached(cache, args):
    return cache.get(" ".join(shlex.quote(x) for x in args))


def cases(a, cache, fixtures):
    """Per fixture and seed: the sweep's curve, the rule's pick, the lr where the loss
    reached ~0 (the C rule, ported in gen_finder_fixtures) and the trials by grid index."""
    import gen_finder_fixtures as G
    out = []
    for fx in fixtures:
        train = os.path.join(a.data, fx["train"]["file"])
        flags = eval_grid.CONFIG_FLAGS[fx["config"]]
        E, S, n = run_length(fx["n_train"], fx["batch"])
        for seed in range(a.seeds):
            base = ["--data", train, "--json", "-q", "--seed", str(seed)] + flags
            sw = cached(cache, base + shlex.split(a.extra)) or cached(cache, base)
            if not sw or "curve" not in sw:
                continue
            lrs = [p["lr"] for p in sw["curve"]]
            raw = [float("nan") if p["loss"] is None else p["loss"] for p in sw["curve"]]
            trials = []
            for row in fx["grid"]:
                r = cached(cache, ["train", "--data", train, "--json", "--seed", str(seed), "--schedule",
                                   f"onecycle(max_lr={row['max_lr']:.6g})", "--epochs", str(E)] + flags)
                if r is None:
                    trials.append(None)
                    continue
                vl, va = r.get("val_loss"), r.get("val_accuracy")
                div = bool(r.get("error") or r.get("diverged") or vl is None or not math.isfinite(vl))
                trials.append((vl if not div else math.inf, va if va is not None else 0.0, div))
            out.append(dict(fx=fx, seed=seed, P0=sw["rules"]["robust"]["lr"], Z=G.zero_loss_lr(lrs, raw),
                            S=S, n_val=int(math.floor(0.1 * fx["n_train"] + 0.5)), trials=trials))
    return out


def capped(c):
    return min(c["P0"], c["Z"]) if c["Z"] else c["P0"]


def snap(fx, lr):
    g = [math.log10(r["max_lr"]) for r in fx["grid"]]
    return min(range(len(g)), key=lambda k: abs(g[k] - math.log10(lr)))


def regime(c, sweep_steps=100):
    return sweep_steps / c["S"] > 1 or c["S"] <= 4 or c["Z"] is not None


def choose(res, by):
    """res: (grid index, loss, accuracy, diverged) per candidate, highest lr first."""
    good = [r for r in res if not r[3]]
    if not good:
        return None
    if by == "accuracy":  # lrfind's rule: best accuracy, the smallest lr on a tie
        best = max(r[2] for r in good)
        return min(r[0] for r in good if r[2] == best)
    return min(good, key=lambda r: r[1])[0]


def trial_policy(steps, by):
    def pick(c):
        if not regime(c):
            return capped(c)
        fx = c["fx"]
        i0 = snap(fx, capped(c))
        idx = [i0 - k for k in steps if 0 <= i0 - k < len(fx["grid"]) and c["trials"][i0 - k] is not None]
        ch = choose([(i,) + tuple(c["trials"][i]) for i in idx], by)
        return fx["grid"][ch]["max_lr"] if ch is not None else float("nan")
    return pick


def heldout_oracle(c):
    res = [(i,) + tuple(t) for i, t in enumerate(c["trials"]) if t is not None]
    ch = choose(res, "accuracy")
    return c["fx"]["grid"][ch]["max_lr"] if ch is not None else float("nan")


POLICIES = [
    ("the curve rule alone (robust)", lambda c: c["P0"]),
    ("+ cap at the loss_zero lr", capped),
    ("+ 4 trials, half decades, accuracy (lrfind)", trial_policy((0, 2, 4, 6), "accuracy")),
    ("+ 4 trials, half decades, held-out loss", trial_policy((0, 2, 4, 6), "loss")),
    ("+ 3 trials, half decades, accuracy", trial_policy((0, 2, 4), "accuracy")),
    ("+ 5 trials, quarter decades, accuracy", trial_policy((0, 1, 2, 3, 4), "accuracy")),
    ("+ 5 trials, half decades (2 decades), accuracy", trial_policy((0, 2, 4, 6, 8), "accuracy")),
    ("held-out accuracy over the whole grid", heldout_oracle),
]


def score(cs, pick):
    ratios, by = [], {}
    for c in cs:
        lr = pick(c)
        r = eval_grid.ratio_of(c["fx"], eval_grid.interp(c["fx"], lr)) if lr > 0 else 0.0
        ratios.append(r)
        by.setdefault((c["fx"]["dataset"], c["fx"]["config"]), []).append(lr)
    spreads = [max(v) / min(v) for v in by.values() if min(v) > 0]
    return (len(ratios), sum(ratios) / len(ratios), min(ratios), sum(r < 0.97 for r in ratios),
            sum(r < 0.90 for r in ratios), sum(s > 1.78 for s in spreads), len(spreads))


def report(a, cache, fixtures):
    cs = cases(a, cache, fixtures)
    groups = [("all", cs), ("half A", [c for c in cs if c["fx"]["dataset"] in HALF_A]),
              ("half B", [c for c in cs if c["fx"]["dataset"] not in HALF_A])]
    print("| policy | datasets | runs | mean ratio | min | < 0.97 | < 0.90 | spread > 1.78 |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, pick in POLICIES:
        for g, gc in groups:
            if not gc:
                continue
            n, mean, mn, b97, b90, sp, nsp = score(gc, pick)
            print(f"| {name} | {g} | {n} | {mean:.4f} | {mn:.3f} | {b97} | {b90} | {sp}/{nsp} |")
    return 0


def main(argv):
    a = parse_args(argv)
    a.seeds = max(1, a.seeds)
    a.train_check = False
    a.markdown = None
    a.timeout = 3600
    cache = {}
    if os.path.exists(a.out):
        with open(a.out) as f:
            cache = json.load(f)
    fixtures = eval_grid.load_fixtures(a)
    if a.report:
        return report(a, cache, fixtures)
    last_save = time.time()

    def run(args):
        key = " ".join(shlex.quote(x) for x in args)
        if key in cache:
            return cache[key]
        r = subprocess.run([a.lrfind] + args + ["--threads", "1"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        try:
            res = json.loads(r.stdout)
        except json.JSONDecodeError:
            res = {"error": r.stderr.strip()[:300], "exit": r.returncode}
        if isinstance(res, dict) and "epochs" in res:
            res["epochs"] = res["epochs"][-1:]
        cache[key] = res
        return res

    for fx in fixtures:
        train = os.path.join(a.data, fx["train"]["file"])
        flags = eval_grid.CONFIG_FLAGS[fx["config"]]
        E, S, n = run_length(fx["n_train"], fx["batch"])
        t0 = time.time()
        for seed in range(a.seeds):
            base = ["--data", train, "--json", "-q", "--seed", str(seed)] + flags + shlex.split(a.extra)
            sw = run(base)
            if a.val_sweeps:
                run(base + ["--val-loss"])
            if not a.trials:
                continue
            for row in fx["grid"]:
                if not a.all_lrs and not near_pick(sw, row["max_lr"]):
                    continue
                run(["train", "--data", train, "--json", "--seed", str(seed), "--schedule",
                     f"onecycle(max_lr={row['max_lr']:.6g})", "--epochs", str(E)] + flags)
        print(f"{fx['dataset']:11s} {fx['config']:7s} E={E} S={S} n={n}  {time.time() - t0:.1f} s", flush=True)
        if time.time() - last_save > 30:
            with open(a.out + ".tmp", "w") as f:
                json.dump(cache, f)
            os.replace(a.out + ".tmp", a.out)
            last_save = time.time()
    with open(a.out + ".tmp", "w") as f:
        json.dump(cache, f)
    os.replace(a.out + ".tmp", a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
