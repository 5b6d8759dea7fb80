#!/usr/bin/python3
"""PyTorch's version of `lrfind train` (the anchor for scripts/e2e_train_fashion.sh):
standardize with the training set's per-feature mean/std (std < 1e-8 -> 1), MLP
D-512-256-K with PyTorch's default init, SGD momentum 0.9, batch 128 reshuffled
each epoch (last short batch kept), OneCycleLR(max_lr) stepped once per batch
(cycle_momentum 0.85..0.95), E epochs; validation loss and accuracy per epoch.
Usage: /usr/bin/python3 scripts/torch_train_recipe.py TRAIN.csv VAL.csv [EPOCHS] [MAX_LR] [SEED]"""
import sys, time
import numpy as np, pandas as pd, torch, torch.nn as nn

torch.set_num_threads(1)  # PyTorch's fastest configuration on this machine (BENCH.md)
train_csv, val_csv = sys.argv[1], sys.argv[2]
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
max_lr = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
seed = int(sys.argv[5]) if len(sys.argv) > 5 else 0
torch.manual_seed(seed)

def load(path):
    d = pd.read_csv(path).values
    return d[:, 1:].astype(np.float32), d[:, 0].astype(np.int64)

X, y = load(train_csv)
Xv, yv = load(val_csv)
mu, sd = X.mean(0), X.std(0)
sd[sd < 1e-8] = 1
X = torch.from_numpy((X - mu) / sd); y = torch.from_numpy(y)
Xv = torch.from_numpy((Xv - mu) / sd); yv = torch.from_numpy(yv)
K = int(y.max()) + 1
m = nn.Sequential(nn.Linear(X.shape[1], 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                  nn.Linear(256, K))
opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
B = 128
steps = (len(X) + B - 1) // B
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=epochs * steps)
lossf = nn.CrossEntropyLoss()
for e in range(epochs):
    t0 = time.perf_counter(); tot = 0.0; n = 0
    m.train()
    perm = torch.randperm(len(X))
    for s in range(steps):
        idx = perm[s * B:(s + 1) * B]
        opt.zero_grad(); loss = lossf(m(X[idx]), y[idx]); loss.backward(); opt.step(); sched.step()
        tot += loss.item() * len(idx); n += len(idx)
    secs = time.perf_counter() - t0
    with torch.no_grad():
        out = m(Xv)
        vl = lossf(out, yv).item(); va = (out.argmax(1) == yv).float().mean().item()
    print(f"torch epoch {e + 1}/{epochs}  train_loss {tot / n:.4f}  val_loss {vl:.4f}  "
          f"val_accuracy {va:.4f}  {secs:.2f} s  {n / secs:.0f} samples/s", flush=True)
print(f"torch final val_accuracy {va:.4f}")
