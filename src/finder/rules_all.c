/* Every suggestion rule on one curve, each with the slicing its anchor uses:
 * steepest on [skip_start : n-skip_end] (unit spacing in compat modes, log(lr)
 * spacing on the finite prefix otherwise), fastai's rules on [num_iter/10 : n-5]
 * cut at the first NaN (or non-finite value outside compat), robust on the raw
 * losses. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "finder/finder_internal.h"

static void sug_invalid(struct lrf_finder_suggestion *s, const char *msg)
{
    s->valid = false;
    s->index = -1;
    s->lr = s->lr_low = s->lr_high = s->marker_lr = s->marker_loss = NAN;
    snprintf(s->diagnosis, sizeof s->diagnosis, "%s", msg);
}

static void sug_at(struct lrf_finder_suggestion *s, const double *lr, const double *y, long idx,
                   double factor)
{
    s->valid = true;
    s->index = idx;
    s->marker_lr = lr[idx];
    s->marker_loss = y[idx];
    s->lr = s->lr_low = s->lr_high = lr[idx] * factor;
    s->diagnosis[0] = '\0';
}

static void rule_steepest(const struct lrf_finder_config *cfg, const double *lr, const double *sm,
                          size_t n, double *g, double *xl, struct lrf_finder_suggestion *s)
{
    bool compat = cfg->compat != LRF_FINDER_COMPAT_NONE;
    size_t m = n;
    if (!compat) { /* our mode: the finite prefix only, so NaN cannot win the argmin */
        m = 0;
        while (m < n && isfinite(sm[m]))
            m++;
    }
    size_t need = cfg->skip_start + cfg->skip_end + 2;
    if (m < need) {
        char msg[LRF_FINDER_TEXT_MAX];
        snprintf(msg, sizeof msg, "needs at least %zu %spoints (skip %zu + %zu), has %zu", need,
                 compat ? "" : "finite ", cfg->skip_start, cfg->skip_end, m);
        sug_invalid(s, msg);
        return;
    }
    size_t a = cfg->skip_start, len = m - cfg->skip_end - a;
    if (compat) {
        finder_grad_unit(sm + a, len, g);
    } else {
        for (size_t i = 0; i < len; i++)
            xl[i] = log(lr[a + i]);
        finder_grad_x(sm + a, xl, len, g);
    }
    long i = finder_argmin_np(g, len);
    sug_at(s, lr, sm, (long)a + i, 1.0);
    if (isnan(g[i]))
        snprintf(s->diagnosis, sizeof s->diagnosis,
                 "NaN in the curve: the pick is beside the first NaN (as the anchor does)");
}

static void robust_suggestion(const struct finder_robust_out *rob, struct lrf_finder_suggestion *s)
{
    if (!rob->valid) {
        sug_invalid(s, rob->diagnosis);
        return;
    }
    s->valid = true;
    s->index = rob->index;
    s->lr = s->lr_low = s->lr_high = s->marker_lr = rob->lr;
    s->marker_loss = rob->marker_loss;
    snprintf(s->diagnosis, sizeof s->diagnosis, "%s", rob->diagnosis);
}

/* fastai's valley, slide, minimum and steep on X = lrs[num_it//10 : -5] (Python slice
 * semantics) of the smoothed curve, cut at the first NaN (compat) or non-finite value.
 * Scratch: g (n), aux (2n). False when that slice is empty (all four invalid). */
static bool fastai_rules(const struct lrf_finder_config *cfg, size_t num_iter, const double *lr,
                         const double *sm, size_t n, double *g, double *aux,
                         struct lrf_finder_suggestion sug[LRF_FINDER_RULE_COUNT])
{
    size_t a = num_iter / 10, b = n >= 5 ? n - 5 : 0;
    size_t len = a < b ? b - a : 0;
    for (size_t i = 0; i < len; i++) {
        double y = sm[a + i];
        if (cfg->compat != LRF_FINDER_COMPAT_NONE ? isnan(y) : !isfinite(y)) {
            len = i;
            break;
        }
    }
    const double *X = lr + a, *Y = sm + a;
    char msg[LRF_FINDER_TEXT_MAX];
    if (len == 0) {
        snprintf(msg, sizeof msg, "fastai's slice [%zu:-5] of %zu points is empty", a, n);
        for (int r = LRF_FINDER_RULE_VALLEY; r <= LRF_FINDER_RULE_STEEP; r++)
            sug_invalid(&sug[r], msg);
        return false;
    }
    sug_at(&sug[LRF_FINDER_RULE_VALLEY], X, Y, finder_valley(Y, len, aux), 1.0);
    long si = finder_slide(Y, len, g);
    if (si < 0) {
        snprintf(msg, sizeof msg, "needs at least 16 points in fastai's slice, has %zu", len);
        sug_invalid(&sug[LRF_FINDER_RULE_SLIDE], msg);
    } else {
        sug_at(&sug[LRF_FINDER_RULE_SLIDE], X, Y, si, 1.0);
    }
    sug_at(&sug[LRF_FINDER_RULE_MINIMUM], X, Y, finder_argmin_np(Y, len), 0.1);
    long st = finder_steep(X, Y, len);
    if (st < 0)
        sug_invalid(&sug[LRF_FINDER_RULE_STEEP], "needs at least 2 points in fastai's slice");
    else
        sug_at(&sug[LRF_FINDER_RULE_STEEP], X, Y, st, 1.0);
    /* Indices relative to the whole curve. */
    for (int r = LRF_FINDER_RULE_VALLEY; r <= LRF_FINDER_RULE_STEEP; r++)
        if (sug[r].valid)
            sug[r].index += (long)a;
    return true;
}

/* The published rules always return a number; on a curve the robust rule found
 * degenerate, say so instead of letting it pass silently (compat modes stay silent,
 * like their anchors). */
static void mark_unreliable(const struct lrf_finder_config *cfg,
                            const struct finder_robust_out *rob,
                            struct lrf_finder_suggestion sug[LRF_FINDER_RULE_COUNT])
{
    const unsigned bad = LRF_FINDER_DIAG_FLAT | LRF_FINDER_DIAG_RISES_FROM_START |
                         LRF_FINDER_DIAG_TOO_SHORT | LRF_FINDER_DIAG_NO_FINITE;
    if (cfg->compat != LRF_FINDER_COMPAT_NONE || !(rob->diagnostics & bad))
        return;
    for (int r = LRF_FINDER_RULE_STEEPEST; r < LRF_FINDER_RULE_COUNT; r++)
        if (sug[r].valid && !sug[r].diagnosis[0])
            snprintf(sug[r].diagnosis, sizeof sug[r].diagnosis, "unreliable: %.200s",
                     rob->diagnosis);
}

void finder_compute_rules(const struct lrf_finder_config *cfg, size_t num_iter, const double *lr,
                          const double *raw, const double *sm, size_t n, enum lrf_finder_stop stop,
                          double *robust_curve, double *scratch,
                          struct lrf_finder_suggestion sug[LRF_FINDER_RULE_COUNT],
                          struct finder_robust_out *rob)
{
    /* g (n) and aux (n, or 2n for the valley once the robust rule's scratch is free). */
    double *g = scratch, *aux = scratch + n, *rscratch = scratch + 2 * n,
           *rcurve = robust_curve ? robust_curve : scratch + 7 * n;
    memset(sug, 0, sizeof(struct lrf_finder_suggestion) * LRF_FINDER_RULE_COUNT);
    finder_robust_rule(&cfg->robust, lr, raw, n, stop, rcurve, rscratch, rob);
    robust_suggestion(rob, &sug[LRF_FINDER_RULE_ROBUST]);
    rule_steepest(cfg, lr, sm, n, g, aux, &sug[LRF_FINDER_RULE_STEEPEST]);
    if (fastai_rules(cfg, num_iter, lr, sm, n, g, aux, sug))
        mark_unreliable(cfg, rob, sug);
}
