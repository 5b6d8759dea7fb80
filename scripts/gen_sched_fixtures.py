#!/usr/bin/python3
"""Reference traces for the schedule library (tests/test_sched_traces.c).

PyTorch kinds are run through torch.optim.lr_scheduler (Debian python3-torch 1.13) with
opt.step(); sched.step() pairs; row t is param_groups[0]['lr'] (and momentum, or Adam's
beta1) after t scheduler steps. The non-PyTorch kinds are computed here from their
published formulas (HF transformers, Keras, Caffe, and the sine mode stated in sched.h).

Output: tests/fixtures/sched/traces.txt, blocks of
  T name|SPEC|base_lr|rows|source
  M metric...            (plateau: the metric fed at step 1, 2, ...)
  L lr...                (rows values, %.17g)
  P momentum...          (only when the schedule drives momentum)
source is torch, torch-x (PyTorch raised at the next step: past a one-cycle's end) or formula.
Run: /usr/bin/python3 scripts/gen_sched_fixtures.py
"""
import bisect
import math
import os
import random
import warnings

import torch
import torch.optim.lr_scheduler as S

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "sched",
                   "traces.txt")
rng = random.Random(20261121)


def fmt(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(fmt(x) for x in v) + "]"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def spec(kind, params, children=()):
    parts = [spec(*c) for c in children] + ["%s=%s" % (k, fmt(v)) for k, v in params.items()]
    return "%s(%s)" % (kind, ",".join(parts))


SCALE_FNS = {"triangular": lambda g: (lambda x: 1.0),
             "triangular2": lambda g: (lambda x: 1 / (2. ** (x - 1))),
             "exp_range": lambda g: (lambda x: g ** x)}


def make(opt, kind, p, children=()):
    p = dict(p)
    if kind == "step":
        return S.StepLR(opt, **p)
    if kind == "multistep":
        return S.MultiStepLR(opt, **p)
    if kind == "constant":
        return S.ConstantLR(opt, **p)
    if kind == "linear":
        return S.LinearLR(opt, **p)
    if kind == "exponential":
        return S.ExponentialLR(opt, **p)
    if kind == "multiplicative":
        f = p["factor"]
        return S.MultiplicativeLR(opt, lr_lambda=lambda t: f)
    if kind == "polynomial":
        return S.PolynomialLR(opt, **p)
    if kind == "cosine":
        return S.CosineAnnealingLR(opt, **p)
    if kind == "cosine_restarts":
        return S.CosineAnnealingWarmRestarts(opt, **p)
    if kind == "cyclic":
        if "scale_fn" in p:
            p["scale_fn"] = SCALE_FNS[p["scale_fn"]](p.get("gamma", 1.0))
        return S.CyclicLR(opt, **p)
    if kind == "onecycle":
        return S.OneCycleLR(opt, **p)
    if kind == "plateau":
        return S.ReduceLROnPlateau(opt, **p)
    subs = [make(opt, *c) for c in children]
    if kind == "seq":
        return S.SequentialLR(opt, subs, **p)
    if kind == "chain":
        return S.ChainedScheduler(subs)
    raise ValueError(kind)


def drives_momentum(kind, p, children=()):
    if kind in ("cyclic", "onecycle"):
        return p.get("cycle_momentum", True)
    return any(drives_momentum(*c) for c in children)


traces = []


def torch_trace(name, kind, p, rows, base_lr=1.0, children=(), metrics=None, adam=False):
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([w], lr=base_lr) if adam else torch.optim.SGD([w], lr=base_lr,
                                                                          momentum=0.9)
    sched = make(opt, kind, p, children)
    mom = drives_momentum(kind, p, children)
    lrs, moms = [], []
    stepped_past_end = False
    for t in range(rows):
        g = opt.param_groups[0]
        lrs.append(g["lr"])
        moms.append(g["betas"][0] if adam else g["momentum"])
        if t + 1 < rows:
            opt.step()
            try:
                if kind == "plateau":
                    sched.step(metrics[t])
                else:
                    sched.step()
            except ValueError:  # a one-cycle stepped past its total: recorded as "X"
                stepped_past_end = True
                break
    traces.append((name, spec(kind, p, children), base_lr, lrs, moms if mom else None, metrics,
                   "torch-x" if stepped_past_end else "torch"))


def formula_trace(name, kind, p, rows, f, base_lr=1.0, mom=None):
    traces.append((name, spec(kind, p), base_lr, [f(t) for t in range(rows)],
                   [mom(t) for t in range(rows)] if mom else None, None, "formula"))


def lr0():
    return rng.choice([1.0, 0.1, 0.01, round(10 ** rng.uniform(-4, 0), 6)])


# --- golden vectors of the reference (schedulers.md section 6) -------------------------
torch_trace("golden_step", "step", {"step_size": 3, "gamma": 0.5}, 9)
torch_trace("golden_multistep", "multistep", {"milestones": [2, 5, 5], "gamma": 0.1}, 8)
torch_trace("golden_cosine", "cosine", {"T_max": 6, "eta_min": 0.1}, 15)
torch_trace("golden_cawr", "cosine_restarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.05}, 23)
torch_trace("golden_cyclic_tri", "cyclic",
            {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 3, "step_size_down": 2}, 12)
torch_trace("golden_cyclic_exp", "cyclic",
            {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "step_size_down": 2,
             "mode": "exp_range", "gamma": 0.95}, 10)
torch_trace("golden_onecycle_cos", "onecycle", {"max_lr": 1.0, "total_steps": 10}, 11)
torch_trace("golden_onecycle_linear", "onecycle",
            {"max_lr": 1.0, "total_steps": 10, "anneal_strategy": "linear"}, 11)
torch_trace("golden_onecycle_3phase", "onecycle",
            {"max_lr": 1.0, "total_steps": 12, "three_phase": True}, 13)
torch_trace("golden_onecycle_adam", "onecycle",
            {"max_lr": 0.01, "epochs": 2, "steps_per_epoch": 4, "pct_start": 0.25}, 9,
            base_lr=1e-3, adam=True)
torch_trace("golden_seq", "seq", {"milestones": [3]}, 10,
            children=[("linear", {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 3}),
                      ("cosine", {"T_max": 5})])
torch_trace("golden_chain", "chain", {}, 6,
            children=[("constant", {"factor": 0.1, "total_iters": 2}),
                      ("exponential", {"gamma": 0.9})])
torch_trace("golden_plateau", "plateau",
            {"mode": "min", "factor": 0.5, "patience": 1, "threshold": 0.01,
             "threshold_mode": "rel", "cooldown": 1, "min_lr": 0.2}, 12,
            metrics=[1.0, .995, .99, .98, .98, .98, .98, .98, .97, .97, .97])

# --- randomized PyTorch kinds --------------------------------------------------------
for i in range(10):
    torch_trace("step_%d" % i, "step", {"step_size": rng.randint(1, 8),
                                        "gamma": round(rng.uniform(0.1, 0.95), 4)},
                rng.randint(20, 50), lr0())
for i in range(10):
    ms = sorted(rng.sample(range(0, 30), rng.randint(1, 4)))
    if i % 3 == 0:
        ms.append(ms[-1])  # duplicate milestone: decays twice
    if i % 4 == 1:
        ms = ms[::-1]  # unsorted is accepted
    torch_trace("multistep_%d" % i, "multistep",
                {"milestones": ms, "gamma": round(rng.uniform(0.1, 0.9), 3)}, 35, lr0())
for i in range(8):
    torch_trace("constant_%d" % i, "constant",
                {"factor": round(rng.uniform(0.05, 1.0), 4), "total_iters": [0, 1, 3, 7][i % 4]},
                15, lr0())
for i in range(10):
    torch_trace("linear_%d" % i, "linear",
                {"start_factor": round(rng.uniform(0.01, 1.0), 4),
                 "end_factor": round(rng.uniform(0.0, 1.0), 4),
                 "total_iters": [0, 1, 4, 10, 25][i % 5]}, 30, lr0())
for i in range(6):
    torch_trace("exponential_%d" % i, "exponential", {"gamma": round(rng.uniform(0.8, 1.05), 4)},
                40, lr0())
for i in range(4):
    torch_trace("multiplicative_%d" % i, "multiplicative",
                {"factor": round(rng.uniform(0.8, 1.0), 4)}, 30, lr0())
for i in range(8):
    torch_trace("polynomial_%d" % i, "polynomial",
                {"total_iters": [0, 1, 5, 20][i % 4], "power": round(rng.uniform(0.3, 3.0), 3)},
                30, lr0())
for i in range(12):
    T = rng.choice([1, 2, 3, 7, 10, 25, 60])
    torch_trace("cosine_%d" % i, "cosine",
                {"T_max": T, "eta_min": rng.choice([0.0, 1e-5, 0.01, 0.3])},
                min(4 * T + 3, 250), rng.choice([1.0, 0.5, 0.1]))
for i in range(12):
    torch_trace("cawr_%d" % i, "cosine_restarts",
                {"T_0": rng.randint(1, 8), "T_mult": rng.randint(1, 3),
                 "eta_min": rng.choice([0.0, 1e-4, 0.05])}, 60, lr0())
for i in range(24):
    mode = ["triangular", "triangular2", "exp_range"][i % 3]
    p = {"base_lr": round(rng.uniform(1e-4, 0.05), 5), "max_lr": round(rng.uniform(0.06, 1.0), 4),
         "step_size_up": rng.randint(1, 9), "mode": mode}
    if i % 2:
        p["step_size_down"] = rng.randint(0, 7)
    if mode == "exp_range":
        p["gamma"] = round(rng.uniform(0.9, 0.999), 4)
    if i % 8 == 5:
        p["cycle_momentum"] = False
    if i % 8 == 2:
        p["base_momentum"], p["max_momentum"] = 0.7, 0.95
    if i >= 18:  # a named scale function passed as a custom scale_fn: scale_mode applies
        p["scale_fn"] = ["triangular2", "exp_range", "triangular2", "exp_range", "triangular",
                         "exp_range"][i - 18]
        p["gamma"] = round(rng.uniform(0.9, 0.999), 4)
        p["scale_mode"] = "iterations" if i % 2 else "cycle"
    torch_trace("cyclic_%d" % i, "cyclic", p, 45, lr0())
torch_trace("cyclic_up1_down0", "cyclic",
            {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 1, "step_size_down": 0}, 6)
for i in range(20):
    N = rng.randint(5, 60)
    p = {"max_lr": round(rng.uniform(0.01, 2.0), 4),
         "pct_start": round(rng.uniform(0.15, 0.6), 3),
         "anneal_strategy": "cos" if i % 2 == 0 else "linear"}
    if i % 3 == 0:
        eps_ = rng.randint(1, 5)
        spe = max(2, N // eps_)
        p["epochs"], p["steps_per_epoch"] = eps_, spe
        N = eps_ * spe
    else:
        p["total_steps"] = N
    if i % 4 == 1:
        p["three_phase"] = True
    if i % 5 == 2:
        p["div_factor"], p["final_div_factor"] = 10.0, 100.0
    if i % 7 == 3:
        p["cycle_momentum"] = False
    if i % 6 == 4:
        p["base_momentum"], p["max_momentum"] = 0.8, 0.99
    pct = p["pct_start"]
    if pct * N - 1 == 0 or (p.get("three_phase") and pct * N - 1 == pct * N - 1 - 0):
        pass
    try:
        torch_trace("onecycle_%d" % i, "onecycle", p, N + 2, lr0(), adam=(i % 5 == 4))
    except ZeroDivisionError:
        pass
# phase-end edge cases
torch_trace("onecycle_pct0", "onecycle", {"max_lr": 1.0, "total_steps": 5, "pct_start": 0.0}, 6)
torch_trace("onecycle_n1", "onecycle", {"max_lr": 1.0, "total_steps": 1}, 2)
torch_trace("onecycle_pct1", "onecycle", {"max_lr": 1.0, "total_steps": 8, "pct_start": 1.0}, 8)
torch_trace("onecycle_3phase_linear", "onecycle",
            {"max_lr": 0.5, "total_steps": 20, "pct_start": 0.25, "three_phase": True,
             "anneal_strategy": "linear"}, 21)
torch_trace("onecycle_float_peak", "onecycle", {"max_lr": 1.0, "total_steps": 10, "pct_start": 0.3},
            11)
for i in range(14):
    mode = "min" if i % 2 == 0 else "max"
    p = {"mode": mode, "factor": round(rng.uniform(0.1, 0.9), 3), "patience": rng.randint(0, 4),
         "threshold": rng.choice([0.0, 1e-4, 0.01, 0.1]),
         "threshold_mode": "rel" if i % 4 < 2 else "abs", "cooldown": rng.randint(0, 3),
         "min_lr": rng.choice([0.0, 0.001, 0.05])}
    if i % 5 == 3:
        p["eps"] = 0.05
    rows = 40
    # a noisy curve with plateaus and exact repeats (strict comparisons matter)
    v, metrics = 1.0, []
    for t in range(rows - 1):
        r = rng.random()
        if r < 0.3:
            v = v  # exact repeat
        elif r < 0.6:
            v = v * (1 - 0.01 * rng.random()) if mode == "min" else v * (1 + 0.01 * rng.random())
        else:
            v = v + rng.uniform(-0.05, 0.05)
        metrics.append(round(v, 6))
    if i == 13:
        metrics = [-abs(m) for m in metrics]  # rel mode with negative metrics (issue #47513)
    torch_trace("plateau_%d" % i, "plateau", p, rows, lr0(), metrics=metrics)
torch_trace("plateau_threshold_edge", "plateau",
            {"factor": 0.5, "patience": 0, "threshold": 0.01}, 6,
            metrics=[1.0, 0.99, 0.98, 0.9702, 0.97])

# --- composition -----------------------------------------------------------------------
seqs = [
    ([("constant", {"factor": 0.1, "total_iters": 5}), ("multiplicative", {"factor": 0.5})], [3]),
    ([("linear", {"start_factor": 0.1, "total_iters": 5}), ("cosine", {"T_max": 15})], [5]),
    ([("linear", {"start_factor": 0.1, "total_iters": 10}), ("cosine", {"T_max": 15})], [5]),
    ([("exponential", {"gamma": 0.9}), ("step", {"step_size": 3}),
      ("constant", {"factor": 0.5, "total_iters": 4})], [4, 9]),
    ([("constant", {"factor": 0.25, "total_iters": 3}), ("cosine_restarts", {"T_0": 4})], [3]),
    ([("linear", {"start_factor": 0.5, "total_iters": 4}),
      ("cyclic", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3})], [4]),
    ([("linear", {"start_factor": 0.2, "total_iters": 3}),
      ("onecycle", {"max_lr": 0.5, "total_steps": 12})], [3]),
    ([("onecycle", {"max_lr": 0.5, "total_steps": 8}), ("exponential", {"gamma": 0.8})], [8]),
    ([("cyclic", {"base_lr": 0.05, "max_lr": 0.5, "step_size_up": 2}),
      ("cosine", {"T_max": 6})], [6]),
    ([("multistep", {"milestones": [0, 2]}), ("polynomial", {"total_iters": 6, "power": 2.0}),
      ("multiplicative", {"factor": 0.9})], [5, 12]),
    ([("constant", {"factor": 0.5, "total_iters": 2}), ("exponential", {"gamma": 0.5})], [0]),
    ([("step", {"step_size": 2, "gamma": 0.5}), ("linear", {"start_factor": 0.3})], [3]),
    ([("linear", {"start_factor": 0.3}), ("linear", {"start_factor": 0.6, "end_factor": 0.2}),
      ("cosine", {"T_max": 4, "eta_min": 0.01})], [4, 4]),
    ([("cosine", {"T_max": 5}), ("multiplicative", {"factor": 1.1})], [7]),
]
for i, (children, ms) in enumerate(seqs):
    torch_trace("seq_%d" % i, "seq", {"milestones": ms}, 25, lr0(), children=children)
for i in range(6):
    children = [("linear", {"start_factor": round(rng.uniform(0.05, 0.5), 3),
                            "total_iters": rng.randint(1, 8)}),
                ("cosine", {"T_max": rng.randint(5, 30), "eta_min": rng.choice([0.0, 1e-4])})]
    torch_trace("seq_rand_%d" % i, "seq", {"milestones": [children[0][1]["total_iters"]]}, 40,
                lr0(), children=children)
chains = [
    [("constant", {"factor": 0.1, "total_iters": 3}), ("cosine", {"T_max": 8})],
    [("linear", {"start_factor": 0.2, "total_iters": 4}), ("exponential", {"gamma": 0.95})],
    [("step", {"step_size": 3, "gamma": 0.5}), ("multistep", {"milestones": [4, 4, 9]})],
    [("polynomial", {"total_iters": 10, "power": 1.5}), ("multiplicative", {"factor": 0.97})],
    [("cosine", {"T_max": 5, "eta_min": 0.05}), ("exponential", {"gamma": 0.9})],
    [("exponential", {"gamma": 0.9}), ("cosine_restarts", {"T_0": 5})],
    [("linear", {"start_factor": 0.5, "total_iters": 3}),
     ("cyclic", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2})],
    [("cyclic", {"base_lr": 0.02, "max_lr": 0.2, "step_size_up": 3}),
     ("constant", {"factor": 0.5, "total_iters": 4})],
    [("onecycle", {"max_lr": 0.3, "total_steps": 20}), ("exponential", {"gamma": 0.99})],
    [("constant", {"factor": 0.5, "total_iters": 0}), ("linear", {"start_factor": 0.4})],
]
for i, children in enumerate(chains):
    torch_trace("chain_%d" % i, "chain", {}, 21, lr0(), children=children)

# --- non-PyTorch kinds, from their published formulas ---------------------------------


def hf_cos_min(W, N, c, m):
    def f(t):
        if t < W:
            return t / max(1, W)
        pr = (t - W) / max(1, N - W)
        return max(0.0, (0.5 * (1.0 + math.cos(math.pi * c * 2.0 * pr))) * (1 - m) + m)
    return f


for i, (W, N, c, m) in enumerate([(5, 50, 0.5, 0.0), (0, 30, 0.5, 0.1), (10, 40, 1.0, 0.05),
                                  (3, 20, 0.5, 0.0)]):
    b = lr0()
    p = {"num_warmup_steps": W, "num_training_steps": N}
    if c != 0.5:
        p["num_cycles"] = c
    if m:
        p["min_lr_rate"] = m
    formula_trace("warmup_cosine_%d" % i, "warmup_cosine", p, N + 10,
                  lambda t, f=hf_cos_min(W, N, c, m), b=b: b * f(t), b)
for i, (W, ts) in enumerate([(4, None), (0, None), (10, 3.0)]):
    b = lr0()
    tsc = ts if ts is not None else (W or 10000)
    p = {"num_warmup_steps": W}
    if ts is not None:
        p["timescale"] = ts

    def f(t, W=W, tsc=tsc, b=b):
        return b * (t / max(1, W) if t < W else 1.0 / math.sqrt((t + (tsc - W)) / tsc))
    formula_trace("inverse_sqrt_%d" % i, "inverse_sqrt", p, 40, f, b)
for i, (k, d, st) in enumerate([(0.5, 1.0, False), (0.1, 4.0, True), (2.0, 10.0, False)]):
    b = lr0()
    formula_trace("inverse_time_%d" % i, "inverse_time",
                  {"decay_rate": k, "decay_steps": d, "staircase": st}, 30,
                  lambda t, k=k, d=d, st=st, b=b: b / (1 + k * (math.floor(t / d) if st else t / d)),
                  b)


def hf_wsd(W, S_, D, wt, dt, m, c):
    def f(t):
        if t < W:
            pr = t / max(1, W)
            x = {"linear": pr, "cosine": 0.5 * (1.0 - math.cos(math.pi * pr)),
                 "1-sqrt": 1.0 - math.sqrt(1.0 - pr)}[wt]
            return max(0.0, x * (1.0 - m) + m)
        if t < W + S_:
            return 1.0
        if t < W + S_ + D:
            pr = (t - W - S_) / max(1, D)
            x = {"linear": 1.0 - pr, "cosine": 0.5 * (1.0 + math.cos(math.pi * c * 2.0 * pr)),
                 "1-sqrt": 1.0 - math.sqrt(pr)}[dt]
            return max(0.0, x * (1.0 - m) + m)
        return m
    return f


for i, (W, D, N, wt, dt, m) in enumerate([(5, 10, 40, "linear", "cosine", 0.0),
                                          (4, 8, 30, "cosine", "linear", 0.1),
                                          (3, 12, 25, "1-sqrt", "1-sqrt", 0.05),
                                          (0, 5, 12, "linear", "cosine", 0.0)]):
    b = lr0()
    p = {"num_warmup_steps": W, "num_decay_steps": D, "num_training_steps": N}
    if wt != "linear":
        p["warmup_type"] = wt
    if dt != "cosine":
        p["decay_type"] = dt
    if m:
        p["min_lr_ratio"] = m
    formula_trace("wsd_%d" % i, "wsd", p, N + 5,
                  lambda t, f=hf_wsd(W, N - W - D, D, wt, dt, m, 0.5), b=b: b * f(t), b)
for i, (bs, vs) in enumerate([([5, 10], [0.1, 0.05, 0.01]), ([0], [1.0, 0.5]),
                              ([3, 7, 8], [0.3, 0.2, 0.1, 0.05])]):
    formula_trace("piecewise_%d" % i, "piecewise", {"boundaries": bs, "values": vs}, 15,
                  lambda t, bs=bs, vs=vs: vs[bisect.bisect_left(bs, t)])
for i, (pw, mi) in enumerate([(4.0, 20), (0.9, 30), (2.0, 10)]):
    b = lr0()
    formula_trace("poly_%d" % i, "poly", {"power": pw, "max_iter": mi}, mi + 5,
                  lambda t, pw=pw, mi=mi, b=b: b * (1 - min(t, mi) / mi) ** pw, b)
for i, (g, pw) in enumerate([(1e-4, 0.75), (0.1, 0.5)]):
    b = lr0()
    formula_trace("inv_%d" % i, "inv", {"gamma": g, "power": pw}, 30,
                  lambda t, g=g, pw=pw, b=b: b * (1 + g * t) ** (-pw), b)
for i, (g, s) in enumerate([(-0.5, 10.0), (0.3, 8.0)]):
    b = lr0()
    formula_trace("sigmoid_%d" % i, "sigmoid", {"gamma": g, "stepsize": s}, 30,
                  lambda t, g=g, s=s, b=b: b * (1 / (1 + math.exp(-g * (t - s)))), b)


def sine(base, mx, up, down, bm, xm):
    total = float(up) + float(down)
    r = up / total

    def s(t):
        cycle = math.floor(1 + t / total)
        x = 1. + t / total - cycle
        if x <= r:
            return (1 - math.cos(math.pi * x / r)) / 2
        return (1 + math.cos(math.pi * (x - r) / (1 - r))) / 2
    return (lambda t: base + (mx - base) * s(t)), (lambda t: xm - (xm - bm) * s(t))


for i, (up, down) in enumerate([(4, 4), (3, 7), (5, 1)]):
    f, m = sine(0.01, 0.2, up, down, 0.8, 0.9)
    formula_trace("cyclic_sine_%d" % i, "cyclic",
                  {"base_lr": 0.01, "max_lr": 0.2, "step_size_up": up, "step_size_down": down,
                   "mode": "sine"}, 30, f, mom=m)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as fp:
    fp.write("# generated by scripts/gen_sched_fixtures.py (torch %s); do not edit\n"
             % torch.__version__)
    for name, sp, base, lrs, moms, metrics, src in traces:
        fp.write("T %s|%s|%r|%d|%s\n" % (name, sp, base, len(lrs), src))
        if metrics is not None:
            fp.write("M " + " ".join(repr(float(m)) for m in metrics) + "\n")
        fp.write("L " + " ".join("%.17g" % v for v in lrs) + "\n")
        if moms is not None:
            fp.write("P " + " ".join("%.17g" % v for v in moms) + "\n")
print("%d traces (%d from torch) -> %s" % (len(traces), sum(t[6].startswith("torch") for t in traces), OUT))
