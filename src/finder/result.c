/* Result assembly: per-lr aggregates over K runs, every rule on the (median) curve,
 * the runs' spread of each rule, diagnostics and advice, and the schedule hand-off.
 * Also the offline entry point lrf_finder_analyze. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finder/finder_internal.h"

/* The public struct first, so a result pointer is also the allocation. */
struct result_impl {
    struct lrf_finder_result pub;
    double *dbl;
    size_t *run_n;
    enum lrf_finder_stop *run_stop;
};

void lrf_finder_result_destroy(struct lrf_finder_result *r)
{
    if (!r)
        return;
    struct result_impl *impl = (struct result_impl *)r;
    free(impl->dbl);
    free(impl->run_n);
    free(impl->run_stop);
    free(impl);
}

static void append_advice(struct lrf_finder_result *r, const char *text)
{
    size_t used = strlen(r->advice);
    snprintf(r->advice + used, sizeof r->advice - used, "%s%s", used ? " " : "", text);
}

/* The recommended rule's span over runs, in decades (0 with one run). */
static double runs_span(const struct lrf_finder_result *r)
{
    const struct lrf_finder_suggestion *s = &r->suggestion[r->recommended];
    return r->runs > 1 && s->valid && s->lr_low > 0 ? log10(s->lr_high / s->lr_low) : 0.0;
}

static void build_advice(struct lrf_finder_result *r, const struct lrf_finder_config *cfg)
{
    double span = runs_span(r);
    char buf[LRF_FINDER_TEXT_MAX];
    unsigned d = r->diagnostics;
    if (d & LRF_FINDER_DIAG_NO_FINITE)
        append_advice(r, "The first step already gave NaN/Inf: lower start_lr by a few decades "
                         "and check the data for NaN.");
    if (d & LRF_FINDER_DIAG_DIVERGED_AT_ONCE)
        append_advice(r, "The loss diverged within the first rungs: lower start_lr by 2-3 "
                         "decades.");
    else if (d & LRF_FINDER_DIAG_TOO_SHORT)
        append_advice(r, "Too few points for a reliable pick: raise num_iter (e.g. 100) or "
                         "check why the sweep stopped.");
    if (d & LRF_FINDER_DIAG_FLAT)
        append_advice(r, "The loss never clearly decreased: widen the range (raise end_lr), "
                         "or the model is already trained / the data not learnable.");
    if (d & LRF_FINDER_DIAG_RISES_FROM_START)
        append_advice(r, "The loss rises from the first lr: lower start_lr by 2 decades.");
    if (d & LRF_FINDER_DIAG_NO_DIVERGENCE) {
        snprintf(buf, sizeof buf,
                 "The loss did not rise again before end_lr=%g: raise end_lr to see where it "
                 "diverges (max_lr may be higher than suggested).",
                 cfg->end_lr);
        append_advice(r, buf);
    }
    if (d & LRF_FINDER_DIAG_NOISY)
        append_advice(r, "The curve is noisy for its drop: use more runs, more batches per "
                         "rung or a larger batch.");
    if (d & LRF_FINDER_DIAG_FEW_BATCHES) {
        snprintf(buf, sizeof buf,
                 "The sweep ran %.3g epochs over %zu batches: it measured batches it had "
                 "already learned.",
                 r->epochs_swept, cfg->batches_per_epoch);
        append_advice(r, buf);
    }
    if (d & LRF_FINDER_DIAG_LOSS_ZERO) {
        snprintf(buf, sizeof buf,
                 "The loss reached ~0 at lr %.3g: beyond it the curve says nothing about "
                 "stability.",
                 r->zero_loss_lr);
        append_advice(r, buf);
    }
    if (d & LRF_FINDER_DIAG_UNSTABLE_RUNS) {
        snprintf(buf, sizeof buf,
                 "The runs' suggestions span %.2f decades (> %.2g): the pick is uncertain; "
                 "add runs or batches per rung.",
                 span, cfg->robust.unstable_decades);
        append_advice(r, buf);
    }
}

static void build_handoff(struct lrf_finder_result *r, const struct lrf_finder_config *cfg)
{
    r->one_cycle_max_lr = r->cyclic_base_lr = r->cyclic_max_lr = r->cosine_lr = NAN;
    r->one_cycle_spec[0] = r->cyclic_spec[0] = r->cosine_spec[0] = '\0';
    r->one_cycle_torch[0] = r->cyclic_torch[0] = r->cosine_torch[0] = '\0';
    if (!(r->max_lr > 0))
        return;
    double max_lr = r->max_lr;
    r->one_cycle_max_lr = max_lr;
    r->cyclic_max_lr = max_lr;
    r->cyclic_base_lr = max_lr / cfg->robust.cyclic_base_div;
    r->cosine_lr = max_lr / cfg->robust.cosine_div;
    long total = cfg->total_steps;
    char steps[32], half[32];
    if (total > 0) {
        snprintf(steps, sizeof steps, "%ld", total);
        snprintf(half, sizeof half, "%ld", total / 2 > 0 ? total / 2 : 1);
        snprintf(r->one_cycle_spec, sizeof r->one_cycle_spec,
                 "onecycle(max_lr=%.3g,total_steps=%ld)", max_lr, total);
        snprintf(r->cyclic_spec, sizeof r->cyclic_spec,
                 "cyclic(base_lr=%.3g,max_lr=%.3g,step_size_up=%s)", r->cyclic_base_lr, max_lr,
                 half);
        snprintf(r->cosine_spec, sizeof r->cosine_spec, "cosine(T_max=%ld)", total);
    } else {
        /* Unknown length: lrfind schedule fills it from --steps; PyTorch needs a name. */
        snprintf(steps, sizeof steps, "TOTAL_STEPS");
        snprintf(half, sizeof half, "TOTAL_STEPS // 2");
        snprintf(r->one_cycle_spec, sizeof r->one_cycle_spec, "onecycle(max_lr=%.3g)", max_lr);
        snprintf(r->cyclic_spec, sizeof r->cyclic_spec, "cyclic(base_lr=%.3g,max_lr=%.3g)",
                 r->cyclic_base_lr, max_lr);
        snprintf(r->cosine_spec, sizeof r->cosine_spec, "cosine(eta_min=0)");
    }
    snprintf(r->one_cycle_torch, sizeof r->one_cycle_torch,
             "torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=%.3g, total_steps=%s)", max_lr,
             steps);
    snprintf(r->cyclic_torch, sizeof r->cyclic_torch,
             "torch.optim.lr_scheduler.CyclicLR(optimizer, base_lr=%.3g, max_lr=%.3g, "
             "step_size_up=%s)",
             r->cyclic_base_lr, max_lr, half);
    snprintf(r->cosine_torch, sizeof r->cosine_torch,
             "torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=%s)  # optimizer lr=%.3g",
             steps, r->cosine_lr);
}

static long nearest_index(const double *lr, size_t n, double target)
{
    long best = -1;
    double lt = log(target);
    for (size_t i = 0; i < n; i++) {
        if (!(lr[i] > 0))
            continue;
        if (best < 0 || fabs(log(lr[i]) - lt) < fabs(log(lr[best]) - lt))
            best = (long)i;
    }
    return best;
}

/* Overall stop reason of K runs: an error or interruption wins, else the majority. */
static enum lrf_finder_stop overall_stop(const enum lrf_finder_stop *st, size_t runs)
{
    size_t count[LRF_FINDER_STOP_COUNT] = {0};
    for (size_t r = 0; r < runs; r++)
        count[st[r]]++;
    if (count[LRF_FINDER_STOP_CALLBACK_ERROR])
        return LRF_FINDER_STOP_CALLBACK_ERROR;
    if (count[LRF_FINDER_STOP_INTERRUPTED])
        return LRF_FINDER_STOP_INTERRUPTED;
    enum lrf_finder_stop best = st[0];
    for (int s = 0; s < LRF_FINDER_STOP_COUNT; s++)
        if (count[s] > count[best])
            best = (enum lrf_finder_stop)s;
    return best;
}

/* The result's arrays, carved from one allocation (impl->dbl): the public curve
 * arrays first, then scratch that only lives while the result is built. */
struct result_arrays {
    double *lr, *loss, *train, *sm, *rob, *q1, *q3; /* (n) each */
    double *run_loss;                               /* (runs, N) */
    double *run_robust;                             /* (runs) */
    double *scratch;                                /* (9 N) the rules' scratch */
    double *run_sm;                                 /* (N) one run's smoothed curve */
    double *vals;                                   /* (2 runs) one lr's values over runs */
    double *picks;                                  /* (rules, runs) log10 of runs' picks */
};

static size_t longest_run(const struct finder_runs *in)
{
    size_t n = 0;
    for (size_t r = 0; r < in->runs; r++)
        n = in->n[r] > n ? in->n[r] : n;
    return n;
}

/* Allocates the result for n points and carves its arrays. */
static struct result_impl *result_alloc(const struct finder_runs *in, size_t n,
                                        struct result_arrays *a)
{
    size_t N = in->num_iter, K = in->runs, nn = n ? n : 1;
    size_t ndbl = 7 * nn + K * N + K + 10 * N + 2 * K + K * LRF_FINDER_RULE_COUNT;
    struct result_impl *impl = calloc(1, sizeof *impl);
    double *dbl = impl ? malloc(ndbl * sizeof *dbl) : NULL;
    size_t *rn = impl ? malloc(K * sizeof *rn) : NULL;
    enum lrf_finder_stop *rs = impl ? malloc(K * sizeof *rs) : NULL;
    if (!impl || !dbl || !rn || !rs) {
        free(dbl);
        free(rn);
        free(rs);
        free(impl);
        return NULL;
    }
    impl->dbl = dbl;
    impl->run_n = rn;
    impl->run_stop = rs;
    a->lr = dbl;
    a->loss = a->lr + nn;
    a->train = a->loss + nn;
    a->sm = a->train + nn;
    a->rob = a->sm + nn;
    a->q1 = a->rob + nn;
    a->q3 = a->q1 + nn;
    a->run_loss = a->q3 + nn;
    a->run_robust = a->run_loss + K * N;
    a->scratch = a->run_robust + K;
    a->run_sm = a->scratch + 9 * N;
    a->vals = a->run_sm + N;
    a->picks = a->vals + 2 * K;
    return impl;
}

/* Point i over the runs that reached it: median and quartiles of the finite losses,
 * median of the finite training losses (NaN where there are none). */
static void aggregate_point(const struct finder_runs *in, size_t i, struct result_arrays *a)
{
    size_t N = in->num_iter, k = 0, kt = 0;
    double *vals = a->vals, *tv = a->vals + in->runs;
    for (size_t r = 0; r < in->runs; r++) {
        if (in->n[r] <= i)
            continue;
        if (isfinite(in->loss[r * N + i]))
            vals[k++] = in->loss[r * N + i];
        if (isfinite(in->train[r * N + i]))
            tv[kt++] = in->train[r * N + i];
    }
    if (k == 0) {
        a->loss[i] = a->q1[i] = a->q3[i] = NAN;
    } else {
        finder_sort(vals, k);
        a->loss[i] = finder_quantile_sorted(vals, k, 0.5);
        a->q1[i] = finder_quantile_sorted(vals, k, 0.25);
        a->q3[i] = finder_quantile_sorted(vals, k, 0.75);
    }
    if (kt == 0) {
        a->train[i] = NAN;
    } else {
        finder_sort(tv, kt);
        a->train[i] = finder_quantile_sorted(tv, kt, 0.5);
    }
}

/* The configured smoothing of raw[0..n) into out, as the sweep computed it. */
static void smooth_curve(const struct lrf_finder_config *cfg, const double *raw, size_t n,
                         double *out)
{
    struct finder_smoother smo;
    finder_smoother_init(&smo, cfg);
    for (size_t i = 0; i < n; i++) {
        bool div;
        out[i] = finder_smoother_push(&smo, raw[i], &div);
    }
}

/* The per-lr curve (the single run, or the median over runs) and its smoothing. */
static void build_curve(const struct lrf_finder_config *cfg, const struct finder_runs *in, size_t n,
                        struct result_arrays *a)
{
    memcpy(a->run_loss, in->loss, in->runs * in->num_iter * sizeof *a->run_loss);
    memcpy(a->lr, in->grid, n * sizeof *a->lr);
    for (size_t i = 0; i < n; i++) {
        if (in->runs == 1) {
            a->loss[i] = a->q1[i] = a->q3[i] = in->loss[i];
            a->train[i] = in->train[i];
        } else {
            aggregate_point(in, i, a);
        }
    }
    smooth_curve(cfg, a->loss, n, a->sm);
}

static void fill_public(struct lrf_finder_result *R, const struct lrf_finder_config *cfg,
                        const struct finder_runs *in, size_t n, const struct result_arrays *a)
{
    struct result_impl *impl = (struct result_impl *)R;
    memcpy(impl->run_n, in->n, in->runs * sizeof *impl->run_n);
    memcpy(impl->run_stop, in->stop, in->runs * sizeof *impl->run_stop);
    R->n = n;
    R->num_iter = in->num_iter;
    R->compat = cfg->compat;
    R->smoothing = cfg->smoothing;
    R->lr = a->lr;
    R->loss = a->loss;
    R->train_loss = a->train;
    R->smoothed = a->sm;
    R->robust = a->rob;
    R->loss_q1 = a->q1;
    R->loss_q3 = a->q3;
    R->runs = in->runs;
    R->run_loss = a->run_loss;
    R->run_n = impl->run_n;
    R->run_stop = impl->run_stop;
    R->run_robust_lr = a->run_robust;
    R->stop_reason = overall_stop(in->stop, in->runs);
    R->stop_index = R->stop_reason == LRF_FINDER_STOP_END ? -1 : in->stop_index;
    R->recommended = cfg->rule;
}

/* Every rule on each run's own curve: each run's robust pick, and the valid picks of
 * each rule as log10 in picks (rules, runs), counted in cnt. */
static void rules_per_run(const struct lrf_finder_config *cfg, const struct finder_runs *in,
                          struct result_arrays *a, size_t cnt[LRF_FINDER_RULE_COUNT])
{
    size_t N = in->num_iter;
    for (size_t r = 0; r < in->runs; r++) {
        size_t m = in->n[r];
        a->run_robust[r] = NAN;
        if (m == 0)
            continue;
        smooth_curve(cfg, in->loss + r * N, m, a->run_sm);
        struct lrf_finder_suggestion s[LRF_FINDER_RULE_COUNT];
        struct finder_robust_out o;
        finder_compute_rules(cfg, N, in->grid, in->loss + r * N, a->run_sm, m, in->stop[r], NULL,
                             a->scratch, s, &o);
        a->run_robust[r] = s[LRF_FINDER_RULE_ROBUST].lr;
        for (int q = 0; q < LRF_FINDER_RULE_COUNT; q++)
            if (s[q].valid && s[q].lr > 0)
                a->picks[(size_t)q * in->runs + cnt[q]++] = log10(s[q].lr);
    }
}

/* With K runs each valid suggestion becomes the geometric median of the runs' picks,
 * with their range; flags UNSTABLE_RUNS when the recommended rule's is wide. */
static void spread_over_runs(struct lrf_finder_result *R, const struct lrf_finder_config *cfg,
                             const struct finder_runs *in, struct result_arrays *a)
{
    size_t cnt[LRF_FINDER_RULE_COUNT] = {0};
    rules_per_run(cfg, in, a, cnt);
    double span;
    for (int q = 0; q < LRF_FINDER_RULE_COUNT; q++) {
        struct lrf_finder_suggestion *s = &R->suggestion[q];
        if (!s->valid || cnt[q] == 0)
            continue;
        double *v = a->picks + (size_t)q * in->runs;
        finder_sort(v, cnt[q]);
        s->lr = pow(10.0, finder_quantile_sorted(v, cnt[q], 0.5));
        s->lr_low = pow(10.0, v[0]);
        s->lr_high = pow(10.0, v[cnt[q] - 1]);
        double mark = q == LRF_FINDER_RULE_MINIMUM ? s->lr * 10 : s->lr;
        long idx = nearest_index(a->lr, R->n, mark);
        if (idx >= 0) {
            s->index = idx;
            s->marker_lr = q == LRF_FINDER_RULE_MINIMUM ? a->lr[idx] : s->lr;
            s->marker_loss = q == LRF_FINDER_RULE_ROBUST ? a->rob[idx] : a->sm[idx];
        }
        if (q == (int)R->recommended) {
            span = v[cnt[q] - 1] - v[0];
            if (span > cfg->robust.unstable_decades)
                R->diagnostics |= LRF_FINDER_DIAG_UNSTABLE_RUNS;
        }
    }
}

void finder_result_refresh(struct lrf_finder_result *R, const struct lrf_finder_config *cfg)
{
    R->advice[0] = '\0';
    build_advice(R, cfg);
    finder_confidence(R, cfg);
    build_handoff(R, cfg);
}

enum lrf_status finder_result_build(const struct lrf_finder_config *cfg,
                                    const struct finder_runs *in, struct lrf_finder_result **out,
                                    struct lrf_error *err)
{
    *out = NULL;
    size_t n = longest_run(in);
    struct result_arrays a;
    struct result_impl *impl = result_alloc(in, n, &a);
    if (!impl)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the finder result");
    struct lrf_finder_result *R = &impl->pub;
    build_curve(cfg, in, n, &a);
    fill_public(R, cfg, in, n, &a);
    struct finder_robust_out ro;
    finder_compute_rules(cfg, in->num_iter, a.lr, a.loss, a.sm, n, R->stop_reason, a.rob, a.scratch,
                         R->suggestion, &ro);
    R->diagnostics = ro.diagnostics;
    R->noise_sd = ro.noise_sd;
    if (in->runs == 1)
        a.run_robust[0] = R->suggestion[LRF_FINDER_RULE_ROBUST].lr;
    else
        spread_over_runs(R, cfg, in, &a);
    finder_regime_assess(R, cfg);
    finder_result_refresh(R, cfg);
    *out = R;
    return LRF_OK;
}

enum lrf_status lrf_finder_analyze(const struct lrf_finder_config *cfg, const double *lr,
                                   const double *loss, size_t n, struct lrf_finder_result **out,
                                   struct lrf_error *err)
{
    if (!out)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    enum lrf_status st = lrf_finder_config_check(cfg, err);
    if (st != LRF_OK)
        return st;
    if (n == 0 || !lr || !loss)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "the curve has no points");
    for (size_t i = 0; i < n; i++)
        if (!(isfinite(lr[i]) && lr[i] > 0))
            return lrf_error_set(err, LRF_ERR_INVALID_ARG, "lr[%zu] must be finite and > 0, got %g",
                                 i, lr[i]);
    /* Re-run the smoothing and stop rule on the raw losses: later points are dropped. */
    struct finder_smoother smo;
    finder_smoother_init(&smo, cfg);
    size_t m = n;
    enum lrf_finder_stop stop = LRF_FINDER_STOP_END;
    for (size_t i = 0; i < n; i++) {
        bool div;
        finder_smoother_push(&smo, loss[i], &div);
        if (cfg->stop_on_nonfinite && !isfinite(loss[i])) {
            stop = LRF_FINDER_STOP_NONFINITE;
            m = i + 1;
            break;
        }
        if (div) {
            stop = LRF_FINDER_STOP_DIVERGED;
            m = i + 1;
            break;
        }
    }
    double *train = malloc(n * sizeof *train);
    if (!train)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    memcpy(train, loss, n * sizeof *train);
    struct finder_runs in = {
        .num_iter = n,
        .grid = lr,
        .runs = 1,
        .loss = loss,
        .train = train,
        .n = &m,
        .stop = &stop,
        .stop_index = stop == LRF_FINDER_STOP_END ? -1 : (long)m - 1,
    };
    st = finder_result_build(cfg, &in, out, err);
    free(train);
    return st;
}
