#!/usr/bin/env bash
# Writes train/test CSV pairs of real datasets shipped by Debian packages, for
# scripts/eval_suggestion.py: the suggestion must generalize beyond Fashion-MNIST.
#   image:   fashion (60,000/10,000, 784 px), digits (sklearn's 8x8 digits, 1,797)
#   tabular: letter (20,000 x 16, 26 classes), satellite (6,435 x 36), shuttle (58,000 x 9,
#            imbalanced), dna (3,186 x 180 binary), vehicle (846 x 18), cancer (sklearn's
#            breast cancer, 569 x 30, features on very different scales)
# Needs: dataset-fashion-mnist python3-numpy python3-sklearn r-cran-mlbench (installed
# here if missing). Usage: scripts/make_eval_datasets.sh OUTDIR
set -euo pipefail
out=${1:?usage: make_eval_datasets.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
"$here/setup.sh" dataset-fashion-mnist python3-numpy python3-sklearn r-cran-mlbench >/dev/null
mkdir -p "$out"

[ -f "$out/fashion_train.csv" ] || /usr/bin/python3 "$here/make_fashion_csv.py" "$out/fashion_train.csv" train >/dev/null
[ -f "$out/fashion_test.csv" ] || /usr/bin/python3 "$here/make_fashion_csv.py" "$out/fashion_test.csv" test >/dev/null

# mlbench (R): label column first, named "label"; rows with missing values dropped.
for name in LetterRecognition:letter Satellite:satellite Shuttle:shuttle DNA:dna Vehicle:vehicle; do
    rname=${name%%:*} short=${name##*:}
    [ -f "$out/$short.csv" ] && continue
    Rscript --vanilla -e "suppressMessages(library(mlbench)); data($rname); d <- na.omit($rname);
        lab <- names(d)[sapply(d, is.factor)]; lab <- lab[length(lab)]
        if ('$rname' == 'LetterRecognition') lab <- 'lettr'
        if ('$rname' == 'DNA') lab <- 'Class'
        y <- d[[lab]]; x <- d[, names(d) != lab, drop = FALSE]
        x[] <- lapply(x, function(c) as.numeric(as.character(c)))
        write.csv(data.frame(label = as.character(y), x), '$out/$short.csv', row.names = FALSE, quote = FALSE)"
done

/usr/bin/python3 - "$out" <<'PY'
import os, sys
import numpy as np
from sklearn import datasets
out = sys.argv[1]
def write(path, header, X, y):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for lab, row in zip(y, X):
            f.write(str(lab) + "," + ",".join(repr(float(v)) if not float(v).is_integer() else str(int(v)) for v in row) + "\n")
for name, loader in (("digits", datasets.load_digits), ("cancer", datasets.load_breast_cancer)):
    if os.path.exists(f"{out}/{name}.csv"):
        continue
    d = loader()
    write(f"{out}/{name}.csv", ["label"] + [f"f{i}" for i in range(d.data.shape[1])], d.data, d.target)
# Deterministic 80/20 splits of every single-file set.
import csv
for name in ("letter", "satellite", "shuttle", "dna", "vehicle", "digits", "cancer"):
    src = f"{out}/{name}.csv"
    if os.path.exists(f"{out}/{name}_train.csv"):
        continue
    with open(src) as f:
        lines = f.read().splitlines()
    header, rows = lines[0], lines[1:]
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(rows))
    cut = int(0.8 * len(rows))
    for part, sel in (("train", idx[:cut]), ("test", idx[cut:])):
        with open(f"{out}/{name}_{part}.csv", "w") as f:
            f.write(header + "\n" + "\n".join(rows[i] for i in sel) + "\n")
PY
ls -la "$out"/*_train.csv
