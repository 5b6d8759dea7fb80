#!/usr/bin/python3
"""Make datasets/fashion-mnist-subset.tar.xz, the dataset embedded in liblrf.

From Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, the
original IDX files, MIT licence) take a class-balanced, deterministic subset:
1,200 training images per class (12,000) and 200 test images per class
(2,000), chosen by a fixed-seed permutation and kept in file order.

The archive holds one file, fashion-mnist-subset.bin:
  8 bytes  magic "LRFFMN1\\n"
  3 x u32  little endian: n_train, n_test, features (784)
  n_train  u8 labels, then n_train*784 u8 pixels (row-major)
  n_test   u8 labels, then n_test*784 u8 pixels
Usage: scripts/make_builtin_dataset.py [OUT_DIR]   (default: datasets/)
"""
import gzip, io, os, struct, sys, tarfile
import numpy as np

SRC = "/usr/share/datasets/fashion-mnist"
SEED = 20241121
PER_CLASS = {"train": 1200, "t10k": 200}


def load(prefix):
    with gzip.open(f"{SRC}/{prefix}-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(f"{SRC}/{prefix}-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return x, y


def subset(prefix):
    x, y = load(prefix)
    perm = np.random.RandomState(SEED).permutation(len(y))
    keep = []
    for k in range(10):
        keep.extend(perm[y[perm] == k][: PER_CLASS[prefix]])
    keep = np.sort(np.array(keep))
    return x[keep], y[keep]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "datasets")
    xtr, ytr = subset("train")
    xte, yte = subset("t10k")
    blob = io.BytesIO()
    blob.write(b"LRFFMN1\n")
    blob.write(struct.pack("<III", len(ytr), len(yte), 784))
    for x, y in ((xtr, ytr), (xte, yte)):
        blob.write(y.tobytes())
        blob.write(np.ascontiguousarray(x).tobytes())
    data = blob.getvalue()
    info = tarfile.TarInfo("fashion-mnist-subset.bin")
    info.size = len(data)
    info.mtime = 0  # reproducible archive
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    path = os.path.join(out_dir, "fashion-mnist-subset.tar.xz")
    with tarfile.open(path, "w:xz", preset=9) as tar:
        tar.addfile(info, io.BytesIO(data))
    print(path, xtr.shape, xte.shape, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
