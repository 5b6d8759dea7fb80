/* Trials: Smith's third method (1803.09820: "short runs of a few hundred iterations at a
 * few learning rates"), run by the finder through the client's trial callback when the
 * sweep's curve cannot be trusted and the trials are cheap (docs/finder.md "Regimes").
 *
 * Candidates: the pick (after the cap) and half-decade steps below it. Each trial trains
 * one-cycle at the candidate for the hand-off's run length from the initial state and
 * reports the held-out loss and accuracy. The answer is the candidate with the best
 * held-out accuracy, the smallest lr on a tie (best_trial). Measured on the corpus of
 * datasets/eval (docs/finder.md "Regimes"): the curve's pick anchors the candidates
 * (trials over the whole grid did worse), the held-out rows choose among them. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "finder/finder_internal.h"

/* Optimizer steps the sweep took over all runs. */
static double sweep_steps(const struct lrf_finder_result *R, const struct lrf_finder_config *cfg)
{
    double n = 0;
    for (size_t r = 0; r < R->runs; r++)
        n += (double)R->run_n[r];
    return n * (double)cfg->batches_per_rung;
}

bool finder_trials_wanted(const struct lrf_finder_result *R, const struct lrf_finder_config *cfg,
                          bool have_callback)
{
    if (!have_callback || cfg->trials == LRF_FINDER_TRIALS_OFF || cfg->total_steps <= 0 ||
        !(R->max_lr > 0) || cfg->compat != LRF_FINDER_COMPAT_NONE)
        return false;
    if (cfg->trials == LRF_FINDER_TRIALS_ALWAYS)
        return true;
    const unsigned regimes = LRF_FINDER_DIAG_FEW_BATCHES | LRF_FINDER_DIAG_LOSS_ZERO;
    double cost = (double)cfg->regime.trial_candidates * (double)cfg->total_steps;
    return (R->diagnostics & regimes) && cost <= cfg->regime.trial_budget * sweep_steps(R, cfg);
}

size_t finder_trial_candidates(const struct lrf_finder_result *R,
                               const struct lrf_finder_config *cfg, double *lr)
{
    size_t n = cfg->regime.trial_candidates;
    for (size_t k = 0; k < n; k++)
        lr[k] = R->max_lr * pow(10.0, -0.5 * (double)k);
    return n;
}

static bool trial_ok(const struct lrf_finder_trial *t)
{
    return !t->diverged && isfinite(t->loss);
}

/* The candidate that generalized best: the highest held-out metric (accuracy), or the
 * lowest held-out loss when the client has no metric; on a tie the smallest lr, which
 * is farthest from the cliff and most regularized (the spirit of Breiman's
 * one-standard-error rule). -1 when every trial diverged. */
static long best_trial(const struct lrf_finder_result *R)
{
    bool metric = true;
    for (size_t k = 0; k < R->n_trials; k++)
        metric = metric && (!trial_ok(&R->trial[k]) || isfinite(R->trial[k].metric));
    long best = -1;
    for (size_t k = 0; k < R->n_trials; k++) {
        const struct lrf_finder_trial *t = &R->trial[k];
        if (!trial_ok(t))
            continue;
        const struct lrf_finder_trial *b = best >= 0 ? &R->trial[best] : NULL;
        double v = metric ? t->metric : -t->loss, bv = b ? (metric ? b->metric : -b->loss) : 0;
        bool better = !b || v > bv || (v == bv && t->max_lr < b->max_lr);
        if (better)
            best = (long)k;
    }
    return best;
}

void finder_trials_choose(struct lrf_finder_result *R, const struct lrf_finder_config *cfg)
{
    (void)cfg;
    long best = best_trial(R);
    R->response = LRF_FINDER_RESPONSE_TRIALS;
    if (best < 0) {
        R->max_lr = NAN;
        snprintf(R->response_text, sizeof R->response_text,
                 "every trial diverged, down to %.3g: lower start_lr and end_lr",
                 R->trial[R->n_trials - 1].max_lr);
        return;
    }
    const struct lrf_finder_trial *t = &R->trial[best];
    R->max_lr = t->max_lr;
    if (isfinite(t->metric))
        snprintf(R->response_text, sizeof R->response_text,
                 "trials chose %.3g (the best held-out accuracy, %.4g)", R->max_lr, t->metric);
    else
        snprintf(R->response_text, sizeof R->response_text,
                 "trials chose %.3g (the lowest held-out loss, %.4g)", R->max_lr, t->loss);
}
