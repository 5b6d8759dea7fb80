/* The regimes where a range-test curve says less than it seems (issue 12), each on a
 * small synthetic client whose whole state is a few words: a memorizable set (the loss
 * reaches exactly 0 and the sweep never diverges), a flat curve, a curve that never
 * diverges, NaN from the first step, runs that disagree. For each: the diagnosis codes,
 * the response, the confidence with its reason and warning, no crash, no hang, and the
 * client's state restored bit for bit after the sweep and the trials. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lrf/finder.h"
#include "lrf/rng.h"

/* Trials above this lr diverge (the client's synthetic cliff). */
#define CLIFF_LR 0.5
/* The memorizer's per-step loss: a margin pushed up by each step; softplus(-margin). */
enum { KIND_MEMORIZE, KIND_FLAT, KIND_PLATEAU, KIND_NAN, KIND_NOISY_RUNS };

struct client_state {
    double margin, velocity;
    struct lrf_rng rng;
    long steps;
};

struct client {
    struct client_state s, saved;
    int kind;
    long restores, snapshots, trials, trial_fail_at;
    bool interrupt_in_trials;
    bool tied;      /* every trial reaches the same accuracy */
    bool no_metric; /* the trial reports a loss only (regression) */
    double trial_lr[16];
};

static double softplus(double x)
{
    return x > 30 ? x : log1p(exp(x));
}

static enum lrf_status cb_step(void *user, double lr, double momentum, double *loss)
{
    struct client *c = user;
    (void)momentum;
    double u = lrf_rng_uniform(&c->s.rng) - 0.5;
    c->s.steps++;
    switch (c->kind) {
    case KIND_MEMORIZE: { /* one separable batch: the loss falls to exactly 0, never rises */
        double grad = -1.0 / (1.0 + exp(c->s.margin));
        c->s.velocity = 0.9 * c->s.velocity + grad;
        c->s.margin -= 50.0 * lr * c->s.velocity;
        *loss = c->s.margin > 800 ? 0.0 : softplus(-c->s.margin);
        return LRF_OK;
    }
    case KIND_FLAT:
        *loss = 2.302585 + 1e-5 * u;
        return LRF_OK;
    case KIND_PLATEAU: /* falls to 0.5 and stays: no divergence, not ~0 */
        *loss = 0.5 + 1.8 / (1.0 + pow(lr / 1e-3, 2.0)) + 0.01 * u;
        return LRF_OK;
    case KIND_NAN:
        *loss = NAN;
        return LRF_OK;
    default: { /* a valley whose floor's far edge moves with the run's data order */
        double edge = c->s.margin; /* set per run by reseed */
        double x = log10(lr);
        *loss = 2.3 - 2.0 / (1.0 + exp(-(x + 4.0) / 0.3)) + 0.3 * exp((x - edge) / 0.15) + 0.02 * u;
        return LRF_OK;
    }
    }
}

static enum lrf_status cb_snapshot(void *user)
{
    struct client *c = user;
    c->saved = c->s;
    c->snapshots++;
    return LRF_OK;
}

static enum lrf_status cb_restore(void *user)
{
    struct client *c = user;
    c->s = c->saved;
    c->restores++;
    return LRF_OK;
}

static enum lrf_status cb_reseed(void *user, size_t run)
{
    struct client *c = user;
    c->s.rng = lrf_rng_seeded(100 + run);
    if (c->kind == KIND_NOISY_RUNS)
        c->s.margin = -2.5 + 0.6 * (double)run; /* each run's cliff a bit further right */
    return LRF_OK;
}

/* A trial: diverges above CLIFF_LR; else the held-out loss is smallest near 0.05. */
static enum lrf_status cb_trial(void *user, double max_lr, long total_steps, double *loss,
                                double *metric)
{
    struct client *c = user;
    if (c->trials < 16)
        c->trial_lr[c->trials] = max_lr;
    if (c->trials++ == c->trial_fail_at)
        return c->interrupt_in_trials ? LRF_ERR_INTERRUPTED : LRF_ERR_DATA;
    c->s.margin += 1e6; /* a trial changes the state; the finder must restore it */
    c->s.steps += total_steps;
    if (max_lr > CLIFF_LR) {
        *loss = INFINITY;
        *metric = 0.3;
        return LRF_OK;
    }
    double d = log10(max_lr / 0.05);
    *loss = 0.1 + d * d;
    *metric = c->no_metric ? (double)NAN : c->tied ? 0.75 : 0.9 - 0.01 * d * d;
    return LRF_OK;
}

static void init_client(struct client *c, int kind)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->s.rng = lrf_rng_seeded(7);
    c->s.margin = kind == KIND_NOISY_RUNS ? -2.5 : 0.0;
    c->trial_fail_at = -1;
}

static struct lrf_finder_callbacks callbacks(struct client *c, bool trials)
{
    return (struct lrf_finder_callbacks){
        .user = c,
        .step = cb_step,
        .snapshot = cb_snapshot,
        .restore = cb_restore,
        .reseed = cb_reseed,
        .trial = trials ? cb_trial : NULL,
    };
}

/* The configuration of a small data set: one batch per epoch, a 300-step hand-off. */
static struct lrf_finder_config small_config(void)
{
    struct lrf_finder_config cfg = lrf_finder_config_default();
    cfg.batches_per_epoch = 1;
    cfg.total_steps = 300;
    return cfg;
}

static bool restored(const struct client *c)
{
    return memcmp(&c->s, &c->saved, sizeof c->s) == 0;
}

/* The result's confidence fields are filled and consistent with each other. */
static void check_confidence(const struct lrf_finder_result *r, enum lrf_finder_confidence want)
{
    CHECK_MSG(r->confidence == want, "confidence %s, want %s (%s)",
              lrf_finder_confidence_name(r->confidence), lrf_finder_confidence_name(want),
              r->confidence_reason);
    CHECK(r->confidence_reason[0] != '\0');
    CHECK((r->warning[0] != '\0') == (r->confidence == LRF_FINDER_CONFIDENCE_LOW));
}

/* The memorizable set: loss_zero and few_batches; without trials the answer is capped
 * where the loss reached ~0 and the confidence is low; with trials they choose it. */
static void test_memorizable(void)
{
    struct client c;
    init_client(&c, KIND_MEMORIZE);
    struct client_state before = c.s;
    struct lrf_finder_config cfg = small_config();
    struct lrf_finder_callbacks cb = callbacks(&c, false);
    struct lrf_finder_result *r = NULL;
    struct lrf_error err;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK && r);
    if (!r)
        return;
    CHECK(memcmp(&c.s, &before, sizeof before) == 0);
    CHECK(r->stop_reason == LRF_FINDER_STOP_END);
    CHECK(r->diagnostics & LRF_FINDER_DIAG_LOSS_ZERO);
    CHECK(r->diagnostics & LRF_FINDER_DIAG_FEW_BATCHES);
    CHECK_CLOSE(r->epochs_swept, 100.0, 0, 0);
    CHECK(isfinite(r->zero_loss_lr) && r->zero_loss_lr < cfg.end_lr);
    CHECK(r->max_lr <= r->zero_loss_lr && r->max_lr <= r->rule_lr);
    CHECK(r->one_cycle_max_lr == r->max_lr);
    check_confidence(r, LRF_FINDER_CONFIDENCE_LOW);
    lrf_finder_result_destroy(r);

    /* With trials: they run from the restored state, the answer is one of them. */
    init_client(&c, KIND_MEMORIZE);
    before = c.s;
    cb = callbacks(&c, true);
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK && r);
    if (!r)
        return;
    CHECK(memcmp(&c.s, &before, sizeof before) == 0);
    CHECK(r->response == LRF_FINDER_RESPONSE_TRIALS);
    CHECK(r->n_trials == cfg.regime.trial_candidates && c.trials == (long)r->n_trials);
    CHECK(c.restores == 1 + (long)r->n_trials + 1); /* after the sweep, before each, after */
    bool one_of = false;
    for (size_t k = 0; k < r->n_trials; k++)
        one_of = one_of || r->trial[k].max_lr == r->max_lr;
    CHECK(one_of && r->max_lr <= CLIFF_LR);
    CHECK(r->confidence != LRF_FINDER_CONFIDENCE_HIGH);
    check_confidence(r, r->confidence);
    lrf_finder_result_destroy(r);
}

/* The choice: the best held-out accuracy; on a tie the smallest lr. The confidence is
 * low when the held-out rows measure accuracy too coarsely to tell them apart. */
static void test_trial_choice(void)
{
    for (int tied = 0; tied < 2; tied++) {
        struct client c;
        init_client(&c, KIND_MEMORIZE);
        c.tied = tied;
        struct lrf_finder_config cfg = small_config();
        cfg.trial_rows = tied ? 20 : 100000;
        struct lrf_finder_callbacks cb = callbacks(&c, true);
        struct lrf_finder_result *r = NULL;
        struct lrf_error err;
        CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK && r && r->n_trials > 1);
        if (!r || r->n_trials < 2)
            continue;
        size_t want = 0;
        for (size_t k = 1; k < r->n_trials; k++) {
            const struct lrf_finder_trial *t = &r->trial[k], *w = &r->trial[want];
            CHECK(t->max_lr < r->trial[k - 1].max_lr); /* from the pick down */
            if (!t->diverged && (w->diverged || t->metric > w->metric ||
                                 (t->metric == w->metric && t->max_lr < w->max_lr)))
                want = k;
        }
        CHECK(r->max_lr == r->trial[want].max_lr);
        if (tied) /* 0.75 on 20 rows: one standard error is 9.7 points */
            CHECK(r->max_lr == r->trial[r->n_trials - 1].max_lr);
        check_confidence(r, tied ? LRF_FINDER_CONFIDENCE_LOW : LRF_FINDER_CONFIDENCE_MEDIUM);
        lrf_finder_result_destroy(r);
    }
}

/* A client without a metric: the lowest held-out loss wins; the relative standard error
 * of an RMSE on n rows, 1/sqrt(2n), decides low (n = 50: 10%) or medium (n = 10^5). */
static void test_trial_loss_only(void)
{
    const size_t rows[] = {50, 100000};
    for (int k = 0; k < 2; k++) {
        struct client c;
        init_client(&c, KIND_MEMORIZE);
        c.no_metric = true;
        struct lrf_finder_config cfg = small_config();
        cfg.trial_rows = rows[k];
        struct lrf_finder_callbacks cb = callbacks(&c, true);
        struct lrf_finder_result *r = NULL;
        struct lrf_error err;
        CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK && r && r->n_trials > 1);
        if (!r || r->n_trials < 2)
            continue;
        size_t want = 0;
        for (size_t j = 1; j < r->n_trials; j++)
            if (!r->trial[j].diverged &&
                (r->trial[want].diverged || r->trial[j].loss < r->trial[want].loss))
                want = j;
        CHECK(r->max_lr == r->trial[want].max_lr && strstr(r->response_text, "loss"));
        check_confidence(r, k ? LRF_FINDER_CONFIDENCE_MEDIUM : LRF_FINDER_CONFIDENCE_LOW);
        lrf_finder_result_destroy(r);
    }
}

/* Trials that are too expensive for the budget do not run; trials=off never. */
static void test_trial_budget(void)
{
    struct client c;
    init_client(&c, KIND_MEMORIZE);
    struct lrf_finder_config cfg = small_config();
    cfg.total_steps = 100000; /* 4 trials = 4000 sweeps */
    struct lrf_finder_callbacks cb = callbacks(&c, true);
    struct lrf_finder_result *r = NULL;
    struct lrf_error err;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK && r && r->n_trials == 0);
    CHECK(c.trials == 0 && r && r->response == LRF_FINDER_RESPONSE_CAP);
    lrf_finder_result_destroy(r);
    cfg = small_config();
    cfg.trials = LRF_FINDER_TRIALS_OFF;
    init_client(&c, KIND_MEMORIZE);
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK && r && r->n_trials == 0 && !c.trials);
    lrf_finder_result_destroy(r);
}

/* A failing or interrupted trial: the sweep's answer stands, the state is restored. */
static void test_trial_errors(void)
{
    for (int interrupt = 0; interrupt < 2; interrupt++) {
        struct client c;
        init_client(&c, KIND_MEMORIZE);
        c.trial_fail_at = 1;
        c.interrupt_in_trials = interrupt;
        struct client_state before = c.s;
        struct lrf_finder_config cfg = small_config();
        struct lrf_finder_callbacks cb = callbacks(&c, true);
        struct lrf_finder_result *r = NULL;
        struct lrf_error err;
        enum lrf_status st = lrf_finder_run(&cfg, &cb, &r, &err);
        CHECK(st == (interrupt ? LRF_ERR_INTERRUPTED : LRF_ERR_DATA));
        CHECK(r && r->n_trials == 0 && r->response == LRF_FINDER_RESPONSE_CAP);
        CHECK(memcmp(&c.s, &before, sizeof before) == 0);
        CHECK(strstr(err.message, "trial") != NULL);
        lrf_finder_result_destroy(r);
    }
}

/* Every trial diverges: no answer, confidence low with what to do. */
static void test_all_trials_diverge(void)
{
    struct client c;
    init_client(&c, KIND_MEMORIZE);
    struct lrf_finder_config cfg = small_config();
    cfg.regime.trial_candidates = 1;
    cfg.start_lr = 1.0; /* the pick lands above the client's cliff */
    cfg.end_lr = 1e4;
    struct lrf_finder_callbacks cb = callbacks(&c, true);
    struct lrf_finder_result *r = NULL;
    struct lrf_error err;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK && r);
    if (!r)
        return;
    CHECK_MSG(r->n_trials == 1 && r->trial[0].diverged && r->rule_lr > CLIFF_LR,
              "%zu trials, rule %g", r->n_trials, r->rule_lr);
    CHECK(isnan(r->max_lr) && isnan(r->one_cycle_max_lr) && !r->one_cycle_spec[0]);
    check_confidence(r, LRF_FINDER_CONFIDENCE_LOW);
    CHECK(restored(&c));
    lrf_finder_result_destroy(r);
}

/* A flat curve and NaN from the first step: no suggestion, no trial, low with advice. */
static void test_no_suggestion(void)
{
    const int kinds[] = {KIND_FLAT, KIND_NAN};
    const unsigned flags[] = {LRF_FINDER_DIAG_FLAT, LRF_FINDER_DIAG_NO_FINITE};
    for (int k = 0; k < 2; k++) {
        struct client c;
        init_client(&c, kinds[k]);
        struct client_state before = c.s;
        struct lrf_finder_config cfg = small_config();
        struct lrf_finder_callbacks cb = callbacks(&c, true);
        struct lrf_finder_result *r = NULL;
        struct lrf_error err;
        CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK && r);
        if (!r)
            continue;
        CHECK(memcmp(&c.s, &before, sizeof before) == 0);
        CHECK_MSG(r->diagnostics & flags[k], "diagnostics %#x", r->diagnostics);
        CHECK(isnan(r->max_lr) && isnan(r->rule_lr) && c.trials == 0);
        CHECK(r->stop_reason == (k ? LRF_FINDER_STOP_NONFINITE : LRF_FINDER_STOP_END));
        check_confidence(r, LRF_FINDER_CONFIDENCE_LOW);
        CHECK(r->advice[0] != '\0');
        lrf_finder_result_destroy(r);
    }
}

/* A sweep of client kind with cfg; the result (NULL after a failed check). */
static struct lrf_finder_result *sweep_kind(struct client *c, int kind,
                                            const struct lrf_finder_config *cfg, bool trials)
{
    init_client(c, kind);
    struct lrf_finder_callbacks cb = callbacks(c, trials);
    struct lrf_finder_result *r = NULL;
    struct lrf_error err;
    CHECK_MSG(lrf_finder_run(cfg, &cb, &r, &err) == LRF_OK && r, "sweep: %s", err.message);
    return r;
}

/* A config whose batches the sweep sees once (plenty of data). */
static struct lrf_finder_config large_config(size_t runs)
{
    struct lrf_finder_config cfg = lrf_finder_config_default();
    cfg.batches_per_epoch = 100000;
    cfg.total_steps = 3000;
    cfg.runs = runs;
    return cfg;
}

/* No divergence up to end_lr on plenty of data: the pick stands, confidence medium. */
static void test_no_divergence(void)
{
    struct client c;
    struct lrf_finder_config cfg = large_config(1);
    struct lrf_finder_result *r = sweep_kind(&c, KIND_PLATEAU, &cfg, true);
    if (!r)
        return;
    CHECK(r->diagnostics & LRF_FINDER_DIAG_NO_DIVERGENCE);
    CHECK(!(r->diagnostics & (LRF_FINDER_DIAG_FEW_BATCHES | LRF_FINDER_DIAG_LOSS_ZERO)));
    CHECK(r->max_lr == r->rule_lr && r->response == LRF_FINDER_RESPONSE_NONE && !c.trials);
    check_confidence(r, LRF_FINDER_CONFIDENCE_MEDIUM);
    lrf_finder_result_destroy(r);
}

/* Runs that disagree: unstable_runs, confidence low. */
static void test_runs_disagree(void)
{
    struct client c;
    struct lrf_finder_config cfg = large_config(5);
    struct lrf_finder_result *r = sweep_kind(&c, KIND_NOISY_RUNS, &cfg, false);
    if (!r)
        return;
    CHECK_MSG(r->diagnostics & LRF_FINDER_DIAG_UNSTABLE_RUNS, "diagnostics %#x, %g..%g",
              r->diagnostics, r->suggestion[0].lr_low, r->suggestion[0].lr_high);
    check_confidence(r, LRF_FINDER_CONFIDENCE_LOW);
    lrf_finder_result_destroy(r);
}

/* A clean valley the sweep sees end, batches seen once: high, and no trial. */
static void test_clean_is_high(void)
{
    struct client c;
    struct lrf_finder_config cfg = large_config(1);
    struct lrf_finder_result *r = sweep_kind(&c, KIND_NOISY_RUNS, &cfg, true);
    if (!r)
        return;
    CHECK_MSG(r->diagnostics == 0, "diagnostics %#x", r->diagnostics);
    check_confidence(r, LRF_FINDER_CONFIDENCE_HIGH);
    CHECK(c.trials == 0 && r->max_lr == r->rule_lr);
    lrf_finder_result_destroy(r);
}

/* Offline: the regime codes work on a logged curve (no batches known: no few_batches). */
static void test_offline(void)
{
    double lr[100], loss[100];
    struct lrf_finder_config cfg = lrf_finder_config_default();
    for (int i = 0; i < 100; i++) {
        lr[i] = lrf_finder_grid_lr(&cfg, (size_t)i);
        loss[i] = i < 60 ? 1.1 * (1.0 - i / 60.0) + 1e-3 : 0.0;
    }
    struct lrf_finder_result *r = NULL;
    struct lrf_error err;
    CHECK(lrf_finder_analyze(&cfg, lr, loss, 100, &r, &err) == LRF_OK && r);
    if (!r)
        return;
    CHECK(r->diagnostics & LRF_FINDER_DIAG_LOSS_ZERO);
    CHECK(!(r->diagnostics & LRF_FINDER_DIAG_FEW_BATCHES) && isnan(r->epochs_swept));
    CHECK(r->max_lr <= r->zero_loss_lr);
    lrf_finder_result_destroy(r);
}

int main(void)
{
    test_memorizable();
    test_trial_choice();
    test_trial_loss_only();
    test_trial_budget();
    test_trial_errors();
    test_all_trials_diverge();
    test_no_suggestion();
    test_no_divergence();
    test_runs_disagree();
    test_clean_is_high();
    test_offline();
    return check_summary();
}
