/* Finder configuration: defaults, the anchors' compat presets, validation and the
 * lr grid. */
#include <math.h>

#include "lrf/finder.h"

struct lrf_finder_robust lrf_finder_robust_default(void)
{
    /* The robust rule's tuning, in one place. Rationale in docs/finder.md. */
    return (struct lrf_finder_robust){
        .bandwidth_decades = 0.2, /* ~5 points a side on the default grid; walls stay sharp */
        .min_sigma_points = 2.5,  /* coarse grids: still average ~6 neighbours */
        .robust_iters = 0,        /* bisquare passes let the local line overshoot at the wall */
        .rise_level = 0.5,        /* halfway back up: the divergence onset, an upper bound */
        .floor_level = 0.1,       /* the valley floor: within 10% of the drop from the minimum */
        .floor_position = 0.6,    /* ...and max_lr 60% across it (docs/finder.md) */
        .floor_noise = 4.0,       /* ...a floor deeper than the smoothed curve's wiggles */
        .clip_factor = 1.0,       /* a rise as large as the whole drop is divergence */
        .descent_frac = 0.1,
        .flat_rel = 0.02,
        .flat_noise = 3.0,
        .min_points = 8,
        .unstable_decades = 0.5,
        .cyclic_base_div = 4.0,
        .cosine_div = 3.0,
    };
}

struct lrf_finder_regime lrf_finder_regime_default(void)
{
    /* The regimes' thresholds and responses. Rationale and figures in docs/finder.md. */
    return (struct lrf_finder_regime){
        .few_batches = 4,       /* a training set of a few batches is memorized at once */
        .revisit_epochs = 2.0,  /* most of the sweep's steps on batches it already learned */
        .zero_loss_frac = 0.01, /* 1% of the starting loss: the batches are memorized */
        .trial_candidates = 4,  /* the pick and 1.5 decades below it, half a decade apart */
        .trial_budget = 16.0,   /* trials cost at most 16 sweeps (only small data) */
        .trial_se_max = 0.03,   /* the held-out rows resolve the 3 points of a 97% goal */
    };
}

struct lrf_finder_config lrf_finder_config_default(void)
{
    return (struct lrf_finder_config){
        .start_lr = 1e-7,
        .end_lr = 10.0,
        .num_iter = 100,
        .mode = LRF_FINDER_EXP,
        .grid_include_end = true,
        .smoothing = LRF_FINDER_SMOOTH_EMA_DEBIASED,
        .beta = 0.98,
        .smooth_f = 0.05,
        .stop_rule = LRF_FINDER_STOP_RELATIVE,
        .diverge = 4.0,
        .stop_on_nonfinite = true,
        .momentum = NAN,
        .runs = 1,
        .accumulate = 1,
        .batches_per_rung = 1,
        .val_loss = false,
        .skip_start = 10,
        .skip_end = 5,
        .compat = LRF_FINDER_COMPAT_NONE,
        .total_steps = 0,
        .rule = LRF_FINDER_RULE_ROBUST,
        .batches_per_epoch = 0,
        .trial_rows = 0,
        .trials = LRF_FINDER_TRIALS_AUTO,
        .robust = lrf_finder_robust_default(),
        .regime = lrf_finder_regime_default(),
    };
}

struct lrf_finder_config lrf_finder_config_compat(enum lrf_finder_compat compat)
{
    struct lrf_finder_config c = lrf_finder_config_default();
    c.compat = compat;
    /* Both anchors stop at the literal s > diverge * best and run on past NaN. */
    if (compat == LRF_FINDER_COMPAT_TORCH_LR_FINDER || compat == LRF_FINDER_COMPAT_FASTAI) {
        c.stop_rule = LRF_FINDER_STOP_RATIO;
        c.stop_on_nonfinite = false;
    }
    switch (compat) {
    case LRF_FINDER_COMPAT_TORCH_LR_FINDER:
        c.smoothing = LRF_FINDER_SMOOTH_EMA;
        c.smooth_f = 0.05;
        c.diverge = 5.0;
        c.rule = LRF_FINDER_RULE_STEEPEST;
        break;
    case LRF_FINDER_COMPAT_FASTAI:
        c.grid_include_end = false; /* k/N: one rung short of end_lr */
        c.smoothing = LRF_FINDER_SMOOTH_EMA_DEBIASED;
        c.beta = 0.98;
        c.diverge = 4.0;
        c.rule = LRF_FINDER_RULE_VALLEY;
        break;
    default:
        c.compat = LRF_FINDER_COMPAT_NONE;
        break;
    }
    return c;
}

enum lrf_status lrf_finder_config_check(const struct lrf_finder_config *c, struct lrf_error *err)
{
    if (!c)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "finder config is NULL");
    if (!(isfinite(c->start_lr) && c->start_lr > 0))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "start_lr must be finite and > 0, got %g",
                             c->start_lr);
    if (!(isfinite(c->end_lr) && c->end_lr > c->start_lr))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "end_lr must be finite and > start_lr (%g), got %g", c->start_lr,
                             c->end_lr);
    if (c->num_iter < 2 || c->num_iter > LRF_FINDER_NUM_ITER_MAX)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "num_iter must be in 2..%d, got %zu",
                             LRF_FINDER_NUM_ITER_MAX, c->num_iter);
    if ((unsigned)c->mode >= LRF_FINDER_MODE_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "mode must be exp or linear");
    if ((unsigned)c->smoothing >= LRF_FINDER_SMOOTH_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "smoothing must be ema_debiased, ema or none");
    if (!(c->beta >= 0 && c->beta < 1))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "beta must be in [0, 1), got %g", c->beta);
    if (!(c->smooth_f >= 0 && c->smooth_f < 1))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "smooth_f must be in [0, 1), got %g",
                             c->smooth_f);
    if ((unsigned)c->stop_rule >= LRF_FINDER_STOP_RULE_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "stop_rule out of range");
    if (isnan(c->diverge) || (c->diverge > 0 && !(c->diverge > 1)) || isinf(c->diverge))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "diverge must be > 1 (or <= 0 to disable), got %g", c->diverge);
    if (isinf(c->momentum) || (isfinite(c->momentum) && (c->momentum < 0 || c->momentum >= 1)))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "momentum must be in [0, 1) or NaN (unchanged), got %g", c->momentum);
    if (c->runs < 1 || c->runs > LRF_FINDER_RUNS_MAX)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "runs must be in 1..%d, got %zu",
                             LRF_FINDER_RUNS_MAX, c->runs);
    if (c->accumulate < 1 || c->accumulate > LRF_FINDER_RUNG_STEPS_MAX)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "accumulate must be >= 1, got %zu",
                             c->accumulate);
    if (c->batches_per_rung < 1 || c->batches_per_rung > LRF_FINDER_RUNG_STEPS_MAX)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "batches_per_rung must be >= 1, got %zu",
                             c->batches_per_rung);
    if ((unsigned)c->compat >= LRF_FINDER_COMPAT_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "compat out of range");
    if ((unsigned)c->rule >= LRF_FINDER_RULE_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "rule out of range");
    if (c->total_steps < 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "total_steps must be >= 0");
    const struct lrf_finder_robust *r = &c->robust;
    if (!(r->bandwidth_decades > 0) || !(r->min_sigma_points >= 0) || r->robust_iters < 0 ||
        !(r->floor_level >= 0 && r->floor_level < 1) ||
        !(r->floor_position >= 0 && r->floor_position <= 1) || !(r->floor_noise >= 0) ||
        !(r->rise_level > 0 && r->rise_level <= 1) || !(r->clip_factor > 0) ||
        !(r->descent_frac > 0 && r->descent_frac < 1) || !(r->flat_rel >= 0) ||
        !(r->flat_noise >= 0) || r->min_points < 3 || !(r->unstable_decades > 0) ||
        !(r->cyclic_base_div >= 1) || !(r->cosine_div >= 1))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "robust rule parameters out of range");
    if ((unsigned)c->trials >= LRF_FINDER_TRIALS_MODE_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "trials must be auto, off or always");
    const struct lrf_finder_regime *g = &c->regime;
    if (!(g->revisit_epochs > 0) || !(g->zero_loss_frac >= 0 && g->zero_loss_frac < 1) ||
        g->trial_candidates < 1 || g->trial_candidates > LRF_FINDER_TRIALS_MAX ||
        !(g->trial_budget >= 0) || !(g->trial_se_max >= 0))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "regime parameters out of range");
    return LRF_OK;
}

double lrf_finder_grid_lr(const struct lrf_finder_config *c, size_t k)
{
    double denom = c->grid_include_end ? (double)(c->num_iter - 1) : (double)c->num_iter;
    double r = (double)k / denom;
    if (c->mode == LRF_FINDER_LINEAR)
        return c->start_lr + r * (c->end_lr - c->start_lr);
    double ratio = c->end_lr / c->start_lr;
    if (isfinite(ratio)) /* the anchors' formula, so compat grids match them bit for bit */
        return c->start_lr * pow(ratio, r);
    /* end/start overflows (1e-300 .. 1e300): the same grid in log space, its ends exact. */
    if (k == 0)
        return c->start_lr;
    if (r == 1.0)
        return c->end_lr;
    return exp(log(c->start_lr) + r * (log(c->end_lr) - log(c->start_lr)));
}
