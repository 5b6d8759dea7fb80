/* The trainer with the CNN on tiny images (issue 14): the input shape taken from the
 * data; snapshot/restore brings back weights, BatchNorm running statistics, optimizer
 * state and the data order (augmentation included) bit for bit; a training after a
 * range test equals a fresh one; reseeding changes the augmentation. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lrf/finder.h"
#include "lrf/train.h"
#include "sanitizer_options.h"

enum { ROWS = 160, SIDE = 8, CHANNELS = 3, STEPS = 6, EPOCHS = 4 };

static char csv[1 << 20];

/* 3x8x8 channel planes (OpenML names a0..a191), three classes, each a bright square
 * in its own place over noise: learnable in a few steps. */
static struct lrf_dataset *tiny_images(void)
{
    size_t n = 0, d = CHANNELS * SIDE * SIDE;
    for (size_t j = 0; j < d; j++)
        n += (size_t)snprintf(csv + n, sizeof csv - n, "a%zu,", j);
    n += (size_t)snprintf(csv + n, sizeof csv - n, "class\n");
    for (size_t i = 0; i < ROWS; i++) {
        size_t k = i % 3;
        for (size_t j = 0; j < d; j++) {
            size_t y = (j / SIDE) % SIDE, x = j % SIDE;
            bool lit = y >= 2 * k && y < 2 * k + 3 && x >= 1 && x < 4;
            n += (size_t)snprintf(csv + n, sizeof csv - n, "%zu,",
                                  (i * 37 + j * 11) % 60 + (lit ? 150 : 0));
        }
        n += (size_t)snprintf(csv + n, sizeof csv - n, "%zu\n", k);
    }
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_parse_buffer("tiny.csv", csv, n, NULL, &ds, &err) != LRF_OK)
        fprintf(stderr, "    %s\n", err.message);
    return ds;
}

struct setup {
    struct lrf_dataset *ds;
    struct lrf_split split;
    struct lrf_norm *norm;
    struct lrf_train_data data;
};

static bool setup_open(struct setup *s)
{
    memset(s, 0, sizeof *s);
    struct lrf_error err;
    s->ds = tiny_images();
    if (!s->ds || lrf_dataset_split(s->ds, 0.2, 1, &s->split, &err) ||
        lrf_norm_create_per_channel(s->ds, s->split.train, s->split.n_train, LRF_NORMALIZE_STANDARD,
                                    &s->norm, &err))
        return false;
    s->data = (struct lrf_train_data){s->ds,        s->split.train, s->split.n_train, s->ds,
                                      s->split.val, s->split.n_val, s->norm};
    return true;
}

static void setup_close(struct setup *s)
{
    lrf_norm_destroy(s->norm);
    lrf_split_free(&s->split);
    lrf_dataset_destroy(s->ds);
}

static struct lrf_trainer *cnn_trainer(const struct setup *s, unsigned augment)
{
    struct lrf_train_config c = lrf_train_config_default();
    struct lrf_error err;
    if (lrf_model_parse_spec("cnn:4,8", &c.model, &err) != LRF_OK)
        return NULL;
    c.batch_size = 16;
    c.seed = 3;
    c.threads = 1;
    c.augment = augment;
    struct lrf_trainer *t = NULL;
    if (lrf_trainer_create(&c, &s->data, &t, &err) != LRF_OK)
        fprintf(stderr, "    trainer: %s\n", err.message);
    return t;
}

/* Parameters, running statistics and optimizer slots in one buffer. */
static float *state_copy(struct lrf_trainer *t)
{
    struct lrf_model *m = lrf_trainer_model(t);
    size_t p = lrf_model_n_params(m), st = lrf_model_n_stats(m);
    float *buf = malloc((2 * p + st) * sizeof(float));
    if (buf) {
        memcpy(buf, lrf_model_params(m), p * sizeof(float));
        memcpy(buf + p, lrf_model_stats(m), st * sizeof(float));
        memcpy(buf + p + st, lrf_model_optim_slot(m, 0), p * sizeof(float));
    }
    return buf;
}

static bool state_equal(struct lrf_trainer *t, const float *buf)
{
    float *now = state_copy(t);
    struct lrf_model *m = lrf_trainer_model(t);
    size_t n = 2 * lrf_model_n_params(m) + lrf_model_n_stats(m);
    bool eq = now && buf && !memcmp(now, buf, n * sizeof(float));
    free(now);
    return eq;
}

static void test_shape_from_data(const struct setup *s)
{
    struct lrf_trainer *t = cnn_trainer(s, LRF_AUGMENT_NONE);
    CHECK(t != NULL);
    if (!t)
        return;
    const struct lrf_model_config *mc = lrf_model_get_config(lrf_trainer_model(t));
    CHECK(mc->arch == LRF_ARCH_CNN && mc->channels == CHANNELS && mc->height == SIDE &&
          mc->width == SIDE && mc->layout == LRF_LAYOUT_CHW && mc->threads == 1);
    CHECK(lrf_model_n_stats(lrf_trainer_model(t)) == 2 * (4 + 8));
    lrf_trainer_destroy(t);
}

/* Steps change weights, running statistics and momentum; restore brings all back,
 * and the same steps (with the same augmentation draws) follow. */
static void test_snapshot_restore(const struct setup *s, unsigned augment)
{
    struct lrf_trainer *t = cnn_trainer(s, augment);
    CHECK(t != NULL);
    if (!t)
        return;
    double first[STEPS], again[STEPS];
    for (int k = 0; k < 3; k++) /* not at the start: the snapshot is mid-run */
        lrf_trainer_step(t, 0.05, NAN, &first[0]);
    float *saved = state_copy(t);
    CHECK(lrf_trainer_snapshot(t) == LRF_OK);
    for (int k = 0; k < STEPS; k++)
        CHECK(lrf_trainer_step(t, 0.05, NAN, &first[k]) == LRF_OK);
    CHECK_MSG(!state_equal(t, saved), "the steps changed nothing");
    CHECK(lrf_trainer_restore(t) == LRF_OK);
    CHECK_MSG(state_equal(t, saved), "restore: weights, BatchNorm statistics or momentum differ");
    for (int k = 0; k < STEPS; k++)
        CHECK(lrf_trainer_step(t, 0.05, NAN, &again[k]) == LRF_OK);
    CHECK_MSG(!memcmp(first, again, sizeof first), "after restore the steps differ (augment %s)",
              lrf_augment_name(augment));
    free(saved);
    lrf_trainer_destroy(t);
}

/* What `lrfind --train` does (sweep, restore, train) against `lrfind train`. */
static void sweep_then_fit(struct lrf_trainer *t, bool sweep, struct lrf_train_epoch *ep)
{
    struct lrf_error err;
    if (sweep) {
        struct lrf_finder_config fc = lrf_finder_config_default();
        fc.num_iter = 12;
        fc.start_lr = 1e-3;
        struct lrf_finder_callbacks cb = {.user = t,
                                          .step = lrf_trainer_step,
                                          .snapshot = lrf_trainer_snapshot,
                                          .restore = lrf_trainer_restore,
                                          .reseed = lrf_trainer_reseed};
        fc.runs = 2;
        struct lrf_finder_result *r = NULL;
        CHECK(lrf_finder_run(&fc, &cb, &r, &err) == LRF_OK && r && r->n == 12);
        lrf_finder_result_destroy(r);
    }
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.run_length = lrf_trainer_run_steps(t, EPOCHS);
    struct lrf_sched *sc = NULL;
    CHECK(lrf_sched_parse("onecycle(max_lr=0.1)", &so, &sc, &err) == LRF_OK);
    int done = 0;
    CHECK(lrf_trainer_fit(t, sc, EPOCHS, ep, &done, NULL, NULL, &err) == LRF_OK && done == EPOCHS);
    lrf_sched_destroy(sc);
}

static void test_train_after_sweep(const struct setup *s, unsigned augment)
{
    struct lrf_trainer *a = cnn_trainer(s, augment), *b = cnn_trainer(s, augment);
    CHECK(a && b);
    if (a && b) {
        struct lrf_train_epoch ea[EPOCHS], eb[EPOCHS];
        sweep_then_fit(a, true, ea);
        sweep_then_fit(b, false, eb);
        for (int e = 0; e < EPOCHS; e++)
            CHECK_MSG(ea[e].train_loss == eb[e].train_loss && ea[e].val_loss == eb[e].val_loss &&
                          ea[e].val_accuracy == eb[e].val_accuracy,
                      "epoch %d: after a sweep %.9g/%.9g, fresh %.9g/%.9g", e + 1, ea[e].train_loss,
                      ea[e].val_loss, eb[e].train_loss, eb[e].val_loss);
        float *fresh = state_copy(b);
        CHECK_MSG(state_equal(a, fresh), "final weights/statistics differ");
        free(fresh);
        /* It learns (not with 4-pixel shifts of 8x8 images: they move the squares away) */
        CHECK_MSG(augment || eb[EPOCHS - 1].val_accuracy > 0.6, "%d epochs reach %.3f", EPOCHS,
                  eb[EPOCHS - 1].val_accuracy);
    }
    lrf_trainer_destroy(a);
    lrf_trainer_destroy(b);
}

/* --runs: each run's data order, and with it its augmentation, differs. */
static void test_reseed_changes_augmentation(const struct setup *s)
{
    struct lrf_trainer *t = cnn_trainer(s, LRF_AUGMENT_ALL);
    struct lrf_trainer *plain = cnn_trainer(s, LRF_AUGMENT_NONE);
    CHECK(t && plain);
    if (t && plain) {
        double l1, l2, l3, lp;
        lrf_trainer_snapshot(t);
        lrf_trainer_reseed(t, 1);
        lrf_trainer_step(t, 0.0, NAN, &l1);
        lrf_trainer_restore(t);
        lrf_trainer_reseed(t, 1);
        lrf_trainer_step(t, 0.0, NAN, &l2);
        lrf_trainer_restore(t);
        lrf_trainer_reseed(t, 2);
        lrf_trainer_step(t, 0.0, NAN, &l3);
        lrf_trainer_step(plain, 0.0, NAN, &lp);
        CHECK(l1 == l2 && l1 != l3);
        double l0;
        lrf_trainer_restore(t);
        lrf_trainer_step(t, 0.0, NAN, &l0);
        CHECK_MSG(l0 != lp, "augmented and plain first batches have the same loss");
    }
    lrf_trainer_destroy(t);
    lrf_trainer_destroy(plain);
}

int main(void)
{
    struct setup s;
    if (!setup_open(&s)) {
        CHECK_MSG(0, "tiny image dataset");
        setup_close(&s);
        return check_summary();
    }
    test_shape_from_data(&s);
    test_snapshot_restore(&s, LRF_AUGMENT_NONE);
    test_snapshot_restore(&s, LRF_AUGMENT_ALL);
    test_train_after_sweep(&s, LRF_AUGMENT_NONE);
    test_train_after_sweep(&s, LRF_AUGMENT_ALL);
    test_reseed_changes_augmentation(&s);
    setup_close(&s);
    return check_summary();
}
