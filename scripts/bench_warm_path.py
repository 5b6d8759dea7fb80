#!/usr/bin/python3
"""The warm path, as a user sees it (issue 10 item 13): in one run, interleaved,
whole-process wall times of

  cold load     lrfind inspect --no-cache             (read + parse)
  cached load   lrfind inspect                        (the mapped cache; goal <= 50 ms)
  torch         shared/bench/torch_pipeline.py        (pandas + PyTorch + matplotlib)
  cold range    lrfind --data F --no-cache --plot P   (goal: torch / cold >= 15x)
  warm range    lrfind --data F --plot P              (goal: torch / warm >= 25x)

with --model mlp:512,256 pinned (the anchor's network). Medians of --reps runs.
Then where a warm range test's time goes, measured: process start and exit
(`lrfind --version`), the cached load, lrfind's own load+split+normalization and
sweep times (its JSON), and the rest (model set-up, suggestion, plot).

Usage: scripts/bench_warm_path.py [--lrfind PATH] [--csv FILE] [--reps N] [--shared DIR]
Defaults: build/lrfind, /tmp/lrfind-bench/fashion-mnist_train.csv (made by
scripts/make_fashion_csv.py if missing), 5, ../shared/bench (or /work/shared/bench).
The cache lives in a temporary XDG_CACHE_HOME. Exit 0 when every goal is met,
3 when one is missed. The machine may be shared: compare ratios, not seconds.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = "mlp:512,256"
GOAL_CACHED_S, GOAL_WARM_X, GOAL_COLD_X = 0.050, 25.0, 15.0


def run(cmd, env, want_json=False):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"bench_warm_path: {' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return wall, (json.loads(r.stdout) if want_json else r.stdout)


def find_shared(arg):
    for d in [arg, os.path.join(HERE, "..", "..", "shared", "bench"), "/work/shared/bench"]:
        if d and os.path.exists(os.path.join(d, "torch_pipeline.py")):
            return d
    sys.exit("bench_warm_path: torch_pipeline.py not found (give --shared DIR)")


def make_csv(path):
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "make_fashion_csv.py"), path + ".tmp",
                    "train"], check=True, stdout=subprocess.DEVNULL)
    os.rename(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrfind", default=os.path.join(HERE, "..", "build", "lrfind"))
    ap.add_argument("--csv", default="/tmp/lrfind-bench/fashion-mnist_train.csv")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--shared", default=None)
    a = ap.parse_args()
    shared = find_shared(a.shared)
    make_csv(a.csv)
    lr, f = a.lrfind, a.csv
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"))
        png = os.path.join(work, "out.png")
        inspect = [lr, "inspect", "--data", f, "--json"]
        rng = [lr, "--data", f, "--model", MODEL, "--plot", png, "--json"]
        run(inspect, env)  # fills the cache
        t = {k: [] for k in ["start", "cold_load", "cached_load", "torch", "cold", "warm"]}
        last = {}
        parts = {"load": [], "sweep": [], "rest": []}
        for r in range(a.reps):  # interleaved: every side sees the same machine load
            t["start"].append(run([lr, "--version"], env)[0])
            w, j = run(inspect + ["--no-cache"], env, True)
            t["cold_load"].append(w)
            w, j = run(inspect, env, True)
            assert j["from_cache"], "expected a cache hit"
            t["cached_load"].append(w)
            last["cached_in_process"] = j["parse_seconds"]
            t["torch"].append(run(["/usr/bin/python3", os.path.join(shared, "torch_pipeline.py"),
                                   f, os.path.join(work, "torch.png")], env)[0])
            t["cold"].append(run(rng + ["--no-cache"], env, True)[0])
            w, j = run(rng, env, True)
            t["warm"].append(w)
            parts["load"].append(j["data"]["load_seconds"])
            parts["sweep"].append(j["sweep"]["seconds"])
            parts["rest"].append(w - t["start"][-1] - parts["load"][-1] - parts["sweep"][-1])
            last["iterations"] = j["iterations"]
            print(f"rep {r + 1}: " + "  ".join(f"{k} {v[-1]:.3f}" for k, v in t.items()),
                  flush=True)
    m = {k: statistics.median(v) for k, v in t.items()}
    size = os.path.getsize(f) / 1e6
    print(f"\nfile: {f} ({size:.1f} MB); {a.reps} reps interleaved, medians; "
          f"{os.cpu_count()} cores (shared machine: compare ratios)")
    print(f"cold load (inspect --no-cache):   {m['cold_load']:.3f} s")
    ok_cached = m["cached_load"] <= GOAL_CACHED_S
    print(f"cached load (inspect):            {m['cached_load'] * 1e3:.1f} ms "
          f"(goal <= {GOAL_CACHED_S * 1e3:.0f} ms) {'PASS' if ok_cached else 'FAIL'}")
    rc, rw = m["torch"] / m["cold"], m["torch"] / m["warm"]
    print(f"torch_pipeline.py:                {m['torch']:.3f} s")
    print(f"lrfind cold range test:           {m['cold']:.3f} s  -> {rc:.1f}x "
          f"(goal >= {GOAL_COLD_X:.0f}x) {'PASS' if rc >= GOAL_COLD_X else 'FAIL'}")
    print(f"lrfind warm range test:           {m['warm']:.3f} s  -> {rw:.1f}x "
          f"(goal >= {GOAL_WARM_X:.0f}x) {'PASS' if rw >= GOAL_WARM_X else 'FAIL'}")
    p = {k: statistics.median(v) for k, v in parts.items()}
    print(f"\nwhere a warm range test's time goes (medians of each part over the reps):")
    print(f"  process start + exit (lrfind --version):        {m['start'] * 1e3:7.1f} ms")
    print(f"  cached load in-process (inspect's own figure):  "
          f"{last['cached_in_process'] * 1e3:7.1f} ms (last rep)")
    print(f"  load + split + normalization (range test JSON): {p['load'] * 1e3:7.1f} ms")
    print(f"  sweep ({last['iterations']} steps, model {MODEL}):         {p['sweep'] * 1e3:7.1f} ms")
    print(f"  the rest (model set-up, suggestion, plot):      {p['rest'] * 1e3:7.1f} ms")
    no_sweep = m["warm"] - p["sweep"]
    print(f"  without the sweep a warm run would take {no_sweep:.3f} s "
          f"({m['torch'] / no_sweep:.0f}x the anchor): the sweep sets the ratio")
    ok = ok_cached and rc >= GOAL_COLD_X and rw >= GOAL_WARM_X
    print("PASS" if ok else "FAIL (see above)")
    return 0 if ok else 3


if __name__ == "__main__":
    sys.exit(main())
