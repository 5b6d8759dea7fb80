/* Splits, normalization, gathering and the batch iterator; the built-in
 * dataset's shape. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "check.h"
#include "lrf/dataset.h"

/* float32 statistics computed in double and rounded once: a few ulps. */
static const double STAT_REL_TOL = 1e-6;

static struct lrf_dataset *parse(const char *text)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_parse_buffer("t.csv", text, strlen(text), &o, &ds, &err) != LRF_OK)
        fprintf(stderr, "    parse failed: %s\n", err.message);
    return ds;
}

/* 100 rows: a = i (0..99), b = 7 (constant), c = i % 2 ; label = i % 3. */
static struct lrf_dataset *make_rows(void)
{
    static char text[4096];
    size_t n = (size_t)sprintf(text, "a,b,c,label\n");
    for (int i = 0; i < 100; i++)
        n += (size_t)sprintf(text + n, "%d,7,%d,%d\n", i, i % 2, i % 3);
    return parse(text);
}

static void test_split(void)
{
    struct lrf_dataset *ds = make_rows();
    struct lrf_split a, b, c;
    struct lrf_error err;
    CHECK(lrf_dataset_split(ds, 0.1, 42, &a, &err) == LRF_OK);
    CHECK(lrf_dataset_split(ds, 0.1, 42, &b, &err) == LRF_OK);
    CHECK(lrf_dataset_split(ds, 0.1, 43, &c, &err) == LRF_OK);
    CHECK(a.n_train == 90 && a.n_val == 10);
    CHECK(!memcmp(a.val, b.val, 10 * sizeof(uint32_t)));
    CHECK(memcmp(a.val, c.val, 10 * sizeof(uint32_t)) != 0);
    int seen[100] = {0}, ok = 1;
    for (size_t i = 0; i < a.n_train; i++)
        seen[a.train[i]]++;
    for (size_t i = 0; i < a.n_val; i++)
        seen[a.val[i]]++;
    for (int i = 0; i < 100; i++)
        ok &= seen[i] == 1;
    CHECK_MSG(ok, "train and val must partition the rows");
    for (size_t i = 1; i < a.n_train; i++)
        ok &= a.train[i - 1] < a.train[i];
    CHECK_MSG(ok, "train indices sorted");
    lrf_split_free(&a);
    lrf_split_free(&b);
    lrf_split_free(&c);
    CHECK(lrf_dataset_split(ds, 0.0, 1, &a, &err) == LRF_OK && a.n_train == 100 && a.n_val == 0);
    lrf_split_free(&a);
    lrf_split_free(&a); /* safe twice */
    CHECK(lrf_dataset_split(ds, 1.0, 1, &a, &err) == LRF_ERR_INVALID_ARG);
    CHECK(lrf_dataset_split(ds, -0.5, 1, &a, &err) == LRF_ERR_INVALID_ARG);
    lrf_dataset_destroy(ds);
}

static void test_normalization(void)
{
    struct lrf_dataset *ds = make_rows();
    struct lrf_norm *nm;
    struct lrf_error err;
    /* Standard from rows 0..9 only (a "training split"): a has mean 4.5 and
     * population std sqrt(8.25); b is constant so its scale stays 1. */
    uint32_t rows[10];
    for (uint32_t i = 0; i < 10; i++)
        rows[i] = i;
    CHECK(lrf_norm_create(ds, rows, 10, LRF_NORMALIZE_STANDARD, &nm, &err) == LRF_OK);
    CHECK_CLOSE(lrf_norm_shift(nm)[0], 4.5, STAT_REL_TOL, 0);
    CHECK_CLOSE(lrf_norm_scale(nm)[0], 1.0 / sqrt(8.25), STAT_REL_TOL, 0);
    CHECK_CLOSE(lrf_norm_shift(nm)[1], 7.0, STAT_REL_TOL, 0);
    CHECK_CLOSE(lrf_norm_scale(nm)[1], 1.0, 0, 0);
    CHECK_CLOSE(lrf_norm_shift(nm)[2], 0.5, STAT_REL_TOL, 0);
    CHECK_CLOSE(lrf_norm_scale(nm)[2], 2.0, STAT_REL_TOL, 0);
    float x[3 * 2];
    int32_t y[2];
    uint32_t pick[2] = {9, 50};
    lrf_dataset_gather(ds, nm, pick, 2, x, y);
    CHECK_CLOSE(x[0], (9 - 4.5) / sqrt(8.25), STAT_REL_TOL, 0);
    CHECK_CLOSE(x[1], 0.0, 0, 0);
    CHECK_CLOSE(x[2], 1.0, STAT_REL_TOL, 0);
    CHECK_CLOSE(x[3], (50 - 4.5) / sqrt(8.25), STAT_REL_TOL, 0);
    CHECK(y[0] == 0 && y[1] == 2);
    lrf_norm_destroy(nm);
    CHECK(lrf_norm_create(ds, NULL, 0, LRF_NORMALIZE_MINMAX, &nm, &err) == LRF_OK);
    lrf_dataset_gather_range(ds, nm, 99, 1, x, y);
    CHECK_CLOSE(x[0], 1.0, STAT_REL_TOL, 0);
    CHECK_CLOSE(x[1], 0.0, 0, 0);
    CHECK_CLOSE(x[2], 1.0, 0, 0);
    lrf_norm_destroy(nm);
    CHECK(lrf_norm_create(ds, NULL, 0, LRF_NORMALIZE_NONE, &nm, &err) == LRF_OK);
    lrf_dataset_gather_range(ds, nm, 42, 1, x, y);
    CHECK(x[0] == 42.0f && x[1] == 7.0f && x[2] == 0.0f && y[0] == 0);
    lrf_norm_destroy(nm);
    lrf_norm_destroy(NULL);
    enum lrf_normalize k;
    CHECK(lrf_normalize_parse("minmax", &k, &err) == LRF_OK && k == LRF_NORMALIZE_MINMAX);
    CHECK(lrf_normalize_parse("zscore", &k, &err) == LRF_ERR_INVALID_ARG);
    lrf_dataset_destroy(ds);
}

/* A categorical column's one-hot levels (its missing level too) are left 0/1 (shift 0,
 * scale 1) by both kinds, as scikit-learn's OneHotEncoder output is; numbers and
 * their missing indicators are scaled (SimpleImputer(add_indicator) + StandardScaler). */
static void test_normalization_binary(void)
{
    struct lrf_dataset *ds = parse("x,color,size,label\n"
                                   "1,red,10,a\n2,blue,NA,b\n3,NA,30,a\n4,green,20,b\n");
    /* x, color=blue/green/red/(missing), size, its indicator */
    CHECK(ds && lrf_dataset_features(ds) == 7);
    for (int kind = 0; ds && kind < 2; kind++) {
        struct lrf_norm *nm = NULL;
        struct lrf_error err;
        CHECK(lrf_norm_create(ds, NULL, 0, (enum lrf_normalize)kind, &nm, &err) == LRF_OK);
        if (!nm)
            continue;
        const float *sh = lrf_norm_shift(nm), *sc = lrf_norm_scale(nm);
        CHECK(sh[0] != 0.0f && sc[0] != 1.0f); /* x: 1..4 */
        CHECK(sh[5] != 0.0f && sc[5] != 1.0f); /* size: 10, 20 (median), 30, 20 */
        if (kind == LRF_NORMALIZE_STANDARD)    /* its indicator 0, 1, 0, 0: mean 0.25 */
            CHECK_CLOSE(sh[6], 0.25, STAT_REL_TOL, 0);
        for (int j = 1; j <= 4; j++)
            CHECK_MSG(sh[j] == 0.0f && sc[j] == 1.0f, "kind %d: one-hot feature %d scaled", kind,
                      j);
        float x[7];
        lrf_dataset_gather_range(ds, nm, 1, 1, x, NULL); /* blue, size missing */
        CHECK(x[1] == 1.0f && x[2] == 0.0f && x[3] == 0.0f && x[4] == 0.0f);
        lrf_dataset_gather_range(ds, nm, 2, 1, x, NULL); /* color missing: its level */
        CHECK(x[1] == 0.0f && x[3] == 0.0f && x[4] == 1.0f);
        lrf_norm_destroy(nm);
    }
    lrf_dataset_destroy(ds);
}

static void test_iterator(void)
{
    struct lrf_dataset *ds = make_rows();
    struct lrf_split sp;
    struct lrf_error err;
    CHECK(lrf_dataset_split(ds, 0.2, 7, &sp, &err) == LRF_OK);
    struct lrf_norm *nm;
    CHECK(lrf_norm_create(ds, sp.train, sp.n_train, LRF_NORMALIZE_NONE, &nm, &err) == LRF_OK);
    struct lrf_batch_config cfg = lrf_batch_config_default();
    cfg.batch_size = 16;
    cfg.seed = 5;
    struct lrf_batch_iter *it, *it2;
    CHECK(lrf_batch_iter_create(ds, nm, sp.train, sp.n_train, &cfg, &it, &err) == LRF_OK);
    CHECK(lrf_batch_iter_create(ds, nm, sp.train, sp.n_train, &cfg, &it2, &err) == LRF_OK);
    CHECK(lrf_batch_iter_batches_per_epoch(it) == 5); /* 80 rows, drop_last */
    float x[16 * 3], x2[16 * 3];
    int32_t y[16], y2[16];
    /* Each epoch visits distinct training rows; epochs differ in order. */
    uint32_t first_epoch[80], second_epoch[80];
    int ok = 1;
    for (int e = 0; e < 2; e++) {
        int seen[100] = {0};
        for (int b = 0; b < 5; b++) {
            size_t n = lrf_batch_iter_next(it, x, y);
            ok &= lrf_batch_iter_epoch(it) == (uint64_t)e;
            ok &= n == 16;
            for (int i = 0; i < 16; i++) {
                int row = (int)x[i * 3]; /* feature a is the row number */
                ok &= seen[row]++ == 0 && y[i] == row % 3;
                (e ? second_epoch : first_epoch)[b * 16 + i] = (uint32_t)row;
            }
        }
        for (size_t i = 0; i < sp.n_val; i++)
            ok &= seen[sp.val[i]] == 0;
    }
    CHECK_MSG(ok, "epochs cover the training rows once, never validation rows");
    CHECK(memcmp(first_epoch, second_epoch, sizeof first_epoch) != 0);
    /* The same seed gives the same stream. */
    for (int b = 0; b < 10; b++)
        lrf_batch_iter_next(it2, x2, y2);
    CHECK(lrf_batch_iter_epoch(it2) == 1);
    /* Save, run past an epoch boundary, restore: the same batches again. */
    struct lrf_batch_state saved = lrf_batch_iter_save(it);
    float after[7][16 * 3];
    for (int b = 0; b < 7; b++)
        lrf_batch_iter_next(it, after[b], y);
    CHECK(lrf_batch_iter_epoch(it) == 3);
    CHECK(lrf_batch_iter_restore(it, &saved, &err) == LRF_OK);
    CHECK(lrf_batch_iter_epoch(it) == 1); /* saved at the end of epoch 1 */
    ok = 1;
    for (int b = 0; b < 7; b++) {
        lrf_batch_iter_next(it, x, y);
        ok &= !memcmp(x, after[b], sizeof x);
    }
    CHECK_MSG(ok, "restore replays the same batches");
    /* A state taken from one iterator drives another over the same rows. */
    CHECK(lrf_batch_iter_restore(it2, &saved, &err) == LRF_OK);
    lrf_batch_iter_next(it2, x2, y2);
    CHECK(!memcmp(x2, after[0], sizeof x2));
    /* No allocation while iterating. */
    if (alloc_counter()) {
        size_t before = heap_use();
        for (int b = 0; b < 1000; b++)
            lrf_batch_iter_next(it, x, y);
        CHECK_MSG(heap_use() == before, "the iterator allocated (%s)", alloc_counter());
    } else {
        check_skip("no allocation while iterating", "no way to count allocations here");
    }
    lrf_batch_iter_destroy(it);
    lrf_batch_iter_destroy(it2);
    lrf_batch_iter_destroy(NULL);
    /* Without shuffling or drop_last: file order, then a short batch. */
    cfg.shuffle = false;
    cfg.drop_last = false;
    cfg.batch_size = 30;
    CHECK(lrf_batch_iter_create(ds, NULL, NULL, 0, &cfg, &it, &err) == LRF_OK);
    CHECK(lrf_batch_iter_batches_per_epoch(it) == 4);
    float big[30 * 3];
    int32_t ybig[30];
    size_t sizes[4];
    for (int b = 0; b < 4; b++)
        sizes[b] = lrf_batch_iter_next(it, big, ybig);
    CHECK(sizes[0] == 30 && sizes[3] == 10 && big[0] == 90.0f);
    lrf_batch_iter_destroy(it);
    cfg.batch_size = 0;
    CHECK(lrf_batch_iter_create(ds, NULL, NULL, 0, &cfg, &it, &err) == LRF_ERR_INVALID_ARG);
    cfg.batch_size = 200;
    cfg.drop_last = true;
    CHECK(lrf_batch_iter_create(ds, NULL, NULL, 0, &cfg, &it, &err) == LRF_ERR_INVALID_ARG);
    lrf_norm_destroy(nm);
    lrf_split_free(&sp);
    lrf_dataset_destroy(ds);
}

static void test_builtin(void)
{
    struct lrf_dataset *tr = NULL, *te = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_load_builtin(LRF_BUILTIN_TRAIN, &tr, &err) == LRF_OK);
    CHECK(lrf_dataset_load_builtin(LRF_BUILTIN_TEST, &te, &err) == LRF_OK);
    CHECK(tr && lrf_dataset_rows(tr) == 12000 && lrf_dataset_features(tr) == 784);
    CHECK(te && lrf_dataset_rows(te) == 2000 && lrf_dataset_features(te) == 784);
    CHECK(tr && lrf_dataset_classes(tr) == 10 && lrf_dataset_storage(tr) == LRF_STORAGE_UINT8);
    int balanced = 1;
    for (size_t k = 0; tr && te && k < 10; k++)
        balanced &= lrf_dataset_class_count(tr, k) == 1200 && lrf_dataset_class_count(te, k) == 200;
    CHECK(balanced);
    float lo, hi;
    lrf_dataset_value_range(tr, &lo, &hi);
    CHECK(lo == 0.0f && hi == 255.0f);
    CHECK_STR(lrf_dataset_feature_name(tr, 783), "pixel784");
    CHECK_STR(lrf_dataset_source(te), "builtin:test");
    CHECK(lrf_dataset_load_builtin(LRF_BUILTIN_PART_COUNT, &tr, &err) == LRF_ERR_INVALID_ARG);
    lrf_dataset_destroy(tr);
    lrf_dataset_destroy(te);
}

int main(void)
{
    test_split();
    test_normalization();
    test_normalization_binary();
    test_iterator();
    test_builtin();
    return check_summary();
}
