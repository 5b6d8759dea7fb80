#!/usr/bin/python3
"""The real-data evaluation corpus of issue 12 (classification), issue 13 (regression)
and issue 14 (Fashion-MNIST for the CNN), built deterministically from Debian packages
only: python3-sklearn's bundled sets, R data packages exported with Rscript's
write.csv (r-cran-mlbench, r-cran-kernlab, r-cran-modeldata, r-cran-mass,
r-cran-palmerpenguins) and dataset-fashion-mnist. Nothing is downloaded.

Every set becomes a TRAIN/TEST pair OUTDIR/NAME_train.csv, OUTDIR/NAME_test.csv:
  - header, label first: 'label' (classification: integer classes 0..K-1 in the
    order of the R factor levels / sklearn's target) or 'target' (regression, in the
    target's own units), then the numeric features;
  - numeric features only: a two-level factor becomes 0/1 (second level = 1), a factor
    with more levels is one-hot encoded (one 0/1 column per level, NAME_LEVEL), an
    identifier column is dropped (see ENCODING in the table below); rows with a
    missing value are dropped;
  - single-file sets are split 80/20 by numpy.random.default_rng(0).permutation
    (the first 80% of the permutation is TRAIN), as pinned in /work/coord/PLAN.md;
    every class must occur in TRAIN (checked);
  - numbers as Python's shortest round-trip repr of the float64 value (integers
    without a decimal point), so the files are byte-identical on every run.

OUTDIR/corpus.json records each file's sha256 and size and the source package
versions; the committed record is datasets/eval/corpus.json (--record rewrites it;
otherwise the new hashes are compared with it and any difference is reported).
The data files themselves are not committed: they are regenerated from the packages.

  fashion_{train,test}.csv   Fashion-MNIST 60,000/10,000 x 784 (pixel1..pixel784, label
                             first), the CNN grid of issue 14 (--no-fashion skips it)
  --cifar                    also fashion_cifar_{train,test}.csv: the same images re-laid
                             as CIFAR-10 is exported by OpenML (3x32x32 channel-planar,
                             columns a0..a3071 then 'class'): each 28x28 image zero-padded
                             by 2 pixels on every side to 32x32 and its grey plane copied
                             to the three channels (issue 14's CIFAR path without CIFAR).

Usage: /usr/bin/python3 scripts/make_eval_corpus.py [OUTDIR] [--only NAME,...] [--cifar]
       [--no-fashion] [--record] [--list]
OUTDIR defaults to datasets/eval/data (ignored by git).
"""
import argparse
import csv
import gzip
import hashlib
import json
import os
import subprocess
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECORD = os.path.join(REPO, "datasets", "eval", "corpus.json")
FASHION_DIR = "/usr/share/datasets/fashion-mnist"

# name: (task, source, label, options). Source 'sklearn:LOADER' or 'R:PACKAGE::DATA'.
# Options: drop (identifier / split columns), binary {col: level that becomes 1},
# onehot [cols], label_join [cols] (the class is these factors joined with '.').
DATASETS = {
    # classification, <= 300 rows
    "oils": ("classification", "R:modeldata::oils", "class", {}),
    "iris": ("classification", "sklearn:load_iris", None, {}),
    "wine": ("classification", "sklearn:load_wine", None, {}),
    "crabs": ("classification", "R:MASS::crabs", None, {"drop": ["index"], "label_join": ["sp", "sex"]}),
    "sonar": ("classification", "R:mlbench::Sonar", "Class", {}),
    "glass": ("classification", "R:mlbench::Glass", "Type", {}),
    # classification, larger
    "penguins": ("classification", "R:palmerpenguins::penguins", "species",
                 {"onehot": ["island"], "binary": {"sex": "male"}}),
    "ionosphere": ("classification", "R:mlbench::Ionosphere", "Class", {"binary": {"V1": "1", "V2": "1"}}),
    "cancer": ("classification", "sklearn:load_breast_cancer", None, {}),
    "pima": ("classification", "R:mlbench::PimaIndiansDiabetes", "diabetes", {}),
    "vehicle": ("classification", "R:mlbench::Vehicle", "Class", {}),
    "vowel": ("classification", "R:mlbench::Vowel", "Class", {"drop": ["V1"]}),
    "digits": ("classification", "sklearn:load_digits", None, {}),
    "cells": ("classification", "R:modeldata::cells", "class", {"drop": ["case"]}),
    "spam": ("classification", "R:kernlab::spam", "type", {}),
    "satellite": ("classification", "R:mlbench::Satellite", "classes", {}),
    "letter": ("classification", "R:mlbench::LetterRecognition", "lettr", {}),
    # regression (issue 13)
    "diabetes": ("regression", "sklearn:load_diabetes", None, {}),
    "boston": ("regression", "R:MASS::Boston", "medv", {}),
    "biomass": ("regression", "R:modeldata::biomass", "HHV", {"drop": ["sample", "dataset"]}),
    "concrete": ("regression", "R:modeldata::concrete", "compressive_strength", {}),
}

NOTES = {
    "oils": "label: oil type (7 levels); 7 fatty-acid percentages",
    "crabs": "label: species x sex (B.F, B.M, O.F, O.M); 'index' (1..50 within each group) dropped",
    "penguins": "11 rows with NA dropped (344 -> 333); island one-hot (3 columns), sex 0/1 (male = 1), year kept",
    "ionosphere": "V1 (factor 0/1) as 0/1; V2 (factor with the single level 0) as the constant 0, kept",
    "vowel": "V1 (speaker number, 15 levels, an identifier) dropped; 9 numeric features",
    "cells": "'case' (the package's own Train/Test split column) dropped",
    "biomass": "'sample' (name) and 'dataset' (the package's own split) dropped",
    "concrete": "rows kept as shipped (the table has duplicate rows)",
    "diabetes": "sklearn load_diabetes(scaled=False): raw features, target = disease progression",
    "boston": "MASS Boston, all 13 features numeric as shipped",
}

PACKAGES = ["python3-sklearn", "r-cran-mlbench", "r-cran-kernlab", "r-cran-modeldata", "r-cran-mass",
            "r-cran-palmerpenguins", "dataset-fashion-mnist", "python3-numpy"]


def fmt(v):
    v = float(v)
    if not np.isfinite(v):
        raise ValueError(f"non-finite value {v}")
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_atomic(path, header, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")
    os.replace(tmp, path)


def export_r(names, rawdir):
    """One Rscript run: write.csv of every R set named, plus each factor's levels."""
    os.makedirs(rawdir, exist_ok=True)
    lines = ["suppressMessages({library(mlbench); library(kernlab); library(modeldata); "
             "library(MASS); library(palmerpenguins)})",
             "export <- function(data, pkg, out) { e <- new.env(); data(list = data, package = pkg, envir = e)",
             "  d <- as.data.frame(get(data, envir = e)); write.csv(d, paste0(out, '.csv'), row.names = FALSE)",
             "  lv <- character(0)",
             "  for (c in names(d)) if (is.factor(d[[c]])) lv <- c(lv, paste(c(c, levels(d[[c]])), collapse = '\\t'))",
             "  writeLines(lv, paste0(out, '.levels')) }"]
    for name in names:
        pkg, data = DATASETS[name][1][2:].split("::")
        lines.append(f"export('{data}', '{pkg}', '{os.path.join(rawdir, name)}')")
    subprocess.run(["Rscript", "--vanilla", "-e", "\n".join(lines)], check=True)


def read_r(name, rawdir):
    with open(os.path.join(rawdir, name + ".csv"), newline="") as f:
        rows = list(csv.reader(f))
    levels = {}
    with open(os.path.join(rawdir, name + ".levels")) as f:
        for line in f.read().splitlines():
            parts = line.split("\t")
            levels[parts[0]] = parts[1:]
    return rows[0], rows[1:], levels


def encode_r(name, rawdir):
    """Returns header (features), X rows (lists of floats), y (list), class_names, dropped."""
    task, _, label, opt = DATASETS[name]
    header, rows, levels = read_r(name, rawdir)
    n0 = len(rows)
    rows = [r for r in rows if "NA" not in r]
    col = {h: i for i, h in enumerate(header)}
    if "label_join" in opt:
        keys = opt["label_join"]
        names = [".".join(levels[k][i] for k, i in zip(keys, t)) for t in np.ndindex(*[len(levels[k]) for k in keys])]
        ylab = [".".join(r[col[k]] for k in keys) for r in rows]
        y, class_names = [names.index(v) for v in ylab], names
        skip = set(keys)
    elif task == "classification":
        class_names = levels[label]
        y = [class_names.index(r[col[label]]) for r in rows]
        skip = {label}
    else:
        class_names, y = None, [float(r[col[label]]) for r in rows]
        skip = {label}
    skip |= set(opt.get("drop", []))
    feats, getters = [], []
    for h in header:
        if h in skip:
            continue
        i = col[h]
        if h in opt.get("onehot", []):
            for lev in levels[h]:
                feats.append(f"{h}_{lev}")
                getters.append(lambda r, i=i, lev=lev: 1.0 if r[i] == lev else 0.0)
        elif h in opt.get("binary", {}):
            one = opt["binary"][h]
            feats.append(h)
            getters.append(lambda r, i=i, one=one: 1.0 if r[i] == one else 0.0)
        elif h in levels:
            raise SystemExit(f"make_eval_corpus: {name}: factor column '{h}' has no encoding")
        else:
            feats.append(h)
            getters.append(lambda r, i=i: float(r[i]))
    X = [[g(r) for g in getters] for r in rows]
    return feats, X, y, class_names, n0 - len(rows)


def encode_sklearn(name):
    from sklearn import datasets
    loader = getattr(datasets, DATASETS[name][1].split(":")[1])
    d = loader(scaled=False) if name == "diabetes" else loader()
    feats = [str(f) for f in d.feature_names] if hasattr(d, "feature_names") else None
    if feats is None or len(feats) != d.data.shape[1]:
        feats = [f"f{i}" for i in range(d.data.shape[1])]
    if DATASETS[name][0] == "classification":
        y = [int(v) for v in d.target]
        class_names = [str(c) for c in d.target_names]
    else:
        y, class_names = [float(v) for v in d.target], None
    return feats, d.data.tolist(), y, class_names, 0


def clean(h):
    return "".join(c if c.isalnum() or c in "_." else "_" for c in h)


def split_and_write(name, outdir, feats, X, y, class_names):
    task = DATASETS[name][0]
    n = len(y)
    idx = np.random.default_rng(0).permutation(n)
    cut = int(0.8 * n)
    if task == "classification":
        missing = set(range(len(class_names))) - {y[i] for i in idx[:cut]}
        if missing:
            raise SystemExit(f"make_eval_corpus: {name}: classes {sorted(missing)} absent from TRAIN")
    header = ["label" if task == "classification" else "target"] + [clean(f) for f in feats]
    files = {}
    for part, sel in (("train", idx[:cut]), ("test", idx[cut:])):
        path = os.path.join(outdir, f"{name}_{part}.csv")
        lab = (lambda v: str(v)) if task == "classification" else fmt
        write_atomic(path, header, ([lab(y[i])] + [fmt(v) for v in X[i]] for i in sel))
        files[part] = {"file": os.path.basename(path), "rows": len(sel), "sha256": sha256(path),
                       "bytes": os.path.getsize(path)}
    return files


def fashion_arrays(prefix):
    with gzip.open(f"{FASHION_DIR}/{prefix}-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(f"{FASHION_DIR}/{prefix}-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return x, y


def write_fashion(outdir, cifar):
    """fashion_{train,test}.csv (label first, pixel1..784) and, with cifar, the re-laid pair."""
    out = {}
    for part, prefix in (("train", "train"), ("test", "t10k")):
        x, y = fashion_arrays(prefix)
        path = os.path.join(outdir, f"fashion_{part}.csv")
        header = ["label"] + [f"pixel{i + 1}" for i in range(784)]
        write_atomic(path, header, ([str(lab)] + list(map(str, row)) for lab, row in zip(y.tolist(), x.tolist())))
        out.setdefault("fashion", {})[part] = {"file": os.path.basename(path), "rows": len(y),
                                               "sha256": sha256(path), "bytes": os.path.getsize(path)}
        if cifar:
            img = np.zeros((len(y), 3, 32, 32), np.uint8)
            img[:, :, 2:30, 2:30] = x.reshape(-1, 1, 28, 28)
            img = img.reshape(len(y), 3072)
            path = os.path.join(outdir, f"fashion_cifar_{part}.csv")
            header = [f"a{i}" for i in range(3072)] + ["class"]
            write_atomic(path, header, (list(map(str, row)) + [str(lab)] for lab, row in zip(y.tolist(), img.tolist())))
            out.setdefault("fashion_cifar", {})[part] = {"file": os.path.basename(path), "rows": len(y),
                                                         "sha256": sha256(path), "bytes": os.path.getsize(path)}
        print(f"fashion {part}: {len(y)} rows" + (" (+ CIFAR-shaped)" if cifar else ""), flush=True)
    return out


FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                   "Bag", "Ankle boot"]


def fashion_entries(files):
    ents = {}
    for key, fl in files.items():
        cifar = key == "fashion_cifar"
        ents[key] = {
            "task": "classification", "source": "dataset-fashion-mnist (idx files)",
            "package": "dataset-fashion-mnist", "rows": fl["train"]["rows"] + fl["test"]["rows"],
            "features": 3072 if cifar else 784, "classes": 10, "class_names": FASHION_CLASSES,
            "shape": [3, 32, 32] if cifar else [1, 28, 28], "label_column": "class" if cifar else "label",
            "split": "the package's own 60,000/10,000 split",
            "notes": ("3x32x32 channel-planar as OpenML's CIFAR-10 export (a0..a3071, 'class' last): "
                      "zero-padded by 2 pixels, grey plane copied to three channels") if cifar
            else "pixels 0..255, label first", "files": fl}
    return ents


def package_versions():
    out = {}
    for p in PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", p], capture_output=True, text=True)
        out[p] = r.stdout.strip() if r.returncode == 0 else None
    return out


def build(name, outdir, rawdir):
    task, source, label, _ = DATASETS[name]
    if source.startswith("R:"):
        feats, X, y, class_names, dropped = encode_r(name, rawdir)
    else:
        feats, X, y, class_names, dropped = encode_sklearn(name)
    files = split_and_write(name, outdir, feats, X, y, class_names)
    pkg = "python3-sklearn" if source.startswith("sklearn") else "r-cran-" + source[2:].split("::")[0].lower()
    ent = {"task": task, "source": source, "package": pkg, "rows": len(y), "features": len(feats),
           "classes": len(class_names) if class_names else None, "class_names": class_names,
           "label_column": "label" if task == "classification" else "target",
           "original_label": label, "rows_dropped_na": dropped,
           "split": "80/20, numpy default_rng(0) permutation", "notes": NOTES.get(name, ""), "files": files}
    what = f"{ent['classes']} classes" if class_names else "regression"
    print(f"{name:11s} {len(y):6d} rows {len(feats):4d} features  {what}  ({source})", flush=True)
    return ent


def compare(record, new):
    bad = []
    for name, ent in new["datasets"].items():
        old = record.get("datasets", {}).get(name)
        if old is None:
            bad.append(f"{name}: not in the committed record")
            continue
        for part in ("train", "test"):
            if old["files"][part]["sha256"] != ent["files"][part]["sha256"]:
                bad.append(f"{name}_{part}: sha256 differs from the committed record")
    return bad


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("outdir", nargs="?", default=os.path.join(REPO, "datasets", "eval", "data"))
    p.add_argument("--only", help="comma list of dataset names (fashion, fashion_cifar included)")
    p.add_argument("--cifar", action="store_true", help="also write the CIFAR-shaped Fashion-MNIST pair")
    p.add_argument("--no-fashion", action="store_true", help="skip Fashion-MNIST (133 MB)")
    p.add_argument("--record", action="store_true", help=f"rewrite the committed record {RECORD}")
    p.add_argument("--list", action="store_true", help="list the datasets and exit")
    a = p.parse_args(argv)
    if a.list:
        for name, (task, source, _, _) in DATASETS.items():
            print(f"{name:11s} {task:15s} {source}")
        return 0
    names = list(DATASETS) if not a.only else [n for n in a.only.split(",") if n in DATASETS]
    want_fashion = (not a.only and not a.no_fashion) or (a.only and "fashion" in a.only.split(","))
    cifar = a.cifar or (a.only and "fashion_cifar" in a.only.split(","))
    unknown = set(a.only.split(",")) - set(DATASETS) - {"fashion", "fashion_cifar"} if a.only else set()
    if unknown:
        p.error(f"unknown dataset(s): {', '.join(sorted(unknown))} (see --list)")
    os.makedirs(a.outdir, exist_ok=True)
    rawdir = os.path.join(a.outdir, "raw")
    r_names = [n for n in names if DATASETS[n][1].startswith("R:")]
    if r_names:
        export_r(r_names, rawdir)
    manifest = {"generated_by": "scripts/make_eval_corpus.py", "packages": package_versions(), "datasets": {}}
    for name in names:
        manifest["datasets"][name] = build(name, a.outdir, rawdir)
    if want_fashion or cifar:
        manifest["datasets"].update(fashion_entries(write_fashion(a.outdir, cifar)))
    out = os.path.join(a.outdir, "corpus.json")
    with open(out + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    os.replace(out + ".tmp", out)
    print(f"wrote {out}")
    if a.record:
        old = json.load(open(RECORD)) if os.path.exists(RECORD) else {"datasets": {}}
        old["generated_by"], old["packages"] = manifest["generated_by"], manifest["packages"]
        old.setdefault("datasets", {}).update(manifest["datasets"])
        with open(RECORD + ".tmp", "w") as f:
            json.dump(old, f, indent=1)
            f.write("\n")
        os.replace(RECORD + ".tmp", RECORD)
        print(f"recorded {RECORD}")
    elif os.path.exists(RECORD):
        bad = compare(json.load(open(RECORD)), manifest)
        for b in bad:
            print(f"make_eval_corpus: {b}", file=sys.stderr)
        if bad:
            return 1
        print(f"all sha256 match {os.path.relpath(RECORD, REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
