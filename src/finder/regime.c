/* The regimes where a range-test curve says less than it seems, and the finder's
 * response when no trial can tell more (issue 12; docs/finder.md "Regimes").
 *
 * few_batches  the sweep revisited its batches (the training set is a few batches, or
 *              the sweep ran past an epoch): the loss it records on a batch it has
 *              already learned measures memorization, so it falls faster than learning
 *              and the curve's valley sits too high.
 * loss_zero    the loss reached ~0: the model has memorized its batches, the gradients
 *              vanish, and beyond that lr the curve carries no information about
 *              stability (wine: the sweep never diverges up to 10, one-cycle does at 1).
 *              Response: the answer is capped at the lr where the loss reached ~0, the
 *              largest lr the sweep saw training stably while there was still something
 *              to learn.
 * no_divergence, noisy, flat, unstable_runs: the curve rule's own diagnostics.
 * The trials (trials.c) answer few_batches and loss_zero when the client can run them. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "finder/finder_internal.h"

/* The lr where the lag-free curve first fell to zero_loss_frac of its first value;
 * NaN when it never did, or for a loss that can be negative ("~0" means nothing). */
static double zero_loss_lr(const struct lrf_finder_result *R, double frac)
{
    size_t i0 = 0;
    while (i0 < R->n && !isfinite(R->robust[i0]))
        i0++;
    if (i0 == R->n || !(R->robust[i0] > 0) || !(frac > 0))
        return NAN;
    for (size_t i = 0; i < R->n; i++)
        if (R->loss[i] < 0) /* a loss that can be negative has no "~0" */
            return NAN;
    double level = frac * R->robust[i0];
    for (size_t i = i0 + 1; i < R->n && isfinite(R->robust[i]); i++)
        if (R->robust[i] <= level)
            return R->lr[i];
    return NAN;
}

/* Optimizer steps (client step or micro_step calls) of the longest run per epoch. */
static double epochs_swept(const struct lrf_finder_result *R, const struct lrf_finder_config *cfg)
{
    if (cfg->batches_per_epoch == 0)
        return NAN;
    size_t n = 0;
    for (size_t r = 0; r < R->runs; r++)
        n = R->run_n[r] > n ? R->run_n[r] : n;
    double calls = (double)n * (double)cfg->batches_per_rung * (double)cfg->accumulate;
    return calls / (double)cfg->batches_per_epoch;
}

void finder_regime_assess(struct lrf_finder_result *R, const struct lrf_finder_config *cfg)
{
    const struct lrf_finder_regime *g = &cfg->regime;
    const struct lrf_finder_suggestion *s = &R->suggestion[R->recommended];
    R->epochs_swept = epochs_swept(R, cfg);
    R->zero_loss_lr = NAN;
    R->rule_lr = R->max_lr = s->valid && s->lr > 0 ? s->lr : (double)NAN;
    R->response = LRF_FINDER_RESPONSE_NONE;
    R->response_text[0] = '\0';
    R->n_trials = 0;
    if (cfg->batches_per_epoch > 0 &&
        (cfg->batches_per_epoch <= g->few_batches || R->epochs_swept > g->revisit_epochs))
        R->diagnostics |= LRF_FINDER_DIAG_FEW_BATCHES;
    if (cfg->compat != LRF_FINDER_COMPAT_NONE)
        return; /* the anchors' numbers, as they are */
    double z = zero_loss_lr(R, g->zero_loss_frac);
    if (isfinite(z)) {
        R->zero_loss_lr = z;
        R->diagnostics |= LRF_FINDER_DIAG_LOSS_ZERO;
    }
    if (isfinite(z) && R->max_lr > z) {
        R->max_lr = z;
        R->response = LRF_FINDER_RESPONSE_CAP;
        snprintf(R->response_text, sizeof R->response_text,
                 "capped at %.3g, where the loss reached ~0", z);
    }
}

static void set_confidence(struct lrf_finder_result *R, enum lrf_finder_confidence c,
                           const char *reason, const char *warning)
{
    R->confidence = c;
    snprintf(R->confidence_reason, sizeof R->confidence_reason, "%s", reason);
    snprintf(R->warning, sizeof R->warning, "%s", c == LRF_FINDER_CONFIDENCE_LOW ? warning : "");
}

/* The trials chose the answer: medium, unless the held-out rows measure too coarsely to
 * tell the candidates apart: one standard error of the accuracy above trial_se_max, with
 * Agresti and Coull's "two successes and two failures added" (p = (a n + 2) / (n + 4),
 * se = sqrt(p (1 - p) / (n + 4))), so that 16 rows all right do not read as certainty;
 * without a metric (a loss only, e.g. regression), the relative standard error of a
 * root-mean-square error on n rows, 1/sqrt(2n) for normal errors. */
static void trials_confidence(struct lrf_finder_result *R, const struct lrf_finder_config *cfg)
{
    char why[LRF_FINDER_TEXT_MAX];
    double a = NAN;
    for (size_t k = 0; k < R->n_trials; k++)
        if (R->trial[k].max_lr == R->max_lr)
            a = R->trial[k].metric;
    double n = (double)cfg->trial_rows;
    bool metric = a >= 0 && a <= 1;
    double p = (a * n + 2) / (n + 4);
    double se = n > 0 ? (metric ? sqrt(p * (1 - p) / (n + 4)) : 1.0 / sqrt(2.0 * n)) : (double)NAN;
    if (se > cfg->regime.trial_se_max) {
        snprintf(why, sizeof why, "%zu held-out rows measure %s to +-%.1f%s", cfg->trial_rows,
                 metric ? "accuracy" : "the error", 100 * se, metric ? " points" : "%");
        set_confidence(R, LRF_FINDER_CONFIDENCE_LOW, why,
                       "too few rows to rank the trials: more rows or a larger --val FILE");
        return;
    }
    snprintf(why, sizeof why, "%zu one-cycle trials on %zu held-out rows chose it", R->n_trials,
             cfg->trial_rows);
    set_confidence(R, LRF_FINDER_CONFIDENCE_MEDIUM, why, "");
}

/* Low when the answer rests on a curve that cannot be trusted and nothing checked it;
 * medium when a regime was found and answered (trials, a cap) or the curve leaves the
 * upper end open; high for a clear valley the sweep saw end. */
void finder_confidence(struct lrf_finder_result *R, const struct lrf_finder_config *cfg)
{
    unsigned d = R->diagnostics;
    char why[LRF_FINDER_TEXT_MAX];
    const char *todo = "check it with --verify, add data, or try --val-loss or a smaller range";
    if (!(R->max_lr > 0)) {
        snprintf(why, sizeof why, "no suggestion: %.200s",
                 R->response == LRF_FINDER_RESPONSE_TRIALS
                     ? R->response_text
                     : R->suggestion[R->recommended].diagnosis);
        set_confidence(R, LRF_FINDER_CONFIDENCE_LOW, why, R->advice[0] ? R->advice : todo);
    } else if (d & LRF_FINDER_DIAG_UNSTABLE_RUNS) {
        set_confidence(R, LRF_FINDER_CONFIDENCE_LOW, "the runs' picks disagree",
                       "add runs (--runs) or batches per rung, or check it with --verify");
    } else if (R->response == LRF_FINDER_RESPONSE_TRIALS) {
        trials_confidence(R, cfg);
    } else if (d & (LRF_FINDER_DIAG_FEW_BATCHES | LRF_FINDER_DIAG_LOSS_ZERO)) {
        snprintf(why, sizeof why, "%s and no trial checked it",
                 d & LRF_FINDER_DIAG_FEW_BATCHES ? "the sweep revisited its batches"
                                                 : "the loss reached ~0");
        set_confidence(R, LRF_FINDER_CONFIDENCE_LOW, why, todo);
    } else if (d & LRF_FINDER_DIAG_NOISY) {
        set_confidence(
            R, LRF_FINDER_CONFIDENCE_LOW, "the curve is noisy for its drop",
            "use a larger batch, --batches-per-rung or --runs, or check it with --verify");
    } else if (d & LRF_FINDER_DIAG_NO_DIVERGENCE) {
        set_confidence(R, LRF_FINDER_CONFIDENCE_MEDIUM,
                       "the loss never rose again before end_lr: the cliff is unseen", "");
    } else {
        set_confidence(R, LRF_FINDER_CONFIDENCE_HIGH,
                       "a clear valley, divergence beyond it, batches mostly seen once", "");
    }
}
