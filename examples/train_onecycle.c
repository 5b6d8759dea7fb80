/* Train the built-in MLP on the built-in Fashion-MNIST subset for 3 epochs with a
 * one-cycle schedule (include/lrf/train.h). Build with the project (target
 * example_train_onecycle) or against an installed library:
 *   cc -std=c11 -Iinclude examples/train_onecycle.c build/liblrf.a -lopenblas -lcsv -lm -lpthread
 */
#include <stdio.h>

#include "lrf/dataset.h"
#include "lrf/sched.h"
#include "lrf/train.h"

int main(void)
{
    enum { EPOCHS = 3 };
    struct lrf_error err;
    struct lrf_dataset *train = NULL, *test = NULL;
    struct lrf_trainer *t = NULL;
    struct lrf_sched *sched = NULL;
    struct lrf_norm *norm = NULL;
    int status = 1;
    if (lrf_dataset_load_builtin(LRF_BUILTIN_TRAIN, &train, &err) != LRF_OK ||
        lrf_dataset_load_builtin(LRF_BUILTIN_TEST, &test, &err) != LRF_OK)
        goto out;
    /* Features standardized with the training rows' statistics, as `lrfind train`. */
    if (lrf_norm_create(train, NULL, lrf_dataset_rows(train), LRF_NORMALIZE_STANDARD, &norm,
                        &err) != LRF_OK)
        goto out;
    struct lrf_train_config cfg = lrf_train_config_default(); /* mlp:512,256, SGD m=0.9 */
    struct lrf_train_data data = {.train = train, .val = test, .norm = norm};
    if (lrf_trainer_create(&cfg, &data, &t, &err) != LRF_OK)
        goto out;
    /* The schedule's length is the run's: EPOCHS x optimizer steps per epoch. */
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.base_lr = cfg.optim.lr;
    so.run_length = lrf_trainer_run_steps(t, EPOCHS);
    if (lrf_sched_parse("onecycle(max_lr=0.1)", &so, &sched, &err) != LRF_OK)
        goto out;
    struct lrf_train_epoch epochs[EPOCHS];
    int done = 0;
    if (lrf_trainer_fit(t, sched, EPOCHS, epochs, &done, NULL, NULL, &err) != LRF_OK)
        goto out;
    for (int e = 0; e < done; e++)
        printf("epoch %d: train loss %.4f, val accuracy %.4f\n", epochs[e].epoch,
               epochs[e].train_loss, epochs[e].val_accuracy);
    status = 0;
out:
    if (status)
        fprintf(stderr, "train_onecycle: %s\n", err.message);
    lrf_sched_destroy(sched);
    lrf_trainer_destroy(t);
    lrf_norm_destroy(norm);
    lrf_dataset_destroy(test);
    lrf_dataset_destroy(train);
    return status;
}
