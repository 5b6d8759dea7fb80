#!/usr/bin/python3
"""Suggestion quality: does one-cycle training at lrfind's suggested max_lr reach (nearly)
the accuracy of the best max_lr from a grid?  (issue 6: at least 99% of the best of 17
values, 1e-3 to 10 in quarter decades, SGD momentum 0.9, 3 epochs, batch 128.)

Works on any train/test CSV pair that lrfind can read, tabular or image:

  1. `lrfind --data TRAIN --json` (range test on the training file only) -> suggested_lr
  2. for each grid max_lr and for the suggestion:
     `lrfind train --data TRAIN --val TEST --schedule 'onecycle(max_lr=X)' --optim sgd
      --momentum 0.9 --epochs 3 --batch 128 --json` -> val_accuracy
  3. a table, best grid accuracy, suggestion accuracy, their ratio and PASS/FAIL.

With --seeds the range test and every training run are repeated per seed and accuracies
averaged (the suggestion of seed s is trained with seed s). A run that fails or diverges
(exit status 1, or a non-finite accuracy) counts as accuracy 0 and is flagged; a usage error
of lrfind (exit 2) aborts, since it means this script and the CLI disagree.

Only the lrfind CLI is driven (no torch); needs Python 3 with the standard library.

Examples:
  scripts/eval_suggestion.py fashion-mnist_train.csv fashion-mnist_test.csv
  scripts/eval_suggestion.py train.csv test.csv --label target --seeds 3 --quick
  scripts/eval_suggestion.py train.csv test.csv --all-rules --json-out result.json

Exit status: 0 PASS, 3 FAIL (ratio below the threshold), 1 error, 2 usage.
"""
import argparse
import json
import math
import os
import shlex
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    p.add_argument("train", help="training CSV (the range test sees only this)")
    p.add_argument("test", help="test CSV used as --val for every training run")
    p.add_argument("--lrfind", default=os.path.join(REPO, "build", "lrfind"), help="the lrfind binary")
    p.add_argument("--label", help="label column NAME|INDEX, passed to every lrfind call")
    p.add_argument("--epochs", type=int, default=3, help="epochs per training run (default 3)")
    p.add_argument("--quick", action="store_true", help="1 epoch per run (a smoke test, not the goal)")
    p.add_argument("--batch", type=int, default=128, help="batch size (default 128)")
    p.add_argument("--seeds", default="1", help="N (seeds 0..N-1) or a comma list such as 7, (default 1: seed 0)")
    p.add_argument("--grid-min", type=float, default=1e-3)
    p.add_argument("--grid-max", type=float, default=10.0)
    p.add_argument("--per-decade", type=int, default=4, help="grid points per decade (default 4)")
    p.add_argument("--threshold", type=float, default=0.99, help="pass ratio (default 0.99)")
    p.add_argument("--find-args", default="", help="extra arguments for the range test (one string)")
    p.add_argument("--train-args", default="", help="extra arguments for every training run, e.g. '--model mlp:256'")
    p.add_argument("--all-rules", action="store_true", help="also train at every rule's suggestion")
    p.add_argument("--json-out", help="write all results as JSON here")
    p.add_argument("-v", "--verbose", action="store_true", help="print each command")
    a = p.parse_args(argv)
    if a.quick:
        a.epochs = 1
    if "," in a.seeds:
        a.seed_list = [int(s) for s in a.seeds.split(",") if s.strip()]
    else:
        a.seed_list = list(range(int(a.seeds)))
    if not a.seed_list or a.epochs < 1 or a.batch < 1 or a.per_decade < 1:
        p.error("--seeds, --epochs, --batch and --per-decade must be positive")
    if not (0 < a.grid_min < a.grid_max):
        p.error("need 0 < --grid-min < --grid-max")
    return a


def grid(lo, hi, per_decade):
    """Log-spaced values lo..hi inclusive: 1e-3..10 at 4 per decade gives 17 values."""
    k0 = round(math.log10(lo) * per_decade)
    k1 = round(math.log10(hi) * per_decade)
    return [float(f"{10 ** (k / per_decade):.6g}") for k in range(k0, k1 + 1)]


class LrfindError(Exception):
    pass


def run_lrfind(a, args):
    cmd = [a.lrfind] + args
    if a.verbose:
        print("$ " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if r.returncode == 2:
        raise LrfindError(f"usage error from: {' '.join(cmd)}\n{r.stderr.strip()}")
    if r.returncode != 0:
        return None, dt, (r.stderr.strip().splitlines() or [f"exit status {r.returncode}"])[0]
    try:
        return json.loads(r.stdout), dt, None
    except json.JSONDecodeError as e:
        raise LrfindError(f"lrfind printed no valid JSON ({e}) for: {' '.join(cmd)}")


def common_args(a, seed):
    out = ["--data", a.train, "--batch", str(a.batch), "--seed", str(seed)]
    if a.label is not None:
        out += ["--label", a.label]
    return out


def find_suggestion(a, seed):
    args = common_args(a, seed) + ["--optim", "sgd", "--momentum", "0.9", "--json"]
    args += shlex.split(a.find_args)
    res, dt, err = run_lrfind(a, args)
    if res is None:
        raise LrfindError(f"the range test failed: {err}")
    lr = res.get("suggested_lr")
    if not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise LrfindError(f"the range test gave no usable suggested_lr: {lr!r}")
    return res, dt


def train_accuracy(a, max_lr, seed):
    args = common_args(a, seed)
    args = ["train"] + args + [
        "--val", a.test, "--schedule", f"onecycle(max_lr={max_lr:.6g})", "--optim", "sgd",
        "--momentum", "0.9", "--epochs", str(a.epochs), "--json",
    ] + shlex.split(a.train_args)
    res, dt, err = run_lrfind(a, args)
    if res is None:
        return 0.0, dt, f"failed: {err}"
    acc = res.get("val_accuracy")
    if not isinstance(acc, (int, float)) or not math.isfinite(acc):
        return 0.0, dt, "diverged (no finite accuracy)"
    return float(acc), dt, None


def mean(xs):
    return sum(xs) / len(xs)


def main(argv):
    a = parse_args(argv)
    for f in (a.train, a.test):
        if not os.path.isfile(f):
            print(f"eval_suggestion: no such file: {f}", file=sys.stderr)
            return 1
    if not os.access(a.lrfind, os.X_OK):
        print(f"eval_suggestion: {a.lrfind} is not executable; build first", file=sys.stderr)
        return 1
    values = grid(a.grid_min, a.grid_max, a.per_decade)
    print(f"train {a.train}  test {a.test}")
    print(f"one-cycle (PyTorch OneCycleLR defaults), SGD momentum 0.9, {a.epochs} epoch(s), batch {a.batch}, "
          f"seeds {a.seed_list}, grid {len(values)} values {values[0]:g}..{values[-1]:g}")

    t_start = time.perf_counter()
    finds = {}
    for s in a.seed_list:
        res, dt = find_suggestion(a, s)
        finds[s] = res
        rules = res.get("suggestions") or {}
        rule_text = ", ".join(f"{k} {v:.3g}" for k, v in rules.items() if isinstance(v, (int, float)))
        print(f"seed {s}: suggested_lr {res['suggested_lr']:.4g} (rule {res.get('rule', '?')}; "
              f"stop {res.get('stop_reason', '?')}; {dt:.2f} s)  [{rule_text}]")

    # Every (max_lr, seed) pair trained once, the suggestion included.
    acc, notes, seconds = {}, {}, []

    def evaluate(lr, s):
        key = (f"{lr:.6g}", s)
        if key not in acc:
            acc[key], dt, note = train_accuracy(a, lr, s)
            seconds.append(dt)
            if note:
                notes[key] = note
        return acc[key]

    rows = []
    for lr in values:
        per_seed = [evaluate(lr, s) for s in a.seed_list]
        rows.append({"max_lr": lr, "accuracy": mean(per_seed), "per_seed": per_seed,
                     "notes": sorted({notes[(f"{lr:.6g}", s)] for s in a.seed_list if (f"{lr:.6g}", s) in notes})})
        print(f"  max_lr {lr:<8.4g} val_accuracy {mean(per_seed):.4f}"
              + (f"  ({'; '.join(rows[-1]['notes'])})" if rows[-1]["notes"] else ""), flush=True)
    sug_per_seed = [evaluate(finds[s]["suggested_lr"], s) for s in a.seed_list]
    sug_acc = mean(sug_per_seed)

    rule_rows = []
    if a.all_rules:
        names = sorted({k for s in a.seed_list for k in (finds[s].get("suggestions") or {})})
        for name in names:
            per = []
            for s in a.seed_list:
                v = (finds[s].get("suggestions") or {}).get(name)
                if isinstance(v, (int, float)) and math.isfinite(v) and v > 0:
                    per.append(evaluate(v, s))
            if per:
                rule_rows.append({"rule": name, "accuracy": mean(per), "per_seed": per})

    best = max(rows, key=lambda r: r["accuracy"])
    ratio = sug_acc / best["accuracy"] if best["accuracy"] > 0 else 0.0
    passed = ratio >= a.threshold

    print()
    print(f"{'max_lr':>10}  {'val_acc':>8}  {'sd':>6}")
    table = rows + [{"max_lr": finds[s]["suggested_lr"], "accuracy": sug_acc, "per_seed": sug_per_seed,
                     "suggestion": True} for s in a.seed_list[:1]]
    for r in sorted(table, key=lambda r: (r["max_lr"], bool(r.get("suggestion")))):
        sd = statistics.pstdev(r["per_seed"]) if len(r["per_seed"]) > 1 else 0.0
        mark = "  <- suggestion" if r.get("suggestion") else ("  * best of grid" if r is best else "")
        print(f"{r['max_lr']:>10.4g}  {r['accuracy']:>8.4f}  {sd:>6.4f}{mark}")
    if len(a.seed_list) > 1:
        print("(suggestion row: lr of seed %d; accuracy averaged over each seed's own suggestion)" % a.seed_list[0])
    for r in rule_rows:
        print(f"rule {r['rule']:<12} val_acc {r['accuracy']:.4f}  ratio {r['accuracy'] / best['accuracy']:.4f}"
              if best["accuracy"] > 0 else f"rule {r['rule']}: val_acc {r['accuracy']:.4f}")
    total = time.perf_counter() - t_start
    print(f"best grid max_lr {best['max_lr']:g}: {best['accuracy']:.4f}; suggestion: {sug_acc:.4f}; "
          f"ratio {ratio:.4f} (goal >= {a.threshold}); {len(seconds)} training runs, {total:.0f} s")
    print(f"{'PASS' if passed else 'FAIL'}: suggestion reaches {100 * ratio:.1f}% of the best grid accuracy")

    if a.json_out:
        out = {
            "train": a.train, "test": a.test, "epochs": a.epochs, "batch": a.batch, "seeds": a.seed_list,
            "suggestions": {str(s): finds[s] for s in a.seed_list},
            "grid": rows, "suggestion_accuracy": sug_acc, "suggestion_per_seed": sug_per_seed,
            "best_grid_max_lr": best["max_lr"], "best_grid_accuracy": best["accuracy"],
            "ratio": ratio, "threshold": a.threshold, "pass": passed, "rules": rule_rows,
        }
        for s in out["suggestions"].values():
            s.pop("curve", None)  # the curve is long and not needed to judge the result
        with open(a.json_out + ".tmp", "w") as f:
            json.dump(out, f, indent=1)
        os.replace(a.json_out + ".tmp", a.json_out)
    return 0 if passed else 3


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except LrfindError as e:
        print(f"eval_suggestion: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
