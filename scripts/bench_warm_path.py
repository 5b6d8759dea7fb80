#!/usr/bin/python3
"""The warm path, as a user sees it (issue 10 item 13): in one run, interleaved,
whole-process wall times of

  cold load     lrfind inspect --no-cache             (read + parse)
  cached load   lrfind inspect                        (the mapped cache; goal <= 50 ms)
  torch         shared/bench/torch_pipeline.py        (pandas + PyTorch + matplotlib)
  cold range    lrfind --data F --no-cache --plot P   (goal: torch / cold >= 15x)
  first run     lrfind --data F --plot P, empty cache (parses, writes the entry)
  warm range    lrfind --data F --plot P              (goal: torch / warm >= 25x)
  warm, no plot lrfind --data F                       (to measure what the PNG costs)

with --model mlp:512,256 pinned (the anchor's network). Medians of --reps runs.
Then where a warm and a cold range test's time goes, each part measured: process
start and exit (`lrfind --version`), lrfind's own load + split + normalization and
sweep times (its JSON), the PNG (warm with --plot minus warm without, per rep), and
the rest (model set-up, suggestion, report), which is what remains.

--baseline PATH runs another lrfind's range tests (cold, warm, warm without the PNG)
in the same rounds, e.g. one built from main, and prints its breakdown beside this one's.

--native-blas unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for every process, both
sides alike (OpenBLAS then picks its kernels for the CPU itself); it is printed.

Usage: scripts/bench_warm_path.py [--lrfind PATH] [--baseline PATH] [--csv FILE] [--reps N]
                                  [--shared DIR] [--native-blas]
Defaults: build/lrfind, /tmp/lrfind-bench/fashion-mnist_train.csv (made by
scripts/make_fashion_csv.py if missing), 5, ../shared/bench (or /work/shared/bench).
The cache lives in a temporary XDG_CACHE_HOME. Exit 0 when every goal is met,
3 when one is missed. The machine may be shared: compare ratios, not seconds.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = "mlp:512,256"
GOAL_CACHED_S, GOAL_WARM_X, GOAL_COLD_X = 0.050, 25.0, 15.0
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


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


def range_cmds(lr, f, work, tag):
    png = os.path.join(work, f"{tag}.png")
    return {"version": [lr, "--version"],
            "range": [lr, "--data", f, "--model", MODEL, "--plot", png, "--json"],
            "range_noplot": [lr, "--data", f, "--model", MODEL, "--json"]}


def range_rep(cmds, env, t, parts):
    """The range tests of one lrfind, cold and warm, with and without the PNG."""
    t["start"].append(run(cmds["version"], env)[0])
    w, j = run(cmds["range"] + ["--no-cache"], env, True)
    t["cold"].append(w)
    parts["cold_load"].append(j["data"]["load_seconds"])
    parts["cold_sweep"].append(j["sweep"]["seconds"])
    w, j = run(cmds["range"], env, True)
    t["warm"].append(w)
    parts["load"].append(j["data"]["load_seconds"])
    parts["sweep"].append(j["sweep"]["seconds"])
    parts["iterations"].append(j["iterations"])
    w, j = run(cmds["range_noplot"], env, True)
    t["warm_noplot"].append(w)
    parts["plot"].append(t["warm"][-1] - w - (parts["sweep"][-1] - j["sweep"]["seconds"]))


def settle():
    """After a process that leaves work behind (PyTorch freeing a gigabyte, a 47 MB file
    to write back): what is measured next must not pay for it."""
    os.sync()
    time.sleep(1.0)


def one_rep(cmds, env, fresh_env, t, parts, baseline):
    """One interleaved round of every command; appends to t (wall times) and parts.
    baseline: None, or (its commands, t, parts), whose range tests run in this round
    before or after this lrfind's, alternating, so that neither always follows the
    other."""
    t["torch"].append(run(cmds["torch"], env)[0])
    settle()
    t["cold_load"].append(run(cmds["inspect"] + ["--no-cache"], env, True)[0])
    w, j = run(cmds["inspect"], env, True)
    assert j["from_cache"], "expected a cache hit"
    t["cached_load"].append(w)
    parts["cached_in_process"].append(j["parse_seconds"])
    t["first"].append(run(cmds["range"], fresh_env, True)[0])  # empty cache: writes it
    shutil.rmtree(fresh_env["XDG_CACHE_HOME"])
    settle()
    sides = [(cmds, t, parts)] + ([baseline] if baseline else [])
    if len(t["torch"]) % 2 == 0:
        sides.reverse()
    for c, tt, pp in sides:
        range_rep(c, env, tt, pp)


def breakdown(title, total, start, load, sweep, plot, iterations):
    rest = total - start - load - sweep - plot
    print(f"\nwhere a {title} range test's {total * 1e3:.0f} ms go (medians over the reps):")
    print(f"  process start + exit (lrfind --version):    {start * 1e3:7.1f} ms")
    print(f"  load + split + normalization (its JSON):    {load * 1e3:7.1f} ms")
    print(f"  sweep ({iterations} steps of {MODEL}, its JSON): {sweep * 1e3:7.1f} ms")
    print(f"  the PNG after the sweep (--plot minus none): {plot * 1e3:7.1f} ms")
    print(f"  the rest (model set-up, suggestion, report): {rest * 1e3:7.1f} ms")


def report_side(name, t, parts, torch):
    """The ratios and breakdowns of one lrfind binary's range tests."""
    m = {k: statistics.median(v) for k, v in t.items() if v}
    p = {k: statistics.median(v) for k, v in parts.items() if v}
    iters = int(p["iterations"])
    print(f"\n== {name}: cold {m['cold']:.3f} s ({torch / m['cold']:.1f}x), "
          f"warm {m['warm']:.3f} s ({torch / m['warm']:.1f}x), "
          f"warm without the PNG {m['warm_noplot']:.3f} s")
    breakdown("warm", m["warm"], m["start"], p["load"], p["sweep"], p["plot"], iters)
    breakdown("cold", m["cold"], m["start"], p["cold_load"], p["cold_sweep"], p["plot"], iters)
    no_sweep = m["warm"] - p["sweep"]
    print(f"  without its sweep a warm run would take {no_sweep:.3f} s "
          f"({torch / no_sweep:.0f}x the anchor); the sweep alone is "
          f"{torch / p['sweep']:.0f}x the anchor")
    return m


def report_goals(a, f, blas, t, parts, torch):
    """The goals' figures; True when all are met."""
    size = os.path.getsize(f) / 1e6
    print(f"\nfile: {f} ({size:.1f} MB); {a.reps} reps interleaved, medians; "
          f"{os.cpu_count()} cores (shared machine: compare ratios)")
    print("environment of both sides: " + ", ".join(f"{k}={v}" for k, v in blas.items()) +
          (" (--native-blas)" if a.native_blas else ""))
    m = {k: statistics.median(v) for k, v in t.items()}
    cached_in = statistics.median(parts["cached_in_process"])
    print(f"cold load (inspect --no-cache):   {m['cold_load']:.3f} s")
    ok_cached = m["cached_load"] <= GOAL_CACHED_S
    print(f"cached load (inspect):            {m['cached_load'] * 1e3:.1f} ms "
          f"(goal <= {GOAL_CACHED_S * 1e3:.0f} ms) {'PASS' if ok_cached else 'FAIL'}; "
          f"in-process {cached_in * 1e3:.1f} ms")
    rc, rw = torch / m["cold"], torch / m["warm"]
    print(f"torch_pipeline.py:                {torch:.3f} s")
    print(f"lrfind cold range test:           {m['cold']:.3f} s  -> {rc:.1f}x "
          f"(goal >= {GOAL_COLD_X:.0f}x) {'PASS' if rc >= GOAL_COLD_X else 'FAIL'}")
    print(f"lrfind first run (empty cache):   {m['first']:.3f} s  -> {torch / m['first']:.1f}x "
          f"(parses and writes the cache entry)")
    print(f"lrfind warm range test:           {m['warm']:.3f} s  -> {rw:.1f}x "
          f"(goal >= {GOAL_WARM_X:.0f}x) {'PASS' if rw >= GOAL_WARM_X else 'FAIL'}")
    return ok_cached and rc >= GOAL_COLD_X and rw >= GOAL_WARM_X


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrfind", default=os.path.join(HERE, "..", "build", "lrfind"))
    ap.add_argument("--baseline", default=None,
                    help="another lrfind (e.g. built from main) whose range tests run "
                         "interleaved with these, for a before/after breakdown")
    ap.add_argument("--csv", default="/tmp/lrfind-bench/fashion-mnist_train.csv")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--shared", default=None)
    ap.add_argument("--native-blas", action="store_true")
    a = ap.parse_args()
    shared = find_shared(a.shared)
    make_csv(a.csv)
    lr, f = a.lrfind, a.csv
    keys_t = ["start", "cold_load", "cached_load", "torch", "cold", "first", "warm",
              "warm_noplot"]
    keys_p = ["cached_in_process", "cold_load", "cold_sweep", "load", "sweep", "plot",
              "iterations"]
    t, parts = {k: [] for k in keys_t}, {k: [] for k in keys_p}
    bt, bparts = {k: [] for k in keys_t}, {k: [] for k in keys_p}
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache"))
        if a.native_blas:
            for k in BLAS_ENV:
                env.pop(k, None)
        blas = {k: env.get(k, "(unset)") for k in BLAS_ENV}
        cmds = dict(range_cmds(lr, f, work, "out"),
                    inspect=[lr, "inspect", "--data", f, "--json"],
                    torch=["/usr/bin/python3", os.path.join(shared, "torch_pipeline.py"), f,
                           os.path.join(work, "torch.png")])
        run(cmds["inspect"], env)  # fills the cache
        if a.baseline:
            bcmds = range_cmds(a.baseline, f, work, "base")
            run(bcmds["range_noplot"], env)  # its own cache entry (its format may differ)
        for r in range(a.reps):  # interleaved: every side sees the same machine load
            one_rep(cmds, env, dict(env, XDG_CACHE_HOME=os.path.join(work, "fresh")), t, parts,
                    (bcmds, bt, bparts) if a.baseline else None)
            print(f"rep {r + 1}: " + "  ".join(f"{k} {v[-1]:.3f}" for k, v in t.items()) +
                  ("  baseline: " + "  ".join(f"{k} {v[-1]:.3f}" for k, v in bt.items() if v)
                   if a.baseline else ""), flush=True)
    torch = statistics.median(t["torch"])
    ok = report_goals(a, f, blas, t, parts, torch)
    report_side(lr, t, parts, torch)
    if a.baseline:
        report_side(f"baseline {a.baseline}", bt, bparts, torch)
    print("PASS" if ok else "FAIL (see above)")
    return 0 if ok else 3


if __name__ == "__main__":
    sys.exit(main())
