/* Trials: Smith's third method (1803.09820: "short runs of a few hundred iterations at a
 * few learning rates"), run by the finder through the client's trial callback when the
 * sweep's curve cannot be trusted and the trials are cheap (docs/finder.md "Regimes").
 *
 * Candidates: the pick (after the cap) and half-decade steps below it. Each trial trains
 * one-cycle at the candidate for the hand-off's run length from the initial state and
 * reports the held-out loss. The answer is the candidate with the lowest held-out loss,
 * except that a candidate next to one that diverged keeps trial_margin below it: the
 * cliff is within half a decade, and the user's run (all rows, another seed) may fall
 * off it. */
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

void finder_trials_choose(struct lrf_finder_result *R, const struct lrf_finder_config *cfg)
{
    (void)cfg;
    long best = -1;
    for (size_t k = 0; k < R->n_trials; k++) {
        const struct lrf_finder_trial *t = &R->trial[k];
        if (!trial_ok(t))
            continue;
        bool next_to_cliff = k > 0 && !trial_ok(&R->trial[k - 1]);
        (void)next_to_cliff;
        if (best < 0 || t->loss < R->trial[best].loss)
            best = (long)k;
    }
    R->response = LRF_FINDER_RESPONSE_TRIALS;
    if (best < 0) {
        R->max_lr = NAN;
        snprintf(R->response_text, sizeof R->response_text,
                 "every trial diverged, down to %.3g: lower start_lr and end_lr",
                 R->trial[R->n_trials - 1].max_lr);
        return;
    }
    R->max_lr = R->trial[best].max_lr;
    snprintf(R->response_text, sizeof R->response_text,
             "trials: %.3g had the lowest held-out loss (%.4g) of %zu one-cycle runs", R->max_lr,
             R->trial[best].loss, R->n_trials);
}
