/* Public API: parse, random access, iteration. Composition (seq, chain) is simulated
 * the way PyTorch 1.13 runs it — construction order, SequentialLR's reset and undo,
 * step(0) at milestones, chainable get_lr() — because its values depend on that order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"

struct lrf_sched_parse_options lrf_sched_parse_options_default(void)
{
    struct lrf_sched_parse_options o = {
        .base_lr = 1.0, .run_length = 0, .auto_lr = NAN, .auto_base_lr = NAN};
    return o;
}

/* Each child's base_lrs: the group's initial_lr when the child is constructed.
 * OneCycleLR overwrites initial_lr; CyclicLR sets the group lr to its base_lr first,
 * so a leading cyclic makes that the initial_lr (setdefault) of everything after. */
static void assign_bases(struct sched_node *root, double base_lr)
{
    if (!sched_kinds[root->kind].composite) {
        root->base = base_lr;
        return;
    }
    double group_lr = base_lr, initial = NAN;
    for (size_t i = 0; i < root->n_child; i++) {
        struct sched_node *c = root->child[i];
        if (c->kind == LRF_SCHED_CYCLIC)
            group_lr = c->p.base_lr;
        if (c->kind == LRF_SCHED_ONECYCLE)
            initial = c->p.initial_lr;
        else if (isnan(initial))
            initial = group_lr;
        c->base = initial;
        double m = NAN;
        /* Construction's initial step; errors are impossible at t = 0 after validation. */
        sched_chainable(c, 0, group_lr, &group_lr, &m, NULL);
        if (c->kind == LRF_SCHED_CYCLIC) /* see state_start */
            group_lr = c->base;
    }
    root->base = initial;
}

static enum lrf_status state_start(const struct lrf_sched *s, struct sched_state *st,
                                   struct lrf_error *err)
{
    const struct sched_node *r = s->root;
    st->t = 0;
    st->mom = NAN;
    if (r->kind == LRF_SCHED_PLATEAU) {
        st->lr = s->base_lr;
        st->best = r->p.mode_max ? -INFINITY : INFINITY;
        st->bad = st->cooldown_counter = 0;
        return LRF_OK;
    }
    if (!sched_kinds[r->kind].composite)
        return sched_standalone(r, 0, &st->lr, &st->mom, err);
    /* Construction of the children, in order, each running its initial step. */
    double group_lr = s->base_lr;
    for (size_t i = 0; i < r->n_child; i++) {
        const struct sched_node *c = r->child[i];
        if (c->kind == LRF_SCHED_CYCLIC)
            group_lr = c->p.base_lr;
        enum lrf_status stt = sched_chainable(c, 0, group_lr, &group_lr, &st->mom, err);
        if (stt)
            return stt;
        /* CyclicLR's constructor runs its initial step while base_lrs still holds the
         * group's initial_lr (its own base_lr is restored afterwards), so at x = 0 it
         * writes initial_lr, which differs when an earlier scheduler set it. */
        if (c->kind == LRF_SCHED_CYCLIC)
            group_lr = c->base;
    }
    if (r->kind == LRF_SCHED_CHAIN) {
        st->lr = group_lr;
        return LRF_OK;
    }
    /* SequentialLR: group lr back to initial_lr, every child's last_epoch -= 1, then
     * only the first child's initial step. */
    for (size_t i = 0; i < r->n_child; i++)
        st->epoch[i] = -1;
    st->epoch[0] = 0;
    return sched_chainable(r->child[0], 0, r->base, &st->lr, &st->mom, err);
}

static size_t bisect_right(const long *a, size_t n, long x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x < a[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static bool plateau_better(const struct sched_params *p, double a, double best)
{
    if (!p->mode_max)
        return p->thr_abs ? a < best - p->threshold : a < best * (1. - p->threshold);
    return p->thr_abs ? a > best + p->threshold : a > best * (p->threshold + 1.);
}

/* ReduceLROnPlateau's step(metric) on the lr. */
static double plateau_step(const struct sched_params *p, struct sched_state *st, double metric,
                           double lr)
{
    if (plateau_better(p, metric, st->best)) {
        st->best = metric;
        st->bad = 0;
    } else {
        st->bad++;
    }
    if (st->cooldown_counter > 0) {
        st->cooldown_counter--;
        st->bad = 0;
    }
    if (st->bad > p->patience) {
        double nl = fmax(lr * p->factor, p->min_lr);
        if (lr - nl > p->eps)
            lr = nl;
        st->cooldown_counter = p->cooldown;
        st->bad = 0;
    }
    return lr;
}

/* SequentialLR's step to t: the child whose milestone range holds t. */
static enum lrf_status seq_step(const struct sched_node *r, struct sched_state *st, long t,
                                double *lr, double *mom, struct lrf_error *err)
{
    size_t idx = bisect_right(r->p.milestones, r->p.n_milestones, t);
    const struct sched_node *c = r->child[idx];
    long e;
    enum lrf_status stt = LRF_OK;
    if (idx > 0 && r->p.milestones[idx - 1] == t) {
        e = 0; /* step(0): the closed form when the child has one, else get_lr() */
        if (sched_has_closed_form(c->kind))
            *lr = sched_closed_form(c, 0);
        else
            stt = sched_chainable(c, 0, *lr, lr, mom, err);
    } else {
        e = st->epoch[idx] + 1;
        stt = sched_chainable(c, e, *lr, lr, mom, err);
    }
    if (!stt)
        st->epoch[idx] = e;
    return stt;
}

static enum lrf_status state_advance(const struct lrf_sched *s, struct sched_state *st,
                                     double metric, struct lrf_error *err)
{
    const struct sched_node *r = s->root;
    long t = st->t + 1;
    double lr = st->lr, mom = st->mom;
    enum lrf_status stt = LRF_OK;
    switch (r->kind) {
    case LRF_SCHED_PLATEAU:
        lr = plateau_step(&r->p, st, metric, lr);
        break;
    case LRF_SCHED_CHAIN:
        for (size_t i = 0; i < r->n_child && !stt; i++)
            stt = sched_chainable(r->child[i], t, lr, &lr, &mom, err);
        break;
    case LRF_SCHED_SEQ:
        stt = seq_step(r, st, t, &lr, &mom, err);
        break;
    default:
        stt = sched_standalone(r, t, &lr, &mom, err);
        break;
    }
    if (stt)
        return stt;
    st->t = t;
    st->lr = lr;
    st->mom = mom;
    return LRF_OK;
}

static enum lrf_status state_alloc(struct sched_state *st, size_t n)
{
    st->epoch = calloc(n ? n : 1, sizeof *st->epoch);
    return st->epoch ? LRF_OK : LRF_ERR_NOMEM;
}

enum lrf_status lrf_sched_parse(const char *spec, const struct lrf_sched_parse_options *opts,
                                struct lrf_sched **out, struct lrf_error *err)
{
    struct lrf_sched_parse_options o = opts ? *opts : lrf_sched_parse_options_default();
    *out = NULL;
    if (!spec)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "schedule: no SPEC given");
    if (!isfinite(o.base_lr))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "schedule: base_lr must be finite");
    if (o.run_length < 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "schedule: run_length must be >= 0");
    struct sched_node *root = NULL;
    enum lrf_status st = sched_parse_node(spec, &o, &root, err);
    if (st)
        return st;
    st = sched_build_node(root, &o, err);
    if (st) {
        sched_node_free(root);
        return st;
    }
    struct lrf_sched *s = calloc(1, sizeof *s);
    if (!s || state_alloc(&s->cur, root->n_child) || state_alloc(&s->cache, root->n_child)) {
        sched_node_free(root);
        lrf_sched_destroy(s);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    }
    s->root = root;
    s->base_lr = o.base_lr;
    assign_bases(root, o.base_lr);
    st = state_start(s, &s->cur, err);
    if (st) {
        lrf_sched_destroy(s);
        return st;
    }
    *out = s;
    return LRF_OK;
}

void lrf_sched_destroy(struct lrf_sched *s)
{
    if (!s)
        return;
    sched_node_free(s->root);
    free(s->cur.epoch);
    free(s->cache.epoch);
    free(s);
}

enum lrf_sched_kind lrf_sched_get_kind(const struct lrf_sched *s)
{
    return s->root->kind;
}

bool lrf_sched_has_momentum(const struct lrf_sched *s)
{
    return sched_drives_momentum(s->root);
}

bool lrf_sched_needs_metric(const struct lrf_sched *s)
{
    return s->root->kind == LRF_SCHED_PLATEAU;
}

long lrf_sched_max_step(const struct lrf_sched *s)
{
    const struct sched_node *r = s->root;
    if (r->kind == LRF_SCHED_ONECYCLE)
        return r->p.total_steps - r->p.zero_last;
    long best = -1;
    for (size_t i = 0; i < r->n_child; i++) {
        const struct sched_node *c = r->child[i];
        if (c->kind != LRF_SCHED_ONECYCLE)
            continue;
        long start = (r->kind == LRF_SCHED_SEQ && i > 0) ? r->p.milestones[i - 1] : 0;
        long bound = start + c->p.total_steps - c->p.zero_last;
        bool reached =
            r->kind == LRF_SCHED_CHAIN || i + 1 == r->n_child || r->p.milestones[i] - 1 > bound;
        if (reached && (best < 0 || bound < best))
            best = bound;
    }
    return best;
}

enum lrf_status lrf_sched_eval(struct lrf_sched *s, long t, double *lr, double *momentum,
                               struct lrf_error *err)
{
    double l = NAN, m = NAN;
    if (t < 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "schedule: step t must be >= 0, got %ld", t);
    if (s->root->kind == LRF_SCHED_PLATEAU)
        return lrf_error_set(err, LRF_ERR_STATE,
                             "plateau depends on the metrics: drive it with lrf_sched_step");
    if (sched_kinds[s->root->kind].composite) {
        if (!s->cache_valid || s->cache.t > t) {
            enum lrf_status st = state_start(s, &s->cache, err);
            if (st)
                return st;
            s->cache_valid = true;
        }
        while (s->cache.t < t) {
            enum lrf_status st = state_advance(s, &s->cache, NAN, err);
            if (st)
                return st;
        }
        l = s->cache.lr;
        m = s->cache.mom;
    } else {
        enum lrf_status st = sched_standalone(s->root, t, &l, &m, err);
        if (st)
            return st;
    }
    *lr = l;
    if (momentum)
        *momentum = m;
    return LRF_OK;
}

double lrf_sched_lr(struct lrf_sched *s, long t)
{
    double lr;
    return lrf_sched_eval(s, t, &lr, NULL, NULL) == LRF_OK ? lr : (double)NAN;
}

void lrf_sched_reset(struct lrf_sched *s)
{
    /* t = 0 cannot fail: parse already computed it once. */
    state_start(s, &s->cur, NULL);
}

enum lrf_status lrf_sched_step(struct lrf_sched *s, double metric, struct lrf_error *err)
{
    /* state_advance commits nothing on failure (only plateau, which cannot fail, updates
     * its counters first), so no copy is needed: no allocation per training step. */
    return state_advance(s, &s->cur, metric, err);
}

void lrf_sched_current(const struct lrf_sched *s, double *lr, double *momentum)
{
    *lr = s->cur.lr;
    if (momentum)
        *momentum = s->cur.mom;
}

long lrf_sched_current_step(const struct lrf_sched *s)
{
    return s->cur.t;
}
