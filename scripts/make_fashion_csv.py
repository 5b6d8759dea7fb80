#!/usr/bin/python3
"""Write Fashion-MNIST (from Debian's dataset-fashion-mnist, MIT licence) in the
usual CSV layout: header 'label,pixel1..pixel784', one image a row, label
first, pixels 0..255. Train: 60,000 rows (133 MB); test: 10,000 rows.

Usage: scripts/make_fashion_csv.py OUT.csv [train|test]
       scripts/make_fashion_csv.py --both OUT_DIR   (fashion-mnist_train.csv, fashion-mnist_test.csv)
The output is written to a temporary name and renamed, so it is whole or absent.
"""
import gzip, os, sys
import numpy as np

SRC = "/usr/share/datasets/fashion-mnist"


def write(out, split):
    pre = "train" if split == "train" else "t10k"
    with gzip.open(f"{SRC}/{pre}-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(f"{SRC}/{pre}-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write("label," + ",".join(f"pixel{i + 1}" for i in range(784)) + "\n")
        # np.savetxt is slow; one join per row is fast enough (a few seconds).
        for lab, row in zip(y, x):
            f.write(str(lab) + "," + ",".join(map(str, row.tolist())) + "\n")
    os.replace(tmp, out)
    print(out, x.shape)


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--both":
        os.makedirs(args[1], exist_ok=True)
        write(os.path.join(args[1], "fashion-mnist_train.csv"), "train")
        write(os.path.join(args[1], "fashion-mnist_test.csv"), "test")
        return
    if not args or args[0] in ("-h", "--help") or len(args) > 2:
        print(__doc__.strip())
        sys.exit(0 if args and args[0] in ("-h", "--help") else 2)
    split = args[1] if len(args) > 1 else "train"
    if split not in ("train", "test"):
        sys.exit("split must be train or test")
    write(args[0], split)


if __name__ == "__main__":
    main()
