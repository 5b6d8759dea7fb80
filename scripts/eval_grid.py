#!/usr/bin/env python3
"""Scores lrfind's suggestion against the PyTorch one-cycle grids of
datasets/eval/grids/ (written by scripts/eval_torch_grid.py), as pinned in
/work/coord/PLAN.md "Evaluation protocol". No torch: Python's standard library only.

For every fixture DATASET__CONFIG.json: checks the sha256 of its TRAIN and TEST files
(scripts/make_eval_corpus.py regenerates them), runs

    lrfind --data TRAIN --json -q --seed 0 <the configuration's flags>

and reads suggested_lr. The metric at the suggestion is the grid's mean metric
interpolated linearly in log10(max_lr) between neighbouring grid values (outside the
grid: the end value); ratio = metric / best (accuracy) or best / metric (RMSE); the band
is the interval of max_lr around the grid's best whose interpolated metric is >= 99% of
the best (open-ended where the grid's end value is still within it); "in band" says
whether the suggestion lies in it.

Configuration flags (the grid's protocol, in lrfind's options):
  sgd32/sgd128/sgd512  --optim sgd --momentum 0.9 --weight-decay 0 --batch 32/128/512
  adam                 --optim adam --momentum 0.9 --weight-decay 0 --batch 128
  adamw                --optim adamw --momentum 0.9 --weight-decay 0.01 --batch 128
  linear               --model linear --optim sgd --momentum 0.9 --weight-decay 0 --batch 128
  cnn                  --model cnn --optim sgd --momentum 0.9 --weight-decay 0 --batch 128

Options:
  --seeds N      also run --seed 0..N-1 and print, per dataset and configuration, the
                 suggestions and their spread max/min (issue 12's goal: <= 1.78, or a
                 confidence other than high)
  --train-check  also train `lrfind train --data TRAIN --val TEST --schedule
                 onecycle(max_lr=SUGGESTION)` with the grid's epochs and seeds and print
                 lrfind's own metric beside the grid's interpolated one
  --markdown F   also write the tables as Markdown into F (datasets/eval/BASELINE.md),
                 between <!-- eval_grid:begin SECTION --> and <!-- eval_grid:end SECTION -->
                 (--section, default 'table'): regenerating replaces only that part

Every command is printed before it runs. Exit status: 0 when every run worked, 1 when
any lrfind run failed (the table says which and why), a file's sha256 differed or a
fixture is unreadable; 2 usage.

Examples:
  scripts/eval_grid.py                                   # every fixture, seed 0
  scripts/eval_grid.py --task classification --seeds 5 --markdown datasets/eval/BASELINE.md
  scripts/eval_grid.py --datasets wine,iris --configs sgd128 --train-check
"""
import argparse
import hashlib
import json
import math
import os
import shlex
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG_ORDER = ["sgd32", "sgd128", "sgd512", "adam", "adamw", "linear", "cnn"]
CONFIG_FLAGS = {
    "sgd32": ["--optim", "sgd", "--momentum", "0.9", "--weight-decay", "0", "--batch", "32"],
    "sgd128": ["--optim", "sgd", "--momentum", "0.9", "--weight-decay", "0", "--batch", "128"],
    "sgd512": ["--optim", "sgd", "--momentum", "0.9", "--weight-decay", "0", "--batch", "512"],
    "adam": ["--optim", "adam", "--momentum", "0.9", "--weight-decay", "0", "--batch", "128"],
    "adamw": ["--optim", "adamw", "--momentum", "0.9", "--weight-decay", "0.01", "--batch", "128"],
    "linear": ["--model", "linear", "--optim", "sgd", "--momentum", "0.9", "--weight-decay", "0", "--batch", "128"],
    "cnn": ["--model", "cnn", "--optim", "sgd", "--momentum", "0.9", "--weight-decay", "0", "--batch", "128"],
}
BAND = 0.99
# The datasets the finder's regime responses were chosen on (docs/finder.md "Regimes");
# the others (half B) check them. Summaries are printed for each half.
HALF_A = {"oils", "wine", "sonar", "penguins", "cancer", "vehicle", "digits", "spam"}


def parse_args(argv):
    doc = __doc__.split("\n\n")
    p = argparse.ArgumentParser(description=doc[0], epilog="\n\n".join(doc[1:]),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lrfind", default=os.path.join(REPO, "build", "lrfind"))
    p.add_argument("--grids", default=os.path.join(REPO, "datasets", "eval", "grids"))
    p.add_argument("--data", default=os.path.join(REPO, "datasets", "eval", "data"),
                   help="directory of the TRAIN/TEST files (scripts/make_eval_corpus.py)")
    p.add_argument("--datasets", help="comma list (default: every fixture's dataset)")
    p.add_argument("--configs", help="comma list of configurations")
    p.add_argument("--task", choices=["classification", "regression", "all"], default="all")
    p.add_argument("--seeds", type=int, default=1, help="run --seed 0..N-1 (default 1) and print the spread")
    p.add_argument("--train-check", action="store_true", help="also train with lrfind at the suggestion")
    p.add_argument("--extra", default="", help="extra lrfind arguments for every range test (one string)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per lrfind run (default 1800)")
    p.add_argument("--markdown", help="also write the tables as Markdown into this file (see --section)")
    p.add_argument("--section", default="table",
                   help="name of the Markdown section replaced in place (default 'table'); other text is kept")
    p.add_argument("--cache", help="keep every lrfind result in this JSON file, keyed by the binary "
                                   "and the command, and reuse it (a rerun only re-scores)")
    a = p.parse_args(argv)
    if a.seeds < 1:
        p.error("--seeds must be >= 1")
    a.cache_data = None
    if a.cache:
        a.cache_data = {}
        if os.path.exists(a.cache):
            with open(a.cache) as f:
                a.cache_data = json.load(f)
    return a


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_fixtures(a):
    out = []
    want_d = set(a.datasets.split(",")) if a.datasets else None
    want_c = set(a.configs.split(",")) if a.configs else None
    for fn in sorted(os.listdir(a.grids)):
        if not fn.endswith(".json"):
            continue
        with open(os.path.join(a.grids, fn)) as f:
            fx = json.load(f)
        if want_d and fx["dataset"] not in want_d or want_c and fx["config"] not in want_c:
            continue
        if a.task != "all" and fx["task"] != a.task:
            continue
        out.append(fx)
    order = corpus_order(a.data)
    out.sort(key=lambda fx: (order.get(fx["dataset"], 999), fx["dataset"], CONFIG_ORDER.index(fx["config"])))
    return out


def corpus_order(data_dir):
    path = os.path.join(data_dir, "corpus.json")
    if not os.path.exists(path):
        path = os.path.join(REPO, "datasets", "eval", "corpus.json")
    try:
        with open(path) as f:
            return {n: i for i, n in enumerate(json.load(f)["datasets"])}
    except (OSError, ValueError, KeyError):
        return {}


def interp(fx, lr):
    """The grid's mean metric at lr, linear in log10(max_lr); the end value outside."""
    xs = [math.log10(r["max_lr"]) for r in fx["grid"]]
    ys = [r["mean"] for r in fx["grid"]]
    x = math.log10(lr)
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    for i in range(1, len(xs)):
        if x <= xs[i]:
            t = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
            return ys[i - 1] + t * (ys[i] - ys[i - 1])
    return ys[-1]


def ratio_of(fx, metric):
    best = fx["best"]["mean"]
    if fx["higher_is_better"]:
        return metric / best if best > 0 else 0.0
    return best / metric if metric > 0 else 0.0


def band(fx):
    """(lo, hi) around the best grid value where the interpolated ratio >= BAND; None = open."""
    g = fx["grid"]
    r = [ratio_of(fx, row["mean"]) for row in g]
    xs = [math.log10(row["max_lr"]) for row in g]
    ib = max(range(len(g)), key=lambda i: r[i])

    def cross(i, j):  # where the linear interpolation between grid points i and j meets BAND
        if r[i] == r[j]:
            return xs[j]
        # ratio is not linear in the metric for RMSE; solve on the metric itself
        best = fx["best"]["mean"]
        target = best * BAND if fx["higher_is_better"] else best / BAND
        mi, mj = g[i]["mean"], g[j]["mean"]
        t = (target - mi) / (mj - mi)
        return xs[i] + t * (xs[j] - xs[i])

    lo = ib
    while lo > 0 and r[lo - 1] >= BAND:
        lo -= 1
    hi = ib
    while hi < len(g) - 1 and r[hi + 1] >= BAND:
        hi += 1
    lo_v = None if lo == 0 else 10 ** cross(lo, lo - 1)
    hi_v = None if hi == len(g) - 1 else 10 ** cross(hi, hi + 1)
    return lo_v, hi_v


def in_band(b, lr):
    lo, hi = b
    return (lo is None or lr >= lo * (1 - 1e-9)) and (hi is None or lr <= hi * (1 + 1e-9))


def side(b, lr):
    """'yes', or which side of the band the suggestion fell on."""
    if in_band(b, lr):
        return "yes"
    return "no (high)" if b[1] is not None and lr > b[1] else "no (low)"


def fmt_band(b):
    lo, hi = b
    return f"{'<' if lo is None else f'{lo:.3g}'}..{'>' if hi is None else f'{hi:.3g}'}"


def binary_id(path):
    """Identifies a build: a cached result is reused only from the same binary."""
    st = os.stat(path)
    return f"{os.path.realpath(path)}:{st.st_size}:{st.st_mtime_ns}"


def run(a, args):
    cmd = [a.lrfind] + args
    print("$ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    key = binary_id(a.lrfind) + " " + " ".join(shlex.quote(c) for c in args)
    if a.cache_data is not None and key in a.cache_data:
        return a.cache_data[key], None, 0.0
    res, err, dt = run_uncached(a, cmd)
    if a.cache_data is not None and res is not None:
        a.cache_data[key] = res
        with open(a.cache + ".tmp", "w") as f:
            json.dump(a.cache_data, f)
        os.replace(a.cache + ".tmp", a.cache)
    return res, err, dt


def run_uncached(a, cmd):
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=a.timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {a.timeout:g} s", time.perf_counter() - t0
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        msg = (r.stderr.strip().splitlines() or [""])[0]
        return None, f"exit {r.returncode}: {msg}", dt
    try:
        return json.loads(r.stdout), None, dt
    except json.JSONDecodeError as e:
        return None, f"no valid JSON on stdout ({e})", dt


def find_args(a, fx, seed):
    train = os.path.join(a.data, fx["train"]["file"])
    return ["--data", train, "--json", "-q", "--seed", str(seed)] + CONFIG_FLAGS[fx["config"]] + shlex.split(a.extra)


def check_task(fx, res):
    """A regression grid needs lrfind to say task regression: today's JSON has no task and
    reads an integer target (diabetes) as hundreds of classes, exit 0; that is a failure."""
    task = res.get("task")
    if task is None and fx["task"] == "regression":
        classes = (res.get("data") or {}).get("classes")
        return f"lrfind read the regression target as {classes} classes (its JSON has no 'task')"
    if task is not None and task != fx["task"]:
        return f"lrfind treated the data as {task}, the grid is {fx['task']}"
    return None


def suggestion(a, fx, seed):
    """(lr, json, error, seconds) of one range test."""
    res, err, dt = run(a, find_args(a, fx, seed))
    if res is None:
        return None, None, err, dt
    err = check_task(fx, res)
    lr = res.get("suggested_lr")
    if err is None and (not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0):
        err = f"no usable suggested_lr ({lr!r})"
    return (None if err else float(lr)), res, err, dt


def train_check(a, fx, lr):
    """lrfind's own one-cycle training at lr over the grid's seeds: mean metric or an error."""
    vals = []
    key = "val_accuracy" if fx["higher_is_better"] else "val_rmse"
    for s in fx["seeds"]:
        args = ["train", "--data", os.path.join(a.data, fx["train"]["file"]),
                "--val", os.path.join(a.data, fx["test"]["file"]), "--json", "--seed", str(s),
                "--schedule", f"onecycle(max_lr={lr:.6g})", "--epochs", str(fx["epochs"])] + CONFIG_FLAGS[fx["config"]]
        res, err, _ = run(a, args)
        if res is None:
            return None, err
        v = res.get(key)
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            v = fx["diverged_metric"]  # the grid's rule for a diverged run
        vals.append(float(v))
    return sum(vals) / len(vals), None


def verify_files(a, fx):
    for part in ("train", "test"):
        path = os.path.join(a.data, fx[part]["file"])
        if not os.path.exists(path):
            return f"{path} is missing (run scripts/make_eval_corpus.py)"
        if sha256(path) != fx[part]["sha256"]:
            return f"{path}: sha256 differs from the fixture's (regenerate the corpus or the grid)"
    return None


def evaluate(a, fx):
    row = {"dataset": fx["dataset"], "config": fx["config"], "task": fx["task"], "n_train": fx["n_train"],
           "best_lr": fx["best"]["max_lr"], "best": fx["best"]["mean"], "metric_name": fx["metric"],
           "band": band(fx), "seeds_grid": len(fx["seeds"]), "error": verify_files(a, fx), "runs": []}
    if row["error"]:
        return row
    for seed in range(a.seeds):
        lr, res, err, dt = suggestion(a, fx, seed)
        if err:
            row["error"] = err
            return row
        m = interp(fx, lr)
        row["runs"].append({"seed": seed, "lr": lr, "metric": m, "ratio": ratio_of(fx, m),
                            "in_band": in_band(row["band"], lr), "seconds": dt,
                            "confidence": res.get("confidence"), "confidence_reason": res.get("confidence_reason"),
                            "diagnostics": res.get("diagnostics") or res.get("diagnosis"), "rule": res.get("rule")})
    if a.train_check:
        row["train_metric"], row["train_error"] = train_check(a, fx, row["runs"][0]["lr"])
    return row


def table_lines(rows, a, md):
    head = ["dataset", "config", "n_train", "suggestion", "grid best lr", "best", "at sugg.", "ratio",
            "band (>=99%)", "in band", "confidence"]
    if a.seeds > 1:
        head += ["seeds 0..%d" % (a.seeds - 1), "spread", "worst ratio"]
    if a.train_check:
        head += ["lrfind train"]
    out = []
    if md:
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    else:
        out.append(f"{'dataset':11s} {'config':7s} {'n_train':>7s} {'sugg.':>9s} {'best lr':>9s} {'best':>7s} "
                   f"{'at sugg':>7s} {'ratio':>6s} {'band':>17s} {'in band':>9s} {'conf':>6s}"
                   + (f" {'spread':>7s} {'worst':>6s}" if a.seeds > 1 else "") + (f" {'train':>7s}" if a.train_check else ""))
    for r in rows:
        if r["error"]:
            cells = [r["dataset"], r["config"], str(r["n_train"]),
                     "FAILED: " + r["error"].replace(os.path.abspath(a.data) + "/", "")]
            out.append("| " + " | ".join(cells) + " |" if md else " ".join(cells[:2]) + "  " + cells[3])
            continue
        r0 = r["runs"][0]
        conf = r0["confidence"] or "-"
        spread = max(x["lr"] for x in r["runs"]) / min(x["lr"] for x in r["runs"])
        tc = ""
        if a.train_check:
            tc = f"{r['train_metric']:.4f}" if r.get("train_metric") is not None else f"FAILED: {r['train_error']}"
        if md:
            cells = [r["dataset"], r["config"], str(r["n_train"]), f"{r0['lr']:.3g}", f"{r['best_lr']:.3g}",
                     f"{r['best']:.4f}", f"{r0['metric']:.4f}", f"{r0['ratio']:.3f}", fmt_band(r["band"]),
                     side(r["band"], r0["lr"]) if r0["in_band"] else f"**{side(r['band'], r0['lr'])}**", conf]
            if a.seeds > 1:
                cells += [" ".join(f"{x['lr']:.3g}" for x in r["runs"]), f"{spread:.2f}",
                          f"{min(x['ratio'] for x in r['runs']):.3f}"]
            if a.train_check:
                cells.append(tc)
            out.append("| " + " | ".join(cells) + " |")
        else:
            out.append(f"{r['dataset']:11s} {r['config']:7s} {r['n_train']:7d} {r0['lr']:9.3g} {r['best_lr']:9.3g} "
                       f"{r['best']:7.4f} {r0['metric']:7.4f} {r0['ratio']:6.3f} {fmt_band(r['band']):>17s} "
                       f"{side(r['band'], r0['lr']).replace('no ', 'NO '):>9s} {conf:>6s}"
                       + (f" {spread:7.2f} {min(x['ratio'] for x in r['runs']):6.3f}" if a.seeds > 1 else "") + (f" {tc:>7s}" if a.train_check else ""))
    return out


def summary_lines(rows, a):
    out = []
    ok = [r for r in rows if not r["error"]]
    groups = ([("all", ok)] + [(c, [r for r in ok if r["config"] == c]) for c in CONFIG_ORDER]
              + [("half A (tuned on)", [r for r in ok if r["dataset"] in HALF_A]),
                 ("half B (held out)", [r for r in ok if r["dataset"] not in HALF_A])])
    for task in ("classification", "regression"):
        for name, rs in groups:
            rs = [r for r in rs if r["task"] == task]
            if not rs:
                continue
            ratios = [r["runs"][0]["ratio"] for r in rs]
            below90 = [r for r in rs if r["runs"][0]["ratio"] < 0.90]
            low90 = sum(1 for r in below90 if r["runs"][0]["confidence"] == "low")
            has_conf = any(r["runs"][0]["confidence"] for r in rs)
            line = (f"{task} {name}: {len(rs)} runs, min ratio {min(ratios):.3f}, mean ratio "
                    f"{sum(ratios) / len(ratios):.3f}, below 97%: {sum(x < 0.97 for x in ratios)}, below 90%: "
                    f"{len(below90)}" + (f" ({low90} with confidence low)" if has_conf else " (no confidence field)")
                    + f", in band: {sum(r['runs'][0]['in_band'] for r in rs)}/{len(rs)}"
                    + f" (above it: {sum(side(r['band'], r['runs'][0]['lr']) == 'no (high)' for r in rs)}, "
                    + f"below it: {sum(side(r['band'], r['runs'][0]['lr']) == 'no (low)' for r in rs)})")
            if a.seeds > 1:
                spreads = [max(x["lr"] for x in r["runs"]) / min(x["lr"] for x in r["runs"]) for r in rs]
                unstable = [r for r, s in zip(rs, spreads) if s > 1.78]
                bad = [r for r in unstable if not has_conf or any(x["confidence"] == "high" for x in r["runs"])]
                every = [x["ratio"] for r in rs for x in r["runs"]]
                runs = [x for r in rs for x in r["runs"]]
                b90 = [x for x in runs if x["ratio"] < 0.90]
                line += (f"; over seeds 0..{a.seeds - 1}: min ratio {min(every):.3f}, mean {sum(every) / len(every):.3f}, "
                         f"below 97%: {sum(x < 0.97 for x in every)} of {len(every)}, below 90%: {len(b90)}"
                         + (f" ({sum(x['confidence'] == 'low' for x in b90)} with confidence low)" if has_conf else "")
                         + f", spread max/min up to {max(spreads):.2f}, > 1.78 on {len(unstable)}"
                         + (f" ({len(bad)} of them with confidence high)" if has_conf else ""))
                if has_conf:
                    by = {c: [x["ratio"] for x in runs if x["confidence"] == c] for c in ("high", "medium", "low")}
                    line += "; by confidence: " + ", ".join(
                        f"{c} {len(v)} (mean {sum(v) / len(v):.3f}, min {min(v):.3f})" for c, v in by.items() if v)
            out.append(line)
    failed = [r for r in rows if r["error"]]
    tfailed = [r for r in rows if r.get("train_error")]
    if tfailed:
        out.append(f"{len(tfailed)} --train-check runs failed: "
                   + ", ".join(f"{r['dataset']}/{r['config']} ({r['train_error']})" for r in tfailed))
    if failed:
        out.append(f"{len(failed)} of {len(rows)} failed to run: "
                   + ", ".join(f"{r['dataset']}/{r['config']}" for r in failed))
    return out


def write_markdown(a, rows, path):
    """Writes the tables between '<!-- eval_grid:begin SECTION -->' and '<!-- eval_grid:end
    SECTION -->' in path: that section is replaced, the rest of the file (prose) is kept; a new
    section is appended."""
    ver = subprocess.run([a.lrfind, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    git = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    begin, end = f"<!-- eval_grid:begin {a.section} -->", f"<!-- eval_grid:end {a.section} -->"
    args = " ".join(shlex.quote(x) for x in sys.argv[1:])
    lines = [begin, f"Written by `scripts/eval_grid.py {args}`; lrfind `{ver.stdout.strip()}` "
             f"(commit {git.stdout.strip()}); each row ran `lrfind --data TRAIN --json -q --seed S` "
             "with the configuration's flags.", ""]
    lines += table_lines(rows, a, True) + [""] + ["- " + s for s in summary_lines(rows, a)] + ["", end]
    old = open(path).read() if os.path.exists(path) else ""
    if begin in old and end in old:
        text = old[:old.index(begin)] + "\n".join(lines) + old[old.index(end) + len(end):]
    else:
        text = old + ("\n" if old and not old.endswith("\n") else "") + "\n".join(lines) + "\n"
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main(argv):
    a = parse_args(argv)
    if not os.access(a.lrfind, os.X_OK):
        print(f"eval_grid: {a.lrfind} is not executable; build first (scripts/setup.sh)", file=sys.stderr)
        return 1
    fixtures = load_fixtures(a)
    if not fixtures:
        print(f"eval_grid: no fixture matched in {a.grids}", file=sys.stderr)
        return 1
    rows = [evaluate(a, fx) for fx in fixtures]
    print()
    print("\n".join(table_lines(rows, a, False)))
    print()
    print("\n".join(summary_lines(rows, a)))
    if a.markdown:
        write_markdown(a, rows, a.markdown)
    return 1 if any(r["error"] or r.get("train_error") for r in rows) else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
