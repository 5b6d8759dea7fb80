/* The trainer's per-epoch figures against independent computations (issue 17's
 * mutation check found them unpinned): the epoch's train loss is the sample-weighted
 * mean of its steps' losses (as reported to the progress callback, the last batch
 * short), the samples are the training rows, the steps per epoch ceil(rows / batch),
 * lr is the schedule's at the epoch's last step, and the last epoch's validation
 * figures are what lrf_trainer_evaluate says after the run. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lrf/train.h"

/* Sums of a few dozen doubles in another order: a few ulps. */
static const double MEAN_REL_TOL = 1e-12;

enum { ROWS = 250, EPOCHS = 3, STEPS_MAX = 64 };

struct step_log {
    long n;
    int epoch[EPOCHS * STEPS_MAX];
    double loss[EPOCHS * STEPS_MAX];
};

static bool on_step(void *user, int epoch, long step, long steps_per_epoch, double loss)
{
    struct step_log *log = user;
    (void)step;
    (void)steps_per_epoch;
    if (log->n < EPOCHS * STEPS_MAX) {
        log->epoch[log->n] = epoch;
        log->loss[log->n++] = loss;
    }
    return false;
}

static struct lrf_dataset *make_dataset(void)
{
    char *text = malloc(ROWS * 64 + 32);
    size_t n = (size_t)sprintf(text, "y,a,b,c,d\n");
    unsigned long long z = 7;
    for (int i = 0; i < ROWS; i++) {
        int k = i % 3;
        n += (size_t)sprintf(text + n, "%d", k);
        for (int j = 0; j < 4; j++) {
            z = z * 6364136223846793005ull + 1442695040888963407ull;
            n += (size_t)sprintf(text + n, ",%.3f", (double)(z >> 40) / 16777216.0 + (j == k));
        }
        text[n++] = '\n';
    }
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_parse_buffer("t.csv", text, n, &o, &ds, &err) != LRF_OK)
        fprintf(stderr, "    parse: %s\n", err.message);
    free(text);
    return ds;
}

static void test_epoch_figures(size_t batch, const char *spec)
{
    struct lrf_dataset *ds = make_dataset();
    if (!ds) {
        CHECK(0);
        return;
    }
    struct lrf_split sp;
    struct lrf_error err;
    CHECK(lrf_dataset_split(ds, 0.2, 5, &sp, &err) == LRF_OK);
    struct lrf_train_data data = {.train = ds,
                                  .train_rows = sp.train,
                                  .n_train = sp.n_train,
                                  .val = ds,
                                  .val_rows = sp.val,
                                  .n_val = sp.n_val};
    struct lrf_train_config cfg = lrf_train_config_default();
    CHECK(lrf_model_parse_spec("mlp:8", &cfg.model, &err) == LRF_OK);
    cfg.batch_size = batch;
    cfg.seed = 9;
    struct lrf_trainer *t = NULL;
    CHECK(lrf_trainer_create(&cfg, &data, &t, &err) == LRF_OK);
    if (!t) {
        lrf_split_free(&sp);
        lrf_dataset_destroy(ds);
        return;
    }
    long steps = lrf_trainer_steps_per_epoch(t);
    CHECK_MSG(steps == (long)((sp.n_train + batch - 1) / batch), "%ld steps per epoch", steps);
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.base_lr = cfg.optim.lr;
    so.run_length = lrf_trainer_run_steps(t, EPOCHS);
    struct lrf_sched *s = NULL, *ref = NULL;
    CHECK(lrf_sched_parse(spec, &so, &s, &err) == LRF_OK);
    CHECK(lrf_sched_parse(spec, &so, &ref, &err) == LRF_OK);
    struct step_log log = {0};
    struct lrf_train_epoch ep[EPOCHS];
    int done = 0;
    CHECK(lrf_trainer_fit(t, s, EPOCHS, ep, &done, on_step, &log, &err) == LRF_OK);
    CHECK(done == EPOCHS && log.n == EPOCHS * steps);
    size_t last = sp.n_train - (size_t)(steps - 1) * batch; /* rows of the short batch */
    for (int e = 0; e < done && log.n == EPOCHS * steps; e++) {
        double sum = 0;
        for (long k = 0; k < steps; k++) {
            CHECK(log.epoch[e * steps + k] == e + 1);
            sum += log.loss[e * steps + k] * (double)(k == steps - 1 ? last : batch);
        }
        CHECK_CLOSE(ep[e].train_loss, sum / (double)sp.n_train, MEAN_REL_TOL, 0);
        CHECK(ep[e].samples == (long)sp.n_train && ep[e].epoch == e + 1);
        CHECK_CLOSE(ep[e].lr, lrf_sched_lr(ref, (e + 1) * steps - 1), 0, 0);
    }
    double vl, va;
    CHECK(lrf_trainer_evaluate(t, &vl, &va, &err) == LRF_OK);
    CHECK_CLOSE(ep[EPOCHS - 1].val_loss, vl, 0, 0);
    CHECK_CLOSE(ep[EPOCHS - 1].val_accuracy, va, 0, 0);
    CHECK(va >= 0 && va <= 1 && fabs(va * (double)sp.n_val - round(va * (double)sp.n_val)) < 1e-9);
    lrf_sched_destroy(s);
    lrf_sched_destroy(ref);
    lrf_trainer_destroy(t);
    lrf_split_free(&sp);
    lrf_dataset_destroy(ds);
}

int main(void)
{
    test_epoch_figures(32, "onecycle(max_lr=0.5)"); /* 200 rows: 6 x 32 + 8 */
    test_epoch_figures(40, "cosine()");             /* 200 rows: 5 x 40, no short batch */
    return check_summary();
}
