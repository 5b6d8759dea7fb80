/* The online smoother and divergence test. The order of operations follows the
 * anchors exactly (fastai: smooth, update best, compare; pytorch-lr-finder: the
 * first loss is its own smoothed value), so compat modes give their numbers. */
#include <math.h>

#include "finder/finder_internal.h"

void finder_smoother_init(struct finder_smoother *sm, const struct lrf_finder_config *cfg)
{
    sm->kind = cfg->smoothing;
    sm->stop_rule = cfg->stop_rule;
    sm->beta = cfg->beta;
    sm->smooth_f = cfg->smooth_f;
    sm->diverge = cfg->diverge;
    sm->v = 0.0;
    sm->prev = NAN;
    sm->best = INFINITY;
    sm->first = NAN;
    sm->count = 0;
}

double finder_smoother_push(struct finder_smoother *sm, double raw, bool *diverged)
{
    double s;
    switch (sm->kind) {
    case LRF_FINDER_SMOOTH_EMA_DEBIASED:
        sm->count++;
        sm->v = sm->beta * sm->v + (1.0 - sm->beta) * raw;
        s = sm->v / (1.0 - pow(sm->beta, (double)sm->count));
        break;
    case LRF_FINDER_SMOOTH_EMA:
        /* pytorch-lr-finder: k == 0 keeps the raw loss; smooth_f == 0 means no smoothing. */
        s = (sm->count == 0 || !(sm->smooth_f > 0))
                ? raw
                : sm->smooth_f * raw + (1.0 - sm->smooth_f) * sm->prev;
        sm->prev = s;
        sm->count++;
        break;
    default:
        s = raw;
        sm->count++;
        break;
    }
    /* NaN never becomes the best (comparison false), as in both anchors. */
    if (s < sm->best)
        sm->best = s;
    if (isnan(sm->first) && isfinite(s))
        sm->first = s;
    bool div = false;
    if (sm->diverge > 0) {
        if (sm->stop_rule == LRF_FINDER_STOP_RATIO) {
            div = s > sm->diverge * sm->best;
        } else if (isfinite(sm->best)) {
            double scale = fmax(fabs(sm->best), LRF_FINDER_DIVERGE_FLOOR * fabs(sm->first));
            div = s > sm->best + (sm->diverge - 1.0) * scale;
        }
    }
    *diverged = div;
    return s;
}
