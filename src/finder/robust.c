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

/* Gaussian-weighted local-linear fit at every x[i] (weights times rw). */
static void local_linear(const double *x, const double *y, const double *rw, size_t m, double sigma,
                         double *out)
{
    double reach = 4.0 * sigma; /* exp(-8) ~ 3e-4: beyond this a point no longer matters */
    for (size_t i = 0; i < m; i++) {
        double s0 = 0, s1 = 0, s2 = 0, t0 = 0, t1 = 0;
        for (size_t j = 0; j < m; j++) {
            double dx = x[j] - x[i];
            if (fabs(dx) > reach)
                continue;
            double u = dx / sigma;
            double w = exp(-0.5 * u * u) * rw[j];
            s0 += w;
            s1 += w * dx;
            s2 += w * dx * dx;
            t0 += w * y[j];
            t1 += w * dx * y[j];
        }
        double det = s0 * s2 - s1 * s1;
        if (s0 <= 0)
            out[i] = y[i];
        else if (det > 1e-9 * s0 * s2)
            out[i] = (s2 * t0 - s1 * t1) / det;
        else
            out[i] = t0 / s0; /* one effective point: fall back to the local mean */
    }
}

static void set_invalid(struct finder_robust_out *out, unsigned diag, const char *msg)
{
    out->valid = false;
    out->lr = NAN;
    out->index = -1;
    out->diagnostics |= diag;
    snprintf(out->diagnosis, sizeof out->diagnosis, "%s", msg);
}

void finder_robust_rule(const struct lrf_finder_robust *p, const double *lr, const double *raw,
                        size_t n, enum lrf_finder_stop stop, double *curve, double *scratch,
                        struct finder_robust_out *out)
{
    memset(out, 0, sizeof *out);
    out->lr = NAN;
    out->index = -1;
    out->min_index = -1;
    out->marker_loss = NAN;
    out->noise_sd = NAN;
    for (size_t i = 0; i < n; i++)
        curve[i] = NAN;
    size_t m = 0;
    while (m < n && isfinite(raw[m]) && isfinite(lr[m]) && lr[m] > 0)
        m++;
    bool stopped_early = stop == LRF_FINDER_STOP_DIVERGED || stop == LRF_FINDER_STOP_NONFINITE;
    if (m == 0) {
        set_invalid(out, LRF_FINDER_DIAG_NO_FINITE,
                    "no finite loss: the first step already gave NaN/Inf");
        return;
    }
    if (m < p->min_points) {
        unsigned d = LRF_FINDER_DIAG_TOO_SHORT;
        if (stopped_early)
            d |= LRF_FINDER_DIAG_DIVERGED_AT_ONCE;
        char msg[LRF_FINDER_TEXT_MAX];
        snprintf(msg, sizeof msg, "only %zu finite points (need %zu)%s", m, p->min_points,
                 stopped_early ? ": the loss diverged almost at once" : "");
        set_invalid(out, d, msg);
        return;
    }
    double *x = scratch, *yc = scratch + n, *rw = scratch + 2 * n, *res = scratch + 3 * n,
           *tmp = scratch + 4 * n;
    for (size_t i = 0; i < m; i++)
        x[i] = log10(lr[i]);

    /* Clip the divergence tail: a rise as large as the whole drop is divergence, and its
     * size says nothing about where the valley is. Differences only: negative losses work. */
    size_t head = m < 5 ? m : 5;
    memcpy(tmp, raw, head * sizeof *tmp);
    double start = finder_median_inplace(tmp, head);
    double lowest = raw[0];
    for (size_t i = 1; i < m; i++)
        lowest = fmin(lowest, raw[i]);
    double cap = start > lowest ? start + p->clip_factor * (start - lowest) : (double)INFINITY;
    for (size_t i = 0; i < m; i++) {
        yc[i] = fmin(raw[i], cap);
        rw[i] = 1.0;
    }

    for (size_t i = 0; i + 1 < m; i++)
        tmp[i] = fabs(x[i + 1] - x[i]);
    double spacing = finder_median_inplace(tmp, m - 1);
    double sigma = fmax(p->bandwidth_decades, p->min_sigma_points * spacing);
    local_linear(x, yc, rw, m, sigma, curve);
    for (int it = 0; it < p->robust_iters; it++) {
        for (size_t i = 0; i < m; i++) {
            res[i] = yc[i] - curve[i];
            tmp[i] = fabs(res[i]);
        }
        double mad = finder_median_inplace(tmp, m);
        if (!(mad > 0))
            break;
        for (size_t i = 0; i < m; i++) {
            double u = res[i] / (6.0 * mad);
            rw[i] = fabs(u) < 1 ? (1 - u * u) * (1 - u * u) : 0.0;
        }
        local_linear(x, yc, rw, m, sigma, curve);
    }
    for (size_t i = 0; i < m; i++)
        tmp[i] = fabs(yc[i] - curve[i]);
    out->noise_sd = 1.4826 * finder_median_inplace(tmp, m);
    /* Noise left in the smoothed curve: kernel sum ~ sqrt(2 pi) sigma / spacing points. */
    double neff = spacing > 0 ? fmax(1.0, 2.5066282746310002 * sigma / spacing) : 1.0;
    double sd_smooth = out->noise_sd / sqrt(neff);

    long mi = finder_argmin_np(curve, m);
    out->min_index = mi;
    long iref = 0;
    for (long i = 1; i <= mi; i++)
        if (curve[i] > curve[iref])
            iref = i;
    double ref = curve[iref];
    double drop = ref - curve[mi];
    double flat_tol = fmax(p->flat_rel * fabs(ref), p->flat_noise * sd_smooth);
    if (!(drop > flat_tol)) {
        double rise = curve[m - 1] - curve[0];
        if (rise > fmax(p->flat_rel * fabs(curve[0]), p->flat_noise * sd_smooth))
            set_invalid(out, LRF_FINDER_DIAG_RISES_FROM_START,
                        "the loss rises from the first lr: no descending region");
        else
            set_invalid(out, LRF_FINDER_DIAG_FLAT, "flat curve: the loss never clearly decreased");
        return;
    }
    if (out->noise_sd > drop)
        out->diagnostics |= LRF_FINDER_DIAG_NOISY;

    long onset = iref;
    while (onset < mi && !(curve[onset] < ref - p->descent_frac * drop))
        onset++;
    /* The divergence onset: where the curve, past its minimum, has climbed back
     * rise_level of its drop. It bounds the pick from above. */
    double level = curve[mi] + p->rise_level * drop;
    long r = mi;
    while ((size_t)r + 1 < m && curve[r + 1] <= level)
        r++;
    bool open_right = (size_t)r + 1 == m;
    double xr = open_right
                    ? x[r]
                    : x[r] + (level - curve[r]) * (x[r + 1] - x[r]) / (curve[r + 1] - curve[r]);
    /* Stopped (divergence or NaN) before the smoothed curve could climb back: the onset
     * lies within one kernel width of the last finite point, and that point's lr just
     * blew up, so step back by that width rather than hand it out. */
    bool abrupt = open_right && stopped_early;
    if (abrupt)
        xr = x[m - 1] - sigma;
    /* Above the smoothed curve's own noise, so the floor's edges follow its shape. */
    double floor_top = curve[mi] + fmax(p->floor_level * drop, p->floor_noise * sd_smooth);
    long fa = mi, fb = mi;
    while (fa > 0 && curve[fa - 1] <= floor_top)
        fa--;
    while ((size_t)fb + 1 < m && curve[fb + 1] <= floor_top)
        fb++;
    double target = fmin(x[fa] + p->floor_position * (x[fb] - x[fa]), xr);
    bool clamped = false;
    if (target < x[onset]) {
        target = x[onset];
        clamped = true;
    }
    long best = onset;
    for (long i = onset; i <= r; i++)
        if (fabs(x[i] - target) < fabs(x[best] - target))
            best = i;
    out->valid = true;
    out->lr = pow(10.0, target);
    out->index = best;
    out->marker_loss = curve[best];
    if (open_right && !stopped_early) {
        out->diagnostics |= LRF_FINDER_DIAG_NO_DIVERGENCE;
        snprintf(out->diagnosis, sizeof out->diagnosis,
                 "the loss had not risen again by the last lr: max_lr may be higher");
    } else if (abrupt) {
        snprintf(out->diagnosis, sizeof out->diagnosis,
                 "the loss blew up abruptly: max_lr set %.2f decades below the last finite lr",
                 sigma);
    } else if (clamped) {
        snprintf(out->diagnosis, sizeof out->diagnosis,
                 "narrow valley (%.2f decades): max_lr set at the start of the descent",
                 xr - x[onset]);
    }
}
