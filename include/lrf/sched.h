/* Learning-rate schedules: every scheduler of PyTorch's torch.optim.lr_scheduler
 * (1.13 semantics, double precision) plus the common non-PyTorch ones, built from a
 * SPEC string such as "onecycle(max_lr=0.1,total_steps=1000)".
 *
 * A SPEC is the one way in: one table owns every kind's keys, defaults and checks, and
 * per-kind value structs would be a second copy of it (docs/schedule.md). With computed
 * values, print them into the SPEC ("onecycle(max_lr=%.17g)") and set run_length.
 *
 * Time: t counts scheduler steps. The value "at t" is what PyTorch's
 * param_groups[0]['lr'] holds after t sched.step() calls (t = 0: right after
 * construction). Stateless kinds are pure functions of t (PyTorch's closed form);
 * seq and chain reproduce PyTorch's chainable arithmetic, since composition depends on
 * it; plateau is stateful and fed one metric per step.
 *
 * Kinds and keys (PyTorch keyword names and defaults; "req" = required):
 *   step(step_size req, gamma=0.1)                         StepLR
 *   multistep(milestones=[..] req, gamma=0.1)              MultiStepLR (duplicates count twice)
 *   constant(factor=1/3, total_iters=5)                    ConstantLR
 *   linear(start_factor=1/3, end_factor=1, total_iters=5)  LinearLR
 *   exponential(gamma req)                                 ExponentialLR
 *   multiplicative(factor req)                             MultiplicativeLR(lambda t: factor);
 *                                                          no closed form, so inside seq it
 *                                                          inherits the lr at the hand-off
 *   polynomial(total_iters=5, power=1)                     PolynomialLR
 *   cosine(T_max req, eta_min=0)                           CosineAnnealingLR, periodic past T_max
 *   cosine_restarts(T_0 req, T_mult=1, eta_min=0)          CosineAnnealingWarmRestarts
 *   cyclic(base_lr req, max_lr req, step_size_up=2000, step_size_down=step_size_up,
 *          mode=triangular|triangular2|exp_range|sine, gamma=1, scale_fn=none|triangular|
 *          triangular2|exp_range, scale_mode=cycle|iterations, cycle_momentum=true,
 *          base_momentum=0.8, max_momentum=0.9)            CyclicLR. scale_fn names a built-in
 *          scale function passed as a custom scale_fn, so scale_mode then applies (PyTorch
 *          ignores scale_mode for the mode strings). mode=sine is not in PyTorch: with the
 *          same total, r = up/total, cycle = floor(1 + t/total), x = 1 + t/total - cycle,
 *            s = (1 - cos(pi*x/r))/2            if x <= r   (rise along a half cosine)
 *            s = (1 + cos(pi*(x-r)/(1-r)))/2    otherwise   (fall along a half cosine)
 *          lr = base_lr + (max_lr-base_lr)*s*scale, momentum = max_m - (max_m-base_m)*s*scale,
 *          scale = 1 (or scale_fn); for up = down this is the sinusoid
 *          base + (max-base)*(1 - cos(2*pi*t/total))/2.
 *   onecycle(max_lr req, total_steps | epochs*steps_per_epoch, pct_start=0.3,
 *          anneal_strategy=cos|linear, cycle_momentum=true, base_momentum=0.85,
 *          max_momentum=0.95, div_factor=25, final_div_factor=1e4, three_phase=false)
 *                                                          OneCycleLR; t = N extrapolates the
 *                                                          last phase, t > N is LRF_ERR_STATE
 *   plateau(mode=min|max, factor=0.1, patience=10, threshold=1e-4, threshold_mode=rel|abs,
 *          cooldown=0, min_lr=0, eps=1e-8)                 ReduceLROnPlateau (one metric a step)
 *   seq(S1, S2, ..., milestones=[..] req)                  SequentialLR (1.13: the closed form of
 *                                                          the next scheduler at each milestone)
 *   chain(S1, S2, ...)                                     ChainedScheduler (factors multiply)
 * Non-PyTorch kinds, lr = base_lr * f(t) unless stated:
 *   warmup_cosine(num_warmup_steps=0, num_training_steps req, num_cycles=0.5,
 *          min_lr_rate=0 | min_lr)      HF get_cosine_with_min_lr_schedule_with_warmup:
 *          t < W: f = t/max(1,W); else p = (t-W)/max(1,N-W),
 *          f = max(0, (1+cos(2*pi*num_cycles*p))/2*(1-m) + m), m = min_lr_rate or min_lr/base_lr
 *          (not clamped past N: with num_cycles=0.5 it rises again, as in HF)
 *   inverse_sqrt(num_warmup_steps=0, timescale=W or 10000)  HF get_inverse_sqrt_schedule:
 *          t < W: f = t/max(1,W); else f = 1/sqrt((t + timescale - W)/timescale)
 *   inverse_time(decay_rate req, decay_steps=1, staircase=false)  Keras InverseTimeDecay:
 *          f = 1/(1 + decay_rate*p), p = t/decay_steps (floored when staircase)
 *   wsd(num_warmup_steps=0, num_decay_steps req, num_training_steps | num_stable_steps,
 *          warmup_type=linear|cosine|1-sqrt, decay_type=cosine|linear|1-sqrt, min_lr_ratio=0,
 *          num_cycles=0.5)                        HF get_wsd_schedule (see docs/schedule.md)
 *   piecewise(boundaries=[..] req, values=[..] req)
 *          Keras PiecewiseConstantDecay, absolute lrs: t <= b0: v0;
 *          b(i-1) < t <= b(i): v(i); t > b_last: v_last (the boundary step belongs to the
 *          earlier piece)
 *   poly(power=4, max_iter req)         Caffe/Darknet poly:
 *                                       f = (1 - min(t,max_iter)/max_iter)^power
 *   inv(gamma req, power req)           Caffe inv: f = (1 + gamma*t)^(-power)
 *   sigmoid(gamma req, stepsize req)    Caffe sigmoid: f = 1/(1 + exp(-gamma*(t - stepsize)))
 *                                       (Darknet's sigmoid is this with gamma negated)
 * Any lr-valued key (max_lr, base_lr, eta_min, min_lr, values) accepts "auto": the parse
 * option auto_lr is substituted (and fills a required lr key left out). Parameters that only
 * state the run length default to parse option run_length when it is > 0 (see struct
 * lrf_sched_parse_options). A KIND without parentheses is KIND(): "cosine", and in seq/chain
 * "chain(linear, exponential(gamma=0.9))". */
#ifndef LRF_SCHED_H
#define LRF_SCHED_H

#include <stdbool.h>
#include <stddef.h>

#include "lrf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum lrf_sched_kind {
    LRF_SCHED_STEP = 0,
    LRF_SCHED_MULTISTEP,
    LRF_SCHED_CONSTANT,
    LRF_SCHED_LINEAR,
    LRF_SCHED_EXPONENTIAL,
    LRF_SCHED_MULTIPLICATIVE,
    LRF_SCHED_POLYNOMIAL,
    LRF_SCHED_COSINE,
    LRF_SCHED_COSINE_RESTARTS,
    LRF_SCHED_CYCLIC,
    LRF_SCHED_ONECYCLE,
    LRF_SCHED_PLATEAU,
    LRF_SCHED_SEQ,
    LRF_SCHED_CHAIN,
    LRF_SCHED_WARMUP_COSINE,
    LRF_SCHED_INVERSE_SQRT,
    LRF_SCHED_INVERSE_TIME,
    LRF_SCHED_WSD,
    LRF_SCHED_PIECEWISE,
    LRF_SCHED_POLY,
    LRF_SCHED_INV,
    LRF_SCHED_SIGMOID,
    LRF_SCHED_KIND_COUNT
};

/* A schedule built from a SPEC: parameters, children (seq/chain) and the
 * iteration state (current step, plateau counters). */
struct lrf_sched;

struct lrf_sched_parse_options {
    double base_lr; /* the optimizer's initial lr (PyTorch's initial_lr); default 1 */
    /* When > 0: omitted length-only parameters default to this many steps: onecycle
     * total_steps (unless epochs/steps_per_epoch are given), cosine T_max, total_iters of
     * constant/linear/polynomial, warmup_cosine/wsd num_training_steps, poly max_iter.
     * When 0, PyTorch's defaults apply and a missing required one is an error naming it.
     * cyclic's step_size_up keeps PyTorch's default 2000 (it is a period, not a length). */
    long run_length;
    /* Substituted for any lr-valued key given as "auto" (e.g. max_lr=auto), and for a
     * required lr key left out (onecycle's max_lr, cyclic's max_lr and base_lr), so that
     * "onecycle" alone runs at the suggestion; NaN (the default) means no suggestion is
     * available: "auto" is an error and a required key must be given. */
    double auto_lr;
    /* Cyclic's base_lr when it is left out and auto_lr is set (a range test's lower bound,
     * lrf_finder_result.cyclic_base_lr); NaN (the default) = auto_lr. */
    double auto_base_lr;
};

struct lrf_sched_parse_options lrf_sched_parse_options_default(void);

/* Parses SPEC (see the top of this file) into *out. Errors: LRF_ERR_PARSE (malformed
 * text, unknown kind; the message lists the valid kinds and gives the column),
 * LRF_ERR_INVALID_ARG (unknown key: the message lists the kind's keys; a value PyTorch
 * rejects or crashes on: the message names the parameter), LRF_ERR_NOMEM. opts may be
 * NULL (defaults). The schedule starts at t = 0. */
enum lrf_status lrf_sched_parse(const char *spec, const struct lrf_sched_parse_options *opts,
                                struct lrf_sched **out, struct lrf_error *err);

/* Frees s; NULL is a no-op. */
void lrf_sched_destroy(struct lrf_sched *s);

enum lrf_sched_kind lrf_sched_get_kind(const struct lrf_sched *s);
const char *lrf_sched_kind_name(enum lrf_sched_kind kind); /* "onecycle"; NULL if out of range */
/* "step, multistep, ..." — every kind name, for messages. */
const char *lrf_sched_kind_list(void);

/* True when the schedule writes the optimizer's momentum (SGD) / beta1 (Adam):
 * cyclic or onecycle with cycle_momentum=true, or a seq/chain containing one. */
bool lrf_sched_has_momentum(const struct lrf_sched *s);
/* True for plateau: lrf_sched_step needs a metric, lrf_sched_eval cannot be used. */
bool lrf_sched_needs_metric(const struct lrf_sched *s);
/* The largest t that may be evaluated (onecycle: N, where PyTorch extrapolates the last
 * phase), or -1 when unbounded. */
long lrf_sched_max_step(const struct lrf_sched *s);

/* Random access: the lr (and momentum, NaN when not driven or not yet written by a
 * momentum-driving child) at step t >= 0. Pure for stateless kinds; seq/chain keep a
 * cache inside s so sequential t is O(1) per call. Errors: LRF_ERR_STATE for t past
 * lrf_sched_max_step or for plateau; LRF_ERR_INVALID_ARG for t < 0. momentum may be NULL.
 * Does not change the iteration state below. */
enum lrf_status lrf_sched_eval(struct lrf_sched *s, long t, double *lr, double *momentum,
                               struct lrf_error *err);

/* Convenience: the lr at t, NaN on any error. */
double lrf_sched_lr(struct lrf_sched *s, long t);

/* Iteration, mirroring a PyTorch training loop: after parse or reset the schedule is at
 * t = 0; each lrf_sched_step advances t by one. metric feeds plateau (PyTorch's
 * sched.step(metric); NaN counts as "not better", as in Python) and is ignored by the
 * other kinds. Errors: LRF_ERR_STATE past lrf_sched_max_step (the state is unchanged). */
void lrf_sched_reset(struct lrf_sched *s);
enum lrf_status lrf_sched_step(struct lrf_sched *s, double metric, struct lrf_error *err);
/* The values at the current step; momentum (may be NULL) is NaN when not driven. */
void lrf_sched_current(const struct lrf_sched *s, double *lr, double *momentum);
long lrf_sched_current_step(const struct lrf_sched *s);

/* Renders s back as a SPEC (parse(format(s)) gives the same schedule: keys that were set
 * or resolved from run_length/auto are printed, defaults are omitted) or as the PyTorch
 * constructor line ("torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, ...)";
 * non-PyTorch kinds render as LambdaLR with the formula). snprintf semantics: returns the
 * length needed excluding the NUL; buf may be NULL when size is 0. */
size_t lrf_sched_format_spec(const struct lrf_sched *s, char *buf, size_t size);
size_t lrf_sched_format_torch(const struct lrf_sched *s, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
