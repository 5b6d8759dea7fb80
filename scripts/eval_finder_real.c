/* Real-training check of the finder's rules: a range test with the built-in model and
 * then one-cycle trainings (SGD momentum 0.9, batch 128, standardized features,
 * PyTorch OneCycleLR defaults) at a 17-value max_lr grid (1e-3..10, quarter decades)
 * and at every rule's suggestion; prints validation accuracy of each.
 *
 * Build and run (from the repository root, after building liblrf.a in build/):
 *   cc -O2 -std=c11 -Iinclude scripts/eval_finder_real.c build/liblrf.a \
 *      -lopenblas -lcsv -lm -lpthread -o /tmp/eval_finder_real
 *   /tmp/eval_finder_real [EPOCHS [SEED [RUNS [TRAIN.csv TEST.csv]]]]
 * Without files it uses the built-in Fashion-MNIST subset (12,000 / 2,000 rows). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lrf/dataset.h"
#include "lrf/finder.h"
#include "lrf/sched.h"
#include "lrf/train.h"

static void die(const char *what, const struct lrf_error *err)
{
    fprintf(stderr, "eval_finder_real: %s: %s\n", what, err->message);
    exit(1);
}

static double train_at(const struct lrf_train_config *tc, const struct lrf_train_data *td,
                       double max_lr, int epochs)
{
    struct lrf_error err;
    struct lrf_trainer *t;
    if (lrf_trainer_create(tc, td, &t, &err) != LRF_OK)
        die("trainer", &err);
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.base_lr = tc->optim.lr;
    so.run_length = lrf_trainer_run_steps(t, epochs);
    char spec[128];
    snprintf(spec, sizeof spec, "onecycle(max_lr=%.17g)", max_lr);
    struct lrf_sched *s;
    if (lrf_sched_parse(spec, &so, &s, &err) != LRF_OK)
        die(spec, &err);
    struct lrf_train_epoch ep[64];
    int done = 0;
    double acc = 0;
    if (lrf_trainer_fit(t, s, epochs, ep, &done, NULL, NULL, &err) == LRF_OK && done == epochs)
        acc = ep[epochs - 1].val_accuracy;
    if (!isfinite(acc))
        acc = 0;
    lrf_sched_destroy(s);
    lrf_trainer_destroy(t);
    return acc;
}

int main(int argc, char **argv)
{
    int epochs = argc > 1 ? atoi(argv[1]) : 3;
    unsigned seed = argc > 2 ? (unsigned)atoi(argv[2]) : 0;
    size_t runs = argc > 3 ? (size_t)atoi(argv[3]) : 1;
    struct lrf_error err;
    struct lrf_dataset *train, *test;
    if (argc > 5) {
        struct lrf_dataset_options opt = lrf_dataset_options_default();
        if (lrf_dataset_load_csv(argv[4], &opt, &train, &err) != LRF_OK)
            die(argv[4], &err);
        if (lrf_dataset_load_csv_like(argv[5], train, &opt, &test, &err) != LRF_OK)
            die(argv[5], &err);
    } else {
        if (lrf_dataset_load_builtin(LRF_BUILTIN_TRAIN, &train, &err) != LRF_OK ||
            lrf_dataset_load_builtin(LRF_BUILTIN_TEST, &test, &err) != LRF_OK)
            die("builtin", &err);
    }
    struct lrf_norm *norm;
    if (lrf_norm_create(train, NULL, 0, LRF_NORMALIZE_STANDARD, &norm, &err) != LRF_OK)
        die("norm", &err);
    struct lrf_train_data td = {.train = train, .val = test, .norm = norm};
    td.n_train = lrf_dataset_rows(train);
    td.n_val = lrf_dataset_rows(test);
    struct lrf_train_config tc = lrf_train_config_default();
    tc.seed = seed;

    struct lrf_trainer *t;
    if (lrf_trainer_create(&tc, &td, &t, &err) != LRF_OK)
        die("trainer", &err);
    struct lrf_finder_config fc = lrf_finder_config_default();
    fc.runs = runs;
    fc.total_steps = lrf_trainer_run_steps(t, epochs);
    struct lrf_finder_callbacks cb = {.user = t,
                                      .step = lrf_trainer_step,
                                      .snapshot = lrf_trainer_snapshot,
                                      .restore = lrf_trainer_restore,
                                      .reseed = lrf_trainer_reseed};
    struct lrf_finder_result *r;
    if (lrf_finder_run(&fc, &cb, &r, &err) != LRF_OK)
        die("finder", &err);
    lrf_trainer_destroy(t);
    printf("range test: %zu points, stop %s, runs %zu%s%s\n", r->n,
           lrf_finder_stop_name(r->stop_reason), r->runs, r->advice[0] ? ", advice: " : "",
           r->advice);
    double best = 0, best_lr = 0;
    printf("grid (one-cycle, %d epochs, seed %u):\n", epochs, seed);
    for (int k = 0; k <= 16; k++) {
        double lr = pow(10.0, -3.0 + 0.25 * k);
        double acc = train_at(&tc, &td, lr, epochs);
        printf("  max_lr %-9.4g acc %.4f\n", lr, acc);
        if (acc > best) {
            best = acc;
            best_lr = lr;
        }
    }
    printf("best grid: max_lr %.4g acc %.4f\n", best_lr, best);
    for (int q = 0; q < LRF_FINDER_RULE_COUNT; q++) {
        const struct lrf_finder_suggestion *s = &r->suggestion[q];
        if (!s->valid) {
            printf("  %-9s none (%s)\n", lrf_finder_rule_name(q), s->diagnosis);
            continue;
        }
        double acc = train_at(&tc, &td, s->lr, epochs);
        printf("  %-9s lr %-10.4g [%.3g..%.3g] acc %.4f  ratio %.4f %s\n", lrf_finder_rule_name(q),
               s->lr, s->lr_low, s->lr_high, acc, acc / best, acc >= 0.99 * best ? "PASS" : "fail");
    }
    lrf_finder_result_destroy(r);
    lrf_norm_destroy(norm);
    lrf_dataset_destroy(train);
    lrf_dataset_destroy(test);
    return 0;
}
