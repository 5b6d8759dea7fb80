/* The trainer's `threads` (include/lrf/train.h): OpenBLAS's process-wide thread count
 * is the trainer's only while it computes; creating, stepping and evaluating leave the
 * caller's count as it was. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lrf/train.h"

/* 64 rows of 3 features, 2 classes. */
static struct lrf_dataset *small_dataset(void)
{
    static char csv[4096];
    size_t n = (size_t)snprintf(csv, sizeof csv, "a,b,c,label\n");
    for (int i = 0; i < 64 && n < sizeof csv; i++)
        n += (size_t)snprintf(csv + n, sizeof csv - n, "%d,%d,%d,%d\n", i % 7, i % 5, i % 3, i % 2);
    struct lrf_dataset_options opt = lrf_dataset_options_default();
    opt.use_cache = false;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_parse_buffer("small.csv", csv, n, &opt, &ds, &err) != LRF_OK)
        fprintf(stderr, "    dataset: %s\n", err.message);
    return ds;
}

static void test_threads_are_scoped(void)
{
    struct lrf_dataset *ds = small_dataset();
    CHECK(ds != NULL);
    if (!ds)
        return;
    lrf_model_set_threads(2); /* the caller's choice */
    struct lrf_train_config cfg = lrf_train_config_default();
    lrf_model_parse_spec("mlp:8", &cfg.model, NULL);
    cfg.batch_size = 16;
    cfg.threads = 1;
    struct lrf_train_data data = {.train = ds, .val = ds};
    struct lrf_trainer *t = NULL;
    struct lrf_error err;
    CHECK(lrf_trainer_create(&cfg, &data, &t, &err) == LRF_OK);
    CHECK_MSG(lrf_model_get_threads() == 2, "after create: %d", lrf_model_get_threads());
    double loss = NAN, acc = NAN;
    CHECK(t && lrf_trainer_step(t, 0.01, NAN, &loss) == LRF_OK && isfinite(loss));
    CHECK_MSG(lrf_model_get_threads() == 2, "after a step: %d", lrf_model_get_threads());
    CHECK(t && lrf_trainer_evaluate(t, &loss, &acc, &err) == LRF_OK);
    CHECK_MSG(lrf_model_get_threads() == 2, "after evaluate: %d", lrf_model_get_threads());
    lrf_trainer_destroy(t);
    lrf_dataset_destroy(ds);
}

int main(void)
{
    test_threads_are_scoped();
    return check_summary();
}
