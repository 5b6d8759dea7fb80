/* Data-parallel training at any size (alone, and under mpirun -np 2 and -np 3 by
 * tests/mpi.cmake): 20 SGD steps over the ranks' shards equal 20 steps of one
 * process on the whole file with the same global batch (losses and weights, to
 * float tolerance), for a batch the rank count divides and one it does not;
 * the validation sums match; a batch smaller than the rank count is refused on
 * every rank; the CNN's BatchNorm (per-rank batch statistics) keeps every rank's
 * weights and running statistics identical and stays near the one-process run. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dataset_files.h"
#include "dist_check.h"
#include "lrf/dist.h"
#include "lrf/train.h"
#include "sanitizer_options.h"

/* Float sums in another order: after 20 steps the relative difference of a
 * loss or a weight stays below this (measured ~1e-6; SGD with momentum). */
static const double STEP_TOL = 1e-4;
/* The CNN with per-rank BatchNorm statistics (docs/scaling.md): how far its
 * loss may drift from one process's in 20 steps. Measured on this data (batch
 * 30, 4x4 images, so the last block normalizes ~15 values per rank): 0.32 on 2
 * ranks, 0.18 on 3; the same model with the statistics of the whole batch (1
 * rank) matches to 1e-6, so a drift beyond this is a bug, not BatchNorm. */
static const double BN_LOSS_TOL = 0.5;
enum { STEPS = 20 };

static struct lrf_dist *d;
static char dir[64];

/* 300 rows of 16 features (4x4 images for the CNN), 3 classes; rank 0 writes it. */
static const char *make_file(void)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/train.csv", dir);
    if (lrf_dist_rank(d) == 0) {
        FILE *f = fopen(path, "w");
        struct lrf_rng rng = lrf_rng_seeded(7);
        for (int i = 0; i < 300; i++) {
            int k = i % 3;
            for (int j = 0; j < 16; j++)
                fprintf(f, "%.4f,", lrf_rng_uniform(&rng) + 0.4 * k * (j % 4 == k));
            fprintf(f, "%d\n", k);
        }
        fclose(f);
    }
    char sync = 0;
    lrf_dist_broadcast(d, &sync, 1, 0, NULL);
    return path;
}

struct run {
    double loss[STEPS];
    double val_loss, val_acc;
    float *params; /* copy after the steps */
    float *stats;
    size_t n_params, n_stats;
};

static void run_free(struct run *r)
{
    free(r->params);
    free(r->stats);
}

/* STEPS steps of a trainer over data; the weights and statistics copied out. */
static enum lrf_status train(const struct lrf_train_config *cfg, const struct lrf_train_data *data,
                             struct run *out, struct lrf_error *err)
{
    struct lrf_trainer *t = NULL;
    memset(out, 0, sizeof *out);
    enum lrf_status st = lrf_trainer_create(cfg, data, &t, err);
    for (int s = 0; st == LRF_OK && s < STEPS; s++)
        st = lrf_trainer_step(t, 0.05, NAN, &out->loss[s]);
    if (st == LRF_OK)
        st = lrf_trainer_evaluate(t, &out->val_loss, &out->val_acc, err);
    if (st == LRF_OK) {
        struct lrf_model *m = lrf_trainer_model(t);
        out->n_params = lrf_model_n_params(m);
        out->n_stats = lrf_model_n_stats(m);
        out->params = malloc(out->n_params * sizeof(float));
        out->stats = malloc((out->n_stats + 1) * sizeof(float));
        memcpy(out->params, lrf_model_params(m), out->n_params * sizeof(float));
        memcpy(out->stats, lrf_model_stats(m), out->n_stats * sizeof(float));
    }
    lrf_trainer_destroy(t);
    return st;
}

/* The same split and normalization: the whole file in this process. */
static enum lrf_status train_alone(const char *path, const struct lrf_train_config *cfg,
                                   struct run *out)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *ds = NULL;
    struct lrf_split split;
    struct lrf_norm *norm = NULL;
    struct lrf_error err;
    enum lrf_status st = lrf_dataset_load_csv(path, &o, &ds, &err);
    if (st == LRF_OK)
        st = lrf_dataset_split(ds, 0.2, cfg->seed, &split, &err);
    if (st == LRF_OK)
        st = lrf_norm_create(ds, split.train, split.n_train, LRF_NORMALIZE_STANDARD, &norm, &err);
    struct lrf_train_data data = {.train = ds,
                                  .train_rows = split.train,
                                  .n_train = split.n_train,
                                  .val = ds,
                                  .val_rows = split.val,
                                  .n_val = split.n_val,
                                  .norm = norm};
    if (st == LRF_OK)
        st = train(cfg, &data, out, &err);
    lrf_norm_destroy(norm);
    lrf_split_free(&split);
    lrf_dataset_destroy(ds);
    return st;
}

/* Data-parallel over the ranks. */
static enum lrf_status train_parallel(const char *path, const struct lrf_train_config *cfg,
                                      struct run *out, struct lrf_error *err)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *ds = NULL;
    struct lrf_dist_shard sh;
    struct lrf_split split = {0};
    struct lrf_norm *norm = NULL;
    enum lrf_status st = lrf_dist_load_csv(d, path, &o, &ds, &sh, err);
    if (st == LRF_OK)
        st = lrf_dataset_split_rows(sh.total, 0.2, cfg->seed, &split, err);
    uint32_t *mine = malloc(sh.rows * sizeof *mine);
    size_t n = 0;
    for (size_t i = 0; st == LRF_OK && i < split.n_train; i++)
        if (split.train[i] >= sh.first && split.train[i] < sh.first + sh.rows)
            mine[n++] = split.train[i] - (uint32_t)sh.first;
    if (st == LRF_OK)
        st = lrf_dist_norm_create(d, ds, mine, n, LRF_NORMALIZE_STANDARD, false, &norm, err);
    struct lrf_train_data data = {ds, split.train, split.n_train, ds, split.val, split.n_val, norm,
                                  d,  sh};
    if (st == LRF_OK)
        st = train(cfg, &data, out, err);
    free(mine);
    lrf_norm_destroy(norm);
    lrf_split_free(&split);
    lrf_dataset_destroy(ds);
    return st;
}

static struct lrf_train_config config(const char *spec, size_t batch)
{
    struct lrf_train_config c = lrf_train_config_default();
    struct lrf_error err;
    lrf_model_parse_spec(spec, &c.model, &err);
    if (c.model.arch == LRF_ARCH_CNN) {
        c.model.channels = 1;
        c.model.height = c.model.width = 4;
    }
    c.batch_size = batch;
    c.seed = 3;
    c.threads = 1;
    return c;
}

static void compare(const struct run *a, const struct run *b, double tol)
{
    int bad = 0;
    for (int s = 0; s < STEPS; s++)
        bad += !(fabs(a->loss[s] - b->loss[s]) <= tol * fabs(b->loss[s]));
    CHECK_MSG(bad == 0, "%d of %d losses differ (step 20: %.9g vs %.9g)", bad, STEPS,
              a->loss[STEPS - 1], b->loss[STEPS - 1]);
    bad = 0;
    for (size_t i = 0; i < a->n_params; i++)
        bad += !(fabs(a->params[i] - b->params[i]) <= tol * (fabs(b->params[i]) + 1e-3));
    CHECK_MSG(bad == 0, "%d of %zu weights differ", bad, a->n_params);
    CHECK_CLOSE(a->val_loss, b->val_loss, tol, 0);
    CHECK_CLOSE(a->val_acc, b->val_acc, 0, 1e-12);
}

/* Every rank holds the same weights and statistics (bit for bit). */
static void check_same_everywhere(const struct run *r)
{
    size_t n = r->n_params + r->n_stats;
    float *mine = malloc(n * sizeof *mine), *root = malloc(n * sizeof *root);
    memcpy(mine, r->params, r->n_params * sizeof *mine);
    memcpy(mine + r->n_params, r->stats, r->n_stats * sizeof *mine);
    memcpy(root, mine, n * sizeof *root);
    lrf_dist_broadcast(d, root, n * sizeof *root, 0, NULL);
    CHECK(memcmp(mine, root, n * sizeof *root) == 0);
    free(mine);
    free(root);
}

static void test_mlp(const char *path, size_t batch)
{
    struct lrf_train_config cfg = config("mlp:32,16", batch);
    struct run one, all;
    struct lrf_error err;
    CHECK(train_alone(path, &cfg, &one) == LRF_OK);
    enum lrf_status st = train_parallel(path, &cfg, &all, &err);
    CHECK_MSG(st == LRF_OK, "batch %zu: %s", batch, err.message);
    if (st == LRF_OK) {
        compare(&all, &one, STEP_TOL);
        check_same_everywhere(&all);
    }
    run_free(&one);
    run_free(&all);
}

/* Per-rank batch statistics: the ranks agree, and the run stays near one process's. */
static void test_cnn(const char *path)
{
    struct lrf_train_config cfg = config("cnn:4,8", 30);
    struct run one, all;
    struct lrf_error err;
    CHECK(train_alone(path, &cfg, &one) == LRF_OK);
    enum lrf_status st = train_parallel(path, &cfg, &all, &err);
    CHECK_MSG(st == LRF_OK, "cnn: %s", err.message);
    if (st != LRF_OK)
        return;
    check_same_everywhere(&all);
    if (lrf_dist_size(d) == 1) /* one rank: BatchNorm sees the whole batch, as alone */
        compare(&all, &one, STEP_TOL);
    double worst = 0;
    for (int s = 0; s < STEPS; s++) {
        double rel = fabs(all.loss[s] - one.loss[s]) / one.loss[s];
        worst = rel > worst ? rel : worst;
    }
    CHECK_MSG(worst <= BN_LOSS_TOL, "cnn: losses drift %.3g from one process's", worst);
    if (lrf_dist_rank(d) == 0 && getenv("LRF_TEST_VERBOSE"))
        fprintf(stderr, "cnn on %d ranks: largest relative loss difference %.3g\n",
                lrf_dist_size(d), worst);
    run_free(&one);
    run_free(&all);
}

static void test_small_batch(const char *path)
{
    struct lrf_train_config cfg = config("mlp:8", 1);
    struct run r;
    struct lrf_error err;
    enum lrf_status st = train_parallel(path, &cfg, &r, &err);
    if (lrf_dist_size(d) > 1)
        CHECK(st == LRF_ERR_INVALID_ARG && strstr(err.message, "smaller than the") != NULL);
    run_free(&r);
}

int main(int argc, char **argv)
{
    if (!(d = dist_check_begin(&argc, &argv, "traindist", dir, sizeof dir)))
        return 1;
    const char *path = make_file();
    test_mlp(path, 24); /* divisible by 2 and 3 */
    test_mlp(path, 25); /* by neither */
    test_cnn(path);
    test_small_batch(path);
    return dist_check_end(d, dir);
}
