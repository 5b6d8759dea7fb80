#!/usr/bin/python3
"""Train/test CSV pairs for evaluating lrfind's suggestion beyond Fashion-MNIST
(scripts/eval_suggestion.py TRAIN TEST).

Be clear about what these are: except for the last one they are SYNTHETIC, generated
here with numpy from a fixed seed. No real tabular dataset ships with Debian in a form we
can use without network access or sklearn, so these imitate the properties of real
tabular data that matter to a learning-rate finder, not any real data:

  gaussmix_{train,test}.csv   16,000 / 4,000 rows, 24 features, 6 classes. Each class is a
      mixture of two Gaussian blobs in 8 informative dimensions; 6 features are noisy
      linear combinations of those (correlated), 4 heavy-tailed (log-normal) transforms,
      6 pure noise. Every column is then put on its own scale (factors 1e-3..1e4, offsets
      up to 1e3) -- the "values on very different scales" of real tables, which makes
      the standardization path matter. The label column "target" sits in the middle.
  spirals_{train,test}.csv    4,000 / 1,000 rows: three interleaved spiral arms (0.8 of a
      turn each) in 2 dimensions plus 4 noise dimensions, label column "class" first.
      Small and non-linear: only ~32 steps per epoch, so the schedule has little room.
  fashion14_{train,test}.csv  12,000 / 2,000 rows of REAL images: Fashion-MNIST from
      Debian's dataset-fashion-mnist, 2x2 average-pooled to 14x14 = 196 float features
      (so the float32 storage path is used), labelled with the class NAMES (strings, in a
      last column "class") to exercise the label mapping.
  --large adds gaussmix_large_{train,test}.csv: 200,000 / 20,000 rows, 64 features.

Usage: /usr/bin/python3 scripts/make_tabular_datasets.py OUTDIR [--large] [--seed S]
Needs numpy (python3-numpy); fashion14 needs dataset-fashion-mnist (skipped if absent).
"""
import argparse
import gzip
import os
import sys

import numpy as np

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"]


def write_csv(path, header, columns, fmts):
    """columns: list of 1-D arrays (numbers or strings); written atomically."""
    tmp = path + ".tmp"
    n = len(columns[0])
    with open(tmp, "w") as f:
        f.write(",".join(header) + "\n")
        for i in range(n):
            f.write(",".join(fmt % col[i] for fmt, col in zip(fmts, columns)) + "\n")
    os.replace(tmp, path)
    print(f"{path}: {n} rows, {len(header)} columns")


def gaussmix(rng, n_train, n_test, n_features=24, n_classes=6):
    n = n_train + n_test
    n_inf = 8
    y = rng.integers(0, n_classes, n)
    # Two blobs per class; centres close enough that classes overlap (accuracy well < 100%).
    centres = rng.normal(0, 1.6, (n_classes, 2, n_inf))
    comp = rng.integers(0, 2, n)
    X_inf = centres[y, comp] + rng.normal(0, 1.0, (n, n_inf))
    n_lin = 6
    W = rng.normal(0, 1, (n_inf, n_lin))
    X_lin = X_inf @ W / np.sqrt(n_inf) + rng.normal(0, 0.5, (n, n_lin))
    n_heavy = 4
    X_heavy = np.exp(0.6 * X_inf[:, :n_heavy] + rng.normal(0, 0.3, (n, n_heavy)))
    n_noise = n_features - n_inf - n_lin - n_heavy
    X_noise = rng.normal(0, 1, (n, n_noise))
    X = np.hstack([X_inf, X_lin, X_heavy, X_noise])
    X = X[:, rng.permutation(X.shape[1])]
    scale = 10.0 ** rng.uniform(-3, 4, X.shape[1])
    offset = rng.uniform(-1, 1, X.shape[1]) * 10.0 ** rng.uniform(-2, 3, X.shape[1])
    X = X * scale + offset
    return X, y


def write_gaussmix(outdir, rng, name, n_train, n_test, n_features):
    X, y = gaussmix(rng, n_train, n_test, n_features)
    units = ["mm", "kg", "usd", "ms", "pct", "count"]
    header = [f"f{j}_{units[j % len(units)]}" for j in range(X.shape[1])]
    mid = X.shape[1] // 3
    header.insert(mid, "target")
    for split, sl in (("train", slice(0, n_train)), ("test", slice(n_train, None))):
        cols = [X[sl, j] for j in range(X.shape[1])]
        cols.insert(mid, y[sl])
        fmts = ["%.6g"] * X.shape[1]
        fmts.insert(mid, "%d")
        write_csv(os.path.join(outdir, f"{name}_{split}.csv"), header, cols, fmts)


def write_spirals(outdir, rng, n_train=4000, n_test=1000, n_classes=3, n_noise=4):
    n = n_train + n_test
    y = rng.integers(0, n_classes, n)
    t = rng.uniform(0.15, 1.0, n)
    angle = 2 * np.pi * (0.8 * t + y / n_classes)
    r = 3.0 * t
    x1 = r * np.cos(angle) + rng.normal(0, 0.12, n)
    x2 = r * np.sin(angle) + rng.normal(0, 0.12, n)
    noise = rng.normal(0, 1, (n, n_noise)) * 10.0 ** rng.uniform(-1, 2, n_noise)
    X = np.column_stack([1000 * x1, 0.01 * x2, noise])
    header = ["class", "x_km", "y_mm"] + [f"noise{j}" for j in range(n_noise)]
    for split, sl in (("train", slice(0, n_train)), ("test", slice(n_train, None))):
        cols = [y[sl]] + [X[sl, j] for j in range(X.shape[1])]
        write_csv(os.path.join(outdir, f"spirals_{split}.csv"), header, cols,
                  ["%d"] + ["%.6g"] * X.shape[1])


def read_fashion(prefix):
    with gzip.open(f"{FASHION_DIR}/{prefix}-images-idx3-ubyte.gz") as f:
        X = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(f"{FASHION_DIR}/{prefix}-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return X, y


def write_fashion14(outdir, rng, n_train=12000, n_test=2000):
    if not os.path.isdir(FASHION_DIR):
        print(f"skipping fashion14: {FASHION_DIR} missing (apt-get install dataset-fashion-mnist)",
              file=sys.stderr)
        return
    names = np.array(FASHION_NAMES)
    for split, prefix, count in (("train", "train", n_train), ("test", "t10k", n_test)):
        X, y = read_fashion(prefix)
        idx = np.sort(rng.choice(len(y), count, replace=False))
        pooled = X[idx].reshape(count, 14, 2, 14, 2).astype(np.float32).mean(axis=(2, 4))
        pooled = pooled.reshape(count, 196)
        header = [f"px{i}" for i in range(196)] + ["class"]
        cols = [pooled[:, j] for j in range(196)] + [names[y[idx]]]
        write_csv(os.path.join(outdir, f"fashion14_{split}.csv"), header, cols,
                  ["%.2f"] * 196 + ["%s"])


def main(argv):
    p = argparse.ArgumentParser(description="Write evaluation CSV pairs (mostly synthetic; see the docstring).")
    p.add_argument("outdir")
    p.add_argument("--large", action="store_true", help="also write the 200,000-row gaussmix_large pair")
    p.add_argument("--seed", type=int, default=20261121)
    a = p.parse_args(argv)
    os.makedirs(a.outdir, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    write_gaussmix(a.outdir, rng, "gaussmix", 16000, 4000, 24)
    write_spirals(a.outdir, rng)
    write_fashion14(a.outdir, rng)
    if a.large:
        write_gaussmix(a.outdir, rng, "gaussmix_large", 200000, 20000, 64)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
