#!/usr/bin/env bash
# Writes tests/fixtures/dataset/: real tables as R's write.csv / write.csv2 /
# write.table and pandas' to_csv write them, from Debian's R data packages
# (r-cran-palmerpenguins, r-cran-mass, r-cran-mlbench, r-cran-modeldata), for
# tests/test_dataset_corpus.c. Deterministic: run it again and nothing changes.
# Needs Rscript and /usr/bin/python3 with pandas (python3-pandas).
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/fixtures/dataset
mkdir -p "$out"

Rscript --vanilla - "$out" <<'R'
out <- commandArgs(trailingOnly = TRUE)[1]
suppressMessages({ library(palmerpenguins); library(MASS); library(mlbench); library(modeldata) })
p <- as.data.frame(penguins)
write.csv(p, file.path(out, "penguins_r.csv"))                         # row names, NA, label first
write.csv2(p, file.path(out, "penguins_r2.csv"))                       # ';' and decimal comma
write.table(p, file.path(out, "penguins.tsv"), sep = "\t", row.names = FALSE, quote = FALSE)
write.csv(Boston, file.path(out, "boston_r.csv"))                      # regression, medv last
data(PimaIndiansDiabetes2)
write.csv(PimaIndiansDiabetes2, file.path(out, "pima_r.csv"), row.names = FALSE)  # NA, label last
data(credit_data)
write.csv(head(credit_data, 400), file.path(out, "credit_r.csv"))      # Status first, NA in text
data(BreastCancer)
write.csv(BreastCancer, file.path(out, "breastcancer_r.csv"), row.names = FALSE)  # Id, Class
R

/usr/bin/python3 - "$out" <<'PY'
import sys, pandas as pd
out = sys.argv[1]
p = pd.read_csv(f"{out}/penguins_r.csv", index_col=0).reset_index(drop=True)
p.to_csv(f"{out}/penguins_pandas.csv")                                # unnamed index 0..n-1, empty NA
mid = p[["island", "bill_length_mm", "species", "bill_depth_mm", "sex", "body_mass_g"]]
mid.to_csv(f"{out}/penguins_mid.csv", index=False)                    # label in the middle
with open(f"{out}/answers.csv", "w") as f:                            # every column text
    f.write("q1,q2,q3,answer\n")
    for i in range(30):
        f.write(",".join("yn"[(i * k) % 3 == 0] for k in (1, 2, 5)) + "," + ["yes", "no"][i % 2] + "\n")
PY
gzip -9 -n -c "$out/penguins_r.csv" >"$out/penguins_r.csv.gz"
ls -l "$out"
