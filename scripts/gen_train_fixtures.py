#!/usr/bin/python3
"""Writes tests/fixtures/train/mse_trainer.txt: a few regression training steps
through the trainer's whole path, computed by PyTorch (Debian's python3-torch), for
tests/test_train_fixture.c.

The path (include/lrf/train.h, PLAN.md "Regression"): features standardized with the
training rows' mean and population std (lrf_norm: x' = (x - shift) * scale in float32,
shift = mean, scale = 1/std), targets standardized with the training rows' mean and
population std, ((y - mean) / std in double, rounded to float32), an MLP with one
output and torch.nn.MSELoss(), torch.optim.SGD(momentum=0.9) with a per-step lr; one
full batch per step (batch = the training rows, so the trainer's shuffling changes only
the order of a sum). Then the validation rows: the mean standardized MSE, and the RMSE
and R^2 (sklearn's r2_score) of the destandardized predictions in the target's units.

Format (tests/fixture_reader.h): one array per line, NAME COUNT v1 ... vCOUNT, floats
with 9 significant digits. x values are multiples of 1/16 and targets integers, so the
CSV the test writes from them parses to exactly these floats.

Usage: /usr/bin/python3 scripts/gen_train_fixtures.py [OUTDIR]
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

from gen_model_fixtures import flat_params, line  # the fixture format's one writer

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "train")
N_TRAIN, N_VAL, D, HIDDEN = 40, 12, 3, 8
LRS = [0.02, 0.05, 0.1, 0.1, 0.08, 0.05, 0.03, 0.01]
MOMENTUM = 0.9


def main():
    torch.set_num_threads(1)
    rng = np.random.default_rng(13)
    n = N_TRAIN + N_VAL
    x = np.round(rng.normal(0, 2, size=(n, D)) * 16) / 16  # exact in float32 and in decimal
    y = np.round(5000 + 1200 * np.tanh(x[:, 0]) + 300 * x[:, 1] * x[:, 2] - 150 * x[:, 2]
                 + rng.normal(0, 80, size=n))
    xt, yt, xv, yv = x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]
    shift = xt.mean(0).astype(np.float32)
    scale = (1.0 / xt.std(0)).astype(np.float32)
    norm = lambda a: torch.from_numpy((a.astype(np.float32) - shift) * scale)
    y_mean, y_std = float(yt.mean()), float(yt.std())
    tz = torch.from_numpy(((yt - y_mean) / y_std).astype(np.float32)).unsqueeze(1)
    vz = torch.from_numpy(((yv - y_mean) / y_std).astype(np.float32)).unsqueeze(1)

    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(D, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 1))
    params0 = flat_params(model)
    opt = torch.optim.SGD(model.parameters(), lr=LRS[0], momentum=MOMENTUM)
    loss_fn = nn.MSELoss()
    X = norm(xt)
    losses = []
    for lr in LRS:
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad()
        loss = loss_fn(model(X), tz)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        out = model(norm(xv))
        val_loss = loss_fn(out, vz).item()
        pred = out[:, 0].double().numpy() * y_std + y_mean
    sse = float(((pred - yv) ** 2).sum())
    sst = float(((yv - yv.mean()) ** 2).sum())

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "mse_trainer.txt"), "w") as f:
        f.write(f"# mse_trainer: mlp:{HIDDEN} MSE through the trainer, torch {torch.__version__}\n")
        line(f, "dims", [D, HIDDEN, 1])
        line(f, "n_train", [N_TRAIN])
        line(f, "n_val", [N_VAL])
        line(f, "x", x.reshape(-1))
        line(f, "y", y)
        line(f, "params", params0)
        line(f, "lr", LRS)
        line(f, "momentum", [MOMENTUM])
        line(f, "target_mean", [y_mean])
        line(f, "target_std", [y_std])
        line(f, "losses", losses)
        line(f, "params_last", flat_params(model))
        line(f, "val_loss", [val_loss])
        line(f, "val_rmse", [np.sqrt(sse / N_VAL)])
        line(f, "val_r2", [1 - sse / sst])
    print(f"wrote {os.path.join(OUT, 'mse_trainer.txt')}")


if __name__ == "__main__":
    main()
