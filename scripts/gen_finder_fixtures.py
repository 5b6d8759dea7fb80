#!/usr/bin/python3
"""Reference vectors for the finder tests (tests/fixtures/finder/).

Implements, independently of the C code, the published algorithms (pytorch-lr-finder
0.2.2's range_test + suggest_lr in torch_lr_finder/lr_finder.py, fastai 2.x's lr_find +
valley/slide/minimum/steep in fastai/callback/schedule.py, with numpy's gradient and
argmin semantics), plus lrfind's own stop rule and a Python port of its robust
rule, on synthetic curves (clean, noisy, NaN tail, short, flat, monotone, negative,
linear grid, spiky). Writes one <curve>.csv (header lr,loss: raw losses) per curve and
expected.txt with, per curve and mode (tlf, fastai, lrfind):
    <curve> <mode> n <points kept> <stop reason>
    <curve> <mode> smoothed <i> <value>
    <curve> <mode> rule <name> <index> <lr>      or  <curve> <mode> rule <name> invalid
Usage: /usr/bin/python3 scripts/gen_finder_fixtures.py [OUT_DIR]
"""
import math
import os
import sys

import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "finder")


# ---------------------------------------------------------------- sweeps / smoothing
def run_tlf(L, smooth_f=0.05, diverge_th=5.0):
    """pytorch-lr-finder 0.2.2 range_test loop over given raw losses."""
    hist = []
    best = None
    stop = "end"
    for k, loss in enumerate(L):
        if k == 0:
            best = loss
        else:
            if smooth_f > 0:
                loss = smooth_f * loss + (1 - smooth_f) * hist[-1]
            if loss < best:
                best = loss
        hist.append(loss)
        if loss > diverge_th * best:
            stop = "diverged"
            break
    return hist, stop


def run_fastai(L, beta=0.98):
    """fastai 2.x LRFinder: AvgSmoothLoss (debiased EMA) then the 4x best rule."""
    v, best, out, stop = 0.0, math.inf, [], "end"
    for k, loss in enumerate(L):
        count = k + 1
        v = beta * v + (1 - beta) * loss
        s = v / (1 - beta ** count)
        out.append(s)
        if s < best:
            best = s
        if s > 4 * best:
            stop = "diverged"
            break
    return out, stop


def run_lrfind(L, beta=0.98, diverge=4.0, floor=0.05):
    """lrfind default: debiased EMA, stop on non-finite raw loss, relative divergence."""
    v, best, first, out, stop = 0.0, math.inf, math.nan, [], "end"
    for k, loss in enumerate(L):
        v = beta * v + (1 - beta) * loss
        s = v / (1 - beta ** (k + 1))
        out.append(s)
        if s < best:
            best = s
        if math.isnan(first) and math.isfinite(s):
            first = s
        div = False
        if math.isfinite(best):
            scale = max(abs(best), floor * abs(first))
            div = s > best + (diverge - 1) * scale
        if not math.isfinite(loss):
            stop = "nonfinite"
            break
        if div:
            stop = "diverged"
            break
    return out, stop


# ---------------------------------------------------------------- rules
def steepest_tlf(lrs, losses, skip_start=10, skip_end=5):
    if len(losses) < skip_start + skip_end + 2:
        return None
    X = lrs[skip_start:-skip_end] if skip_end else lrs[skip_start:]
    Y = np.array(losses[skip_start:-skip_end] if skip_end else losses[skip_start:])
    i = int(np.argmin(np.gradient(Y)))
    return skip_start + i, X[i]


def steepest_lrfind(lrs, losses, skip_start=10, skip_end=5):
    m = 0
    while m < len(losses) and math.isfinite(losses[m]):
        m += 1
    if m < skip_start + skip_end + 2:
        return None
    X = np.array(lrs[skip_start:m - skip_end])
    Y = np.array(losses[skip_start:m - skip_end])
    i = int(np.argmin(np.gradient(Y, np.log(X))))
    return skip_start + i, X[i]


def valley(lrs, losses):  # fastai, verbatim
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if (losses[i] < losses[j]) and (lds[i] < lds[j] + 1):
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    idx = idx % n if idx < 0 else idx
    return idx, float(lrs[idx])


def slide(lrs, losses, lr_diff=15, thresh=.005, adjust_value=1.):  # fastai, verbatim
    losses = np.array(losses)
    loss_grad = np.gradient(losses)
    r_idx = -1
    l_idx = r_idx - lr_diff
    local_min_lr = lrs[l_idx]
    idx = len(lrs) + l_idx
    while (l_idx >= -len(losses)) and (abs(loss_grad[r_idx] - loss_grad[l_idx]) > thresh):
        local_min_lr = lrs[l_idx]
        idx = len(lrs) + l_idx
        r_idx -= 1
        l_idx -= 1
    return idx, float(local_min_lr) * adjust_value


def minimum(lrs, losses):  # fastai
    i = int(np.argmin(np.array(losses)))
    return i, lrs[i] / 10


def steep(lrs, losses):  # fastai
    lrs, losses = np.array(lrs), np.array(losses)
    grads = (losses[1:] - losses[:-1]) / (np.log(lrs[1:]) - np.log(lrs[:-1]))
    i = int(np.argmin(grads))
    return i, float(lrs[i])


def fastai_rules(lrs, losses, num_it, nan_only):
    X, Y = list(lrs[num_it // 10:-5]), list(losses[num_it // 10:-5])
    for i, y in enumerate(Y):
        if (math.isnan(y) if nan_only else not math.isfinite(y)):
            X, Y = X[:i], Y[:i]
            break
    a = num_it // 10
    out = {}
    if len(Y) == 0:
        return {r: None for r in ("valley", "slide", "minimum", "steep")}
    i, lr = valley(X, Y)
    out["valley"] = (a + i, lr)
    if len(Y) >= 16:
        i, lr = slide(X, Y)
        out["slide"] = (a + i, lr)
    else:
        out["slide"] = None
    i, lr = minimum(X, Y)
    out["minimum"] = (a + i, lr)
    if len(Y) >= 2:
        i, lr = steep(X, Y)
        out["steep"] = (a + i, lr)
    else:
        out["steep"] = None
    return out


# ---------------------------------------------------------------- lrfind's robust rule
ROBUST = dict(bandwidth_decades=0.2, rise_level=0.5, min_sigma_points=2.5, robust_iters=0,
              floor_level=0.1, floor_position=0.6, floor_noise=4.0, clip_factor=1.0, descent_frac=0.1, flat_rel=0.02,
              flat_noise=3.0, min_points=8)


def local_linear(x, y, rw, sigma):
    out = np.empty_like(y)
    for i in range(len(x)):
        dx = x - x[i]
        keep = np.abs(dx) <= 4 * sigma
        w = np.exp(-0.5 * (dx / sigma) ** 2) * rw
        w[~keep] = 0
        s0, s1, s2 = w.sum(), (w * dx).sum(), (w * dx * dx).sum()
        t0, t1 = (w * y).sum(), (w * dx * y).sum()
        det = s0 * s2 - s1 * s1
        if s0 <= 0:
            out[i] = y[i]
        elif det > 1e-9 * s0 * s2:
            out[i] = (s2 * t0 - s1 * t1) / det
        else:
            out[i] = t0 / s0
    return out


def _robust_prepare(lrs, raw, p):
    """The finite prefix in log10 lr, its losses with the divergence tail clipped, the
    grid spacing and the kernel width; None when too short."""
    m = 0
    while m < len(raw) and math.isfinite(raw[m]):
        m += 1
    if m < p["min_points"]:
        return None
    x = np.log10(np.array(lrs[:m]))
    y = np.array(raw[:m], dtype=float)
    start = float(np.median(y[:min(5, m)]))
    lowest = float(y.min())
    cap = start + p["clip_factor"] * (start - lowest) if start > lowest else math.inf
    spacing = float(np.median(np.abs(np.diff(x))))
    return x, np.minimum(y, cap), spacing, max(p["bandwidth_decades"], p["min_sigma_points"] * spacing)


def robust_rule(lrs, raw, stop, p=ROBUST):
    prep = _robust_prepare(lrs, raw, p)
    if prep is None:
        return None
    x, yc, spacing, sigma = prep
    m = len(yc)
    rw = np.ones(m)
    S = local_linear(x, yc, rw, sigma)
    for _ in range(p["robust_iters"]):
        res = yc - S
        mad = float(np.median(np.abs(res)))
        if not mad > 0:
            break
        u = res / (6 * mad)
        rw = np.where(np.abs(u) < 1, (1 - u * u) ** 2, 0.0)
        S = local_linear(x, yc, rw, sigma)
    noise = 1.4826 * float(np.median(np.abs(yc - S)))
    neff = max(1.0, math.sqrt(2 * math.pi) * sigma / spacing) if spacing > 0 else 1.0
    sd_s = noise / math.sqrt(neff)
    mi = int(np.argmin(S))
    iref = int(np.argmax(S[:mi + 1]))
    ref = S[iref]
    drop = ref - S[mi]
    if not drop > max(p["flat_rel"] * abs(ref), p["flat_noise"] * sd_s):
        return None
    onset = iref
    while onset < mi and not S[onset] < ref - p["descent_frac"] * drop:
        onset += 1
    level = S[mi] + p["rise_level"] * drop
    r = mi
    while r + 1 < m and S[r + 1] <= level:
        r += 1
    xr = x[r] if r + 1 == m else x[r] + (level - S[r]) * (x[r + 1] - x[r]) / (S[r + 1] - S[r])
    if r + 1 == m and stop in ("diverged", "nonfinite"):
        xr = x[m - 1] - sigma
    top = S[mi] + max(p["floor_level"] * drop, p["floor_noise"] * sd_s)
    fa = fb = mi
    while fa > 0 and S[fa - 1] <= top:
        fa -= 1
    while fb + 1 < m and S[fb + 1] <= top:
        fb += 1
    target = min(x[fa] + p["floor_position"] * (x[fb] - x[fa]), xr)
    target = max(target, x[onset])
    best = onset
    for i in range(onset, r + 1):
        if abs(x[i] - target) < abs(x[best] - target):
            best = i
    return best, 10.0 ** target


# ---------------------------------------------------------------- the regime cap
ZERO_LOSS_FRAC = 0.01  # struct lrf_finder_regime zero_loss_frac


def robust_curve(lrs, raw, p=ROBUST):
    """The robust rule's lag-free curve on the finite prefix (None when too short)."""
    prep = _robust_prepare(lrs, raw, p)
    return None if prep is None else local_linear(prep[0], prep[1], np.ones(len(prep[1])), prep[3])


def zero_loss_lr(lrs, raw):
    """LOSS_ZERO (src/finder/regime.c): the first lr where the lag-free curve fell to
    ZERO_LOSS_FRAC of its first value, for a loss that is never negative; else None."""
    S = robust_curve(lrs, raw)
    if S is None or not S[0] > 0 or any(v < 0 for v in raw if math.isfinite(v)):
        return None
    for i in range(1, len(S)):
        if S[i] <= ZERO_LOSS_FRAC * S[0]:
            return lrs[i]
    return None


def answer(lrs, raw, stop):
    """lrfind's answer without trials: the robust pick, capped where the loss reached ~0."""
    r = robust_rule(lrs, raw, stop)
    z = zero_loss_lr(lrs, raw)
    if r is None:
        return None, z
    return (min(r[1], z) if z is not None else r[1]), z


# ---------------------------------------------------------------- curves
def exp_grid(n, lo=1e-7, hi=10.0):
    return [lo * (hi / lo) ** (k / (n - 1)) for k in range(n)]


def bowl(lrs, base=2.3, drop=2.0, x0=-3.0, w=0.35, xd=-0.5, wd=0.25, amp=0.05):
    out = []
    for lr in lrs:
        x = math.log10(lr)
        v = base - drop / (1 + math.exp(-(x - x0) / w)) + amp * math.exp((x - xd) / wd)
        out.append(v)
    return out


def curves():
    rng = np.random.default_rng(20261121)
    c = {}
    g = exp_grid(100)
    c["clean"] = (g, bowl(g))
    for s in (1, 2, 3):
        r = np.random.default_rng(s)
        c["noisy%d" % s] = (g, [v + r.normal(0, 0.08) for v in bowl(g)])
    L = bowl(g)
    L = L[:88] + [math.nan] * 12
    c["nan_tail"] = (g, [v + rng.normal(0, 0.02) if math.isfinite(v) else v for v in L])
    L = bowl(g)
    L[60] = math.inf
    c["inf_mid"] = (g, L)
    g12 = exp_grid(12, 1e-4, 1.0)
    c["short"] = (g12, bowl(g12))
    g3 = exp_grid(3, 1e-3, 1e-1)
    c["tiny"] = (g3, [2.0, 1.9, 1.8])
    c["flat"] = (g, [2.302585 + rng.normal(0, 1e-4) for _ in g])
    c["mono_inc"] = (g, [1.0 + 0.01 * k + 0.001 * k * k for k in range(100)])
    c["mono_dec"] = (g, [3.0 - 0.02 * k for k in range(100)])
    c["negative"] = (g, [v - 5.0 + rng.normal(0, 0.03) for v in bowl(g)])
    gl = [1e-4 + k / 79 * (1.0 - 1e-4) for k in range(80)]
    c["linear"] = (gl, bowl(gl, x0=-1.5, w=0.2, xd=-0.2, wd=0.15))
    L = [v + rng.normal(0, 0.05) for v in bowl(g)]
    for k in (5, 23, 41):
        L[k] += 3.0
    c["spiky"] = (g, L)
    c["all_nan"] = (g[:20], [math.nan] * 20)
    c["diverge_at_once"] = (g, [1.0] + [10.0 * 2 ** k for k in range(1, 100)])
    # Corners (issue 17), with their own generator so the curves above stay as they were.
    # The divergence floor: a smoothed best loss near zero (+0.005) and one below zero
    # after crossing it (-0.005): the stop then rests on max(|best|, floor*|s0|), and
    # without the floor these sweeps stop 6-7 rungs earlier. A fine-tuning-like start
    # (0.3) and a long plateau, so that the debiased EMA (beta 0.98) gets down there.
    # And a NaN at the very first point.
    rz = np.random.default_rng(17)
    g2 = exp_grid(200)
    c["near_zero"] = (g2, [v + rz.normal(0, 1e-4)
                           for v in bowl(g2, base=0.3, drop=0.2995, x0=-6.5, w=0.2, xd=0.0, wd=0.3,
                                         amp=0.05)])
    c["cross_zero"] = (g2, [v + rz.normal(0, 1e-4)
                            for v in bowl(g2, base=0.3, drop=0.31, x0=-6.5, w=0.2, xd=0.0, wd=0.3,
                                          amp=0.05)])
    L = bowl(g)
    L[0] = math.nan
    c["nan_first"] = (g, L)
    return c


def fmt(v):
    return repr(float(v))


def main():
    os.makedirs(OUT, exist_ok=True)
    exp = []
    for name, (lrs, raw) in curves().items():
        with open(os.path.join(OUT, name + ".csv"), "w") as f:
            f.write("step,lr,loss\n")
            for k, (lr, loss) in enumerate(zip(lrs, raw)):
                f.write("%d,%s,%s\n" % (k, fmt(lr), fmt(loss)))
        n = len(raw)
        for mode in ("tlf", "fastai", "lrfind"):
            if mode == "tlf":
                sm, stop = run_tlf(raw)
            elif mode == "fastai":
                sm, stop = run_fastai(raw)
            else:
                sm, stop = run_lrfind(raw)
            m = len(sm)
            X = lrs[:m]
            exp.append("%s %s n %d %s" % (name, mode, m, stop))
            for i, v in enumerate(sm):
                exp.append("%s %s smoothed %d %s" % (name, mode, i, fmt(v)))
            rules = {}
            rules["steepest"] = steepest_tlf(X, sm) if mode != "lrfind" else steepest_lrfind(X, sm)
            rules.update(fastai_rules(X, sm, n, nan_only=(mode != "lrfind")))
            rules["robust"] = robust_rule(X, raw[:m], stop)
            for r in ("robust", "steepest", "valley", "slide", "minimum", "steep"):
                v = rules[r]
                if v is None:
                    exp.append("%s %s rule %s invalid" % (name, mode, r))
                else:
                    exp.append("%s %s rule %s %d %s" % (name, mode, r, v[0], fmt(v[1])))
            if mode == "lrfind":
                a, z = answer(X, raw[:m], stop)
                exp.append("%s %s answer %s %s" % (name, mode, "invalid" if a is None else fmt(a),
                                                   "none" if z is None else fmt(z)))
    with open(os.path.join(OUT, "expected.txt"), "w") as f:
        f.write("# generated by scripts/gen_finder_fixtures.py; do not edit\n")
        f.write("\n".join(exp) + "\n")
    print("wrote %d curves, %d expectations to %s" % (len(curves()), len(exp), OUT))


if __name__ == "__main__":
    main()
