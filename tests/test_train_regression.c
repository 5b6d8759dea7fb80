/* Regression in the trainer (issue 13): the targets are standardized with the
 * training rows' mean and population std; the validation RMSE and R^2, in the
 * target's units, equal the ones computed here from the model's own outputs
 * (destandardized), and the validation loss is the standardized MSE; a change of
 * the target's units changes neither the losses nor R^2 and scales the RMSE;
 * the model learns; classification has no RMSE and regression no accuracy; and a
 * few SGD steps through the whole path (standardized features and targets, MSE,
 * one output) match PyTorch (tests/fixtures/train/mse_trainer.txt, written by
 * scripts/gen_train_fixtures.py). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture_reader.h"
#include "lrf/train.h"

/* The metrics here and the trainer's sum the same doubles in the same order. */
static const double SAME_SUM_REL_TOL = 1e-12;
/* Targets written in other units are other floats (rounded once each): the
 * standardized values, so a short run's losses, agree to a few float ulps. */
static const double UNITS_REL_TOL = 1e-4;

enum { ROWS = 300, FEATURES = 4, EQUAL_ROWS = 12, EPOCHS = 12 };

/* CSV text (freed here) parsed as a regression table, uncached, on one thread. */
static struct lrf_dataset *parse_regression(const char *name, char *text, size_t len)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    o.threads = 1;
    o.task = LRF_TASK_REGRESSION;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_parse_buffer(name, text, len, &o, &ds, &err) != LRF_OK)
        fprintf(stderr, "    parse %s: %s\n", name, err.message);
    free(text);
    return ds;
}

/* y = 1000 + 300 sin(2a) + 200 b c - 50 d + noise, in "units" scale and offset
 * written as text; the first EQUAL_ROWS rows share the target 1000 exactly. */
static struct lrf_dataset *make_dataset(double scale, double offset)
{
    char *text = malloc(ROWS * 96 + 64);
    size_t n = (size_t)sprintf(text, "a,b,c,d,y\n");
    unsigned long long z = 11;
    for (int i = 0; i < ROWS; i++) {
        double v[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            z = z * 6364136223846793005ull + 1442695040888963407ull;
            v[j] = (double)(z >> 40) / 16777216.0 * 2 - 1;
            n += (size_t)sprintf(text + n, "%.4f,", v[j]);
        }
        z = z * 6364136223846793005ull + 1442695040888963407ull;
        double noise = ((double)(z >> 40) / 16777216.0 - 0.5) * 20;
        double y = 1000 + 300 * sin(2 * v[0]) + 200 * v[1] * v[2] - 50 * v[3] + noise;
        if (i < EQUAL_ROWS)
            y = 1000;
        n += (size_t)sprintf(text + n, "%.3f\n", round(y) * scale + offset);
    }
    return parse_regression("reg.csv", text, n);
}

struct setup {
    struct lrf_dataset *ds;
    struct lrf_split split;
    struct lrf_norm *norm;
    struct lrf_trainer *t;
};

static bool setup_open(struct setup *s, double scale, double offset)
{
    memset(s, 0, sizeof *s);
    struct lrf_error err;
    s->ds = make_dataset(scale, offset);
    if (!s->ds || lrf_dataset_split(s->ds, 0.25, 3, &s->split, &err) != LRF_OK ||
        lrf_norm_create(s->ds, s->split.train, s->split.n_train, LRF_NORMALIZE_STANDARD, &s->norm,
                        &err) != LRF_OK)
        return false;
    struct lrf_train_data data = {.train = s->ds,
                                  .train_rows = s->split.train,
                                  .n_train = s->split.n_train,
                                  .val = s->ds,
                                  .val_rows = s->split.val,
                                  .n_val = s->split.n_val,
                                  .norm = s->norm};
    struct lrf_train_config cfg = lrf_train_config_default();
    if (lrf_model_parse_spec("mlp:32,16", &cfg.model, &err) != LRF_OK)
        return false;
    cfg.batch_size = 32;
    cfg.seed = 4;
    cfg.threads = 1;
    if (lrf_trainer_create(&cfg, &data, &s->t, &err) != LRF_OK) {
        fprintf(stderr, "    trainer: %s\n", err.message);
        return false;
    }
    return true;
}

static void setup_close(struct setup *s)
{
    lrf_trainer_destroy(s->t);
    lrf_norm_destroy(s->norm);
    lrf_split_free(&s->split);
    lrf_dataset_destroy(s->ds);
}

/* Mean and population std of the targets of rows[0..n), in double. */
static void stats(const float *y, const uint32_t *rows, size_t n, double *mean, double *std)
{
    double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)y[rows[i]];
    *mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += ((double)y[rows[i]] - *mean) * ((double)y[rows[i]] - *mean);
    *std = sqrt(ss / (double)n);
}

/* The validation metrics from the model's outputs on rows[0..n), in batches. */
static void metrics_by_hand(struct setup *s, const uint32_t *rows, size_t n,
                            struct lrf_train_metrics *m)
{
    struct lrf_model *model = lrf_trainer_model(s->t);
    const float *y = lrf_dataset_targets(s->ds);
    double mean, std, vmean, vstd;
    lrf_trainer_target_scale(s->t, &mean, &std);
    stats(y, rows, n, &vmean, &vstd);
    size_t B = lrf_trainer_config(s->t)->batch_size;
    float *x = malloc(B * FEATURES * sizeof(float)), *tz = malloc(B * sizeof(float));
    double sq_std = 0, sse = 0, sst = 0;
    for (size_t first = 0; first < n; first += B) {
        size_t k = n - first < B ? n - first : B;
        lrf_dataset_gather(s->ds, s->norm, rows + first, k, x, NULL);
        for (size_t i = 0; i < k; i++)
            tz[i] = (float)(((double)y[rows[first + i]] - mean) / std);
        struct lrf_model_batch b = {x, NULL, tz, (int)k};
        struct lrf_model_eval e;
        CHECK(lrf_model_eval_batch(model, &b, &e, NULL) == LRF_OK);
        const float *out = lrf_model_logits(model);
        for (size_t i = 0; i < k; i++) {
            double yt = (double)y[rows[first + i]], pred = (double)out[i] * std + mean;
            sq_std += ((double)out[i] - (double)tz[i]) * ((double)out[i] - (double)tz[i]);
            sse += (pred - yt) * (pred - yt);
            sst += (yt - vmean) * (yt - vmean);
        }
    }
    m->loss = sq_std / (double)n;
    m->rmse = sqrt(sse / (double)n);
    m->r2 = sst > 0 ? 1 - sse / sst : (double)NAN;
    m->accuracy = NAN;
    free(x);
    free(tz);
}

/* R^2 of validation rows whose targets are all equal is undefined (NaN), the RMSE not. */
static void check_r2_undefined(const struct setup *s)
{
    uint32_t equal[EQUAL_ROWS];
    for (uint32_t i = 0; i < EQUAL_ROWS; i++)
        equal[i] = i;
    struct lrf_train_data data = {.train = s->ds,
                                  .train_rows = s->split.train,
                                  .n_train = s->split.n_train,
                                  .val = s->ds,
                                  .val_rows = equal,
                                  .n_val = EQUAL_ROWS,
                                  .norm = s->norm};
    struct lrf_trainer *t = NULL;
    struct lrf_train_metrics m;
    struct lrf_error err;
    CHECK(lrf_trainer_create(lrf_trainer_config(s->t), &data, &t, &err) == LRF_OK);
    if (t) {
        CHECK(lrf_trainer_evaluate_metrics(t, &m, &err) == LRF_OK);
        CHECK_MSG(isnan(m.r2) && isfinite(m.rmse) && m.rmse > 0, "r2 %g rmse %g", m.r2, m.rmse);
    }
    lrf_trainer_destroy(t);
}

static void test_metrics(void)
{
    struct setup s;
    if (!setup_open(&s, 1, 0)) {
        CHECK(0);
        setup_close(&s);
        return;
    }
    CHECK(lrf_trainer_task(s.t) == LRF_TASK_REGRESSION);
    CHECK(lrf_trainer_config(s.t)->model.loss == LRF_LOSS_MSE);
    CHECK(lrf_trainer_config(s.t)->model.n_classes == 1);
    double mean, std, want_mean, want_std;
    lrf_trainer_target_scale(s.t, &mean, &std);
    stats(lrf_dataset_targets(s.ds), s.split.train, s.split.n_train, &want_mean, &want_std);
    CHECK_CLOSE(mean, want_mean, SAME_SUM_REL_TOL, 0);
    CHECK_CLOSE(std, want_std, SAME_SUM_REL_TOL, 0);

    struct lrf_train_metrics before, want;
    struct lrf_error err;
    CHECK(lrf_trainer_evaluate_metrics(s.t, &before, &err) == LRF_OK);
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.run_length = lrf_trainer_run_steps(s.t, EPOCHS);
    struct lrf_sched *sched = NULL;
    CHECK(lrf_sched_parse("onecycle(max_lr=0.03)", &so, &sched, &err) == LRF_OK);
    struct lrf_train_epoch ep[EPOCHS];
    int done = 0;
    CHECK(lrf_trainer_fit(s.t, sched, EPOCHS, ep, &done, NULL, NULL, &err) == LRF_OK);
    CHECK(done == EPOCHS);
    metrics_by_hand(&s, s.split.val, s.split.n_val, &want);
    const struct lrf_train_epoch *last = &ep[EPOCHS - 1];
    CHECK_CLOSE(last->val_rmse, want.rmse, SAME_SUM_REL_TOL, 0);
    CHECK_CLOSE(last->val_r2, want.r2, SAME_SUM_REL_TOL, 0);
    CHECK_CLOSE(last->val_loss, want.loss, 1e-6, 0); /* the model sums floats in its own order */
    CHECK(isnan(last->val_accuracy));
    /* The val loss is the standardized MSE: RMSE = std * sqrt(val loss). */
    CHECK_CLOSE(last->val_rmse, std * sqrt(last->val_loss), 1e-6, 0);
    /* It learnt: well below predicting the mean (R^2 0), and better than at the start. */
    CHECK_MSG(last->val_r2 > 0.8 && last->val_rmse < before.rmse, "r2 %g rmse %g (before %g)",
              last->val_r2, last->val_rmse, before.rmse);
    struct lrf_train_metrics now;
    CHECK(lrf_trainer_evaluate_metrics(s.t, &now, &err) == LRF_OK);
    CHECK(now.rmse == last->val_rmse && now.r2 == last->val_r2 && isnan(now.accuracy));

    check_r2_undefined(&s);
    lrf_sched_destroy(sched);
    setup_close(&s);
}

/* Targets in other units (x1000, shifted): the same standardized problem. */
static void test_units(void)
{
    struct setup a, b;
    bool ok = setup_open(&a, 1, 0) && setup_open(&b, 1000, -7);
    CHECK(ok);
    if (ok) {
        double ma, sa, mb, sb;
        lrf_trainer_target_scale(a.t, &ma, &sa);
        lrf_trainer_target_scale(b.t, &mb, &sb);
        CHECK_CLOSE(mb, ma * 1000 - 7, 1e-9, 0);
        CHECK_CLOSE(sb, sa * 1000, 1e-9, 0);
        struct lrf_train_epoch ea[3] = {0}, eb[3] = {0};
        struct lrf_error err;
        CHECK(lrf_trainer_fit(a.t, NULL, 3, ea, NULL, NULL, NULL, &err) == LRF_OK);
        CHECK(lrf_trainer_fit(b.t, NULL, 3, eb, NULL, NULL, NULL, &err) == LRF_OK);
        for (int e = 0; e < 3; e++) {
            CHECK_CLOSE(eb[e].train_loss, ea[e].train_loss, UNITS_REL_TOL, 0);
            CHECK_CLOSE(eb[e].val_loss, ea[e].val_loss, UNITS_REL_TOL, 0);
            CHECK_CLOSE(eb[e].val_r2, ea[e].val_r2, UNITS_REL_TOL, 0);
            CHECK_CLOSE(eb[e].val_rmse, ea[e].val_rmse * 1000, UNITS_REL_TOL, 0);
        }
        /* The range test's validation loss is the standardized MSE too. */
        double va, vb;
        CHECK(lrf_trainer_eval_subset(a.t, &va) == LRF_OK);
        CHECK(lrf_trainer_eval_subset(b.t, &vb) == LRF_OK);
        CHECK_CLOSE(vb, va, UNITS_REL_TOL, 0);
        CHECK_CLOSE(va, ea[2].val_loss, 1e-6, 0); /* fewer rows than eval_subset: all of them */
    }
    setup_close(&a);
    setup_close(&b);
}

/* Classification: accuracy, no RMSE/R^2, no target scale. */
static void test_classification_fields(void)
{
    const char *csv = "a,b,label\n0,1,x\n1,0,y\n0,1.5,x\n1.2,0,y\n0.1,1,x\n1,0.2,y\n";
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_parse_buffer("c.csv", csv, strlen(csv), &o, &ds, &err) == LRF_OK);
    struct lrf_train_data data = {.train = ds, .val = ds};
    struct lrf_train_config cfg = lrf_train_config_default();
    CHECK(lrf_model_parse_spec("mlp:4", &cfg.model, &err) == LRF_OK);
    struct lrf_trainer *t = NULL;
    CHECK(ds && lrf_trainer_create(&cfg, &data, &t, &err) == LRF_OK);
    if (t) {
        CHECK(lrf_trainer_task(t) == LRF_TASK_CLASSIFICATION);
        CHECK(lrf_trainer_config(t)->model.loss == LRF_LOSS_CROSS_ENTROPY);
        double mean, std;
        lrf_trainer_target_scale(t, &mean, &std);
        CHECK(isnan(mean) && isnan(std));
        struct lrf_train_epoch ep;
        CHECK(lrf_trainer_fit(t, NULL, 1, &ep, NULL, NULL, NULL, &err) == LRF_OK);
        CHECK(isfinite(ep.val_accuracy) && isnan(ep.val_rmse) && isnan(ep.val_r2));
    }
    lrf_trainer_destroy(t);
    lrf_dataset_destroy(ds);
}

/* 8 float32 steps vs PyTorch, as tests/test_train.c's trajectory (1e-5), on a full batch
 * whose rows the trainer visits in its own shuffled order (a sum in another order). */
static const double TORCH_REL_TOL = 1e-5;
/* 9 significant digits in the fixture. */
static const double FIXTURE_REL_TOL = 1e-8;

/* The fixture's rows as CSV text (x multiples of 1/16, y integers: exact). */
static struct lrf_dataset *fixture_dataset(const double *x, const double *y, long n, int d)
{
    char *text = malloc((size_t)n * (size_t)(d + 1) * 32 + 64);
    size_t len = 0;
    for (int j = 0; j < d; j++)
        len += (size_t)sprintf(text + len, "x%d,", j);
    len += (size_t)sprintf(text + len, "y\n");
    for (long i = 0; i < n; i++) {
        for (int j = 0; j < d; j++)
            len += (size_t)sprintf(text + len, "%.9g,", x[i * d + j]);
        len += (size_t)sprintf(text + len, "%.9g\n", y[i]);
    }
    return parse_regression("mse_trainer.csv", text, len);
}

/* Parameters within tol of the fixture's, relative to its largest magnitude. */
static int params_differ(const float *p, const double *want, long n, double tol)
{
    double scale = 0;
    for (long i = 0; i < n; i++)
        scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
    int bad = 0;
    for (long i = 0; i < n; i++)
        bad += fabs((double)p[i] - want[i]) > tol * scale;
    return bad;
}

/* From the fixture's initial parameters: its SGD steps' losses, the parameters after
 * them, the target scale and the validation metrics. */
static void check_torch_steps(struct lrf_trainer *t, struct fixture *f)
{
    long np, nlr;
    const double *p0 = fixture_get(f, "params", &np), *lr = fixture_get(f, "lr", &nlr);
    const double *losses = fixture_get(f, "losses", NULL),
                 *pl = fixture_get(f, "params_last", NULL);
    double mean, std;
    lrf_trainer_target_scale(t, &mean, &std);
    CHECK_CLOSE(mean, fixture_scalar(f, "target_mean"), FIXTURE_REL_TOL, 0);
    CHECK_CLOSE(std, fixture_scalar(f, "target_std"), FIXTURE_REL_TOL, 0);
    float *p = lrf_model_params(lrf_trainer_model(t));
    for (long i = 0; i < np; i++)
        p[i] = (float)p0[i];
    int bad_loss = 0;
    for (long k = 0; k < nlr; k++) {
        double loss = NAN;
        CHECK(lrf_trainer_step(t, lr[k], NAN, &loss) == LRF_OK);
        bad_loss += !(fabs(loss - losses[k]) <= TORCH_REL_TOL * fabs(losses[k]));
    }
    CHECK_MSG(bad_loss == 0, "%d of %ld losses differ from PyTorch's", bad_loss, nlr);
    int bad = params_differ(p, pl, np, TORCH_REL_TOL);
    CHECK_MSG(bad == 0, "%d params differ after %ld steps", bad, nlr);
    struct lrf_train_metrics m;
    struct lrf_error err;
    CHECK(lrf_trainer_evaluate_metrics(t, &m, &err) == LRF_OK);
    CHECK_CLOSE(m.loss, fixture_scalar(f, "val_loss"), TORCH_REL_TOL, 0);
    CHECK_CLOSE(m.rmse, fixture_scalar(f, "val_rmse"), TORCH_REL_TOL, 0);
    CHECK_CLOSE(m.r2, fixture_scalar(f, "val_r2"), TORCH_REL_TOL, 0);
}

static void test_torch_mse_steps(void)
{
    struct fixture f;
    char path[1024];
    snprintf(path, sizeof path, "%s/train/mse_trainer.txt", LRF_FIXTURES_DIR);
    if (fixture_load_path(&f, path)) {
        CHECK_MSG(0, "fixture %s", path);
        return;
    }
    long nd, nx, np, nlr, npl;
    const double *dims = fixture_get(&f, "dims", &nd), *x = fixture_get(&f, "x", &nx);
    const double *y = fixture_get(&f, "y", NULL), *p0 = fixture_get(&f, "params", &np);
    const double *lr = fixture_get(&f, "lr", &nlr), *losses = fixture_get(&f, "losses", NULL);
    const double *pl = fixture_get(&f, "params_last", &npl);
    if (!dims || nd != 3 || !x || !y || !p0 || !lr || !losses || !pl || np != npl) {
        CHECK_MSG(0, "%s incomplete", path);
        fixture_free(&f);
        return;
    }
    size_t n_train = (size_t)fixture_scalar(&f, "n_train"),
           n_val = (size_t)fixture_scalar(&f, "n_val");
    struct lrf_dataset *ds = fixture_dataset(x, y, (long)(n_train + n_val), (int)dims[0]);
    uint32_t *rows = malloc((n_train + n_val) * sizeof *rows);
    for (size_t i = 0; i < n_train + n_val; i++)
        rows[i] = (uint32_t)i;
    struct lrf_norm *norm = NULL;
    struct lrf_error err;
    CHECK(ds && lrf_norm_create(ds, rows, n_train, LRF_NORMALIZE_STANDARD, &norm, &err) == LRF_OK);
    struct lrf_train_data data = {ds, rows, n_train, ds, rows + n_train, n_val, norm};
    struct lrf_train_config cfg = lrf_train_config_default();
    cfg.model.n_hidden = 1;
    cfg.model.hidden[0] = (int)dims[1];
    cfg.optim.momentum = fixture_scalar(&f, "momentum");
    cfg.batch_size = n_train;
    cfg.threads = 1;
    struct lrf_trainer *t = NULL;
    CHECK(norm && lrf_trainer_create(&cfg, &data, &t, &err) == LRF_OK);
    if (t && lrf_model_n_params(lrf_trainer_model(t)) == (size_t)np)
        check_torch_steps(t, &f);
    else
        CHECK_MSG(0, "trainer for %s", path);
    lrf_trainer_destroy(t);
    lrf_norm_destroy(norm);
    free(rows);
    lrf_dataset_destroy(ds);
    fixture_free(&f);
}

int main(void)
{
    test_torch_mse_steps();
    test_metrics();
    test_units();
    test_classification_fields();
    return check_summary();
}
