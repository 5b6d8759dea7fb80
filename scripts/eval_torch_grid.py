#!/usr/bin/python3
"""PyTorch one-cycle grids for the suggestion evaluation (issues 12, 13, 14): for each
dataset x configuration, train at 17 max_lr values x N seeds exactly as pinned in
/work/coord/PLAN.md ("Evaluation protocol", "The CNN") and write one JSON fixture
datasets/eval/grids/DATASET__CONFIG.json. scripts/eval_grid.py (no torch) scores
lrfind's suggestion against these fixtures.

Protocol (pinned): features standardized with TRAIN's per-feature mean/std (std < 1e-8
-> 1; the CNN: per channel over all pixels); model mlp:512,256 ReLU (or linear, or the
CNN cnn:32,64,128), PyTorch default init; OneCycleLR(max_lr, total_steps=E*S) defaults,
stepped once per batch; batches reshuffled each epoch (torch.randperm), last short batch
kept; S = ceil(n_train/B), E = max(3, ceil(300/S)); grid 1e-3..10 (SGD) or 1e-5..1e-1
(Adam/AdamW) in quarter decades; metric = mean test accuracy over seeds (regression: mean
test RMSE in target units; targets standardized with TRAIN's mean/std, MSE loss, one
output). A run whose loss becomes non-finite is diverged and scores as predicting TRAIN's
majority class (regression: TRAIN's mean). Seed s: torch.manual_seed(s) before the model
is built (init and batch order).

Configurations:
  sgd32 sgd128 sgd512   SGD momentum 0.9, wd 0, batch 32/128/512, mlp:512,256
  adam                  Adam betas (0.9, 0.999), wd 0, batch 128 (OneCycleLR cycles beta1)
  adamw                 AdamW wd 0.01, batch 128
  linear                linear model, SGD momentum 0.9, batch 128
  cnn                   cnn:32,64,128 on 1x28x28 images, SGD momentum 0.9, batch 128
Default configurations: classification and regression sets all but cnn; fashion: cnn
(--configs overrides).

One process at a time, torch.set_num_threads(1), under nice (the machine is shared):
  nice -n 15 /usr/bin/python3 scripts/eval_torch_grid.py --datasets wine,iris
  nice -n 15 /usr/bin/python3 scripts/eval_torch_grid.py --estimate   # one run each, timed
An existing fixture computed on the same files with the same seeds is kept (--force rewrites
it); finished trainings are kept in --cache, so an interrupted grid resumes where it stopped.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(1)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = {
    "sgd32": {"model": "mlp:512,256", "optim": "sgd", "batch": 32},
    "sgd128": {"model": "mlp:512,256", "optim": "sgd", "batch": 128},
    "sgd512": {"model": "mlp:512,256", "optim": "sgd", "batch": 512},
    "adam": {"model": "mlp:512,256", "optim": "adam", "batch": 128},
    "adamw": {"model": "mlp:512,256", "optim": "adamw", "batch": 128},
    "linear": {"model": "linear", "optim": "sgd", "batch": 128},
    "cnn": {"model": "cnn:32,64,128", "optim": "sgd", "batch": 128},
}
DEFAULT_CONFIGS = {"classification": ["sgd32", "sgd128", "sgd512", "adam", "adamw", "linear"],
                   "regression": ["sgd32", "sgd128", "sgd512", "adam", "adamw", "linear"],
                   "image": ["cnn"]}
IMAGE_SETS = {"fashion": (1, 28, 28)}
SCHEDULE = {"kind": "onecycle", "impl": "torch.optim.lr_scheduler.OneCycleLR defaults", "pct_start": 0.3,
            "anneal_strategy": "cos", "div_factor": 25.0, "final_div_factor": 1e4, "cycle_momentum": True,
            "base_momentum": 0.85, "max_momentum": 0.95, "three_phase": False, "stepped": "once per batch"}


def grid_values(optim):
    lo, hi = (-12, 4) if optim == "sgd" else (-20, -4)  # quarter decades: 1e-3..10 / 1e-5..1e-1
    return [float(f"{10 ** (k / 4):.6g}") for k in range(lo, hi + 1)]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_csv(path):
    """Label first (the corpus' layout); returns float32 features and the label column."""
    import pandas as pd  # the C parser: Fashion-MNIST's 60,000 x 785 in seconds
    d = pd.read_csv(path).to_numpy()
    return np.ascontiguousarray(d[:, 1:], dtype=np.float32), d[:, 0]


class Data:
    def __init__(self, corpus_dir, name, entry):
        self.name, self.task = name, entry["task"]
        self.shape = IMAGE_SETS.get(name)
        self.files = {}
        for part in ("train", "test"):
            path = os.path.join(corpus_dir, entry["files"][part]["file"])
            digest = sha256(path)
            if digest != entry["files"][part]["sha256"]:
                raise SystemExit(f"eval_torch_grid: {path}: sha256 differs from the corpus record")
            self.files[part] = {"file": entry["files"][part]["file"], "sha256": digest}
        X, y = load_csv(os.path.join(corpus_dir, self.files["train"]["file"]))
        Xt, yt = load_csv(os.path.join(corpus_dir, self.files["test"]["file"]))
        self.n_train, self.n_test, self.n_features = len(X), len(Xt), X.shape[1]
        if self.shape:  # per channel over all pixels
            c = self.shape[0]
            v = X.reshape(len(X), c, -1).astype(np.float64)
            mu = v.mean(axis=(0, 2)).reshape(1, c, 1)
            sd = v.std(axis=(0, 2)).reshape(1, c, 1)
            sd[sd < 1e-8] = 1
            norm = lambda A: ((A.reshape(len(A), c, -1) - mu) / sd).reshape(len(A), *self.shape)
        else:
            mu, sd = X.mean(0, dtype=np.float64), X.std(0, dtype=np.float64)
            sd[sd < 1e-8] = 1
            norm = lambda A: (A - mu) / sd
        self.X = torch.from_numpy(np.ascontiguousarray(norm(X), dtype=np.float32))
        self.Xt = torch.from_numpy(np.ascontiguousarray(norm(Xt), dtype=np.float32))
        if self.task == "classification":
            self.y, self.yt = torch.from_numpy(y.astype(np.int64)), torch.from_numpy(yt.astype(np.int64))
            self.n_out = int(max(y.max(), yt.max())) + 1
            counts = np.bincount(y.astype(np.int64), minlength=self.n_out)
            self.majority = int(counts.argmax())
            self.diverged_metric = float((yt.astype(np.int64) == self.majority).mean())
        else:
            y, yt = y.astype(np.float64), yt.astype(np.float64)
            self.y_mean, self.y_std = float(y.mean()), float(y.std()) or 1.0
            self.y = torch.from_numpy(((y - self.y_mean) / self.y_std).astype(np.float32)).unsqueeze(1)
            self.yt = torch.from_numpy(yt)
            self.n_out = 1
            self.diverged_metric = float(np.sqrt(np.mean((yt - self.y_mean) ** 2)))


def build_model(spec, n_in, n_out, shape):
    kind, _, widths = spec.partition(":")
    if kind == "linear":
        return nn.Linear(n_in, n_out)
    ws = [int(w) for w in widths.split(",")]
    layers = []
    if kind == "mlp":
        for w in ws:
            layers += [nn.Linear(n_in, w), nn.ReLU()]
            n_in = w
        return nn.Sequential(*layers, nn.Linear(n_in, n_out))
    c = shape[0]
    for w in ws:  # the pinned CNN block: conv3x3 (no bias) -> BN -> ReLU -> maxpool 2
        layers += [nn.Conv2d(c, w, 3, padding=1, bias=False), nn.BatchNorm2d(w, eps=1e-5, momentum=0.1),
                   nn.ReLU(), nn.MaxPool2d(2)]
        c = w
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, n_out))


def make_optimizer(cfg, params, max_lr):
    if cfg["optim"] == "sgd":
        return torch.optim.SGD(params, lr=max_lr, momentum=0.9, weight_decay=0.0)
    if cfg["optim"] == "adam":
        return torch.optim.Adam(params, lr=max_lr, betas=(0.9, 0.999), weight_decay=0.0)
    return torch.optim.AdamW(params, lr=max_lr, betas=(0.9, 0.999), weight_decay=0.01)


def run_length(n_train, batch):
    steps = -(-n_train // batch)
    return steps, max(3, -(-300 // steps))


def evaluate(model, d):
    model.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, d.n_test, 1000):
            outs.append(model(d.Xt[i:i + 1000]))
    out = torch.cat(outs)
    if not torch.isfinite(out).all():
        return None
    if d.task == "classification":
        return float((out.argmax(1) == d.yt).double().mean())
    pred = out[:, 0].double() * d.y_std + d.y_mean
    return float(torch.sqrt(torch.mean((pred - d.yt) ** 2)))


def train_once(d, cfg, max_lr, seed):
    """One one-cycle training; returns (metric, diverged)."""
    torch.manual_seed(seed)
    model = build_model(cfg["model"], d.n_features, d.n_out, d.shape)
    opt = make_optimizer(cfg, model.parameters(), max_lr)
    B = cfg["batch"]
    S, E = run_length(d.n_train, B)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=E * S)
    lossf = nn.CrossEntropyLoss() if d.task == "classification" else nn.MSELoss()
    fmt = torch.channels_last if d.shape else torch.contiguous_format
    model = model.to(memory_format=fmt)  # the CNN: NHWC, ~1.5x faster on one core, same maths
    for _ in range(E):
        model.train()
        perm = torch.randperm(d.n_train)
        for s in range(S):
            idx = perm[s * B:(s + 1) * B]
            loss = lossf(model(d.X[idx].contiguous(memory_format=fmt)), d.y[idx])
            if not math.isfinite(loss.item()):
                return d.diverged_metric, True
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    m = evaluate(model, d)
    return (d.diverged_metric, True) if m is None else (m, False)


def fixture_path(out_dir, name, config):
    return os.path.join(out_dir, f"{name}__{config}.json")


class RunCache:
    """Each finished training, one JSON line per (max_lr, seed), keyed by the files' sha256:
    an interrupted grid resumes, and a grid run with 2 seeds is extended to 3 by seed 2 alone."""

    def __init__(self, cache_dir, d, config):
        os.makedirs(cache_dir, exist_ok=True)
        self.path = os.path.join(cache_dir, f"{d.name}__{config}.jsonl")
        self.key = d.files["train"]["sha256"] + d.files["test"]["sha256"]
        self.runs = {}
        if os.path.exists(self.path):
            for line in open(self.path):
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by an interruption
                if r.get("key") == self.key:
                    self.runs[(r["max_lr"], r["seed"])] = r

    def get(self, d, cfg, lr, seed):
        r = self.runs.get((lr, seed))
        if r is None:
            t0 = time.perf_counter()
            m, dv = train_once(d, cfg, lr, seed)
            r = {"key": self.key, "max_lr": lr, "seed": seed, "metric": m, "diverged": dv,
                 "seconds": round(time.perf_counter() - t0, 2)}
            with open(self.path, "a") as f:
                f.write(json.dumps(r) + "\n")
            self.runs[(lr, seed)] = r
        return r


def run_grid(d, config, seeds, out_dir, note, log, cache_dir):
    cfg = CONFIGS[config]
    S, E = run_length(d.n_train, cfg["batch"])
    cache = RunCache(cache_dir, d, config)
    rows, t0, secs = [], time.perf_counter(), 0.0
    for s in seeds:  # seed-major: a long grid has every max_lr of seed 0 first
        for lr in grid_values(cfg["optim"]):
            if (lr, s) not in cache.runs:
                r = cache.get(d, cfg, lr, s)
                log(f"    {d.name} {config} seed {s} max_lr {lr:g}: {r['metric']:.4f}"
                    + (" diverged" if r["diverged"] else "") + f" ({r['seconds']:.0f} s)")
    for lr in grid_values(cfg["optim"]):
        per, div = [], []
        for s in seeds:
            r = cache.get(d, cfg, lr, s)
            per.append(r["metric"])
            div.append(r["diverged"])
            secs += r["seconds"]
        rows.append({"max_lr": lr, "per_seed": per, "diverged": div, "mean": sum(per) / len(per)})
        log(f"  {d.name} {config} max_lr {lr:<8g} mean {rows[-1]['mean']:.4f}"
            + (f"  diverged {sum(div)}/{len(div)}" if any(div) else ""))
    log(f"  ({time.perf_counter() - t0:.0f} s now; {secs:.0f} s of training in all)")
    higher = d.task == "classification"
    best = (max if higher else min)(rows, key=lambda r: r["mean"])
    fx = {
        "dataset": d.name, "config": config, "task": d.task,
        "train": d.files["train"], "test": d.files["test"],
        "n_train": d.n_train, "n_test": d.n_test, "n_features": d.n_features,
        "n_classes": d.n_out if higher else None, "shape": list(d.shape) if d.shape else None,
        "model": cfg["model"], "optim": cfg["optim"], "batch": cfg["batch"],
        "momentum": 0.9, "betas": [0.9, 0.999] if cfg["optim"] != "sgd" else None,
        "weight_decay": 0.01 if cfg["optim"] == "adamw" else 0.0,
        "normalize": "per channel (train mean/std over all pixels)" if d.shape else "standard (train mean/std)",
        "memory_format": "channels_last (NHWC) for speed; the same computation up to float rounding"
        if d.shape else None,
        "targets": None if higher else "standardized with TRAIN mean/std; MSE loss; 1 output",
        "schedule": SCHEDULE, "steps_per_epoch": S, "epochs": E, "total_steps": E * S,
        "drop_last": False, "seeds": list(seeds),
        "metric": "accuracy" if higher else "rmse", "higher_is_better": higher,
        "diverged_metric": d.diverged_metric,
        "diverged_rule": "non-finite loss -> TRAIN majority class" if higher else "non-finite loss -> TRAIN mean",
        "grid": rows, "best": {"max_lr": best["max_lr"], "mean": best["mean"]},
        "reduction": note, "seconds": round(secs, 1), "seconds_note": "sum of the trainings' wall times, "
        "one thread, under nice on a shared 2-core machine",
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "generated_by": "scripts/eval_torch_grid.py",
    }
    path = fixture_path(out_dir, d.name, config)
    with open(path + ".tmp", "w") as f:
        json.dump(fx, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    log(f"{path}: best max_lr {best['max_lr']:g} {fx['metric']} {best['mean']:.4f}; {secs:.0f} s")


def up_to_date(path, d, seeds):
    if not os.path.exists(path):
        return False
    fx = json.load(open(path))
    return (fx["train"]["sha256"] == d.files["train"]["sha256"] and fx["test"]["sha256"] == d.files["test"]["sha256"]
            and fx["seeds"] == list(seeds))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--data", default=os.path.join(REPO, "datasets", "eval", "data"),
                   help="corpus directory (scripts/make_eval_corpus.py; corpus.json inside)")
    p.add_argument("--out", default=os.path.join(REPO, "datasets", "eval", "grids"))
    p.add_argument("--datasets", help="comma list (default: every set in corpus.json but fashion_cifar)")
    p.add_argument("--configs", help="comma list (default: per task, see above)")
    p.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (pinned: 3)")
    p.add_argument("--note", help="the stated reduction, recorded in the fixture (e.g. why fewer seeds)")
    p.add_argument("--estimate", action="store_true",
                   help="time one training (seed 0, a mid-grid max_lr) per dataset x config and "
                        "extrapolate the grid cost; writes nothing")
    p.add_argument("--cache", default=os.path.join(REPO, "datasets", "eval", "data", "gridcache"),
                   help="finished trainings (resume; not committed)")
    p.add_argument("--force", action="store_true", help="recompute fixtures that are up to date")
    a = p.parse_args(argv)
    corpus = json.load(open(os.path.join(a.data, "corpus.json")))["datasets"]
    names = a.datasets.split(",") if a.datasets else [n for n in corpus if n != "fashion_cifar"]
    for n in names:
        if n not in corpus:
            p.error(f"unknown dataset {n} (not in {a.data}/corpus.json)")
    seeds = list(range(a.seeds))
    os.makedirs(a.out, exist_ok=True)
    log = lambda msg: print(msg, flush=True)
    total_est = 0.0
    for n in names:
        kind = "image" if n in IMAGE_SETS else corpus[n]["task"]
        configs = a.configs.split(",") if a.configs else DEFAULT_CONFIGS[kind]
        d = None
        for c in configs:
            if c not in CONFIGS:
                p.error(f"unknown configuration {c}")
            if d is None:
                d = Data(a.data, n, corpus[n])
            if a.estimate:
                lr = grid_values(CONFIGS[c]["optim"])[8]
                t0 = time.perf_counter()
                m, dv = train_once(d, CONFIGS[c], lr, 0)
                dt = time.perf_counter() - t0
                total_est += dt * 17 * len(seeds)
                log(f"{n:11s} {c:7s} one training {dt:7.2f} s (max_lr {lr:g}: {m:.4f}{' diverged' if dv else ''})"
                    f" -> grid of 17 x {len(seeds)} seeds ~{dt * 17 * len(seeds) / 60:6.1f} min")
                continue
            if not a.force and up_to_date(fixture_path(a.out, n, c), d, seeds):
                log(f"{n} {c}: up to date")
                continue
            run_grid(d, c, seeds, a.out, a.note, log, a.cache)
    if a.estimate:
        log(f"estimated total: {total_est / 3600:.2f} h of one core")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
