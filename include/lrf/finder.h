/* The learning-rate range test: sweep the lr over a grid, one optimizer step per
 * rung, record the raw loss, smooth it, stop on divergence or NaN, restore the
 * client's state, and compute every suggestion rule on the curve.
 *
 * The finder knows nothing about models or data: it drives callbacks. A client
 * wraps its own training step as `step(user, lr, momentum, &loss)` (see
 * docs/finder.md for a complete example) and, to get its state back after the
 * sweep, `snapshot(user)` / `restore(user)`.
 *
 * Grid convention (exp mode, the default): lr_k = start * (end/start)^(k/(N-1)),
 * k = 0..N-1 (computed in log space when end/start overflows a double), so the first
 * lr equals start_lr and the last equals end_lr (as
 * pytorch-lr-finder and Lightning). grid_include_end = false gives fastai's grid
 * k/N, which stops one rung short of end_lr. Linear mode: start + k/(N-1)*(end-start).
 *
 * Rules (all computed on every curve; names as printed and parsed):
 *   robust    lrfind's default: max_lr for one-cycle, robust to noise (below)
 *   steepest  min gradient of the smoothed curve w.r.t. log(lr), skipping
 *             skip_start/skip_end points (pytorch-lr-finder's suggest_lr)
 *   valley    fastai's valley (longest decreasing subsequence, ~halfway)
 *   slide     fastai's slide (Novetta; thresh in raw loss units)
 *   minimum   fastai's minimum: lr at the smoothed minimum / 10
 *   steep     fastai's steep: left end of the steepest single step
 * The fastai rules run on fastai's slice [num_iter/10 : n-5] cut at the first NaN.
 *
 * The robust rule: zero-phase (centred, lag-free) robust local-linear smoothing
 * of the RAW losses in log10(lr) (Gaussian kernel, bisquare reweighting against
 * spikes; the divergence tail is clipped first so it cannot drag the valley);
 * max_lr = 60% of the way (in log lr) across the valley floor, the region where that
 * curve is within 10% of its drop from the minimum; never past the divergence onset
 * (where the curve, past its minimum, has climbed back rise_level of its drop) nor
 * below the descent onset. Degenerate curves (too short, flat, rising
 * from the start, diverged at once, no finite loss) make it invalid with a diagnosis and advice; a
 * curve that never rises again by end_lr keeps it valid with the warning
 * LRF_FINDER_DIAG_NO_DIVERGENCE. Every constant is a field of
 * struct lrf_finder_robust (defaults in lrf_finder_robust_default()). */
#ifndef LRF_FINDER_H
#define LRF_FINDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lrf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum lrf_finder_mode { LRF_FINDER_EXP = 0, LRF_FINDER_LINEAR = 1, LRF_FINDER_MODE_COUNT };

enum lrf_finder_smoothing {
    LRF_FINDER_SMOOTH_EMA_DEBIASED = 0, /* fastai/Lightning: v = b*v + (1-b)*L, s = v/(1-b^k) */
    LRF_FINDER_SMOOTH_EMA = 1,          /* pytorch-lr-finder: s0 = L0, s = f*L + (1-f)*s_prev */
    LRF_FINDER_SMOOTH_NONE = 2,
    LRF_FINDER_SMOOTH_COUNT
};

enum lrf_finder_stop_rule {
    /* lrfind: stop when s > best + (diverge-1) * max(|best|, floor * |s0|), which equals
     * s > diverge*best for positive losses and stays meaningful for negative ones
     * (fastai#962); floor = LRF_FINDER_DIVERGE_FLOOR. */
    LRF_FINDER_STOP_RELATIVE = 0,
    /* The anchors' literal s > diverge * best (compat modes). */
    LRF_FINDER_STOP_RATIO = 1,
    LRF_FINDER_STOP_RULE_COUNT
};

/* Limits lrf_finder_config_check enforces: num_iter, runs, and accumulate and
 * batches_per_rung (the steps of one rung). */
enum {
    LRF_FINDER_NUM_ITER_MAX = 100000000,
    LRF_FINDER_RUNS_MAX = 1000,
    LRF_FINDER_RUNG_STEPS_MAX = 1000000
};

/* A fraction of |s0| below which the divergence scale never falls (losses near 0). */
#define LRF_FINDER_DIVERGE_FLOOR 0.05

/* Which anchor's numbers to reproduce. NONE = lrfind's defaults. */
enum lrf_finder_compat {
    LRF_FINDER_COMPAT_NONE = 0,
    LRF_FINDER_COMPAT_TORCH_LR_FINDER = 1, /* pytorch-lr-finder 0.2.2 */
    LRF_FINDER_COMPAT_FASTAI = 2,          /* fastai 2.x lr_find */
    LRF_FINDER_COMPAT_COUNT
};

enum lrf_finder_rule {
    LRF_FINDER_RULE_ROBUST = 0,
    LRF_FINDER_RULE_STEEPEST = 1,
    LRF_FINDER_RULE_VALLEY = 2,
    LRF_FINDER_RULE_SLIDE = 3,
    LRF_FINDER_RULE_MINIMUM = 4,
    LRF_FINDER_RULE_STEEP = 5,
    LRF_FINDER_RULE_COUNT
};

enum lrf_finder_stop {
    LRF_FINDER_STOP_END = 0,            /* all num_iter rungs ran without divergence */
    LRF_FINDER_STOP_DIVERGED = 1,       /* the smoothed loss crossed the diverge threshold */
    LRF_FINDER_STOP_NONFINITE = 2,      /* a raw loss was NaN or Inf (recorded as the last point) */
    LRF_FINDER_STOP_INTERRUPTED = 3,    /* the interrupted() poll said stop (e.g. Ctrl-C) */
    LRF_FINDER_STOP_CALLBACK_ERROR = 4, /* a callback returned an error */
    LRF_FINDER_STOP_COUNT
};

/* Curve diagnostics (bit flags in result->diagnostics). */
enum {
    LRF_FINDER_DIAG_TOO_SHORT = 1 << 0,        /* too few finite points for a rule */
    LRF_FINDER_DIAG_NO_FINITE = 1 << 1,        /* no finite loss at all */
    LRF_FINDER_DIAG_FLAT = 1 << 2,             /* the loss never clearly decreased */
    LRF_FINDER_DIAG_RISES_FROM_START = 1 << 3, /* minimum at the start: start_lr too high */
    LRF_FINDER_DIAG_DIVERGED_AT_ONCE = 1 << 4, /* stopped within the first few rungs */
    LRF_FINDER_DIAG_NO_DIVERGENCE = 1 << 5,    /* no rise at the end: raise end_lr */
    LRF_FINDER_DIAG_UNSTABLE_RUNS = 1 << 6,    /* runs' robust picks span > unstable_decades */
    LRF_FINDER_DIAG_NOISY = 1 << 7,            /* noise large against the loss drop */
    /* The regimes where the curve says less than it seems (issue 12, docs/finder.md). */
    LRF_FINDER_DIAG_FEW_BATCHES = 1 << 8, /* the sweep revisited its batches (batches_per_epoch) */
    LRF_FINDER_DIAG_LOSS_ZERO = 1 << 9,   /* the training loss reached ~0: memorized */
    LRF_FINDER_DIAG_COUNT = 10            /* the number of flags (bits 0..COUNT-1) */
};

/* How much to trust the answer (result->confidence), with a reason beside it. */
enum lrf_finder_confidence {
    LRF_FINDER_CONFIDENCE_LOW = 0,
    LRF_FINDER_CONFIDENCE_MEDIUM = 1,
    LRF_FINDER_CONFIDENCE_HIGH = 2,
    LRF_FINDER_CONFIDENCE_COUNT
};

/* What the finder did about the regime it found (result->response). */
enum lrf_finder_response {
    LRF_FINDER_RESPONSE_NONE = 0,   /* the rule's pick stands */
    LRF_FINDER_RESPONSE_CAP = 1,    /* capped where the curve stops carrying information */
    LRF_FINDER_RESPONSE_TRIALS = 2, /* short one-cycle trials chose it (Smith's third method) */
    LRF_FINDER_RESPONSE_COUNT
};

/* When the finder runs trials (cfg.trials); they need the trial callback. */
enum lrf_finder_trials {
    LRF_FINDER_TRIALS_AUTO = 0,   /* when the regime calls for them and they are cheap */
    LRF_FINDER_TRIALS_OFF = 1,    /* never */
    LRF_FINDER_TRIALS_ALWAYS = 2, /* after every sweep with a valid pick */
    LRF_FINDER_TRIALS_MODE_COUNT
};

/* The robust rule's constants, in one place; each comment ends with the default of
 * lrf_finder_robust_default() in parentheses (docs/finder.md: how they were chosen). */
struct lrf_finder_robust {
    double bandwidth_decades; /* Gaussian kernel sigma in log10(lr) units (0.2) */
    double min_sigma_points;  /* ...but at least this many grid spacings (2.5) */
    int robust_iters;         /* bisquare reweighting passes against spikes (0) */
    double rise_level;        /* onset: the curve has climbed back this much of its drop (0.5) */
    double floor_level;       /* valley floor: within this fraction of the drop (0.1) */
    double floor_position;    /* max_lr this far across the floor in log lr (0.6) */
    double floor_noise;       /* ...floor at least this many smoothed-noise sd deep (4) */
    double clip_factor;       /* raw losses above start + clip*(start - lowest) clipped (1) */
    double descent_frac;      /* descent onset: first point below start - frac*drop (0.1) */
    double flat_rel;          /* flat when drop < flat_rel*|start| (0.02)... */
    double flat_noise;        /* ...or drop < flat_noise * noise sd (3) */
    size_t min_points;        /* fewer finite points: too short (8) */
    double unstable_decades;  /* runs' picks spanning more than this: warning (0.5) */
    double cyclic_base_div;   /* cyclic base_lr = max_lr / this, Smith 1506.01186 (4) */
    double cosine_div;        /* cosine lr = one-cycle max_lr / this (3) */
};

struct lrf_finder_robust lrf_finder_robust_default(void);

/* How the finder recognizes the regimes where the curve says less than it seems, and
 * what it does about them; each comment ends with the default of
 * lrf_finder_regime_default() in parentheses (docs/finder.md: the evidence). */
struct lrf_finder_regime {
    size_t few_batches;      /* FEW_BATCHES: batches_per_epoch at most this (4)... */
    double revisit_epochs;   /* ...or the sweep ran more than this many epochs (2) */
    double zero_loss_frac;   /* LOSS_ZERO: the curve fell below this fraction of its start (0.01) */
    size_t trial_candidates; /* trials: the pick and half-decade steps below it (4) */
    double trial_budget;     /* ...run only when they cost at most this many sweeps (16) */
    double trial_se_max; /* low confidence when the held-out accuracy's sd exceeds this (0.03) */
};

struct lrf_finder_regime lrf_finder_regime_default(void);

/* Every field's trailing comment ends with its default in parentheses, as
 * lrf_finder_config_default() sets it (tests/test_cli_defaults.c holds them to it). */
struct lrf_finder_config {
    double start_lr;                     /* first lr of the sweep (1e-7) */
    double end_lr;                       /* last lr of the sweep (10) */
    size_t num_iter;                     /* rungs (optimizer-step groups), >= 2 (100) */
    enum lrf_finder_mode mode;           /* the grid's spacing (exp) */
    bool grid_include_end;               /* last lr == end_lr; false: fastai's k/N (true) */
    enum lrf_finder_smoothing smoothing; /* the smoothing the stop rule watches (ema_debiased) */
    double beta;                         /* debiased EMA weight of history (0.98) */
    double smooth_f;                     /* plain EMA weight of the new loss (0.05) */
    enum lrf_finder_stop_rule stop_rule; /* the divergence test (relative) */
    double diverge;                      /* divergence factor; <= 0 disables the stop (4) */
    bool stop_on_nonfinite;              /* stop at NaN/Inf; compat modes run on (true) */
    /* Passed to every step: NaN (default) = "leave the optimizer's momentum/beta1 as it
     * is"; a finite value asks the client to use it for the sweep. */
    double momentum;               /* (nan) */
    size_t runs;                   /* K sweeps from the same restored state (1) */
    size_t accumulate;             /* micro-batches per optimizer step; > 1: micro_step+apply (1) */
    size_t batches_per_rung;       /* optimizer steps at each lr, loss = their mean (1) */
    bool val_loss;                 /* record eval() after each rung, not the train loss (false) */
    size_t skip_start;             /* steepest: points skipped at the start (10) */
    size_t skip_end;               /* ...and at the end (5) */
    enum lrf_finder_compat compat; /* the anchor whose numbers to reproduce (none) */
    long total_steps;              /* for the rendered schedules; 0 = unknown (0) */
    enum lrf_finder_rule rule;     /* the recommended rule when valid (robust) */
    /* Distinct batches in one pass over the client's training data: the finder needs it
     * to know when the sweep revisits its batches (LRF_FINDER_DIAG_FEW_BATCHES). */
    size_t batches_per_epoch;      /* 0 = unknown (0) */
    enum lrf_finder_trials trials; /* when to run the trial callback (auto) */
    /* Rows the trial callback scores on: the standard error of its accuracy says whether
     * the trials could tell their candidates apart (the confidence). */
    size_t trial_rows; /* 0 = unknown (0) */
    struct lrf_finder_robust robust;
    struct lrf_finder_regime regime;
};

struct lrf_finder_config lrf_finder_config_default(void);

/* The defaults of an anchor: TORCH_LR_FINDER (plain EMA 0.05, ratio stop 5, no NaN stop,
 * rule steepest on unit spacing), FASTAI (grid k/N, debiased EMA 0.98, ratio stop 4, no
 * NaN stop, rule valley). NONE gives lrf_finder_config_default(). */
struct lrf_finder_config lrf_finder_config_compat(enum lrf_finder_compat compat);

/* Checks every field; the message names the offending one. */
enum lrf_status lrf_finder_config_check(const struct lrf_finder_config *cfg, struct lrf_error *err);

/* The lr of rung k (0 <= k < num_iter) under cfg's grid convention. */
double lrf_finder_grid_lr(const struct lrf_finder_config *cfg, size_t k);

struct lrf_finder_progress {
    size_t run, runs;      /* 0-based run index, K */
    size_t iter, num_iter; /* rung just finished (0-based), N */
    double lr, loss, smoothed;
};

/* The K runs' raw data: what a process that ran some of them shares (below). */
struct lrf_finder_runs {
    size_t runs, num_iter;
    double *loss;                   /* (runs, num_iter) recorded loss, NaN where not reached */
    double *train;                  /* (runs, num_iter) raw training loss, likewise */
    size_t *run_n;                  /* (runs) points of each run */
    enum lrf_finder_stop *run_stop; /* (runs) */
};

/* Runs spread over processes (MPI ranks: lrf_dist_finder_share in lrf/dist.h). This
 * process does run r only when mine(ctx, r); after its runs (or its early stop, status
 * st) the finder calls exchange, which must agree on the status with the other
 * processes and fill in every run's data from the process that ran it. The result
 * is then what one process running every run gets, bit for bit, since each run
 * starts from the restored snapshot reseeded for its index. */
struct lrf_finder_share {
    void *ctx;
    bool (*mine)(void *ctx, size_t run);
    enum lrf_status (*exchange)(void *ctx, struct lrf_finder_runs *runs, enum lrf_status st,
                                struct lrf_error *err);
};

/* The client. Every callback but step (or micro_step+apply) may be NULL.
 * Any callback returning non-LRF_OK ends the sweep (stop reason CALLBACK_ERROR);
 * LRF_ERR_INTERRUPTED from a callback counts as an interruption. */
struct lrf_finder_callbacks {
    void *user;
    /* One optimizer step at lr (momentum: see lrf_finder_config.momentum); *loss = the
     * raw training loss of that step (NaN/Inf allowed: the finder handles them). */
    enum lrf_status (*step)(void *user, double lr, double momentum, double *loss);
    /* Gradient accumulation (cfg.accumulate > 1): micro_step = forward+backward of one
     * micro-batch adding into the gradients, *loss its loss; apply = the optimizer step
     * at lr and zeroing the gradients. The finder calls micro_step N times then apply
     * once: the lr advances once per optimizer step, the loss is the micro-batch mean. */
    enum lrf_status (*micro_step)(void *user, double *loss);
    enum lrf_status (*apply)(void *user, double lr, double momentum);
    /* Save / bring back everything the sweep changes: weights, optimizer state, data
     * cursor, RNG. snapshot is called once before the first run; restore before every
     * later run and once at the end, also after an error or interruption. Both or neither;
     * runs > 1 needs them. */
    enum lrf_status (*snapshot)(void *user);
    enum lrf_status (*restore)(void *user);
    /* Called after restore before run r >= 1 so the data order differs per run. */
    enum lrf_status (*reseed)(void *user, size_t run);
    /* Validation loss on a fixed subset, without changing the state (val_loss mode). */
    enum lrf_status (*eval)(void *user, double *val_loss);
    /* A trial (Smith's third method, 1803.09820): train total_steps optimizer steps of
     * one-cycle at max_lr (PyTorch OneCycleLR defaults) from the state the finder just
     * restored, then *loss = the loss on held-out data (NaN/Inf: the run diverged) and
     * *metric = a score where higher is better (accuracy; NaN if none). Called after the
     * sweep only when cfg.trials says so; the finder restores the state before each
     * trial and after the last. lrf_trainer_trial (lrf/train.h) is one. */
    enum lrf_status (*trial)(void *user, double max_lr, long total_steps, double *loss,
                             double *metric);
    /* Observers, called with `observer` (NULL = user, as before observers had their
     * own context): a progress bar or an interrupt flag needs no access to the client,
     * and two finders in one process each get their own. */
    void *observer;
    /* After every rung. */
    void (*progress)(void *observer, const struct lrf_finder_progress *p);
    /* Polled before every rung; true stops cleanly, keeping the partial curve
     * (lrf_interrupt_poll, lrf/interrupt.h, answers Ctrl-C). */
    bool (*interrupted)(void *observer);
    /* Spreads the runs over processes; NULL = every run in this one. */
    const struct lrf_finder_share *share;
};

enum {
    LRF_FINDER_TEXT_MAX = 256,
    LRF_FINDER_ADVICE_MAX = 768,
    LRF_FINDER_SPEC_MAX = 160,
    LRF_FINDER_TRIALS_MAX = 8
};

/* One trial the finder ran (result->trial). */
struct lrf_finder_trial {
    double max_lr;
    double loss;   /* held-out loss after the run; NaN/Inf when it diverged */
    double metric; /* the client's higher-is-better score (accuracy); NaN if none */
    bool diverged;
};

struct lrf_finder_suggestion {
    bool valid;
    long index;       /* into the result's curve; -1 when invalid */
    double lr;        /* NaN when invalid; with K runs the (geometric) median of the runs */
    double lr_low;    /* smallest of the K runs' picks (== lr when K = 1) */
    double lr_high;   /* largest */
    double marker_lr; /* where a plot marks it (minimum: the lr at the minimum) */
    double marker_loss;
    char diagnosis[LRF_FINDER_TEXT_MAX]; /* why invalid, or a caveat; "" when none */
};

/* Read-only; owned by the library; free with lrf_finder_result_destroy. Arrays of the
 * curve have n entries. With K runs, loss is the per-lr median of the runs' raw
 * losses (over the runs that reached that rung) and smoothed its smoothing. */
struct lrf_finder_result {
    size_t n;        /* recorded points */
    size_t num_iter; /* planned rungs */
    enum lrf_finder_compat compat;
    enum lrf_finder_smoothing smoothing;
    const double *lr;         /* (n) */
    const double *loss;       /* (n) raw loss (val loss in val mode) */
    const double *train_loss; /* (n) raw training loss (== loss unless val mode) */
    const double *smoothed;   /* (n) the configured smoothing of loss */
    const double *robust;     /* (n) the robust rule's zero-phase curve; NaN where unused */
    const double *loss_q1;    /* (n) per-lr lower quartile over runs (== loss when K=1) */
    const double *loss_q3;    /* (n) upper quartile */
    size_t runs;
    const double *run_loss; /* (runs, num_iter) raw loss of each run, NaN past its end */
    const size_t *run_n;    /* (runs) points of each run */
    const enum lrf_finder_stop *run_stop; /* (runs) */
    const double *run_robust_lr;          /* (runs) each run's robust pick (NaN invalid) */
    enum lrf_finder_stop stop_reason;     /* the sweep's (K runs: worst, else majority) */
    long stop_index; /* index of the point that triggered the stop, -1 for END */
    struct lrf_finder_suggestion suggestion[LRF_FINDER_RULE_COUNT];
    enum lrf_finder_rule recommended;   /* cfg.rule; its suggestion may be invalid */
    unsigned diagnostics;               /* LRF_FINDER_DIAG_* */
    char advice[LRF_FINDER_ADVICE_MAX]; /* one sentence per problem; "" when none */
    double noise_sd;                    /* robust estimate of the raw loss noise */
    /* The regime and the response (docs/finder.md "Regimes"). */
    double epochs_swept; /* optimizer steps of the sweep / batches_per_epoch (NaN unknown) */
    double zero_loss_lr; /* LOSS_ZERO: the lr where the curve reached ~0 (NaN otherwise) */
    double rule_lr;      /* the recommended rule's pick before any response (NaN invalid) */
    double max_lr;       /* the answer: rule_lr after the response (NaN invalid) */
    enum lrf_finder_response response;
    char response_text[LRF_FINDER_TEXT_MAX]; /* what was done and why; "" for NONE */
    size_t n_trials;
    struct lrf_finder_trial trial[LRF_FINDER_TRIALS_MAX];
    enum lrf_finder_confidence confidence;
    char confidence_reason[LRF_FINDER_TEXT_MAX]; /* why that confidence */
    char warning[LRF_FINDER_ADVICE_MAX];         /* with LOW: what the user can do; "" otherwise */
    /* The hand-off at max_lr (NaN / "" when the recommended suggestion is invalid). */
    double one_cycle_max_lr;
    double cyclic_base_lr, cyclic_max_lr;
    double cosine_lr;
    char one_cycle_spec[LRF_FINDER_SPEC_MAX];  /* "onecycle(max_lr=0.00316)" */
    char cyclic_spec[LRF_FINDER_SPEC_MAX];     /* "cyclic(base_lr=...,max_lr=...)" */
    char cosine_spec[LRF_FINDER_SPEC_MAX];     /* "cosine(T_max=...)" with cosine_lr */
    char one_cycle_torch[LRF_FINDER_SPEC_MAX]; /* "torch.optim.lr_scheduler.OneCycleLR(...)" */
    char cyclic_torch[LRF_FINDER_SPEC_MAX];
    char cosine_torch[LRF_FINDER_SPEC_MAX];
};

/* Runs the range test. Returns LRF_OK with a complete result; on interruption
 * LRF_ERR_INTERRUPTED and on a callback failure that callback's status (err says which
 * callback, run and rung), in both cases with *out holding the partial result (destroy
 * it). Other errors (bad config: LRF_ERR_INVALID_ARG, LRF_ERR_NOMEM, a failing
 * snapshot/restore) leave *out NULL. The client's state is restored in every case where
 * snapshot succeeded. Writes nothing to disk. */
enum lrf_status lrf_finder_run(const struct lrf_finder_config *cfg,
                               const struct lrf_finder_callbacks *cb,
                               struct lrf_finder_result **out, struct lrf_error *err);

/* Offline mode: treats loss[0..n) as the raw losses of a sweep at lr[0..n) (in order),
 * re-runs cfg's smoothing and stop rule (points after the stop are dropped), uses
 * num_iter = n for the slicing, and computes every rule. Needs n >= 1 and positive
 * finite lrs (LRF_ERR_INVALID_ARG otherwise, naming the index). */
enum lrf_status lrf_finder_analyze(const struct lrf_finder_config *cfg, const double *lr,
                                   const double *loss, size_t n, struct lrf_finder_result **out,
                                   struct lrf_error *err);

/* Frees r; NULL is a no-op. */
void lrf_finder_result_destroy(struct lrf_finder_result *r);

/* Reads a curve CSV: a header naming columns "lr" and "loss" (others ignored; a UTF-8
 * byte order mark and blanks around fields are allowed), then one row per iteration;
 * empty loss fields and nan/inf are read as NaN/Inf. A NUL byte is an error. Errors are
 * LRF_ERR_IO / LRF_ERR_PARSE with FILE:LINE:COL. *lr and *loss are malloc'ed (free()). */
enum lrf_status lrf_finder_read_curve(const char *path, double **lr, double **loss, size_t *n,
                                      struct lrf_error *err);

/* Writes "lr,loss,smoothed" and one row per point (17 significant digits), the form
 * lrf_finder_read_curve reads. */
enum lrf_status lrf_finder_write_curve(const struct lrf_finder_result *r, FILE *fp,
                                       struct lrf_error *err);

/* Names: "robust", "steepest", ...; "end", "diverged", "nonfinite", "interrupted",
 * "callback_error"; "ema_debiased", "ema", "none"; "none", "torch-lr-finder", "fastai".
 * NULL when out of range. The parsers return false for an unknown name. */
const char *lrf_finder_rule_name(enum lrf_finder_rule rule);
bool lrf_finder_rule_parse(const char *name, enum lrf_finder_rule *out);
const char *lrf_finder_stop_name(enum lrf_finder_stop stop);
const char *lrf_finder_stop_describe(enum lrf_finder_stop stop); /* a short sentence */
const char *lrf_finder_smoothing_name(enum lrf_finder_smoothing s);
bool lrf_finder_smoothing_parse(const char *name, enum lrf_finder_smoothing *out);
const char *lrf_finder_compat_name(enum lrf_finder_compat c);
bool lrf_finder_compat_parse(const char *name, enum lrf_finder_compat *out);
/* "exp", "linear"; "relative", "ratio"; the diagnostic flag 1 << bit: "too_short",
 * "no_finite", "flat", "rises_from_start", "diverged_at_once", "no_divergence",
 * "unstable_runs", "noisy", "few_batches", "loss_zero" (NULL when out of range). */
const char *lrf_finder_mode_name(enum lrf_finder_mode mode);
bool lrf_finder_mode_parse(const char *name, enum lrf_finder_mode *out);
const char *lrf_finder_stop_rule_name(enum lrf_finder_stop_rule rule);
const char *lrf_finder_diag_name(int bit);
/* For flag 1 << bit: what it means, and what the finder does about it (a short phrase). */
const char *lrf_finder_diag_describe(int bit);
const char *lrf_finder_diag_response(int bit);
/* "low", "medium", "high"; "none", "cap", "trials"; "auto", "off", "always". */
const char *lrf_finder_confidence_name(enum lrf_finder_confidence c);
const char *lrf_finder_response_name(enum lrf_finder_response r);
const char *lrf_finder_trials_name(enum lrf_finder_trials t);
bool lrf_finder_trials_parse(const char *name, enum lrf_finder_trials *out);

#ifdef __cplusplus
}
#endif

#endif
