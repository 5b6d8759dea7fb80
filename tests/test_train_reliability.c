/* The trainer on hostile settings (issue 10): a run whose loss becomes NaN/Inf stops
 * there with LRF_ERR_NUMERIC (item 3), and a batch larger than the training rows is
 * capped to them, buffers and model included (item 6). And its `threads` (issue 11):
 * OpenBLAS's process-wide count is the trainer's only while it computes; creating,
 * stepping and evaluating leave the caller's as it was. */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "lrf/train.h"

enum { ROWS = 64 };

static struct lrf_dataset *small_dataset(void)
{
    static char csv[4096];
    size_t n = (size_t)snprintf(csv, sizeof csv, "a,b,c,label\n");
    for (int i = 0; i < ROWS && n < sizeof csv; i++)
        n += (size_t)snprintf(csv + n, sizeof csv - n, "%d,%d,%d,%d\n", i % 7, i % 5, i % 3, i % 2);
    struct lrf_dataset_options opt = lrf_dataset_options_default();
    opt.use_cache = false;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_parse_buffer("small.csv", csv, n, &opt, &ds, &err) != LRF_OK)
        fprintf(stderr, "    dataset: %s\n", err.message);
    return ds;
}

static struct lrf_trainer *trainer(const struct lrf_dataset *ds, size_t batch, double lr,
                                   int threads)
{
    struct lrf_train_config cfg = lrf_train_config_default();
    lrf_model_parse_spec("mlp:8", &cfg.model, NULL);
    cfg.batch_size = batch;
    cfg.optim.lr = lr;
    cfg.threads = threads;
    struct lrf_train_data data = {.train = ds, .val = ds};
    struct lrf_trainer *t = NULL;
    struct lrf_error err;
    if (lrf_trainer_create(&cfg, &data, &t, &err) != LRF_OK)
        fprintf(stderr, "    trainer: %s\n", err.message);
    return t;
}

static void test_nonfinite_loss_stops(const struct lrf_dataset *ds)
{
    struct lrf_trainer *t = trainer(ds, 16, 1e308, 0);
    CHECK(t != NULL);
    if (!t)
        return;
    struct lrf_train_epoch ep[3];
    int done = -1;
    struct lrf_error err;
    CHECK(lrf_trainer_fit(t, NULL, 3, ep, &done, NULL, NULL, &err) == LRF_ERR_NUMERIC);
    CHECK(done == 0);
    CHECK_MSG(strstr(err.message, "diverged") != NULL, "%s", err.message);
    lrf_trainer_destroy(t);
}

static void test_batch_capped(const struct lrf_dataset *ds)
{
    struct lrf_trainer *t = trainer(ds, LRF_TRAIN_BATCH_MAX, 0.01, 0);
    CHECK(t != NULL);
    if (!t)
        return;
    const struct lrf_train_config *c = lrf_trainer_config(t);
    CHECK_MSG(c->batch_size == ROWS, "batch %zu", c->batch_size);
    CHECK_MSG(c->model.max_batch == ROWS, "the model is sized for %d rows", c->model.max_batch);
    CHECK(lrf_trainer_steps_per_epoch(t) == 1);
    double loss = NAN;
    CHECK(lrf_trainer_step(t, 0.01, NAN, &loss) == LRF_OK && isfinite(loss));
    lrf_trainer_destroy(t);
}

static void test_threads_are_scoped(const struct lrf_dataset *ds)
{
    lrf_model_set_threads(2); /* the caller's choice */
    struct lrf_trainer *t = trainer(ds, 16, 0.01, 1);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK_MSG(lrf_model_get_threads() == 2, "after create: %d", lrf_model_get_threads());
    double loss = NAN, acc = NAN;
    struct lrf_error err;
    CHECK(lrf_trainer_step(t, 0.01, NAN, &loss) == LRF_OK && isfinite(loss));
    CHECK_MSG(lrf_model_get_threads() == 2, "after a step: %d", lrf_model_get_threads());
    CHECK(lrf_trainer_evaluate(t, &loss, &acc, &err) == LRF_OK);
    CHECK_MSG(lrf_model_get_threads() == 2, "after evaluate: %d", lrf_model_get_threads());
    lrf_trainer_destroy(t);
}

int main(void)
{
    struct lrf_dataset *ds = small_dataset();
    CHECK(ds != NULL);
    if (ds) {
        test_nonfinite_loss_stops(ds);
        test_batch_capped(ds);
        test_threads_are_scoped(ds);
    }
    lrf_dataset_destroy(ds);
    return check_summary();
}
