#!/usr/bin/python3
"""Writes tests/fixtures/model/optim_eps_<kind>.txt: PyTorch (python3-torch 1.13)
reference steps of Adam, AdamW, RMSprop and Adagrad on tiny gradients (|g| from 1e-9
to 1e-6, log-uniform, random signs), where the denominators sqrt(v) are as small as
eps (1e-8; Adagrad 1e-10), so a wrong eps (dropped, subtracted, misplaced) changes the
parameters by far more than the tests' tolerance. The other fixtures' gradients are
>= 1e-3, where eps never shows.

Same format and fields as gen_model_fixtures.py's optim_<case>.txt (read by
tests/test_optim.c): the options, params0, grad1..grad10, params1, lr, step_momentum,
params10.

Usage: /usr/bin/python3 scripts/gen_optim_eps_fixtures.py [OUTDIR]
"""
import os
import sys

import torch

from gen_model_fixtures import KIND, line

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "model")

CASES = [
    # name, kind, constructor kwargs, lr0, what the per-step momentum drives
    ("eps_adam", "adam", dict(lr=1e-2), 1e-2, "beta1"),
    ("eps_adamw", "adamw", dict(lr=1e-2, weight_decay=1e-2), 1e-2, "beta1"),
    ("eps_rmsprop", "rmsprop", dict(lr=1e-2), 1e-2, None),
    ("eps_adagrad", "adagrad", dict(lr=1e-2), 1e-2, None),
]


def tiny_grads(n, steps):
    """Magnitudes 10^U(-9, -6) with random signs, fixed by the caller's seed."""
    out = []
    for _ in range(steps):
        mag = 10.0 ** (-9.0 + 3.0 * torch.rand(n))
        sign = torch.where(torch.rand(n) < 0.5, -1.0, 1.0)
        out.append((mag * sign).float())
    return out


def write_options(f, kind, defaults):
    betas = defaults.get("betas", (0.9, 0.999))
    line(f, "kind", [KIND[kind]])
    line(f, "momentum", [betas[0] if kind in ("adam", "adamw") else defaults.get("momentum", 0)])
    line(f, "dampening", [defaults.get("dampening", 0)])
    line(f, "nesterov", [1 if defaults.get("nesterov", False) else 0])
    line(f, "weight_decay", [defaults.get("weight_decay", 0)])
    line(f, "beta2", [betas[1]])
    line(f, "eps", [defaults.get("eps", 0)])
    line(f, "amsgrad", [1 if defaults.get("amsgrad", False) else 0])
    line(f, "alpha", [defaults.get("alpha", 0.99)])
    line(f, "centered", [1 if defaults.get("centered", False) else 0])
    line(f, "lr_decay", [defaults.get("lr_decay", 0)])
    line(f, "initial_accumulator_value", [defaults.get("initial_accumulator_value", 0)])


def eps_fixture(name, kind, kw, lr0, drive, n=24, steps=10, seed=17):
    torch.manual_seed(seed)
    p = torch.nn.Parameter(torch.randn(n))
    grads = tiny_grads(n, steps)
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}[kind]
    opt = cls([p], **kw)
    with open(os.path.join(OUT, "optim_" + name + ".txt"), "w") as f:
        f.write("# optim %s: torch.optim.%s(%s) on gradients 1e-9..1e-6, torch %s\n"
                % (name, cls.__name__, kw, torch.__version__))
        write_options(f, kind, opt.defaults)
        line(f, "params0", p.detach().tolist())
        lrs, moms = [], []
        for t in range(steps):
            g = opt.param_groups[0]
            g["lr"] = lr0 * (1.0 + 0.25 * t)
            if drive == "beta1":
                g["betas"] = (0.95 - 0.015 * t, g["betas"][1])
            lrs.append(g["lr"])
            moms.append(g["betas"][0] if kind in ("adam", "adamw") else g.get("momentum", 0))
            p.grad = grads[t].clone()
            line(f, "grad%d" % (t + 1), grads[t].tolist())
            opt.step()
            if t == 0:
                line(f, "params1", p.detach().tolist())
        line(f, "lr", lrs)
        line(f, "step_momentum", moms)
        line(f, "params10", p.detach().tolist())


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    for case in CASES:
        eps_fixture(*case)
    print("wrote %d fixtures to %s" % (len(CASES), os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
