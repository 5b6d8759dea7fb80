#!/usr/bin/python3
"""CSV loading benchmark: pandas.read_csv vs `lrfind inspect --no-cache`, side by
side in one run on the same file, plus lrfind's cached re-load.

Usage: scripts/bench_csv.py [--lrfind PATH] [--csv FILE] [--repeat N]
Defaults: --lrfind build/lrfind, --csv /tmp/lrfind-bench/fashion-mnist_train.csv
(made by scripts/make_fashion_csv.py if missing), --repeat 3.

Each tool's best of N runs is compared (the machines are shared and noisy).
pandas is timed around read_csv only (its import is not counted); lrfind is
timed as a whole process (start, read, parse, print) and also reports its own
parse time. The cache lives in a temporary XDG_CACHE_HOME.
"""
import argparse, json, os, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrfind", default=os.path.join(HERE, "..", "build", "lrfind"))
    ap.add_argument("--csv", default="/tmp/lrfind-bench/fashion-mnist_train.csv")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    if not os.path.exists(a.csv):
        os.makedirs(os.path.dirname(a.csv), exist_ok=True)
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "make_fashion_csv.py"), a.csv,
                        "train"], check=True)
    size_mb = os.path.getsize(a.csv) / 1e6
    import pandas as pd

    def lrfind(args, env):
        t0 = time.perf_counter()
        r = subprocess.run([a.lrfind, "inspect", "--data", a.csv, "--json"] + args, env=env,
                           capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if r.returncode != 0:
            sys.exit("lrfind failed: " + r.stderr)
        return wall, json.loads(r.stdout)

    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, XDG_CACHE_HOME=cache)
        pandas_t, lr_wall, lr_parse, lr1_wall = [], [], [], []
        info = None
        for _ in range(a.repeat):  # interleaved, so both see the same machine load
            t0 = time.perf_counter()
            df = pd.read_csv(a.csv)
            pandas_t.append(time.perf_counter() - t0)
            del df
            w, info = lrfind(["--no-cache"], env)
            lr_wall.append(w)
            lr_parse.append(info["parse_seconds"])
            w, _ = lrfind(["--no-cache", "--threads", "1"], env)
            lr1_wall.append(w)
        lrfind([], env)  # fills the cache
        cached_wall, cached_parse = [], []
        for _ in range(a.repeat):
            w, c = lrfind([], env)
            assert c["from_cache"], "expected a cache hit"
            cached_wall.append(w)
            cached_parse.append(c["parse_seconds"])
    p, l, l1 = min(pandas_t), min(lr_wall), min(lr1_wall)
    print(f"file: {a.csv} ({size_mb:.1f} MB, {info['rows']} rows, {info['features']} features, "
          f"storage {info['storage']})")
    print(f"pandas.read_csv:              {p:.3f} s  ({size_mb / p:.0f} MB/s)")
    print(f"lrfind inspect --no-cache:    {l:.3f} s  process, {min(lr_parse):.3f} s parse "
          f"({size_mb / min(lr_parse):.0f} MB/s, {info['threads']} threads)")
    print(f"  same with --threads 1:      {l1:.3f} s  process")
    print(f"lrfind cached re-load:        {min(cached_wall):.3f} s  process, "
          f"{min(cached_parse):.4f} s load")
    print(f"ratio pandas / lrfind:        {p / l:.1f}x (whole lrfind process), "
          f"{p / min(lr_parse):.1f}x (parse only); goal >= 8x")


if __name__ == "__main__":
    main()
