#!/usr/bin/python3
"""Writes tests/fixtures/model/*.txt: reference values from PyTorch (Debian's
python3-torch 1.13) for the model and optimizer tests.

Format (read by tests/fixture_reader.h): one array per line,
    NAME COUNT v1 v2 ... vCOUNT
with floats printed with 9 significant digits (exact for float32).

model_<act>.txt: an MLP with fixed weights (our flat layout: per layer the
weight (out, in) row-major, then the bias) and a fixed batch -> logits, mean
cross-entropy, every gradient; then the parameters after 1 and 10 steps of
SGD (momentum, nesterov, weight decay) with a per-step lr and momentum.

optim_<case>.txt: one flat parameter tensor, 10 fixed gradients, a per-step
lr and momentum (beta1 for Adam/AdamW), the optimizer's options, and the
parameters after step 1 and step 10.

Usage: /usr/bin/python3 scripts/gen_model_fixtures.py [OUTDIR]
"""
import os
import sys

import torch
import torch.nn as nn

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "model")
KIND = {"sgd": 0, "adam": 1, "adamw": 2, "rmsprop": 3, "adagrad": 4}
ACT = {"relu": 0, "gelu": 1, "tanh": 2}


def line(f, name, values):
    vals = [float(v) for v in values]
    f.write(name + " " + str(len(vals)) + "".join(" %.9g" % v for v in vals) + "\n")


def flat_params(model):
    out = []
    for mod in model:
        if isinstance(mod, nn.Linear):
            out += mod.weight.detach().reshape(-1).tolist() + mod.bias.detach().reshape(-1).tolist()
    return out


def flat_grads(model):
    out = []
    for mod in model:
        if isinstance(mod, nn.Linear):
            out += mod.weight.grad.reshape(-1).tolist() + mod.bias.grad.reshape(-1).tolist()
    return out


def make_mlp(dims, act):
    layers = []
    for i in range(len(dims) - 1):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i < len(dims) - 2:
            layers.append({"relu": nn.ReLU(), "gelu": nn.GELU(), "tanh": nn.Tanh()}[act])
    return nn.Sequential(*layers)


def model_fixture(name, dims, act, batch, seed):
    torch.manual_seed(seed)
    m = make_mlp(dims, act)
    x = torch.randn(batch, dims[0])
    y = torch.randint(0, dims[-1], (batch,))
    lossf = nn.CrossEntropyLoss()
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        f.write("# %s: MLP %s %s, batch %d, torch %s\n" % (name, dims, act, batch, torch.__version__))
        line(f, "dims", dims)
        line(f, "activation", [ACT[act]])
        line(f, "batch", [batch])
        line(f, "x", x.reshape(-1).tolist())
        line(f, "y", y.tolist())
        line(f, "params", flat_params(m))
        logits = m(x)
        loss = lossf(logits, y)
        loss.backward()
        line(f, "logits", logits.detach().reshape(-1).tolist())
        line(f, "loss", [loss.item()])
        line(f, "grads", flat_grads(m))
        # Training: SGD, momentum changing per step, nesterov, weight decay.
        opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9, nesterov=True,
                              weight_decay=1e-3)
        lrs, moms, losses = [], [], []
        for t in range(10):
            lr, mom = 0.05 * (1 + 0.2 * t), 0.95 - 0.01 * t
            for g in opt.param_groups:
                g["lr"], g["momentum"] = lr, mom
            opt.zero_grad()
            loss = lossf(m(x), y)
            loss.backward()
            opt.step()
            lrs.append(lr), moms.append(mom), losses.append(loss.item())
            if t == 0:
                line(f, "sgd_params1", flat_params(m))
        line(f, "sgd_lr", lrs)
        line(f, "sgd_momentum", moms)
        line(f, "sgd_losses", losses)
        line(f, "sgd_params10", flat_params(m))


OPTIM_CASES = [
    # name, kind, constructor kwargs, lr0, momentum schedule (None: not driven)
    ("sgd_plain", "sgd", dict(lr=0.1), 0.1, None),
    ("sgd_momentum", "sgd", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=1e-2), 0.1,
     "mom"),
    ("sgd_nesterov", "sgd", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-3), 0.1,
     "mom"),
    ("adam", "adam", dict(lr=1e-2), 1e-2, "beta1"),
    ("adam_amsgrad_wd", "adam", dict(lr=1e-2, weight_decay=1e-2, amsgrad=True, eps=1e-6), 1e-2,
     "beta1"),
    ("adamw", "adamw", dict(lr=1e-2, weight_decay=5e-2), 1e-2, "beta1"),
    ("adamw_amsgrad", "adamw", dict(lr=1e-2, amsgrad=True, betas=(0.9, 0.99)), 1e-2, "beta1"),
    ("rmsprop", "rmsprop", dict(lr=1e-2), 1e-2, None),
    ("rmsprop_centered_momentum", "rmsprop",
     dict(lr=1e-2, momentum=0.9, centered=True, weight_decay=1e-2, alpha=0.9), 1e-2, "mom"),
    ("adagrad", "adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=1e-2,
                                initial_accumulator_value=0.1), 0.1, None),
]


def optim_fixture(name, kind, kw, lr0, drive, n=24, steps=10, seed=7, grads_fn=None, note=""):
    """grads_fn(n, steps) -> the gradients (default: N(0,1) scaled 1, 0.1, 0.01, ...);
    scripts/gen_optim_eps_fixtures.py passes tiny ones."""
    torch.manual_seed(seed)
    p = nn.Parameter(torch.randn(n))
    if grads_fn:
        grads = grads_fn(n, steps)
    else:
        grads = [torch.randn(n) * (10.0 ** (-(t % 3))) for t in range(steps)]
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}[kind]
    opt = cls([p], **kw)
    defaults = opt.defaults
    with open(os.path.join(OUT, "optim_" + name + ".txt"), "w") as f:
        f.write("# optim %s: torch.optim.%s(%s)%s, torch %s\n" % (name, cls.__name__, kw, note,
                                                                   torch.__version__))
        line(f, "kind", [KIND[kind]])
        betas = defaults.get("betas", (0.9, 0.999))
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
        line(f, "params0", p.detach().tolist())
        lrs, moms = [], []
        for t in range(steps):
            lr = lr0 * (1.0 + 0.25 * t)
            g = opt.param_groups[0]
            g["lr"] = lr
            if drive == "mom":
                g["momentum"] = 0.95 - 0.015 * t
            elif drive == "beta1":
                g["betas"] = (0.95 - 0.015 * t, g["betas"][1])
            mom = g["betas"][0] if kind in ("adam", "adamw") else g.get("momentum", 0)
            lrs.append(lr), moms.append(mom)
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
    model_fixture("model_relu", [50, 40, 30, 10], "relu", 8, 1)
    model_fixture("model_gelu", [7, 6, 5, 4], "gelu", 5, 2)
    model_fixture("model_tanh", [7, 6, 5, 4], "tanh", 5, 3)
    model_fixture("model_linear", [9, 3], "relu", 4, 4)
    for case in OPTIM_CASES:
        optim_fixture(*case)
    print("wrote fixtures to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
