/* The sweep engine against a synthetic client: SGD with momentum on a noisy
 * quadratic bowl whose whole state (weights, velocity, RNG, step count) is a few
 * words, so "restored bit-exactly" is a memcmp. Covers stop reasons, restore after
 * errors/NaN/interruption, K runs statistics, accumulation, batches per rung, the
 * validation-loss mode and config errors. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lrf/finder.h"
#include "lrf/rng.h"

enum { DIM = 4, LOG_MAX = 4096 };

/* lr above which SGD with momentum 0.9 diverges on the bowl: 2 (1 + 0.9) / curvature 30. */
#define BOWL_STABILITY_LIMIT (2.0 * (1.0 + 0.9) / 30.0)

struct bowl_state {
    double w[DIM], v[DIM];
    struct lrf_rng rng;
    long steps;
    double grad[DIM]; /* accumulated micro-batch gradients */
};

struct bowl {
    struct bowl_state s, saved;
    double noise, offset;
    long fail_at;    /* step index that returns an error (-1: never) */
    long nan_at;     /* step index that returns NaN (-1: never) */
    long stop_after; /* interrupted() true after this many progress calls (-1: never) */
    long progress_calls, restores, snapshots, evals, reseeds[16], nreseed;
    double lr_log[LOG_MAX], mom_log[LOG_MAX];
    long nlog;
    double last_micro_sum;
    long micro_calls;
};

static const double CURV[DIM] = {1.0, 3.0, 10.0, 30.0};

static double bowl_loss(const struct bowl_state *s)
{
    double f = 0;
    for (int i = 0; i < DIM; i++)
        f += 0.5 * CURV[i] * s->w[i] * s->w[i];
    return f;
}

static double noise(struct bowl *b)
{
    return b->noise * (lrf_rng_uniform(&b->s.rng) - 0.5);
}

static void init_bowl(struct bowl *b, uint64_t seed)
{
    memset(b, 0, sizeof *b);
    for (int i = 0; i < DIM; i++)
        b->s.w[i] = 1.0 + 0.1 * i;
    b->s.rng = lrf_rng_seeded(seed);
    b->noise = 0.2;
    b->fail_at = b->nan_at = b->stop_after = -1;
}

static void log_lr(struct bowl *b, double lr, double momentum)
{
    if (b->nlog < LOG_MAX) {
        b->lr_log[b->nlog] = lr;
        b->mom_log[b->nlog] = momentum;
    }
    b->nlog++;
}

static void sgd(struct bowl *b, const double *g, double lr, double momentum)
{
    double mu = isnan(momentum) ? 0.9 : momentum; /* NaN: the optimizer's own setting */
    for (int i = 0; i < DIM; i++) {
        b->s.v[i] = mu * b->s.v[i] + g[i];
        b->s.w[i] -= lr * b->s.v[i];
    }
}

static enum lrf_status cb_step(void *user, double lr, double momentum, double *loss)
{
    struct bowl *b = user;
    if (b->s.steps == b->fail_at)
        return LRF_ERR_DATA;
    log_lr(b, lr, momentum);
    double g[DIM];
    for (int i = 0; i < DIM; i++)
        g[i] = CURV[i] * b->s.w[i] * (1 + noise(b));
    *loss = b->s.steps == b->nan_at ? (double)NAN : bowl_loss(&b->s) + noise(b) + b->offset;
    sgd(b, g, lr, momentum);
    b->s.steps++;
    return LRF_OK;
}

static enum lrf_status cb_micro(void *user, double *loss)
{
    struct bowl *b = user;
    for (int i = 0; i < DIM; i++)
        b->s.grad[i] += CURV[i] * b->s.w[i] * (1 + noise(b));
    *loss = bowl_loss(&b->s) + noise(b) + b->offset;
    b->last_micro_sum += *loss;
    b->micro_calls++;
    return LRF_OK;
}

static enum lrf_status cb_apply(void *user, double lr, double momentum)
{
    struct bowl *b = user;
    log_lr(b, lr, momentum);
    sgd(b, b->s.grad, lr, momentum);
    memset(b->s.grad, 0, sizeof b->s.grad);
    b->s.steps++;
    return LRF_OK;
}

static enum lrf_status cb_snapshot(void *user)
{
    struct bowl *b = user;
    b->saved = b->s;
    b->snapshots++;
    return LRF_OK;
}

static enum lrf_status cb_restore(void *user)
{
    struct bowl *b = user;
    b->s = b->saved;
    b->restores++;
    return LRF_OK;
}

static enum lrf_status cb_reseed(void *user, size_t run)
{
    struct bowl *b = user;
    b->s.rng = lrf_rng_seeded(1000 + run);
    if (b->nreseed < 16)
        b->reseeds[b->nreseed++] = (long)run;
    return LRF_OK;
}

static enum lrf_status cb_eval(void *user, double *val)
{
    struct bowl *b = user;
    b->evals++;
    *val = 1000.0 + bowl_loss(&b->s); /* distinguishable from the training loss */
    return LRF_OK;
}

static void cb_progress(void *user, const struct lrf_finder_progress *p)
{
    struct bowl *b = user;
    (void)p;
    b->progress_calls++;
}

static bool cb_interrupted(void *user)
{
    struct bowl *b = user;
    return b->stop_after >= 0 && b->progress_calls >= b->stop_after;
}

static struct lrf_finder_callbacks callbacks(struct bowl *b)
{
    return (struct lrf_finder_callbacks){
        .user = b,
        .step = cb_step,
        .snapshot = cb_snapshot,
        .restore = cb_restore,
        .reseed = cb_reseed,
        .progress = cb_progress,
        .interrupted = cb_interrupted,
    };
}

static int same_state(const struct bowl *b, const struct bowl_state *before)
{
    return memcmp(&b->s, before, sizeof *before) == 0;
}

static void test_basic(void)
{
    struct bowl b;
    init_bowl(&b, 1);
    struct bowl_state before = b.s;
    struct lrf_finder_config cfg = lrf_finder_config_default();
    struct lrf_finder_callbacks cb = callbacks(&b);
    struct lrf_finder_result *r = NULL;
    struct lrf_error err;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK(same_state(&b, &before));
    CHECK(b.snapshots == 1 && b.restores == 1 && b.nreseed == 0);
    CHECK(r->stop_reason == LRF_FINDER_STOP_DIVERGED);
    CHECK(r->n < 100 && r->n > 50 && r->stop_index == (long)r->n - 1);
    CHECK(b.progress_calls == (long)r->n);
    CHECK(isnan(b.mom_log[0])); /* momentum NaN = leave unchanged, by default */
    CHECK_CLOSE(r->lr[0], 1e-7, 1e-15, 0);
    CHECK_CLOSE(b.lr_log[5], lrf_finder_grid_lr(&cfg, 5), 0, 0);
    const struct lrf_finder_suggestion *s = &r->suggestion[LRF_FINDER_RULE_ROBUST];
    CHECK_MSG(s->valid, "robust invalid: %s", s->diagnosis);
    /* On the valley floor: past the descent and below the stability limit of SGD with
     * momentum 0.9 on curvature 30, 2*(1+0.9)/30 ~ 0.127 (the sweep itself sees the
     * blow-up a few rungs later, so a pick at the divergence would be too high). */
    CHECK_MSG(s->lr > 1e-4 && s->lr < BOWL_STABILITY_LIMIT, "robust lr %g", s->lr);
    CHECK(s->lr < r->lr[r->stop_index]);
    CHECK(r->recommended == LRF_FINDER_RULE_ROBUST && r->one_cycle_max_lr == s->lr);
    for (int q = 0; q < LRF_FINDER_RULE_COUNT; q++)
        CHECK_MSG(r->suggestion[q].valid, "%s: %s", lrf_finder_rule_name(q),
                  r->suggestion[q].diagnosis);
    /* K = 1: the curve is the run, the smoothing is the online one. */
    CHECK(memcmp(r->loss, r->run_loss, r->n * sizeof(double)) == 0);
    CHECK(r->loss_q1[3] == r->loss[3] && r->loss_q3[3] == r->loss[3]);
    /* Determinism: the same start gives the same curve. */
    struct lrf_finder_result *r2 = NULL;
    CHECK(lrf_finder_run(&cfg, &cb, &r2, &err) == LRF_OK);
    CHECK(r2 && r2->n == r->n && !memcmp(r2->loss, r->loss, r->n * sizeof(double)));
    lrf_finder_result_destroy(r2);
    lrf_finder_result_destroy(r);
}

static void test_errors_restore(void)
{
    struct lrf_finder_config cfg = lrf_finder_config_default();
    struct lrf_error err;
    struct bowl b;
    /* An error from step: partial curve, the status, restored. */
    init_bowl(&b, 2);
    b.fail_at = 30;
    struct bowl_state before = b.s;
    struct lrf_finder_callbacks cb = callbacks(&b);
    struct lrf_finder_result *r = NULL;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_ERR_DATA);
    CHECK(strstr(err.message, "step callback failed at run 0, rung 30") != NULL);
    CHECK(r && r->n == 30 && r->stop_reason == LRF_FINDER_STOP_CALLBACK_ERROR);
    b.fail_at = -1;
    CHECK(same_state(&b, &before));
    lrf_finder_result_destroy(r);

    /* NaN: immediate stop, the NaN point recorded, restored. */
    init_bowl(&b, 3);
    b.nan_at = 40;
    before = b.s;
    cb = callbacks(&b);
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK);
    CHECK(r && r->n == 41 && r->stop_reason == LRF_FINDER_STOP_NONFINITE && isnan(r->loss[40]));
    CHECK(r && r->stop_index == 40);
    CHECK(same_state(&b, &before));
    lrf_finder_result_destroy(r);

    /* Interruption: partial curve, LRF_ERR_INTERRUPTED, restored. */
    init_bowl(&b, 4);
    b.stop_after = 20;
    before = b.s;
    cb = callbacks(&b);
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_ERR_INTERRUPTED);
    CHECK(r && r->n == 20 && r->stop_reason == LRF_FINDER_STOP_INTERRUPTED);
    CHECK(same_state(&b, &before));
    lrf_finder_result_destroy(r);

    /* End reached without divergence (a tiny range). */
    init_bowl(&b, 5);
    before = b.s;
    cb = callbacks(&b);
    struct lrf_finder_config small = cfg;
    small.end_lr = 1e-5;
    CHECK(lrf_finder_run(&small, &cb, &r, &err) == LRF_OK);
    CHECK(r && r->n == 100 && r->stop_reason == LRF_FINDER_STOP_END && r->stop_index == -1);
    CHECK_CLOSE(r ? r->lr[99] : 0, 1e-5, 1e-14, 0); /* the grid ends on end_lr */
    CHECK(r && (r->diagnostics & (LRF_FINDER_DIAG_FLAT | LRF_FINDER_DIAG_NO_DIVERGENCE)));
    CHECK(r && strstr(r->advice, "end_lr") != NULL);
    CHECK(same_state(&b, &before));
    lrf_finder_result_destroy(r);

    /* Negative losses: the relative rule does not stop at once. */
    init_bowl(&b, 6);
    b.offset = -100.0;
    cb = callbacks(&b);
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK);
    CHECK(r && r->n > 50 && r->stop_reason == LRF_FINDER_STOP_DIVERGED);
    CHECK(r && r->suggestion[LRF_FINDER_RULE_ROBUST].valid);
    lrf_finder_result_destroy(r);
    /* ...while the anchors' ratio rule does (fastai#962). */
    init_bowl(&b, 6);
    b.offset = -100.0;
    cb = callbacks(&b);
    struct lrf_finder_config fa = lrf_finder_config_compat(LRF_FINDER_COMPAT_FASTAI);
    CHECK(lrf_finder_run(&fa, &cb, &r, &err) == LRF_OK);
    CHECK(r && r->n == 1 && r->stop_reason == LRF_FINDER_STOP_DIVERGED);
    CHECK(r && lrf_finder_grid_lr(&fa, 99) < fa.end_lr); /* fastai's grid stops short */
    lrf_finder_result_destroy(r);
}

static void test_runs(void)
{
    struct bowl b;
    init_bowl(&b, 7);
    struct bowl_state before = b.s;
    struct lrf_finder_config cfg = lrf_finder_config_default();
    cfg.runs = 5;
    struct lrf_finder_callbacks cb = callbacks(&b);
    struct lrf_finder_result *r = NULL;
    struct lrf_error err;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK);
    CHECK(same_state(&b, &before));
    CHECK(b.restores == 5 && b.snapshots == 1);
    CHECK(b.nreseed == 4 && b.reseeds[0] == 1 && b.reseeds[3] == 4);
    if (!r)
        return;
    CHECK(r->runs == 5);
    /* Runs differ (reseeded) and the curve is their per-lr median. */
    CHECK(memcmp(r->run_loss, r->run_loss + r->num_iter, 10 * sizeof(double)) != 0);
    int ok = 1;
    for (size_t i = 0; i < 30; i++) {
        double v[5];
        for (int k = 0; k < 5; k++)
            v[k] = r->run_loss[k * r->num_iter + i];
        int below = 0, above = 0;
        for (int k = 0; k < 5; k++) {
            below += v[k] < r->loss[i];
            above += v[k] > r->loss[i];
        }
        ok &= below <= 2 && above <= 2;
        ok &= r->loss_q1[i] <= r->loss[i] && r->loss[i] <= r->loss_q3[i];
    }
    CHECK(ok);
    const struct lrf_finder_suggestion *s = &r->suggestion[LRF_FINDER_RULE_ROBUST];
    CHECK(s->valid && s->lr_low <= s->lr && s->lr <= s->lr_high);
    int finite = 0;
    for (int k = 0; k < 5; k++)
        finite += isfinite(r->run_robust_lr[k]) && r->run_robust_lr[k] >= s->lr_low &&
                  r->run_robust_lr[k] <= s->lr_high;
    CHECK(finite == 5);
    bool unstable = log10(s->lr_high / s->lr_low) > cfg.robust.unstable_decades;
    CHECK(unstable == ((r->diagnostics & LRF_FINDER_DIAG_UNSTABLE_RUNS) != 0));
    lrf_finder_result_destroy(r);

    /* A big noise makes the runs disagree: the warning appears. */
    init_bowl(&b, 8);
    b.noise = 40.0;
    cb = callbacks(&b);
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK);
    if (r) {
        const struct lrf_finder_suggestion *t = &r->suggestion[LRF_FINDER_RULE_ROBUST];
        bool wide = t->valid && log10(t->lr_high / t->lr_low) > 0.5;
        CHECK(!wide || (r->diagnostics & LRF_FINDER_DIAG_UNSTABLE_RUNS));
        CHECK(!wide || strstr(r->advice, "span") != NULL);
    }
    lrf_finder_result_destroy(r);
}

static void test_modes(void)
{
    struct lrf_error err;
    struct lrf_finder_result *r = NULL;
    struct bowl b;
    /* Accumulation: the lr advances once per optimizer step; loss = micro mean. */
    init_bowl(&b, 9);
    struct bowl_state before = b.s;
    struct lrf_finder_config cfg = lrf_finder_config_default();
    cfg.accumulate = 4;
    cfg.num_iter = 50;
    cfg.momentum = 0.5;
    struct lrf_finder_callbacks cb = callbacks(&b);
    cb.step = NULL;
    cb.micro_step = cb_micro;
    cb.apply = cb_apply;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK);
    CHECK(r && b.nlog == (long)r->n && b.micro_calls == 4 * (long)r->n);
    int grid_ok = 1;
    for (long k = 0; r && k < b.nlog; k++)
        grid_ok &= b.lr_log[k] == lrf_finder_grid_lr(&cfg, (size_t)k) && b.mom_log[k] == 0.5;
    CHECK(grid_ok);
    double total = 0;
    for (size_t i = 0; r && i < r->n; i++)
        total += r->loss[i] * 4;
    CHECK_CLOSE(total, b.last_micro_sum, 1e-12, 0);
    CHECK(same_state(&b, &before));
    lrf_finder_result_destroy(r);

    /* Several batches per rung: 3 steps at each lr. */
    init_bowl(&b, 10);
    cfg = lrf_finder_config_default();
    cfg.batches_per_rung = 3;
    cb = callbacks(&b);
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK);
    CHECK(r && b.nlog == 3 * (long)r->n);
    CHECK(b.lr_log[0] == b.lr_log[2] && b.lr_log[3] == lrf_finder_grid_lr(&cfg, 1));
    lrf_finder_result_destroy(r);

    /* Validation loss after each rung. */
    init_bowl(&b, 11);
    cfg = lrf_finder_config_default();
    cfg.val_loss = true;
    cb = callbacks(&b);
    cb.eval = cb_eval;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK);
    CHECK(r && b.evals == (long)r->n && r->loss[0] > 999 && r->train_loss[0] < 999);
    lrf_finder_result_destroy(r);
}

static void test_config_errors(void)
{
    struct bowl b;
    init_bowl(&b, 12);
    struct lrf_finder_callbacks cb = callbacks(&b);
    struct lrf_finder_result *r = (void *)&b; /* must be reset to NULL */
    struct lrf_error err;
    struct lrf_finder_config cfg = lrf_finder_config_default();
    cfg.accumulate = 2;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_ERR_INVALID_ARG && r == NULL);
    CHECK(strstr(err.message, "micro_step") != NULL);
    cfg = lrf_finder_config_default();
    cfg.val_loss = true;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_ERR_INVALID_ARG);
    cfg = lrf_finder_config_default();
    cfg.runs = 2;
    cb.snapshot = NULL;
    cb.restore = NULL;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "restore") != NULL);
    cfg = lrf_finder_config_default();
    cfg.start_lr = 0;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "start_lr") != NULL);
    cfg = lrf_finder_config_default();
    cfg.diverge = 1.0;
    CHECK(lrf_finder_config_check(&cfg, &err) == LRF_ERR_INVALID_ARG);
    cfg.diverge = 0; /* disables the stop */
    CHECK(lrf_finder_config_check(&cfg, &err) == LRF_OK);
    cfg = lrf_finder_config_default();
    cfg.num_iter = 1;
    CHECK(lrf_finder_config_check(&cfg, &err) == LRF_ERR_INVALID_ARG);
    enum lrf_finder_rule rule;
    CHECK(lrf_finder_rule_parse("valley", &rule) && rule == LRF_FINDER_RULE_VALLEY);
    CHECK(!lrf_finder_rule_parse("bogus", &rule));
    enum lrf_finder_compat c;
    CHECK(lrf_finder_compat_parse("torch-lr-finder", &c) && c == 1);
    lrf_finder_result_destroy(NULL);
}

int main(void)
{
    test_basic();
    test_errors_restore();
    test_runs();
    test_modes();
    test_config_errors();
    return check_summary();
}
