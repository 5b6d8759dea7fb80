#!/usr/bin/python3
"""CSV loading with text columns and missing values (issue 13): lrfind's general
path against what a pandas user writes to get the same matrix, side by side in
one run, interleaved:

  pandas:  df = pd.read_csv(F); y = df.pop("label")
           df = pd.get_dummies(df, dummy_na=True)   # one-hot, a level for NA
           df = df.fillna(df.median())              # numbers: training medians
  lrfind:  lrfind inspect --no-cache --data F       (whole process: read, type,
           encode, plus median-imputation indicator columns pandas does not add)

Goal: pandas / lrfind >= 3x. Also, for comparison only, a float-valued numeric file
of about the same size through the fast path against pandas.read_csv (the >= 10x
goal for numeric files is measured by scripts/bench_csv.py on Fashion-MNIST).

Usage: scripts/bench_csv_mixed.py [--lrfind PATH] [--rows N] [--repeat N]
Defaults: build/lrfind, 300000 rows (~30 MB), 5 repeats (medians reported).
The files are generated (seeded) in a temporary directory. The machine may be
shared: compare the ratios, not the seconds.
"""
import argparse, json, os, random, resource, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
GOAL_MIXED = 3.0
CITIES = [f"city{i:02d}" for i in range(40)]


def make_mixed(path, rows, seed=0):
    rnd = random.Random(seed)
    with open(path, "w") as f:
        f.write("age,income,score,height,weight,visits,ratio,temp,city,plan,color,device,label\n")
        for _ in range(rows):
            nums = [rnd.randint(18, 90), round(rnd.gauss(50000, 15000), 2), round(rnd.random(), 4),
                    round(rnd.gauss(170, 10), 1), round(rnd.gauss(70, 12), 1), rnd.randint(0, 40),
                    round(rnd.random() * 3, 3), round(rnd.gauss(20, 5), 2)]
            cells = ["NA" if rnd.random() < 0.05 else str(v) for v in nums]
            cats = [rnd.choice(CITIES), rnd.choice(["basic", "plus", "pro"]),
                    rnd.choice(["red", "green", "blue", "black", "white"]),
                    rnd.choice(["ios", "android", "web", ""])]
            f.write(",".join(cells + cats + [rnd.choice(["yes", "no"])]) + "\n")


def make_numeric(path, rows, seed=0):
    rnd = random.Random(seed)
    with open(path, "w") as f:
        f.write(",".join(f"x{i}" for i in range(16)) + ",label\n")
        for _ in range(rows):
            f.write(",".join(str(round(rnd.random() * 100, 2)) for _ in range(16)))
            f.write(f",{rnd.randint(0, 9)}\n")


def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def lrfind(exe, path):
    """(wall, cpu, inspect's JSON): cpu = user + system time of the process (all threads)."""
    t0, c0 = time.perf_counter(), cpu(resource.RUSAGE_CHILDREN)
    r = subprocess.run([exe, "inspect", "--no-cache", "--data", path, "--json"],
                       capture_output=True, text=True)
    wall, used = time.perf_counter() - t0, cpu(resource.RUSAGE_CHILDREN) - c0
    if r.returncode != 0:
        sys.exit("lrfind failed: " + r.stderr)
    return wall, used, json.loads(r.stdout)


def pandas_mixed(pd, path):
    t0, c0 = time.perf_counter(), cpu(resource.RUSAGE_SELF)
    df = pd.read_csv(path)
    df.pop("label")
    df = pd.get_dummies(df, dummy_na=True)
    df = df.fillna(df.median(numeric_only=True))
    return time.perf_counter() - t0, cpu(resource.RUSAGE_SELF) - c0, df.shape


def pandas_read(pd, path):
    t0, c0 = time.perf_counter(), cpu(resource.RUSAGE_SELF)
    df = pd.read_csv(path)
    return time.perf_counter() - t0, cpu(resource.RUSAGE_SELF) - c0, df.shape


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrfind", default=os.path.join(HERE, "..", "build", "lrfind"))
    ap.add_argument("--rows", type=int, default=300000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    import pandas as pd
    with tempfile.TemporaryDirectory() as d:
        mixed, numeric = os.path.join(d, "mixed.csv"), os.path.join(d, "numeric.csv")
        make_mixed(mixed, a.rows)
        make_numeric(numeric, a.rows)
        t = {k: [] for k in ["pd_mixed", "lr_mixed", "pd_num", "lr_num"]}
        c = {k: [] for k in t}
        for _ in range(a.repeat):  # interleaved: both sides see the same machine load
            w, u, shape = pandas_mixed(pd, mixed)
            t["pd_mixed"].append(w), c["pd_mixed"].append(u)
            w, u, info = lrfind(a.lrfind, mixed)
            t["lr_mixed"].append(w), c["lr_mixed"].append(u)
            w, u, _ = pandas_read(pd, numeric)
            t["pd_num"].append(w), c["pd_num"].append(u)
            w, u, _ = lrfind(a.lrfind, numeric)
            t["lr_num"].append(w), c["lr_num"].append(u)
        mb = os.path.getsize(mixed) / 1e6, os.path.getsize(numeric) / 1e6
    m = {k: statistics.median(v) for k, v in t.items()}
    mc = {k: statistics.median(v) for k, v in c.items()}
    rm, rn = m["pd_mixed"] / m["lr_mixed"], m["pd_num"] / m["lr_num"]
    rmc = mc["pd_mixed"] / mc["lr_mixed"] if mc["lr_mixed"] > 0 else float("inf")
    print(f"mixed file: {a.rows} rows, {mb[0]:.1f} MB (8 numeric columns with 5% NA, 4 text "
          f"columns, text label); pandas matrix {shape}, lrfind {info['rows']} x "
          f"{info['features']} ({info['storage']}, {info['threads']} threads)")
    print(f"  pandas read_csv + get_dummies + fillna: {m['pd_mixed']:.3f} s")
    print(f"  lrfind inspect --no-cache (process):     {m['lr_mixed']:.3f} s   -> {rm:.1f}x "
          f"(goal >= {GOAL_MIXED:.0f}x) {'PASS' if rm >= GOAL_MIXED else 'FAIL'}")
    print(f"  CPU time (user + system): pandas {mc['pd_mixed']:.3f} s, lrfind {mc['lr_mixed']:.3f} s "
          f"(all its threads) -> {rmc:.1f}x less work")
    print(f"numeric file: {a.rows} rows x 16 columns, {mb[1]:.1f} MB")
    print(f"  pandas read_csv:                         {m['pd_num']:.3f} s")
    print(f"  lrfind inspect --no-cache (process):     {m['lr_num']:.3f} s   -> {rn:.1f}x "
          "(for comparison; no goal)")
    print(f"medians of {a.repeat} interleaved runs; {os.cpu_count()} cores (shared machine: "
          "compare ratios)")
    return 0 if rm >= GOAL_MIXED else 3


if __name__ == "__main__":
    sys.exit(main())
