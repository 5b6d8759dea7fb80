#!/usr/bin/python3
"""Writes tests/fixtures/model/optim_eps_<kind>.txt: PyTorch (python3-torch 1.13)
reference steps of Adam, AdamW, RMSprop and Adagrad on tiny gradients (|g| from 1e-9
to 1e-6, log-uniform, random signs), where the denominators sqrt(v) are as small as
eps (1e-8; Adagrad 1e-10), so a wrong eps (dropped, subtracted, misplaced) changes the
parameters by far more than the tests' tolerance. The other fixtures' gradients are
>= 1e-3, where eps never shows.

Written by gen_model_fixtures.py's optim_fixture (same format and fields as its
optim_<case>.txt, read by tests/test_optim.c) with these gradients instead of its own.

Usage: /usr/bin/python3 scripts/gen_optim_eps_fixtures.py [OUTDIR]
"""
import os

import torch

# OUT: [OUTDIR] or tests/fixtures/model, as gen_model_fixtures.py decides it.
from gen_model_fixtures import OUT, optim_fixture

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


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    for case in CASES:
        optim_fixture(*case, seed=17, grads_fn=tiny_grads, note=" on gradients 1e-9..1e-6")
    print("wrote %d fixtures to %s" % (len(CASES), os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
