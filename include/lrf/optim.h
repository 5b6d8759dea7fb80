/* Optimizers as pure functions over flat float arrays, with PyTorch 1.13's
 * update rules and defaults (torch.optim, single-tensor path).
 *
 * The caller owns the state: lrf_optim_state_slots() arrays of n floats each
 * (the model reserves them in its arena) and LRF_OPTIM_SCALARS doubles (the
 * step count and flags). The learning rate and the momentum (SGD, RMSprop) or
 * beta1 (Adam, AdamW) are arguments of every step, because one-cycle and
 * cyclic schedules change them each step; the values in the config are the
 * defaults a caller uses when no schedule drives them. */
#ifndef LRF_OPTIM_H
#define LRF_OPTIM_H

#include <stdbool.h>
#include <stddef.h>

#include "lrf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum lrf_optim_kind {
    LRF_OPTIM_SGD = 0,
    LRF_OPTIM_ADAM = 1,
    LRF_OPTIM_ADAMW = 2,
    LRF_OPTIM_RMSPROP = 3,
    LRF_OPTIM_ADAGRAD = 4,
    LRF_OPTIM_COUNT
};

enum { LRF_OPTIM_SLOTS_MAX = 4, LRF_OPTIM_SCALARS = 8 };

struct lrf_optim_config {
    enum lrf_optim_kind kind;
    double lr;
    double momentum;                  /* SGD and RMSprop momentum; for Adam/AdamW this is beta1 */
    double dampening;                 /* SGD */
    bool nesterov;                    /* SGD: needs momentum > 0 and dampening 0 */
    double weight_decay;              /* L2 added to the gradient; AdamW: decoupled decay */
    double beta2;                     /* Adam, AdamW */
    double eps;                       /* Adam/AdamW/RMSprop 1e-8, Adagrad 1e-10 */
    bool amsgrad;                     /* Adam, AdamW */
    double alpha;                     /* RMSprop smoothing constant */
    bool centered;                    /* RMSprop */
    double lr_decay;                  /* Adagrad */
    double initial_accumulator_value; /* Adagrad */
};

/* PyTorch's defaults for kind. SGD has no default lr in PyTorch; 0.01 here.
 * momentum is 0 for SGD and RMSprop, 0.9 (beta1) for Adam and AdamW. */
struct lrf_optim_config lrf_optim_config_default(enum lrf_optim_kind kind);

/* "sgd", "adam", "adamw", "rmsprop", "adagrad". */
const char *lrf_optim_kind_name(enum lrf_optim_kind kind);
enum lrf_status lrf_optim_parse_kind(const char *name, enum lrf_optim_kind *out,
                                     struct lrf_error *err);

/* Checks the ranges PyTorch checks (lr >= 0, 0 <= betas < 1, eps >= 0, ...). */
enum lrf_status lrf_optim_validate(const struct lrf_optim_config *cfg, struct lrf_error *err);

/* Number of n-float state arrays the optimizer needs (0..LRF_OPTIM_SLOTS_MAX). */
int lrf_optim_state_slots(const struct lrf_optim_config *cfg);

/* Puts the state in its initial (never stepped) condition. */
void lrf_optim_reset(const struct lrf_optim_config *cfg, float *const *slots, double *scalars,
                     size_t n);

/* One update of params[0..n) with grads at this lr and momentum (beta1 for
 * Adam/AdamW; ignored by Adagrad). grads is not modified. */
void lrf_optim_step(const struct lrf_optim_config *cfg, float *params, const float *grads,
                    float *const *slots, double *scalars, size_t n, double lr, double momentum);

/* Steps taken since the last reset. */
long lrf_optim_step_count(const double *scalars);

#ifdef __cplusplus
}
#endif

#endif
