/* lrfind's default rule: max_lr for one-cycle, robust to noise.
 *
 * Why this shape: the anchors differentiate an EMA-smoothed curve, and the EMA lags
 * (it shifts the curve right) while a derivative amplifies exactly the noise users
 * complain about. Instead we (1) smooth the RAW losses with a centred (zero-phase)
 * kernel in log10(lr), which has no lag, (2) fit a local line rather than a local
 * mean so the ends of the curve are not biased, (3) optionally down-weight isolated
 * spikes with LOWESS bisquare passes (off by default: next to the divergence wall they
 * let the local line overshoot below every observed loss), then (4) read the valley floor, not a
 * slope or an argmin: the region where that curve is within floor_level (10%) of its drop from the
 * minimum, and max_lr floor_position (60%) of the way across it in log lr. On a
 * V-shaped valley that is close to the minimum — Smith's max_lr (1803.09820: "the
 * learning rate at this extrema is the largest value that can be used as the learning
 * rate for the maximum bound"); on a long flat floor, where noise puts the argmin
 * anywhere, it stays in the middle, away from the cliff at the floor's far end. Tuned on
 * 3-epoch one-cycle trainings on eight real datasets (docs/finder.md). The pick never
 * goes past the divergence onset, where the curve has climbed back rise_level of its
 * drop. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finder/finder_internal.h"

static void set_invalid(struct finder_robust_out *out, unsigned diag, const char *msg)
{
    out->valid = false;
    out->lr = NAN;
    out->index = -1;
    out->diagnostics |= diag;
    snprintf(out->diagnosis, sizeof out->diagnosis, "%s", msg);
}

/* The rule's working state on the finite prefix [0, m) of one curve. */
struct robust {
    const struct lrf_finder_robust *p;
    size_t m;
    bool stopped_early;     /* the sweep stopped at divergence or NaN */
    double *x;              /* (m) log10(lr) */
    double *yc;             /* (m) raw losses, divergence tail clipped */
    double *curve;          /* (m) the zero-phase smoothed curve */
    double *rw, *res, *tmp; /* (m) scratch: robustness weights, residuals, sort buffer */
    double sigma, spacing;  /* kernel width and median grid spacing, in decades */
    double sd_smooth;       /* noise left in the smoothed curve */
    long mi, iref;          /* the curve's minimum; the highest point before it */
    double drop;            /* curve[iref] - curve[mi] */
};

static void out_reset(struct finder_robust_out *out, double *curve, size_t n)
{
    memset(out, 0, sizeof *out);
    out->lr = NAN;
    out->index = -1;
    out->min_index = -1;
    out->marker_loss = NAN;
    out->noise_sd = NAN;
    for (size_t i = 0; i < n; i++)
        curve[i] = NAN;
}

/* Too few finite points for the rule: invalid with a diagnosis; true if so. */
static bool too_short(const struct robust *R, struct finder_robust_out *out)
{
    if (R->m == 0) {
        set_invalid(out, LRF_FINDER_DIAG_NO_FINITE,
                    "no finite loss: the first step already gave NaN/Inf");
        return true;
    }
    if (R->m >= R->p->min_points)
        return false;
    unsigned d = LRF_FINDER_DIAG_TOO_SHORT;
    if (R->stopped_early)
        d |= LRF_FINDER_DIAG_DIVERGED_AT_ONCE;
    char msg[LRF_FINDER_TEXT_MAX];
    snprintf(msg, sizeof msg, "only %zu finite points (need %zu)%s", R->m, R->p->min_points,
             R->stopped_early ? ": the loss diverged almost at once" : "");
    set_invalid(out, d, msg);
    return true;
}

/* Clip the divergence tail: a rise as large as the whole drop is divergence, and its
 * size says nothing about where the valley is. Differences only: negative losses work. */
static void clip_tail(struct robust *R, const double *raw)
{
    size_t m = R->m, head = m < 5 ? m : 5;
    memcpy(R->tmp, raw, head * sizeof *R->tmp);
    double start = finder_median_inplace(R->tmp, head);
    double lowest = raw[0];
    for (size_t i = 1; i < m; i++)
        lowest = fmin(lowest, raw[i]);
    double cap = start > lowest ? start + R->p->clip_factor * (start - lowest) : (double)INFINITY;
    for (size_t i = 0; i < m; i++) {
        R->yc[i] = fmin(raw[i], cap);
        R->rw[i] = 1.0;
    }
}

/* Local-linear smoothing of the clipped losses, then robust_iters bisquare passes;
 * the noise estimates from the residuals. */
static void smooth(struct robust *R, struct finder_robust_out *out)
{
    const struct lrf_finder_robust *p = R->p;
    size_t m = R->m;
    for (size_t i = 0; i + 1 < m; i++)
        R->tmp[i] = fabs(R->x[i + 1] - R->x[i]);
    R->spacing = finder_median_inplace(R->tmp, m - 1);
    R->sigma = fmax(p->bandwidth_decades, p->min_sigma_points * R->spacing);
    finder_local_linear(R->x, R->yc, R->rw, m, R->sigma, R->curve);
    for (int it = 0; it < p->robust_iters; it++) {
        for (size_t i = 0; i < m; i++) {
            R->res[i] = R->yc[i] - R->curve[i];
            R->tmp[i] = fabs(R->res[i]);
        }
        double mad = finder_median_inplace(R->tmp, m);
        if (!(mad > 0))
            break;
        for (size_t i = 0; i < m; i++) {
            double u = R->res[i] / (6.0 * mad);
            R->rw[i] = fabs(u) < 1 ? (1 - u * u) * (1 - u * u) : 0.0;
        }
        finder_local_linear(R->x, R->yc, R->rw, m, R->sigma, R->curve);
    }
    for (size_t i = 0; i < m; i++)
        R->tmp[i] = fabs(R->yc[i] - R->curve[i]);
    out->noise_sd = 1.4826 * finder_median_inplace(R->tmp, m);
    /* Noise left in the smoothed curve: kernel sum ~ sqrt(2 pi) sigma / spacing points. */
    double neff = R->spacing > 0 ? fmax(1.0, 2.5066282746310002 * R->sigma / R->spacing) : 1.0;
    R->sd_smooth = out->noise_sd / sqrt(neff);
}

/* The drop from the highest point before the minimum to the minimum; a curve without
 * a clear drop is invalid (flat, or rising from the start): true if so. */
static bool no_clear_drop(struct robust *R, struct finder_robust_out *out)
{
    const struct lrf_finder_robust *p = R->p;
    const double *curve = R->curve;
    R->mi = finder_argmin_np(curve, R->m);
    out->min_index = R->mi;
    R->iref = 0;
    for (long i = 1; i <= R->mi; i++)
        if (curve[i] > curve[R->iref])
            R->iref = i;
    double ref = curve[R->iref];
    R->drop = ref - curve[R->mi];
    double flat_tol = fmax(p->flat_rel * fabs(ref), p->flat_noise * R->sd_smooth);
    if (R->drop > flat_tol) {
        if (out->noise_sd > R->drop)
            out->diagnostics |= LRF_FINDER_DIAG_NOISY;
        return false;
    }
    double rise = curve[R->m - 1] - curve[0];
    if (rise > fmax(p->flat_rel * fabs(curve[0]), p->flat_noise * R->sd_smooth))
        set_invalid(out, LRF_FINDER_DIAG_RISES_FROM_START,
                    "the loss rises from the first lr: no descending region");
    else
        set_invalid(out, LRF_FINDER_DIAG_FLAT, "flat curve: the loss never clearly decreased");
    return true;
}

/* Where the pick may go: from the descent onset (*onset) to the divergence onset
 * (returned, in log10 lr; *last = the last grid point below it), where the curve, past
 * its minimum, has climbed back rise_level of its drop. */
static double divergence_onset(const struct robust *R, long *onset, long *last, bool *open_right)
{
    const double *curve = R->curve, *x = R->x;
    double ref = curve[R->iref];
    long o = R->iref;
    while (o < R->mi && !(curve[o] < ref - R->p->descent_frac * R->drop))
        o++;
    *onset = o;
    double level = curve[R->mi] + R->p->rise_level * R->drop;
    long r = R->mi;
    while ((size_t)r + 1 < R->m && curve[r + 1] <= level)
        r++;
    *last = r;
    *open_right = (size_t)r + 1 == R->m;
    if (*open_right)
        return x[r];
    return x[r] + (level - curve[r]) * (x[r + 1] - x[r]) / (curve[r + 1] - curve[r]);
}

/* floor_position of the way across the valley floor, the region around the minimum
 * within floor_level of the drop (and above the smoothed noise), in log10 lr. */
static double across_floor(const struct robust *R)
{
    const double *curve = R->curve;
    const struct lrf_finder_robust *p = R->p;
    /* Above the smoothed curve's own noise, so the floor's edges follow its shape. */
    double floor_top = curve[R->mi] + fmax(p->floor_level * R->drop, p->floor_noise * R->sd_smooth);
    long fa = R->mi, fb = R->mi;
    while (fa > 0 && curve[fa - 1] <= floor_top)
        fa--;
    while ((size_t)fb + 1 < R->m && curve[fb + 1] <= floor_top)
        fb++;
    return R->x[fa] + p->floor_position * (R->x[fb] - R->x[fa]);
}

/* The pick: across the floor, below the divergence onset, not below the descent onset. */
static void pick(const struct robust *R, struct finder_robust_out *out)
{
    long onset, r;
    bool open_right;
    double xr = divergence_onset(R, &onset, &r, &open_right);
    /* Stopped (divergence or NaN) before the smoothed curve could climb back: the onset
     * lies within one kernel width of the last finite point, and that point's lr just
     * blew up, so step back by that width rather than hand it out. */
    bool abrupt = open_right && R->stopped_early;
    if (abrupt)
        xr = R->x[R->m - 1] - R->sigma;
    double target = fmin(across_floor(R), xr);
    bool clamped = target < R->x[onset];
    if (clamped)
        target = R->x[onset];
    long best = onset;
    for (long i = onset; i <= r; i++)
        if (fabs(R->x[i] - target) < fabs(R->x[best] - target))
            best = i;
    out->valid = true;
    out->lr = pow(10.0, target);
    out->index = best;
    out->marker_loss = R->curve[best];
    if (open_right && !R->stopped_early) {
        out->diagnostics |= LRF_FINDER_DIAG_NO_DIVERGENCE;
        snprintf(out->diagnosis, sizeof out->diagnosis,
                 "the loss had not risen again by the last lr: max_lr may be higher");
    } else if (abrupt) {
        snprintf(out->diagnosis, sizeof out->diagnosis,
                 "the loss blew up abruptly: max_lr set %.2f decades below the last finite lr",
                 R->sigma);
    } else if (clamped) {
        snprintf(out->diagnosis, sizeof out->diagnosis,
                 "narrow valley (%.2f decades): max_lr set at the start of the descent",
                 xr - R->x[onset]);
    }
}

void finder_robust_rule(const struct lrf_finder_robust *p, const double *lr, const double *raw,
                        size_t n, enum lrf_finder_stop stop, double *curve, double *scratch,
                        struct finder_robust_out *out)
{
    out_reset(out, curve, n);
    struct robust R = {
        .p = p,
        .stopped_early = stop == LRF_FINDER_STOP_DIVERGED || stop == LRF_FINDER_STOP_NONFINITE,
        .x = scratch,
        .yc = scratch + n,
        .curve = curve,
        .rw = scratch + 2 * n,
        .res = scratch + 3 * n,
        .tmp = scratch + 4 * n,
    };
    while (R.m < n && isfinite(raw[R.m]) && isfinite(lr[R.m]) && lr[R.m] > 0)
        R.m++;
    if (too_short(&R, out))
        return;
    for (size_t i = 0; i < R.m; i++)
        R.x[i] = log10(lr[i]);
    clip_tail(&R, raw);
    smooth(&R, out);
    if (no_clear_drop(&R, out))
        return;
    pick(&R, out);
}
