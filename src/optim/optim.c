/* PyTorch 1.13's optimizer update rules (torch/optim/{sgd,adam,...}.py, _single_tensor_*),
 * element by element in float as PyTorch computes them on CPU; the per-step
 * scalars (bias corrections, decayed lr) are computed in double as Python does. */
#include "lrf/optim.h"

#include <math.h>
#include <string.h>

/* scalars[] layout. */
enum { SC_STEP = 0, SC_MOMENTUM_INIT = 1 };

static const char *const kind_names[LRF_OPTIM_COUNT] = {"sgd", "adam", "adamw", "rmsprop",
                                                        "adagrad"};

struct lrf_optim_config lrf_optim_config_default(enum lrf_optim_kind kind)
{
    struct lrf_optim_config c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.lr = 0.01;
    c.beta2 = 0.999;
    c.eps = 1e-8;
    c.alpha = 0.99;
    switch (kind) {
    case LRF_OPTIM_ADAM:
        c.lr = 1e-3;
        c.momentum = 0.9;
        break;
    case LRF_OPTIM_ADAMW:
        c.lr = 1e-3;
        c.momentum = 0.9;
        c.weight_decay = 1e-2;
        break;
    case LRF_OPTIM_ADAGRAD:
        c.eps = 1e-10;
        break;
    default:
        break;
    }
    return c;
}

const char *lrf_optim_kind_name(enum lrf_optim_kind kind)
{
    return (unsigned)kind < LRF_OPTIM_COUNT ? kind_names[kind] : "unknown";
}

enum lrf_status lrf_optim_parse_kind(const char *name, enum lrf_optim_kind *out,
                                     struct lrf_error *err)
{
    for (int k = 0; k < LRF_OPTIM_COUNT; k++)
        if (name && !strcmp(name, kind_names[k])) {
            *out = (enum lrf_optim_kind)k;
            return LRF_OK;
        }
    return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                         "unknown optimizer '%s' (expected sgd, adam, adamw, rmsprop or adagrad)",
                         name ? name : "");
}

static bool finite_nonneg(double v)
{
    return isfinite(v) && v >= 0;
}

enum lrf_status lrf_optim_validate(const struct lrf_optim_config *c, struct lrf_error *err)
{
    if ((unsigned)c->kind >= LRF_OPTIM_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "optimizer kind out of range");
    if (!finite_nonneg(c->lr))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "lr must be >= 0 (got %g)", c->lr);
    if (!finite_nonneg(c->weight_decay))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "weight_decay must be >= 0 (got %g)",
                             c->weight_decay);
    if (!finite_nonneg(c->eps))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "eps must be >= 0 (got %g)", c->eps);
    switch (c->kind) {
    case LRF_OPTIM_SGD:
        if (!finite_nonneg(c->momentum))
            return lrf_error_set(err, LRF_ERR_INVALID_ARG, "momentum must be >= 0 (got %g)",
                                 c->momentum);
        if (!isfinite(c->dampening))
            return lrf_error_set(err, LRF_ERR_INVALID_ARG, "dampening must be finite");
        if (c->nesterov && (c->momentum <= 0 || c->dampening != 0))
            return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                                 "nesterov momentum requires a momentum and zero dampening");
        break;
    case LRF_OPTIM_ADAM:
    case LRF_OPTIM_ADAMW:
        if (!(c->momentum >= 0 && c->momentum < 1))
            return lrf_error_set(err, LRF_ERR_INVALID_ARG, "beta1 must be in [0, 1) (got %g)",
                                 c->momentum);
        if (!(c->beta2 >= 0 && c->beta2 < 1))
            return lrf_error_set(err, LRF_ERR_INVALID_ARG, "beta2 must be in [0, 1) (got %g)",
                                 c->beta2);
        break;
    case LRF_OPTIM_RMSPROP:
        if (!finite_nonneg(c->momentum))
            return lrf_error_set(err, LRF_ERR_INVALID_ARG, "momentum must be >= 0 (got %g)",
                                 c->momentum);
        if (!finite_nonneg(c->alpha))
            return lrf_error_set(err, LRF_ERR_INVALID_ARG, "alpha must be >= 0 (got %g)", c->alpha);
        break;
    case LRF_OPTIM_ADAGRAD:
        if (!finite_nonneg(c->lr_decay))
            return lrf_error_set(err, LRF_ERR_INVALID_ARG, "lr_decay must be >= 0 (got %g)",
                                 c->lr_decay);
        if (!finite_nonneg(c->initial_accumulator_value))
            return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                                 "initial_accumulator_value must be >= 0 (got %g)",
                                 c->initial_accumulator_value);
        break;
    default:
        break;
    }
    return LRF_OK;
}

int lrf_optim_state_slots(const struct lrf_optim_config *c)
{
    switch (c->kind) {
    case LRF_OPTIM_SGD:
        /* Always reserved: a schedule may raise the momentum from 0 mid-run. */
        return 1;
    case LRF_OPTIM_ADAM:
    case LRF_OPTIM_ADAMW:
        return c->amsgrad ? 3 : 2;
    case LRF_OPTIM_RMSPROP:
        return 3; /* square_avg, momentum_buffer, grad_avg */
    case LRF_OPTIM_ADAGRAD:
        return 1;
    default:
        return 0;
    }
}

void lrf_optim_reset(const struct lrf_optim_config *c, float *const *slots, double *scalars,
                     size_t n)
{
    int k = lrf_optim_state_slots(c);
    for (int s = 0; s < k; s++)
        memset(slots[s], 0, n * sizeof(float));
    if (c->kind == LRF_OPTIM_ADAGRAD && c->initial_accumulator_value != 0) {
        float v = (float)c->initial_accumulator_value;
        for (size_t i = 0; i < n; i++)
            slots[0][i] = v;
    }
    for (int i = 0; i < LRF_OPTIM_SCALARS; i++)
        scalars[i] = 0;
}

long lrf_optim_step_count(const double *scalars)
{
    return (long)scalars[SC_STEP];
}

/* The loops below take restrict pointers (params, grads and state never
 * alias) and get every option as a compile-time constant through an inlined
 * kernel, so each variant is one branch-free, vectorized pass. */
static inline __attribute__((always_inline)) void
sgd_kernel(float *restrict p, const float *restrict g, float *restrict buf, size_t n, float wd,
           float mom, float damp1, float neg_lr, bool decay, bool momentum, bool first,
           bool nesterov)
{
    for (size_t i = 0; i < n; i++) {
        float d = decay ? g[i] + wd * p[i] : g[i];
        if (momentum) {
            float b = first ? d : buf[i] * mom + damp1 * d;
            buf[i] = b;
            d = nesterov ? d + mom * b : b;
        }
        p[i] = p[i] + neg_lr * d;
    }
}

#define SGD_VARIANT(decay, momentum, first, nesterov)                                              \
    sgd_kernel(p, g, buf, n, wd, mom, damp1, neg_lr, decay, momentum, first, nesterov)

static void step_sgd(const struct lrf_optim_config *c, float *restrict p, const float *restrict g,
                     float *restrict buf, double *scalars, size_t n, double lr, double momentum)
{
    const float wd = (float)c->weight_decay, mom = (float)momentum;
    const float damp1 = (float)(1.0 - c->dampening), neg_lr = (float)-lr;
    const bool decay = c->weight_decay != 0;
    if (momentum == 0) {
        if (decay)
            SGD_VARIANT(true, false, false, false);
        else
            SGD_VARIANT(false, false, false, false);
        return;
    }
    /* PyTorch's momentum buffer is created on the first step with momentum != 0
     * as a copy of the (decayed) gradient, without dampening. */
    const bool first = scalars[SC_MOMENTUM_INIT] == 0;
    scalars[SC_MOMENTUM_INIT] = 1;
    const int variant = (decay ? 4 : 0) | (first ? 2 : 0) | (c->nesterov ? 1 : 0);
    switch (variant) {
    case 0:
        SGD_VARIANT(false, true, false, false);
        break;
    case 1:
        SGD_VARIANT(false, true, false, true);
        break;
    case 2:
        SGD_VARIANT(false, true, true, false);
        break;
    case 3:
        SGD_VARIANT(false, true, true, true);
        break;
    case 4:
        SGD_VARIANT(true, true, false, false);
        break;
    case 5:
        SGD_VARIANT(true, true, false, true);
        break;
    case 6:
        SGD_VARIANT(true, true, true, false);
        break;
    default:
        SGD_VARIANT(true, true, true, true);
        break;
    }
}

static void step_adam(const struct lrf_optim_config *c, float *p, const float *g,
                      float *const *slots, double step, size_t n, double lr, double beta1)
{
    float *m = slots[0], *v = slots[1], *vmax = c->amsgrad ? slots[2] : NULL;
    const bool decoupled = c->kind == LRF_OPTIM_ADAMW;
    const float wd = (float)c->weight_decay, decay = (float)(1.0 - lr * c->weight_decay);
    const float b1 = (float)beta1, one_b1 = (float)(1.0 - beta1);
    const float b2 = (float)c->beta2, one_b2 = (float)(1.0 - c->beta2);
    const double bc1 = 1.0 - pow(beta1, step), bc2 = 1.0 - pow(c->beta2, step);
    const float neg_step = (float)(-(lr / bc1)), bc2_sqrt = (float)sqrt(bc2);
    const float eps = (float)c->eps;
    for (size_t i = 0; i < n; i++) {
        float grad = g[i], param = p[i];
        if (decoupled)
            param = param * decay;
        else if (wd != 0)
            grad = grad + wd * param;
        m[i] = m[i] * b1 + one_b1 * grad;
        v[i] = v[i] * b2 + one_b2 * (grad * grad);
        float sq = v[i];
        if (vmax) {
            vmax[i] = vmax[i] > v[i] || isnan(vmax[i]) ? vmax[i] : v[i];
            sq = vmax[i];
        }
        float denom = sqrtf(sq) / bc2_sqrt + eps;
        p[i] = param + neg_step * (m[i] / denom);
    }
}

static void step_rmsprop(const struct lrf_optim_config *c, float *p, const float *g,
                         float *const *slots, size_t n, double lr, double momentum)
{
    float *sq = slots[0], *buf = slots[1], *gavg = slots[2];
    const float wd = (float)c->weight_decay, a = (float)c->alpha, one_a = (float)(1.0 - c->alpha);
    const float eps = (float)c->eps, mom = (float)momentum, neg_lr = (float)-lr;
    for (size_t i = 0; i < n; i++) {
        float grad = g[i];
        if (wd != 0)
            grad = grad + wd * p[i];
        sq[i] = sq[i] * a + one_a * (grad * grad);
        float avg;
        if (c->centered) {
            gavg[i] = gavg[i] * a + one_a * grad;
            avg = sqrtf(sq[i] + -1.0f * (gavg[i] * gavg[i]));
        } else {
            avg = sqrtf(sq[i]);
        }
        avg = avg + eps;
        if (momentum > 0) {
            buf[i] = buf[i] * mom + grad / avg;
            p[i] = p[i] + neg_lr * buf[i];
        } else {
            p[i] = p[i] + neg_lr * (grad / avg);
        }
    }
}

static void step_adagrad(const struct lrf_optim_config *c, float *p, const float *g, float *sum,
                         double step, size_t n, double lr)
{
    const float wd = (float)c->weight_decay, eps = (float)c->eps;
    const float neg_clr = (float)(-(lr / (1.0 + (step - 1.0) * c->lr_decay)));
    for (size_t i = 0; i < n; i++) {
        float grad = g[i];
        if (wd != 0)
            grad = grad + wd * p[i];
        sum[i] = sum[i] + grad * grad;
        float std = sqrtf(sum[i]) + eps;
        p[i] = p[i] + neg_clr * (grad / std);
    }
}

void lrf_optim_step(const struct lrf_optim_config *c, float *params, const float *grads,
                    float *const *slots, double *scalars, size_t n, double lr, double momentum)
{
    double step = scalars[SC_STEP] + 1;
    scalars[SC_STEP] = step;
    switch (c->kind) {
    case LRF_OPTIM_SGD:
        step_sgd(c, params, grads, slots[0], scalars, n, lr, momentum);
        break;
    case LRF_OPTIM_ADAM:
    case LRF_OPTIM_ADAMW:
        step_adam(c, params, grads, slots, step, n, lr, momentum);
        break;
    case LRF_OPTIM_RMSPROP:
        step_rmsprop(c, params, grads, slots, n, lr, momentum);
        break;
    case LRF_OPTIM_ADAGRAD:
        step_adagrad(c, params, grads, slots[0], step, n, lr);
        break;
    default:
        break;
    }
}
