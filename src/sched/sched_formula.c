/* The formulas: PyTorch 1.13's closed and chainable forms, and the published
 * formulas of the non-PyTorch kinds. Arithmetic follows the source expression order
 * so that the results agree to the last bits where possible. */
#include <math.h>

#include "sched/sched_internal.h"

static const double PI = 3.14159265358979323846;

bool sched_has_closed_form(enum lrf_sched_kind kind)
{
    switch (kind) {
    case LRF_SCHED_STEP:
    case LRF_SCHED_MULTISTEP:
    case LRF_SCHED_CONSTANT:
    case LRF_SCHED_LINEAR:
    case LRF_SCHED_EXPONENTIAL:
    case LRF_SCHED_POLYNOMIAL:
    case LRF_SCHED_COSINE:
        return true;
    default:
        return false;
    }
}

bool sched_is_absolute(enum lrf_sched_kind kind)
{
    return !sched_has_closed_form(kind) && kind != LRF_SCHED_MULTIPLICATIVE &&
           kind != LRF_SCHED_PLATEAU && kind != LRF_SCHED_SEQ && kind != LRF_SCHED_CHAIN;
}

bool sched_drives_momentum(const struct sched_node *n)
{
    if (n->kind == LRF_SCHED_CYCLIC || n->kind == LRF_SCHED_ONECYCLE)
        return n->p.cycle_momentum;
    for (size_t i = 0; i < n->n_child; i++)
        if (sched_drives_momentum(n->child[i]))
            return true;
    return false;
}

/* Python's % for a positive divisor (the result takes the divisor's sign). */
static long pymod(long a, long b)
{
    long r = a % b;
    return r < 0 ? r + b : r;
}

static long count_le(const long *m, size_t n, long t)
{
    long c = 0;
    for (size_t i = 0; i < n; i++)
        c += m[i] <= t;
    return c;
}

static long count_eq(const long *m, size_t n, long t)
{
    long c = 0;
    for (size_t i = 0; i < n; i++)
        c += m[i] == t;
    return c;
}

double sched_closed_form(const struct sched_node *n, long t)
{
    const struct sched_params *p = &n->p;
    double base = n->base;
    switch (n->kind) {
    case LRF_SCHED_STEP:
        return base * pow(p->gamma, (double)(t / p->step_size));
    case LRF_SCHED_MULTISTEP: /* bisect_right over the sorted milestones */
        return base * pow(p->gamma, (double)count_le(p->milestones, p->n_milestones, t));
    case LRF_SCHED_CONSTANT:
        return base * (p->factor + (double)(t >= p->total_iters) * (1 - p->factor));
    case LRF_SCHED_LINEAR: {
        long m = t < p->total_iters ? t : p->total_iters;
        return base * (p->start_factor +
                       (p->end_factor - p->start_factor) * (double)m / (double)p->total_iters);
    }
    case LRF_SCHED_EXPONENTIAL:
        return base * pow(p->gamma, (double)t);
    case LRF_SCHED_POLYNOMIAL: {
        long m = t < p->total_iters ? t : p->total_iters;
        return base * pow(1.0 - (double)m / (double)p->total_iters, p->power);
    }
    case LRF_SCHED_COSINE:
        return p->eta_min + (base - p->eta_min) * (1 + cos(PI * (double)t / (double)p->T_max)) / 2;
    default:
        return base;
    }
}

static double cyclic_scale(const struct sched_params *p, int fn, double x)
{
    switch (fn) {
    case 1:
        return 1 / pow(2.0, x - 1);
    case 2:
        return pow(p->gamma, x);
    default:
        return 1.0;
    }
}

static void cyclic(const struct sched_params *p, long t, double *lr, double *mom)
{
    double total = p->up + p->down;
    double ratio = p->up / total;
    double cycle = floor(1 + (double)t / total);
    double x = 1. + (double)t / total - cycle;
    double s;
    if (p->mode == 3) /* sine: half-cosine rise and fall (see sched.h) */
        s = x <= ratio ? (1 - cos(PI * x / ratio)) / 2
                       : (1 + cos(PI * (x - ratio) / (1 - ratio))) / 2;
    else
        s = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    int fn;
    bool by_cycle;
    if (p->scale_fn >= 0) {
        fn = p->scale_fn;
        by_cycle = p->scale_mode == 0;
    } else if (p->mode == 3) {
        fn = 0;
        by_cycle = true;
    } else {
        fn = p->mode;
        by_cycle = p->mode != 2;
    }
    double scale = cyclic_scale(p, fn, by_cycle ? cycle : (double)t);
    *lr = p->base_lr + (p->max_lr - p->base_lr) * s * scale;
    if (p->cycle_momentum)
        *mom = p->max_m - (p->max_m - p->base_m) * s * scale;
}

static double anneal(bool linear, double start, double end, double pct)
{
    if (linear)
        return (end - start) * pct + start;
    return end + (start - end) / 2.0 * (cos(PI * pct) + 1);
}

static enum lrf_status onecycle(const struct sched_params *p, long t, double *lr, double *mom,
                                struct lrf_error *err)
{
    if (t > p->total_steps)
        return lrf_error_set(err, LRF_ERR_STATE, "onecycle: stepped to t=%ld, past total_steps=%ld",
                             t, p->total_steps);
    if (p->zero_last && t == p->total_steps)
        return lrf_error_set(err, LRF_ERR_STATE,
                             "onecycle: t=%ld falls in a zero-width last phase (pct_start makes "
                             "it empty; PyTorch divides by zero)",
                             t);
    double lr_at[4], m_at[4];
    lr_at[0] = p->initial_lr;
    m_at[0] = p->max_m;
    if (p->n_phases == 3) {
        double l[] = {p->max_lr, p->initial_lr, p->min_lr};
        double m[] = {p->base_m, p->max_m, p->max_m};
        for (int i = 0; i < 3; i++) {
            lr_at[i + 1] = l[i];
            m_at[i + 1] = m[i];
        }
    } else {
        lr_at[1] = p->max_lr;
        lr_at[2] = p->min_lr;
        m_at[1] = p->base_m;
        m_at[2] = p->max_m;
    }
    double start = 0, tt = (double)t;
    for (int i = 0; i < p->n_phases; i++) {
        double end = p->end_step[i];
        if (tt <= end || i == p->n_phases - 1) {
            double pct = (tt - start) / (end - start);
            *lr = anneal(p->linear, lr_at[i], lr_at[i + 1], pct);
            if (p->cycle_momentum)
                *mom = anneal(p->linear, m_at[i], m_at[i + 1], pct);
            break;
        }
        start = end;
    }
    return LRF_OK;
}

static double cawr(const struct sched_node *n, long t)
{
    const struct sched_params *p = &n->p;
    long T_i = p->T_0, cur;
    if (p->T_mult == 1) {
        cur = t % p->T_0;
    } else {
        /* Integer walk over the cycles, as PyTorch's step() does: no log() rounding. */
        cur = t;
        while (cur >= T_i) {
            cur -= T_i;
            T_i *= p->T_mult;
        }
    }
    return p->eta_min + (n->base - p->eta_min) * (1 + cos(PI * (double)cur / (double)T_i)) / 2;
}

static double hf_warmup(long t, long w)
{
    return (double)t / (double)(w > 1 ? w : 1);
}

static double wsd(const struct sched_params *p, long t)
{
    double f;
    if (t < p->warmup) {
        double pr = hf_warmup(t, p->warmup);
        f = p->warmup_type == 0   ? pr
            : p->warmup_type == 1 ? 0.5 * (1.0 - cos(PI * pr))
                                  : 1.0 - sqrt(1.0 - pr);
        f = f * (1.0 - p->min_rate) + p->min_rate;
        return f > 0 ? f : 0.0;
    }
    if (t < p->warmup + p->stable)
        return 1.0;
    if (t < p->warmup + p->stable + p->decay_steps) {
        double pr =
            (double)(t - p->warmup - p->stable) / (double)(p->decay_steps > 1 ? p->decay_steps : 1);
        f = p->decay_type == 0   ? 1.0 - pr
            : p->decay_type == 1 ? 0.5 * (1.0 + cos(PI * p->cycles * 2.0 * pr))
                                 : 1.0 - sqrt(pr);
        f = f * (1.0 - p->min_rate) + p->min_rate;
        return f > 0 ? f : 0.0;
    }
    return p->min_rate;
}

static double lambda_factor(const struct sched_node *n, long t)
{
    const struct sched_params *p = &n->p;
    double tt = (double)t;
    switch (n->kind) {
    case LRF_SCHED_WARMUP_COSINE: {
        if (t < p->warmup)
            return hf_warmup(t, p->warmup);
        long span = p->training - p->warmup;
        double pr = (double)(t - p->warmup) / (double)(span > 1 ? span : 1);
        double f = 0.5 * (1.0 + cos(PI * p->cycles * 2.0 * pr));
        f = f * (1 - p->min_rate) + p->min_rate;
        return f > 0 ? f : 0.0;
    }
    case LRF_SCHED_INVERSE_SQRT:
        if (t < p->warmup)
            return hf_warmup(t, p->warmup);
        return 1.0 / sqrt((tt + (p->timescale - (double)p->warmup)) / p->timescale);
    case LRF_SCHED_INVERSE_TIME: {
        double q = tt / p->timescale;
        if (p->staircase)
            q = floor(q);
        return 1.0 / (1.0 + p->decay_rate * q);
    }
    case LRF_SCHED_WSD:
        return wsd(p, t);
    case LRF_SCHED_POLY:
        return pow(1.0 - (tt < p->max_iter ? tt : p->max_iter) / p->max_iter, p->power);
    case LRF_SCHED_INV:
        return pow(1.0 + p->gamma * tt, -p->power);
    case LRF_SCHED_SIGMOID:
        return 1.0 / (1.0 + exp(-p->gamma * (tt - p->stepsize)));
    default:
        return 1.0;
    }
}

enum lrf_status sched_absolute(const struct sched_node *n, long t, double *lr, double *mom,
                               struct lrf_error *err)
{
    switch (n->kind) {
    case LRF_SCHED_CYCLIC:
        cyclic(&n->p, t, lr, mom);
        return LRF_OK;
    case LRF_SCHED_ONECYCLE:
        return onecycle(&n->p, t, lr, mom, err);
    case LRF_SCHED_COSINE_RESTARTS:
        *lr = cawr(n, t);
        return LRF_OK;
    case LRF_SCHED_PIECEWISE: {
        size_t i = 0; /* Keras: the boundary step belongs to the earlier piece */
        while (i + 1 < n->p.n_values && (double)t > n->p.boundaries[i])
            i++;
        *lr = n->p.values[i];
        return LRF_OK;
    }
    default:
        *lr = n->base * lambda_factor(n, t);
        return LRF_OK;
    }
}

enum lrf_status sched_standalone(const struct sched_node *n, long t, double *lr, double *mom,
                                 struct lrf_error *err)
{
    const struct sched_params *p = &n->p;
    if (sched_is_absolute(n->kind))
        return sched_absolute(n, t, lr, mom, err);
    /* The chainable form's degenerate cases (total_iters = 0), which step() shows. */
    if (n->kind == LRF_SCHED_CONSTANT && p->total_iters == 0)
        *lr = n->base * p->factor;
    else if (n->kind == LRF_SCHED_LINEAR && p->total_iters == 0)
        *lr = n->base * p->start_factor;
    else if (n->kind == LRF_SCHED_POLYNOMIAL && p->total_iters == 0)
        *lr = n->base;
    else if (n->kind == LRF_SCHED_MULTIPLICATIVE)
        *lr = n->base * pow(p->factor, (double)t);
    else
        *lr = sched_closed_form(n, t);
    return LRF_OK;
}

/* LinearLR's chainable get_lr(): the factor from step t-1 to t. */
static double linear_chainable(const struct sched_params *p, long t, double cur)
{
    if (t == 0)
        return cur * p->start_factor;
    if (t > p->total_iters)
        return cur;
    return cur * (1. + (p->end_factor - p->start_factor) /
                           ((double)p->total_iters * p->start_factor +
                            (double)(t - 1) * (p->end_factor - p->start_factor)));
}

/* CosineAnnealingLR's chainable get_lr() (its recursive form, restarts included). */
static double cosine_chainable(const struct sched_node *n, long t, double cur)
{
    const struct sched_params *p = &n->p;
    double T = (double)p->T_max;
    if (t == 0)
        return cur;
    if (pymod(t - 1 - p->T_max, 2 * p->T_max) == 0)
        return cur + (n->base - p->eta_min) * (1 - cos(PI / T)) / 2;
    return (1 + cos(PI * (double)t / T)) / (1 + cos(PI * (double)(t - 1) / T)) *
               (cur - p->eta_min) +
           p->eta_min;
}

enum lrf_status sched_chainable(const struct sched_node *n, long t, double cur, double *lr,
                                double *mom, struct lrf_error *err)
{
    const struct sched_params *p = &n->p;
    if (sched_is_absolute(n->kind))
        return sched_absolute(n, t, lr, mom, err);
    *lr = cur;
    switch (n->kind) {
    case LRF_SCHED_STEP:
        if (t > 0 && t % p->step_size == 0)
            *lr = cur * p->gamma;
        break;
    case LRF_SCHED_MULTISTEP: {
        long c = count_eq(p->milestones, p->n_milestones, t);
        if (c)
            *lr = cur * pow(p->gamma, (double)c);
        break;
    }
    case LRF_SCHED_CONSTANT:
        if (t == 0)
            *lr = cur * p->factor;
        else if (t == p->total_iters)
            *lr = cur * (1.0 / p->factor);
        break;
    case LRF_SCHED_LINEAR:
        *lr = linear_chainable(p, t, cur);
        break;
    case LRF_SCHED_EXPONENTIAL:
        if (t > 0)
            *lr = cur * p->gamma;
        break;
    case LRF_SCHED_MULTIPLICATIVE:
        if (t > 0)
            *lr = cur * p->factor;
        break;
    case LRF_SCHED_POLYNOMIAL:
        if (t > 0 && t <= p->total_iters) {
            double T = (double)p->total_iters;
            *lr = cur * pow((1.0 - (double)t / T) / (1.0 - (double)(t - 1) / T), p->power);
        }
        break;
    case LRF_SCHED_COSINE:
        *lr = cosine_chainable(n, t, cur);
        break;
    default:
        break;
    }
    return LRF_OK;
}
