/* Internals shared by the finder's sources: the online smoother + stop rule, the
 * published rules as array functions, the robust rule, and result assembly. */
#ifndef LRF_FINDER_INTERNAL_H
#define LRF_FINDER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "lrf/finder.h"

/* Online smoothing and divergence test, exactly as each anchor orders them. */
struct finder_smoother {
    enum lrf_finder_smoothing kind;
    enum lrf_finder_stop_rule stop_rule;
    double beta, smooth_f, diverge;
    double v;     /* debiased EMA accumulator */
    double prev;  /* plain EMA: previous smoothed value */
    double best;  /* running minimum of the smoothed loss */
    double first; /* first finite smoothed loss (relative rule's floor) */
    long count;
};

void finder_smoother_init(struct finder_smoother *sm, const struct lrf_finder_config *cfg);
/* Feeds one raw loss; returns the smoothed value and sets *diverged. */
double finder_smoother_push(struct finder_smoother *sm, double raw, bool *diverged);

/* Sorts v[0..n) ascending. */
void finder_sort(double *v, size_t n);
/* Median of v[0..n) (v is reordered); n > 0. */
double finder_median_inplace(double *v, size_t n);
/* numpy percentile (linear interpolation) of sorted v[0..n), q in [0, 1]; n > 0. */
double finder_quantile_sorted(const double *v, size_t n, double q);

/* numpy semantics: argmin returns the first NaN if any, else the first minimum; -1 if n == 0. */
long finder_argmin_np(const double *y, size_t n);
/* np.gradient(y) (unit spacing, edge_order 1); n >= 2. */
void finder_grad_unit(const double *y, size_t n, double *g);
/* np.gradient(y, x) on a non-uniform grid; n >= 2. */
void finder_grad_x(const double *y, const double *x, size_t n, double *g);
/* fastai valley: index into y (negative Python indices wrapped), -1 when n == 0.
 * finder_valley: O(n log n), scratch (2n); finder_valley_ref: fastai's O(n^2) loops,
 * scratch (n), kept for the tests. Both give the same index. */
long finder_valley(const double *y, size_t n, double *scratch);
long finder_valley_ref(const double *y, size_t n, double *lds);
/* fastai slide (lr_diff 15, thresh 0.005): index, -1 when n < 16. g: scratch (n). */
long finder_slide(const double *y, size_t n, double *g);
/* fastai steep: index of the left end of the steepest step, -1 when n < 2. */
long finder_steep(const double *x, const double *y, size_t n);

/* Gaussian-weighted (sd sigma) local-linear fit of y at every x[i], point weights rw;
 * out (m). finder_local_linear is the fast one (see local_linear.c: bit-identical to
 * the definition on sorted, not dense grids); finder_local_linear_ref is the O(m^2)
 * definition, kept for the tests. */
void finder_local_linear(const double *x, const double *y, const double *rw, size_t m, double sigma,
                         double *out);
void finder_local_linear_ref(const double *x, const double *y, const double *rw, size_t m,
                             double sigma, double *out);

/* What the robust rule reports beside its suggestion. */
struct finder_robust_out {
    double lr;  /* NaN when invalid */
    long index; /* nearest grid point, -1 when invalid */
    long min_index;
    double marker_loss;
    bool valid;
    unsigned diagnostics;
    double noise_sd;
    char diagnosis[LRF_FINDER_TEXT_MAX];
};

/* Robust rule on raw losses (finite prefix used); curve (n) receives the zero-phase
 * smoothed curve (NaN where unused). scratch: 5*n doubles. */
void finder_robust_rule(const struct lrf_finder_robust *p, const double *lr, const double *raw,
                        size_t n, enum lrf_finder_stop stop, double *curve, double *scratch,
                        struct finder_robust_out *out);

/* Every rule on one curve. scratch: 9*n doubles. robust_curve may be NULL. */
void finder_compute_rules(const struct lrf_finder_config *cfg, size_t num_iter, const double *lr,
                          const double *raw, const double *smoothed, size_t n,
                          enum lrf_finder_stop stop, double *robust_curve, double *scratch,
                          struct lrf_finder_suggestion sug[LRF_FINDER_RULE_COUNT],
                          struct finder_robust_out *robust);

/* The raw material of a result: K runs of raw losses on one lr grid. */
struct finder_runs {
    size_t num_iter;                  /* N: planned rungs */
    const double *grid;               /* (N) each rung's lr */
    size_t runs;                      /* K */
    const double *loss;               /* (K, N) recorded loss (the val loss in val mode) */
    const double *train;              /* (K, N) training loss */
    const size_t *n;                  /* (K) points each run recorded (row r valid to n[r]) */
    const enum lrf_finder_stop *stop; /* (K) why each run stopped */
    long stop_index;                  /* the point that triggered the stop */
};

/* Regimes (regime.c): the few_batches and loss_zero flags, epochs_swept, zero_loss_lr,
 * rule_lr and max_lr with the cap response. */
void finder_regime_assess(struct lrf_finder_result *R, const struct lrf_finder_config *cfg);
/* The confidence, its reason and (low) the warning, from the diagnostics and response. */
void finder_confidence(struct lrf_finder_result *R, const struct lrf_finder_config *cfg);

/* Trials (trials.c): whether to run them, the candidates (up to LRF_FINDER_TRIALS_MAX
 * into lr; returns how many), and the choice from R->trial[0..n_trials). */
bool finder_trials_wanted(const struct lrf_finder_result *R, const struct lrf_finder_config *cfg,
                          bool have_callback);
size_t finder_trial_candidates(const struct lrf_finder_result *R,
                               const struct lrf_finder_config *cfg, double *lr);
void finder_trials_choose(struct lrf_finder_result *R, const struct lrf_finder_config *cfg);

/* After max_lr changed: advice, confidence and the hand-off again. */
void finder_result_refresh(struct lrf_finder_result *R, const struct lrf_finder_config *cfg);

/* Builds a result from K runs: per-lr aggregates, every rule, the runs' spread,
 * advice and the hand-off. */
enum lrf_status finder_result_build(const struct lrf_finder_config *cfg,
                                    const struct finder_runs *in, struct lrf_finder_result **out,
                                    struct lrf_error *err);

#endif
