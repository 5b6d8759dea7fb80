#!/usr/bin/python3
"""Writes tests/fixtures/model/{cnn,mse,sweep}_*.txt: reference values from
PyTorch (Debian's python3-torch 1.13) for the layer-list model: the CNN
(Conv2d 3x3 pad 1 no bias -> BatchNorm2d -> ReLU -> MaxPool2d(2) per width,
AdaptiveAvgPool2d(1), Linear), the MSE loss, and the first points of a
range-test sweep.

Format as scripts/gen_model_fixtures.py (tests/fixture_reader.h): one array per
line, NAME COUNT v1 ... vCOUNT, floats with 9 significant digits.

cnn_<case>.txt / mse_<case>.txt, model in train mode on one batch:
  arch (0 mlp, 1 cnn), loss_kind (0 cross-entropy, 1 mse), shape C H W (cnn) or
  n_inputs, widths, classes, activation, batch; x (chw rows), y (labels or
  targets), params (torch.cat of model.parameters(), PyTorch layouts);
  logits, loss, grads; din<L> = gradient w.r.t. the input of lrfind's layer L
  (lrfind's numbering: conv, batchnorm(+relu), maxpool per block, avgpool,
  linear; image tensors permuted to NHWC, lrfind's activation layout);
  stats1 = BatchNorm running mean then var per layer after the pass;
  eval_logits, eval_loss = model.eval() on the same batch after it;
  then SGD(lr 0.1, momentum 0.9, weight_decay 5e-4): params_sgd1 after one
  step, loss2 and params_sgd2 and stats2 after a second pass and step.

sweep_<case>.txt: the range test as lrfind's finder runs it (exp grid
lr_k = start*(end/start)^(k/(N-1)), one SGD-momentum-0.9 step per rung on
consecutive batches): the loss of every rung. Parameters and batches are not
stored: both sides compute them from the integer hash below (exact in float).
The same sweep in PyTorch with channels-last tensors and with 2 threads gives
PyTorch's own float noise at each rung (loss_channels_last, loss_threads2).

Usage: /usr/bin/python3 scripts/gen_model_cnn_fixtures.py [OUTDIR]
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "model")


def line(f, name, values):
    vals = [float(v) for v in values]
    f.write(name + " " + str(len(vals)) + "".join(" %.9g" % v for v in vals) + "\n")


def cnn(cin, widths, classes):
    layers = []
    for w in widths:
        layers += [nn.Conv2d(cin, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
                   nn.MaxPool2d(2)]
        cin = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def mlp(dims):
    layers = []
    for i in range(len(dims) - 1):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i < len(dims) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def lrf_layers(model):
    """For each lrfind layer, the index of the torch module whose input is that
    layer's input, or None when lrfind does not materialize it (a max-pool's
    input: ReLU is fused into the BatchNorm before it)."""
    out, mods = [], list(model)
    for i, mod in enumerate(mods):
        if isinstance(mod, (nn.Conv2d, nn.BatchNorm2d, nn.AdaptiveAvgPool2d)):
            out.append(i)
        elif isinstance(mod, nn.MaxPool2d):
            out.append(None)
        elif isinstance(mod, nn.Linear):
            out.append(i)
    return out


def forward_keep(model, x):
    """Forward module by module, keeping every module's input with its grad."""
    inputs, h = [], x
    for mod in model:
        h = h.detach().requires_grad_(True) if not inputs else h
        h.retain_grad()
        inputs.append(h)
        h = mod(h)
    return h, inputs


def nhwc(t):
    return t.permute(0, 2, 3, 1) if t.dim() == 4 else t


def flat(ts):
    return [v for t in ts for v in t.detach().reshape(-1).tolist()]


def bn_stats(model):
    return flat([t for mod in model if isinstance(mod, nn.BatchNorm2d)
                 for t in (mod.running_mean, mod.running_var)])


def loss_fn(kind):
    return nn.MSELoss() if kind == 1 else nn.CrossEntropyLoss()


def write_pass(f, model, x, y, kind):
    model.train()
    out, inputs = forward_keep(model, x)
    lossv = loss_fn(kind)(out.reshape(-1) if kind == 1 else out, y)
    lossv.backward()
    line(f, "logits", out.detach().reshape(-1).tolist())
    line(f, "loss", [lossv.item()])
    line(f, "grads", flat([p.grad for p in model.parameters()]))
    for li, mi in enumerate(lrf_layers(model)):
        if li > 0 and mi is not None:
            line(f, "din%d" % li, nhwc(inputs[mi].grad).reshape(-1).tolist())
    line(f, "stats1", bn_stats(model))


def write_case(name, model, x, y, kind, header):
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        f.write("# %s: %s, torch %s\n" % (name, header, torch.__version__))
        for k, v in header_fields(model, x, kind).items():
            line(f, k, v)
        line(f, "x", x.reshape(-1).tolist())
        line(f, "y", y.reshape(-1).tolist())
        line(f, "params", flat(model.parameters()))
        write_pass(f, model, x, y, kind)
        model.eval()
        with torch.no_grad():
            ev = model(x)
            line(f, "eval_logits", ev.reshape(-1).tolist())
            line(f, "eval_loss", [loss_fn(kind)(ev.reshape(-1) if kind == 1 else ev, y).item()])
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
        opt.step()
        line(f, "params_sgd1", flat(model.parameters()))
        opt.zero_grad()
        out = model(x)
        lossv = loss_fn(kind)(out.reshape(-1) if kind == 1 else out, y)
        lossv.backward()
        opt.step()
        line(f, "loss2", [lossv.item()])
        line(f, "params_sgd2", flat(model.parameters()))
        line(f, "stats2", bn_stats(model))


def header_fields(model, x, kind):
    mods = list(model)
    convs = [m for m in mods if isinstance(m, nn.Conv2d)]
    linears = [m for m in mods if isinstance(m, nn.Linear)]
    fields = {"arch": [1 if convs else 0], "loss_kind": [kind], "batch": [x.shape[0]],
              "classes": [linears[-1].out_features], "activation": [0]}
    if convs:
        fields["shape"] = list(x.shape[1:])
        fields["widths"] = [m.out_channels for m in convs]
    else:
        fields["n_inputs"] = [x.shape[1]]
        fields["widths"] = [m.out_features for m in linears[:-1]]
    return fields


# ---- the sweep: parameters and batches from an integer hash, exact in float --

def mix(i, salt):
    """A 32-bit integer hash of i (an int or a uint64 array); tests/test_model_sweep.c
    has the same."""
    h = (i * 0x9E3779B1 + salt * 0x85EBCA77) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x7FEB352D) & 0xFFFFFFFF
    h ^= h >> 15
    h = (h * 0x846CA68B) & 0xFFFFFFFF
    h ^= h >> 16
    return h


def hashed(n, salt, fn):
    return fn(mix(np.arange(n, dtype=np.uint64), salt))


def sweep_params(model):
    """Parameter tensor t (model.parameters() order) of a conv or linear layer:
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from the hash with salt 100 + t, computed
    in double and rounded to float; BatchNorm keeps weight 1, bias 0."""
    t = 0
    for mod in model:
        params = list(mod.parameters())
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            fan_in = mod.weight[0].numel()
            bound = 1.0 / math.sqrt(fan_in)
            for p in params:
                u = hashed(p.numel(), 100 + t,
                           lambda h: ((h >> 8).astype(np.float64) / 16777216.0 * 2.0 - 1.0)
                           * bound)
                with torch.no_grad():
                    p.copy_(torch.from_numpy(u.astype(np.float32)).reshape(p.shape))
                t += 1
        else:
            t += len(params)


def sweep_batch(k, batch, shape, classes):
    n = batch * shape[0] * shape[1] * shape[2]
    base = k * n
    x = hashed(base + n, 1, lambda h: (h >> 20).astype(np.float64) / 1024.0 - 2.0)[base:]
    y = hashed((k + 1) * batch, 2, lambda h: h % classes)[k * batch:]
    return (torch.from_numpy(x.astype(np.float32)).reshape(batch, *shape),
            torch.from_numpy(y.astype(np.int64)))


def sweep_losses(widths, shape, classes, batch, start, end, n_iter, fmt, threads):
    torch.set_num_threads(threads)
    model = cnn(shape[0], widths, classes)
    sweep_params(model)
    model = model.to(memory_format=fmt)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=start, momentum=0.9)
    lrs, losses = [], []
    for k in range(n_iter):
        lr = start * (end / start) ** (k / (n_iter - 1))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = sweep_batch(k, batch, shape, classes)
        opt.zero_grad()
        lossv = nn.CrossEntropyLoss()(model(x.contiguous(memory_format=fmt)), y)
        lossv.backward()
        opt.step()
        lrs.append(lr), losses.append(lossv.item())
    torch.set_num_threads(1)
    return lrs, losses


def sweep_fixture(name, widths, shape, classes, batch, start, end, n_iter):
    """The sweep, plus the same sweep in PyTorch with channels-last tensors and
    with 2 threads: other kernels and summation orders, i.e. PyTorch's own float
    noise, which grows as the lr makes the training chaotic."""
    args = (widths, shape, classes, batch, start, end, n_iter)
    lrs, losses = sweep_losses(*args, torch.contiguous_format, 1)
    _, losses_cl = sweep_losses(*args, torch.channels_last, 1)
    _, losses_t2 = sweep_losses(*args, torch.contiguous_format, 2)
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        f.write("# %s: cnn:%s on %s, batch %d, SGD momentum 0.9, exp grid %g..%g in %d, torch %s\n"
                % (name, ",".join(map(str, widths)), "x".join(map(str, shape)), batch, start, end,
                   n_iter, torch.__version__))
        line(f, "widths", widths)
        line(f, "shape", shape)
        line(f, "classes", [classes])
        line(f, "batch", [batch])
        line(f, "grid", [start, end, n_iter])
        line(f, "lr", lrs)
        line(f, "loss", losses)
        line(f, "loss_channels_last", losses_cl)
        line(f, "loss_threads2", losses_t2)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(11)
    m = cnn(3, [4, 8], 10)
    x = torch.randn(5, 3, 8, 8)
    write_case("cnn_small", m, x, torch.randint(0, 10, (5,)), 0, "cnn:4,8 3x8x8 batch 5")
    torch.manual_seed(12)
    m = cnn(2, [3], 4)
    x = torch.randn(3, 2, 7, 5) * 2 + 0.5
    write_case("cnn_odd", m, x, torch.randint(0, 4, (3,)), 0, "cnn:3 2x7x5 (odd: floor pool)")
    torch.manual_seed(13)
    m = cnn(1, [4], 1)
    x = torch.randn(4, 1, 6, 6)
    write_case("mse_cnn", m, x, torch.randn(4), 1, "cnn:4 1x6x6 MSE")
    torch.manual_seed(14)
    m = mlp([5, 8, 6, 1])
    x = torch.randn(7, 5)
    write_case("mse_mlp", m, x, torch.randn(7) * 3, 1, "mlp:8,6 MSE")
    sweep_fixture("sweep_cnn", [32, 64, 128], [3, 32, 32], 10, 16, 1e-3, 1.0, 20)
    print("wrote fixtures to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
