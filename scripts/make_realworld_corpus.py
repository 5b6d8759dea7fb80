#!/usr/bin/python3
"""Issue 13's corpus: real tables written the way practitioners have them, by R's
write.csv / write.csv2 / write.table and by pandas' to_csv, from Debian's R data
packages (r-cran-palmerpenguins, r-cran-mlbench, r-cran-modeldata, r-cran-mass). Each is
a TRAIN/TEST pair OUTDIR/NAME_train.EXT, OUTDIR/NAME_test.EXT (80/20 by
numpy.random.default_rng(0).permutation, the first 80% TRAIN), written by the writer as
is: strings and factors as text, missing values as the writer writes them (R: NA,
pandas: an empty field), R's row names and pandas' index where those writers add them.
Row names / the index are renumbered 1..n (R) or 0..n-1 (pandas) in each file, as when a
table is written before it is split (a file written after a split would keep the
original, non-consecutive row numbers).

  name             writer                     label (position)        task            what it exercises
  penguins         R write.csv (row names)    species (first)         classification  NA, strings, R row names
  breastcancer     R write.csv                Class (last)            classification  Id column, quoted numbers, NA
  housevotes       R write.csv                Class (first)           classification  every column text (y/n), NA
  soybean          R write.csv                Class (first)           classification  19 classes, factors, NA
  credit           R write.csv                Status (first)          classification  factors with NA, integers with NA
  attrition        pandas to_csv              Attrition (middle, 2nd) classification  many string columns
  boston_rownames  R write.csv (row names)    medv (last)             regression      R row names + numeric target
  ames_index       pandas to_csv (index)      Sale_Price (middle)     regression      pandas index, 40 string columns
  glass_semicolon  R write.csv2               Type (last)             classification  ';' and decimal comma
  hpc_tab          R write.table sep='\\t'     class (last)            classification  tab-separated, unquoted strings
  churn_gzip       pandas to_csv (.csv.gz)    churn (last)            classification  gzip, 51-level string column

OUTDIR/realworld.json records per file: sha256, writer, separator, decimal mark, index /
row-name column, label and task, and how pandas reads it (for the scikit-learn side of
scripts/eval_realworld.py); the committed record is datasets/eval/realworld.json
(--record rewrites it; otherwise the hashes are compared with it).

Usage: /usr/bin/python3 scripts/make_realworld_corpus.py [OUTDIR] [--record]
OUTDIR defaults to datasets/eval/data/realworld (ignored by git).
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECORD = os.path.join(REPO, "datasets", "eval", "realworld.json")

# name: (package::data, label, task, writer). Writers: R:csv (write.csv, row.names = FALSE),
# R:csv-rownames (write.csv default), R:csv2 (write.csv2), R:tab (write.table sep = '\t',
# quote = FALSE), pd:csv (to_csv(index=False)), pd:csv-index (to_csv()), pd:csv.gz.
TABLES = {
    "penguins": ("palmerpenguins::penguins", "species", "classification", "R:csv-rownames"),
    "breastcancer": ("mlbench::BreastCancer", "Class", "classification", "R:csv"),
    "housevotes": ("mlbench::HouseVotes84", "Class", "classification", "R:csv"),
    "soybean": ("mlbench::Soybean", "Class", "classification", "R:csv"),
    "credit": ("modeldata::credit_data", "Status", "classification", "R:csv"),
    "attrition": ("modeldata::attrition", "Attrition", "classification", "pd:csv"),
    "boston_rownames": ("MASS::Boston", "medv", "regression", "R:csv-rownames"),
    "ames_index": ("modeldata::ames", "Sale_Price", "regression", "pd:csv-index"),
    "glass_semicolon": ("mlbench::Glass", "Type", "classification", "R:csv2"),
    "hpc_tab": ("modeldata::hpc_data", "class", "classification", "R:tab"),
    "churn_gzip": ("modeldata::mlc_churn", "churn", "classification", "pd:csv.gz"),
}
WRITER_TEXT = {
    "R:csv": "R write.csv(d, row.names = FALSE)", "R:csv-rownames": "R write.csv(d) (row names 1..n)",
    "R:csv2": "R write.csv2(d, row.names = FALSE) (';', decimal comma)",
    "R:tab": "R write.table(d, sep = '\\t', quote = FALSE, row.names = FALSE)",
    "pd:csv": "pandas to_csv(index=False)", "pd:csv-index": "pandas to_csv() (index 0..n-1)",
    "pd:csv.gz": "pandas to_csv(index=False) to .csv.gz (gzip)",
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def r_prelude():
    return ("suppressMessages({library(mlbench); library(modeldata); library(MASS); library(palmerpenguins)})\n"
            "get_data <- function(spec) { p <- strsplit(spec, '::')[[1]]; e <- new.env();\n"
            "  data(list = p[2], package = p[1], envir = e); as.data.frame(get(p[2], envir = e)) }\n")


def r_nrows(specs):
    code = r_prelude() + "".join(f"cat(nrow(get_data('{s}')), '\\n')\n" for s in specs)
    out = subprocess.run(["Rscript", "--vanilla", "-e", code], check=True, capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def r_write(jobs):
    """jobs: (spec, writer, index file, out path). One Rscript run; the index file holds
    the 1-based rows of the part, one a line."""
    code = r_prelude()
    for spec, writer, idx_file, out in jobs:
        sub = (f"d <- get_data('{spec}'); i <- scan('{idx_file}', quiet = TRUE); d <- d[i, , drop = FALSE]; "
               f"rownames(d) <- NULL; ")
        if writer == "R:csv":
            sub += f"write.csv(d, '{out}', row.names = FALSE)"
        elif writer == "R:csv-rownames":
            sub += f"write.csv(d, '{out}')"
        elif writer == "R:csv2":
            sub += f"write.csv2(d, '{out}', row.names = FALSE)"
        elif writer == "R:tab":
            sub += f"write.table(d, '{out}', sep = '\\t', quote = FALSE, row.names = FALSE)"
        else:  # the raw table for pandas: write.csv, NA as NA
            sub += f"write.csv(d, '{out}', row.names = FALSE)"
        code += "local({ " + sub + " })\n"
    subprocess.run(["Rscript", "--vanilla", "-e", code], check=True)


def pandas_read_kwargs(writer):
    """How a practitioner reads the file with pandas (used by scripts/eval_realworld.py)."""
    if writer in ("R:csv-rownames", "pd:csv-index"):
        return {"index_col": 0}
    if writer == "R:csv2":
        return {"sep": ";", "decimal": ","}
    if writer == "R:tab":
        return {"sep": "\t"}
    return {}


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("outdir", nargs="?", default=os.path.join(REPO, "datasets", "eval", "data", "realworld"))
    p.add_argument("--record", action="store_true", help=f"rewrite the committed record {RECORD}")
    a = p.parse_args(argv)
    out = a.outdir
    tmp = os.path.join(out, "tmp")
    os.makedirs(tmp, exist_ok=True)
    names = list(TABLES)
    nrows = dict(zip(names, r_nrows([TABLES[n][0] for n in names])))
    jobs, parts = [], {}
    for name in names:
        spec, label, task, writer = TABLES[name]
        perm = np.random.default_rng(0).permutation(nrows[name])
        cut = int(0.8 * nrows[name])
        ext = {"R:csv2": "csv", "R:tab": "tsv", "pd:csv.gz": "csv.gz"}.get(writer, "csv")
        for part, sel in (("train", perm[:cut]), ("test", perm[cut:])):
            idx_file = os.path.join(tmp, f"{name}_{part}.idx")
            with open(idx_file, "w") as f:
                f.write("\n".join(str(i + 1) for i in sel) + "\n")
            path = os.path.join(out, f"{name}_{part}.{ext}")
            raw = path if writer.startswith("R:") else os.path.join(tmp, f"{name}_{part}.raw.csv")
            jobs.append((spec, writer, idx_file, raw))
            parts[(name, part)] = (path, raw)
    r_write(jobs)
    record = {"generated_by": "scripts/make_realworld_corpus.py", "tables": {}}
    for name in names:
        spec, label, task, writer = TABLES[name]
        ent = {"source": spec, "package": "r-cran-" + spec.split("::")[0].lower(), "writer": WRITER_TEXT[writer],
               "label": label, "task": task, "pandas_read_csv": pandas_read_kwargs(writer), "files": {}}
        for part in ("train", "test"):
            path, raw = parts[(name, part)]
            if writer.startswith("pd:"):
                d = pd.read_csv(raw)  # R's NA -> NaN; to_csv writes it as an empty field
                if writer == "pd:csv-index":
                    d.to_csv(path)
                elif writer == "pd:csv.gz":  # mtime 0: the gzip header, so the sha256, is reproducible
                    d.to_csv(path, index=False, compression={"method": "gzip", "mtime": 0})
                else:
                    d.to_csv(path, index=False)
            kw = pandas_read_kwargs(writer)
            d = pd.read_csv(path, **kw)
            cols = list(d.columns)
            ent["files"][part] = {"file": os.path.basename(path), "rows": len(d), "sha256": sha256(path),
                                  "bytes": os.path.getsize(path)}
            if part == "train":
                pos = cols.index(label)
                ent["label_position"] = "first" if pos == 0 else "last" if pos == len(cols) - 1 else f"middle ({pos})"
                ent["columns"] = len(cols)
                ent["string_columns"] = int(sum(d[c].dtype == object for c in cols if c != label))
                ent["missing_cells"] = int(d.isna().sum().sum())
                ent["first_line"] = open(path, "rb").readline()[:100].decode("latin-1") if not path.endswith(".gz") \
                    else "(gzip)"
        if task == "classification":
            tr = set(pd.read_csv(parts[(name, "train")][0], **ent["pandas_read_csv"])[label].astype(str))
            te = set(pd.read_csv(parts[(name, "test")][0], **ent["pandas_read_csv"])[label].astype(str))
            ent["classes"] = len(tr)
            if te - tr:
                print(f"make_realworld_corpus: {name}: TEST has classes absent from TRAIN: {sorted(te - tr)}",
                      file=sys.stderr)
                return 1
        record["tables"][name] = ent
        print(f"{name:16s} {ent['files']['train']['rows']:5d}/{ent['files']['test']['rows']:4d} rows "
              f"{ent['columns']:3d} columns ({ent['string_columns']} text, {ent['missing_cells']} missing cells) "
              f"label {label} ({ent['label_position']}), {task}; {ent['writer']}", flush=True)
    for f in os.listdir(tmp):
        os.remove(os.path.join(tmp, f))
    os.rmdir(tmp)
    path = os.path.join(out, "realworld.json")
    for target in ([path, RECORD] if a.record else [path]):
        with open(target + ".tmp", "w") as f:
            json.dump(record, f, indent=1)
            f.write("\n")
        os.replace(target + ".tmp", target)
        print(f"wrote {target}")
    if not a.record and os.path.exists(RECORD):
        old = json.load(open(RECORD))["tables"]
        bad = [f"{n}_{part}" for n, e in record["tables"].items() for part in ("train", "test")
               if n not in old or old[n]["files"][part]["sha256"] != e["files"][part]["sha256"]]
        if bad:
            print("make_realworld_corpus: sha256 differs from the committed record: " + ", ".join(bad), file=sys.stderr)
            return 1
        print(f"all sha256 match {os.path.relpath(RECORD, REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
