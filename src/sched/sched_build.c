/* Parsed values -> resolved parameters, with PyTorch's checks and an error for every
 * configuration that would crash PyTorch (a ZeroDivisionError at some step). Each
 * message names the parameter. */
#include <math.h>
#include <stdlib.h>

#include "sched/sched_internal.h"

static const struct sched_value *val(const struct sched_node *n, const char *key)
{
    return &n->vals[sched_key_index(n->kind, key)];
}

static double num(const struct sched_node *n, const char *key)
{
    return val(n, key)->num;
}

static long lng(const struct sched_node *n, const char *key)
{
    return (long)val(n, key)->num;
}

#define FAIL(...) lrf_error_set(err, LRF_ERR_INVALID_ARG, __VA_ARGS__)

static enum lrf_status build_cyclic(struct sched_node *n, struct lrf_error *err)
{
    struct sched_params *p = &n->p;
    p->base_lr = num(n, "base_lr");
    p->max_lr = num(n, "max_lr");
    p->up = num(n, "step_size_up");
    p->down = val(n, "step_size_down")->set ? num(n, "step_size_down") : p->up;
    p->mode = val(n, "mode")->choice;
    p->gamma = num(n, "gamma");
    p->scale_fn = val(n, "scale_fn")->set ? val(n, "scale_fn")->choice : -1;
    p->scale_mode = val(n, "scale_mode")->choice;
    p->cycle_momentum = num(n, "cycle_momentum") != 0;
    p->base_m = num(n, "base_momentum");
    p->max_m = num(n, "max_momentum");
    if (p->up < 0)
        return FAIL("cyclic: step_size_up must be >= 0, got %g", p->up);
    if (p->down < 0)
        return FAIL("cyclic: step_size_down must be >= 0, got %g", p->down);
    /* total = 0 divides by zero in the constructor; up = 0 makes x/ratio 0/0 at t = 0. */
    if (p->up + p->down == 0)
        return FAIL("cyclic: step_size_up + step_size_down must be > 0 (both are 0)");
    if (p->up == 0)
        return FAIL("cyclic: step_size_up must be > 0 (PyTorch divides by the up ratio)");
    return LRF_OK;
}

static enum lrf_status build_onecycle(struct sched_node *n, struct lrf_error *err)
{
    struct sched_params *p = &n->p;
    p->max_lr = num(n, "max_lr");
    if (val(n, "total_steps")->set) {
        p->total_steps = lng(n, "total_steps");
        if (p->total_steps <= 0)
            return FAIL("onecycle: total_steps must be a positive integer, got %ld",
                        p->total_steps);
    } else if (val(n, "epochs")->set || val(n, "steps_per_epoch")->set) {
        if (!val(n, "epochs")->set || lng(n, "epochs") <= 0)
            return FAIL("onecycle: epochs must be a positive integer (with steps_per_epoch)");
        if (!val(n, "steps_per_epoch")->set || lng(n, "steps_per_epoch") <= 0)
            return FAIL("onecycle: steps_per_epoch must be a positive integer (with epochs)");
        if (lng(n, "epochs") > 1000000000L / lng(n, "steps_per_epoch"))
            return FAIL("onecycle: epochs*steps_per_epoch is too large");
        p->total_steps = lng(n, "epochs") * lng(n, "steps_per_epoch");
    } else {
        return FAIL("onecycle: missing total_steps (or epochs and steps_per_epoch, or a run "
                    "length)");
    }
    double pct = num(n, "pct_start");
    if (pct < 0 || pct > 1)
        return FAIL("onecycle: pct_start must be in [0, 1], got %g", pct);
    p->linear = val(n, "anneal_strategy")->choice == 1;
    p->cycle_momentum = num(n, "cycle_momentum") != 0;
    p->base_m = num(n, "base_momentum");
    p->max_m = num(n, "max_momentum");
    double div = num(n, "div_factor"), fdiv = num(n, "final_div_factor");
    if (div == 0)
        return FAIL("onecycle: div_factor must be non-zero");
    if (fdiv == 0)
        return FAIL("onecycle: final_div_factor must be non-zero");
    p->initial_lr = p->max_lr / div;
    p->min_lr = p->initial_lr / fdiv;
    double N = (double)p->total_steps;
    /* Same float expressions as PyTorch: float(pct*N) - 1, float(2*pct*N) - 2. */
    if (num(n, "three_phase") != 0) {
        p->n_phases = 3;
        p->end_step[0] = pct * N - 1;
        p->end_step[1] = 2 * pct * N - 2;
        p->end_step[2] = N - 1;
    } else {
        p->n_phases = 2;
        p->end_step[0] = pct * N - 1;
        p->end_step[1] = N - 1;
    }
    /* PyTorch divides by a phase's width when t lands in it. A zero-width first phase
     * is hit at t = 0 (construction) and a middle one never; a zero-width last phase
     * only at t = N, so that schedule stays usable up to N - 1. */
    if (p->end_step[0] == 0)
        return FAIL("onecycle: pct_start=%g with total_steps=%ld gives a zero-width first phase "
                    "(PyTorch divides by zero)",
                    pct, p->total_steps);
    p->zero_last = p->end_step[p->n_phases - 1] == p->end_step[p->n_phases - 2];
    return LRF_OK;
}

static enum lrf_status build_plateau(struct sched_node *n, struct lrf_error *err)
{
    struct sched_params *p = &n->p;
    p->mode_max = val(n, "mode")->choice == 1;
    p->factor = num(n, "factor");
    p->patience = lng(n, "patience");
    p->threshold = num(n, "threshold");
    p->thr_abs = val(n, "threshold_mode")->choice == 1;
    p->cooldown = lng(n, "cooldown");
    p->min_lr = num(n, "min_lr");
    p->eps = num(n, "eps");
    if (p->factor >= 1.0)
        return FAIL("plateau: factor must be < 1, got %g", p->factor);
    return LRF_OK;
}

static enum lrf_status build_wsd(struct sched_node *n, struct lrf_error *err)
{
    struct sched_params *p = &n->p;
    p->warmup = lng(n, "num_warmup_steps");
    p->decay_steps = lng(n, "num_decay_steps");
    p->warmup_type = val(n, "warmup_type")->choice;
    p->decay_type = val(n, "decay_type")->choice;
    p->min_rate = num(n, "min_lr_ratio");
    p->cycles = num(n, "num_cycles");
    if (val(n, "num_stable_steps")->set)
        p->stable = lng(n, "num_stable_steps");
    else if (val(n, "num_training_steps")->set)
        p->stable = lng(n, "num_training_steps") - p->warmup - p->decay_steps;
    else
        return FAIL("wsd: needs num_training_steps or num_stable_steps (or a run length)");
    if (p->warmup < 0 || p->decay_steps < 0 || p->stable < 0)
        return FAIL("wsd: num_warmup_steps, num_decay_steps and num_stable_steps must be >= 0 "
                    "(num_training_steps too short?)");
    return LRF_OK;
}

static enum lrf_status build_lists(struct sched_node *n, const char *key, struct lrf_error *err)
{
    const struct sched_value *v = val(n, key);
    n->p.milestones = malloc((v->n ? v->n : 1) * sizeof *n->p.milestones);
    if (!n->p.milestones)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < v->n; i++) {
        n->p.milestones[i] = (long)v->list[i];
        if (n->p.milestones[i] < 0)
            return FAIL("%s: %s must be >= 0, got %ld", sched_kinds[n->kind].name, key,
                        n->p.milestones[i]);
    }
    n->p.n_milestones = v->n;
    return LRF_OK;
}

static enum lrf_status build_composite(struct sched_node *n, struct lrf_error *err)
{
    const char *kn = sched_kinds[n->kind].name;
    for (size_t i = 0; i < n->n_child; i++) {
        const struct sched_node *c = n->child[i];
        if (c->kind == LRF_SCHED_PLATEAU)
            return FAIL("%s: plateau cannot be composed (PyTorch rejects ReduceLROnPlateau in "
                        "%s)",
                        kn, sched_kinds[n->kind].torch);
        if (sched_kinds[c->kind].composite)
            return FAIL("%s: a %s cannot be nested in %s", kn, sched_kinds[c->kind].name, kn);
        /* A hand-off evaluates the closed form, which divides by total_iters. */
        if (n->kind == LRF_SCHED_SEQ && i > 0 &&
            (c->kind == LRF_SCHED_LINEAR || c->kind == LRF_SCHED_POLYNOMIAL) &&
            c->p.total_iters == 0)
            return FAIL("seq: total_iters of %s (schedule %zu) must be > 0 after a milestone",
                        sched_kinds[c->kind].name, i + 1);
    }
    if (n->kind == LRF_SCHED_SEQ) {
        enum lrf_status st = build_lists(n, "milestones", err);
        if (st)
            return st;
        if (n->p.n_milestones != n->n_child - 1)
            return FAIL("seq: milestones needs one entry fewer than the %zu schedules, got %zu",
                        n->n_child, n->p.n_milestones);
    }
    return LRF_OK;
}

/* step, multistep, exponential, multiplicative, polynomial: a factor and a period. */
static enum lrf_status build_decay(struct sched_node *n, struct lrf_error *err)
{
    struct sched_params *p = &n->p;
    switch (n->kind) {
    case LRF_SCHED_STEP:
        p->step_size = lng(n, "step_size");
        p->gamma = num(n, "gamma");
        if (p->step_size <= 0)
            return FAIL("step: step_size must be > 0, got %ld", p->step_size);
        return LRF_OK;
    case LRF_SCHED_MULTISTEP:
        p->gamma = num(n, "gamma");
        return build_lists(n, "milestones", err);
    case LRF_SCHED_EXPONENTIAL:
        p->gamma = num(n, "gamma");
        return LRF_OK;
    case LRF_SCHED_MULTIPLICATIVE:
        p->factor = num(n, "factor");
        return LRF_OK;
    default: /* LRF_SCHED_POLYNOMIAL */
        p->total_iters = lng(n, "total_iters");
        p->power = num(n, "power");
        if (p->total_iters < 0)
            return FAIL("polynomial: total_iters must be >= 0, got %ld", p->total_iters);
        return LRF_OK;
    }
}

/* constant and linear: a factor (or a ramp between two) for total_iters steps. */
static enum lrf_status build_warmup_factor(struct sched_node *n, struct lrf_error *err)
{
    struct sched_params *p = &n->p;
    p->total_iters = lng(n, "total_iters");
    if (n->kind == LRF_SCHED_CONSTANT) {
        p->factor = num(n, "factor");
        if (p->factor < 0 || p->factor > 1)
            return FAIL("constant: factor must be in [0, 1], got %g", p->factor);
        if (p->total_iters < 0)
            return FAIL("constant: total_iters must be >= 0, got %ld", p->total_iters);
        if (p->factor == 0 && p->total_iters > 0)
            return FAIL("constant: factor must be > 0 (PyTorch divides by it at total_iters)");
        return LRF_OK;
    }
    p->start_factor = num(n, "start_factor");
    p->end_factor = num(n, "end_factor");
    if (p->start_factor <= 0 || p->start_factor > 1)
        return FAIL("linear: start_factor must be in (0, 1], got %g (PyTorch divides by it)",
                    p->start_factor);
    if (p->end_factor < 0 || p->end_factor > 1)
        return FAIL("linear: end_factor must be in [0, 1], got %g", p->end_factor);
    if (p->total_iters < 0)
        return FAIL("linear: total_iters must be >= 0, got %ld", p->total_iters);
    return LRF_OK;
}

static enum lrf_status build_cosine(struct sched_node *n, struct lrf_error *err)
{
    struct sched_params *p = &n->p;
    p->eta_min = num(n, "eta_min");
    if (n->kind == LRF_SCHED_COSINE) {
        p->T_max = lng(n, "T_max");
        if (p->T_max <= 0)
            return FAIL("cosine: T_max must be > 0, got %ld", p->T_max);
        return LRF_OK;
    }
    p->T_0 = lng(n, "T_0");
    p->T_mult = lng(n, "T_mult");
    if (p->T_0 <= 0)
        return FAIL("cosine_restarts: T_0 must be a positive integer, got %ld", p->T_0);
    if (p->T_mult < 1)
        return FAIL("cosine_restarts: T_mult must be an integer >= 1, got %ld", p->T_mult);
    return LRF_OK;
}

static enum lrf_status build_warmup_cosine(struct sched_node *n, double base_lr,
                                           struct lrf_error *err)
{
    struct sched_params *p = &n->p;
    p->warmup = lng(n, "num_warmup_steps");
    p->training = lng(n, "num_training_steps");
    p->cycles = num(n, "num_cycles");
    if (val(n, "min_lr_rate")->set && val(n, "min_lr")->set)
        return FAIL("warmup_cosine: give min_lr_rate or min_lr, not both");
    p->min_rate = val(n, "min_lr_rate")->set ? num(n, "min_lr_rate")
                  : val(n, "min_lr")->set    ? num(n, "min_lr") / base_lr
                                             : 0.0;
    if (p->warmup < 0 || p->training < 0)
        return FAIL("warmup_cosine: num_warmup_steps and num_training_steps must be >= 0");
    return LRF_OK;
}

/* inverse_sqrt (HF) and inverse_time (Keras). */
static enum lrf_status build_inverse(struct sched_node *n, struct lrf_error *err)
{
    struct sched_params *p = &n->p;
    if (n->kind == LRF_SCHED_INVERSE_TIME) {
        p->decay_rate = num(n, "decay_rate");
        p->timescale = num(n, "decay_steps");
        p->staircase = num(n, "staircase") != 0;
        if (p->timescale <= 0)
            return FAIL("inverse_time: decay_steps must be > 0, got %g", p->timescale);
        return LRF_OK;
    }
    p->warmup = lng(n, "num_warmup_steps");
    if (p->warmup < 0)
        return FAIL("inverse_sqrt: num_warmup_steps must be >= 0, got %ld", p->warmup);
    p->timescale = val(n, "timescale")->set ? num(n, "timescale")
                   : p->warmup              ? (double)p->warmup
                                            : 10000.0;
    if (p->timescale <= 0)
        return FAIL("inverse_sqrt: timescale must be > 0, got %g", p->timescale);
    return LRF_OK;
}

static enum lrf_status build_piecewise(struct sched_node *n, struct lrf_error *err)
{
    const struct sched_value *b = val(n, "boundaries"), *v = val(n, "values");
    if (v->n != b->n + 1)
        return FAIL("piecewise: values needs one entry more than boundaries (%zu), got %zu", b->n,
                    v->n);
    for (size_t i = 1; i < b->n; i++)
        if (b->list[i] <= b->list[i - 1])
            return FAIL("piecewise: boundaries must be increasing");
    n->p.boundaries = b->list;
    n->p.values = v->list;
    n->p.n_values = v->n;
    return LRF_OK;
}

/* Caffe's poly, inv and sigmoid. */
static enum lrf_status build_caffe(struct sched_node *n, struct lrf_error *err)
{
    struct sched_params *p = &n->p;
    switch (n->kind) {
    case LRF_SCHED_POLY:
        p->power = num(n, "power");
        p->max_iter = num(n, "max_iter");
        if (p->max_iter <= 0)
            return FAIL("poly: max_iter must be > 0, got %g", p->max_iter);
        return LRF_OK;
    case LRF_SCHED_INV:
        p->gamma = num(n, "gamma");
        p->power = num(n, "power");
        if (p->gamma < 0)
            return FAIL("inv: gamma must be >= 0, got %g", p->gamma);
        return LRF_OK;
    default: /* LRF_SCHED_SIGMOID */
        p->gamma = num(n, "gamma");
        p->stepsize = num(n, "stepsize");
        return LRF_OK;
    }
}

static enum lrf_status build_simple(struct sched_node *n, double base_lr, struct lrf_error *err)
{
    switch (n->kind) {
    case LRF_SCHED_STEP:
    case LRF_SCHED_MULTISTEP:
    case LRF_SCHED_EXPONENTIAL:
    case LRF_SCHED_MULTIPLICATIVE:
    case LRF_SCHED_POLYNOMIAL:
        return build_decay(n, err);
    case LRF_SCHED_CONSTANT:
    case LRF_SCHED_LINEAR:
        return build_warmup_factor(n, err);
    case LRF_SCHED_COSINE:
    case LRF_SCHED_COSINE_RESTARTS:
        return build_cosine(n, err);
    case LRF_SCHED_CYCLIC:
        return build_cyclic(n, err);
    case LRF_SCHED_ONECYCLE:
        return build_onecycle(n, err);
    case LRF_SCHED_PLATEAU:
        return build_plateau(n, err);
    case LRF_SCHED_WARMUP_COSINE:
        return build_warmup_cosine(n, base_lr, err);
    case LRF_SCHED_INVERSE_SQRT:
    case LRF_SCHED_INVERSE_TIME:
        return build_inverse(n, err);
    case LRF_SCHED_WSD:
        return build_wsd(n, err);
    case LRF_SCHED_PIECEWISE:
        return build_piecewise(n, err);
    case LRF_SCHED_POLY:
    case LRF_SCHED_INV:
    case LRF_SCHED_SIGMOID:
        return build_caffe(n, err);
    default:
        return LRF_OK;
    }
}

enum lrf_status sched_build_node(struct sched_node *n, const struct lrf_sched_parse_options *opts,
                                 struct lrf_error *err)
{
    for (size_t i = 0; i < n->n_child; i++) {
        enum lrf_status st = sched_build_node(n->child[i], opts, err);
        if (st)
            return st;
    }
    if (sched_kinds[n->kind].composite)
        return build_composite(n, err);
    return build_simple(n, opts->base_lr, err);
}
