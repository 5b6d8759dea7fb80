/* The reference the CLI tests compare lrfind's printed numbers with: the same range
 * test and trainings, run in the test process through the library's public API as
 * include/lrf/train.h and finder.h document them (data, split, normalization,
 * trainer, finder, schedule), without any of src/cli/. A number lrfind prints must
 * equal the one computed here, bit for bit where it prints 17 digits. */
#ifndef LRF_TEST_CLI_DRIVER_H
#define LRF_TEST_CLI_DRIVER_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json_reader.h"
#include "lrf/dataset.h"
#include "lrf/finder.h"
#include "lrf/model.h"
#include "lrf/optim.h"
#include "lrf/sched.h"
#include "lrf/train.h"

/* What the command line says; the defaults are lrfind's documented ones (--help). */
struct drv_options {
    const char *data;  /* --data */
    const char *label; /* --label (NULL: auto) */
    const char *model; /* --model */
    enum lrf_optim_kind optim;
    long batch;
    unsigned long long seed;
    double val_split; /* --val-split (default 0.1) */
    double start_lr, end_lr;
    size_t iters;
};

struct drv {
    struct lrf_dataset *ds;
    struct lrf_split split;
    struct lrf_norm *norm;
    struct lrf_train_data data;
    struct lrf_train_config cfg;
    struct lrf_trainer *t;
    struct lrf_finder_config fcfg;
    struct lrf_finder_result *r;
    struct lrf_error err;
};

static inline bool drv_fail(struct drv *d, const char *what)
{
    fprintf(stderr, "    driver: %s: %s\n", what, d->err.message);
    return false;
}

/* The data (--val-split rows held out with --seed, standardized with the training
 * rows' statistics) and a trainer (SGD: momentum 0.9, the CLI's default), with its
 * initial state saved. */
static inline bool drv_open(struct drv *d, const struct drv_options *o)
{
    memset(d, 0, sizeof *d);
    struct lrf_dataset_options dopt = lrf_dataset_options_default();
    dopt.use_cache = false;
    dopt.label = o->label;
    if (lrf_dataset_load_csv(o->data, &dopt, &d->ds, &d->err) != LRF_OK)
        return drv_fail(d, "load");
    if (lrf_dataset_split(d->ds, o->val_split, o->seed, &d->split, &d->err) != LRF_OK)
        return drv_fail(d, "split");
    if (lrf_norm_create(d->ds, d->split.train, d->split.n_train, LRF_NORMALIZE_STANDARD, &d->norm,
                        &d->err) != LRF_OK)
        return drv_fail(d, "norm");
    d->data = (struct lrf_train_data){.train = d->ds,
                                      .train_rows = d->split.train,
                                      .n_train = d->split.n_train,
                                      .val = d->ds,
                                      .val_rows = d->split.val,
                                      .n_val = d->split.n_val,
                                      .norm = d->norm};
    d->cfg = lrf_train_config_default();
    size_t max_batch = d->cfg.model.max_batch;
    if (lrf_model_parse_spec(o->model, &d->cfg.model, &d->err) != LRF_OK)
        return drv_fail(d, "model spec");
    d->cfg.model.max_batch = max_batch;
    d->cfg.optim = lrf_optim_config_default(o->optim);
    if (o->optim == LRF_OPTIM_SGD)
        d->cfg.optim.momentum = 0.9;
    d->cfg.batch_size = (size_t)o->batch;
    d->cfg.seed = o->seed;
    d->cfg.threads = 1;
    if (lrf_trainer_create(&d->cfg, &d->data, &d->t, &d->err) != LRF_OK)
        return drv_fail(d, "trainer");
    if (lrf_trainer_snapshot(d->t) != LRF_OK) /* drv_fit starts from here */
        return drv_fail(d, "snapshot");
    return true;
}

/* The hand-off's default run length (PLAN.md, docs/finder.md): at least 3 epochs and
 * at least 300 optimizer steps. */
static inline int drv_default_epochs(const struct drv *d)
{
    long spe = lrf_trainer_steps_per_epoch(d->t);
    long e = (300 + spe - 1) / spe;
    return (int)(e > 3 ? e : 3);
}

/* The range test with lrfind's defaults and o's grid, from the initial model; its
 * schedules assume a run of handoff_epochs epochs. */
static inline bool drv_sweep(struct drv *d, const struct drv_options *o, int handoff_epochs)
{
    if (d->r) { /* again, from the initial model */
        lrf_finder_result_destroy(d->r);
        d->r = NULL;
        if (lrf_trainer_restore(d->t) != LRF_OK)
            return drv_fail(d, "restore");
    }
    d->fcfg = lrf_finder_config_default();
    d->fcfg.start_lr = o->start_lr;
    d->fcfg.end_lr = o->end_lr;
    d->fcfg.num_iter = o->iters;
    d->fcfg.total_steps = lrf_trainer_run_steps(d->t, handoff_epochs);
    /* The regimes need the batches per epoch; the trials are the trainer's. */
    d->fcfg.batches_per_epoch = (size_t)lrf_trainer_steps_per_epoch(d->t);
    d->fcfg.trial_rows = d->split.n_val;
    struct lrf_finder_callbacks cb = {.user = d->t,
                                      .step = lrf_trainer_step,
                                      .snapshot = lrf_trainer_snapshot,
                                      .restore = lrf_trainer_restore,
                                      .reseed = lrf_trainer_reseed,
                                      .eval = lrf_trainer_eval_subset,
                                      .trial = lrf_trainer_trial};
    if (lrf_finder_run(&d->fcfg, &cb, &d->r, &d->err) != LRF_OK)
        return drv_fail(d, "sweep");
    return true;
}

/* Trains from the initial model with spec (NULL: the optimizer's constant lr) for
 * epochs; out[0..epochs) and the resolved spec. */
static inline bool drv_fit(struct drv *d, const char *spec, double base_lr, double auto_lr,
                           int epochs, struct lrf_train_epoch *out, char *resolved, size_t size)
{
    if (lrf_trainer_restore(d->t) != LRF_OK)
        return drv_fail(d, "restore");
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.base_lr = base_lr;
    so.auto_lr = auto_lr;
    so.run_length = lrf_trainer_run_steps(d->t, epochs);
    struct lrf_sched *s = NULL;
    if (spec && lrf_sched_parse(spec, &so, &s, &d->err) != LRF_OK)
        return drv_fail(d, spec);
    if (spec && resolved)
        lrf_sched_format_spec(s, resolved, size);
    int done = 0;
    enum lrf_status st = lrf_trainer_fit(d->t, s, epochs, out, &done, NULL, NULL, &d->err);
    lrf_sched_destroy(s);
    if (st != LRF_OK || done != epochs)
        return drv_fail(d, "fit");
    return true;
}

/* The JSON array at path lists ep[0..n) exactly: epoch number, train and validation
 * loss, validation accuracy, and (with_lr) the lr of the epoch's last step. */
static inline void drv_check_json_epochs(const char *doc, const char *path,
                                         const struct lrf_train_epoch *ep, int n, bool with_lr)
{
    CHECK_MSG(json_len(doc, path) == n, "%s: %ld epochs, want %d", path, json_len(doc, path), n);
    for (int e = 0; e < n; e++) {
        static const char *const keys[] = {"epoch", "train_loss", "val_loss", "val_accuracy", "lr"};
        const double want[] = {e + 1, ep[e].train_loss, ep[e].val_loss, ep[e].val_accuracy,
                               ep[e].lr};
        for (int k = 0; k < (with_lr ? 5 : 4); k++) {
            char at[128];
            snprintf(at, sizeof at, "%s[%d].%s", path, e, keys[k]);
            CHECK_JSON_NUM(doc, at, want[k]);
        }
    }
}

static inline void drv_close(struct drv *d)
{
    lrf_finder_result_destroy(d->r);
    lrf_trainer_destroy(d->t);
    lrf_norm_destroy(d->norm);
    lrf_split_free(&d->split);
    lrf_dataset_destroy(d->ds);
    memset(d, 0, sizeof *d);
}

/* A fixed, learnable 3-class CSV: 8 features uniform in [0, 2), class k lifts features
 * k, k+3 and k+6 (when < 8) by lift; values from a fixed LCG, so every platform writes
 * the same file. */
static inline bool drv_write_csv(const char *path, int rows, unsigned long long seed, double lift)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    fputs("f1,f2,f3,f4,f5,f6,f7,f8,class\n", f);
    unsigned long long z = seed * 2862933555777941757ull + 3037000493ull;
    for (int i = 0; i < rows; i++) {
        z = z * 6364136223846793005ull + 1442695040888963407ull;
        int k = (int)((z >> 33) % 3);
        for (int j = 0; j < 8; j++) {
            z = z * 6364136223846793005ull + 1442695040888963407ull;
            double u = (double)(z >> 11) / 9007199254740992.0;
            fprintf(f, "%.3f,", 2.0 * u + (j % 3 == k ? lift : 0.0));
        }
        fprintf(f, "%c\n", "abc"[k]);
    }
    return fclose(f) == 0;
}

#endif
