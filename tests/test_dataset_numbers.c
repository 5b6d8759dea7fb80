/* The dataset's numbers against independent computations (issue 17's mutation check
 * found these unpinned): the validation split's size (round(fraction * rows), clamped,
 * include/lrf/dataset.h) over fractions that do not divide the rows; batches per epoch
 * against the batches the iterator actually returns (divisible and not, drop_last on
 * and off); standardization and min-max of float32 and uint8 data against a two-pass
 * double computation in the test, and the gathered values they give; labels too large
 * for an integer. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lrf/dataset.h"

/* float32 statistics computed in double and rounded once: a few ulps. */
static const double STAT_REL_TOL = 1e-6;

enum { FEATURES = 3, ROWS_MAX = 200 };

/* rows x 3 features: a = i (uint8-able) or i/7 (float), b = (i*37) % 11 (+0.25),
 * c = constant 5; label i % 2. */
static struct lrf_dataset *make(size_t rows, bool floats, double *values)
{
    char *text = malloc(rows * 64 + 64);
    size_t n = (size_t)sprintf(text, "a,b,c,label\n");
    for (size_t i = 0; i < rows; i++) {
        double a = floats ? (double)i / 7.0 : (double)i, b = (double)((i * 37) % 11);
        if (floats)
            b += 0.25;
        n += (size_t)sprintf(text + n, "%.6f,%g,5,%zu\n", a, b, i % 2);
        /* What the parser reads: the printed text, as float. */
        char buf[64];
        snprintf(buf, sizeof buf, "%.6f", a);
        values[i * FEATURES + 0] = (double)strtof(buf, NULL);
        snprintf(buf, sizeof buf, "%g", b);
        values[i * FEATURES + 1] = (double)strtof(buf, NULL);
        values[i * FEATURES + 2] = 5;
    }
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_parse_buffer("t.csv", text, n, &o, &ds, &err) != LRF_OK)
        fprintf(stderr, "    parse failed: %s\n", err.message);
    free(text);
    return ds;
}

static void test_split_sizes(void)
{
    static const size_t rows[] = {7, 10, 95, 99, 100, 101};
    static const double fractions[] = {0.01, 0.05, 0.1, 0.15, 0.25, 0.5, 0.9, 0.95};
    double values[ROWS_MAX * FEATURES];
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        struct lrf_dataset *ds = make(rows[r], false, values);
        if (!ds) {
            CHECK(0);
            continue;
        }
        for (size_t f = 0; f < sizeof fractions / sizeof fractions[0]; f++) {
            long want = lround(fractions[f] * (double)rows[r]);
            if (want < 1)
                want = 1;
            if (want > (long)rows[r] - 1)
                want = (long)rows[r] - 1;
            struct lrf_split sp;
            struct lrf_error err;
            CHECK(lrf_dataset_split(ds, fractions[f], 3, &sp, &err) == LRF_OK);
            CHECK_MSG(sp.n_val == (size_t)want && sp.n_train == rows[r] - (size_t)want,
                      "split %g of %zu rows: %zu validation, want %ld", fractions[f], rows[r],
                      sp.n_val, want);
            lrf_split_free(&sp);
        }
        lrf_dataset_destroy(ds);
    }
}

/* Batches of one epoch as the iterator hands them out (file order, no shuffle). */
static size_t count_batches(struct lrf_batch_iter *it, size_t batch, size_t *rows_seen)
{
    float x[ROWS_MAX * FEATURES];
    int32_t y[ROWS_MAX];
    size_t count = 0;
    *rows_seen = 0;
    for (;;) {
        size_t got = lrf_batch_iter_next(it, x, y);
        if (lrf_batch_iter_epoch(it) != 0)
            break;
        CHECK(got >= 1 && got <= batch);
        *rows_seen += got;
        count++;
    }
    return count;
}

static void test_batches_per_epoch(void)
{
    static const size_t rows[] = {96, 100, 101};
    static const size_t batches[] = {1, 4, 7, 25, 32, 96};
    double values[ROWS_MAX * FEATURES];
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        struct lrf_dataset *ds = make(rows[r], false, values);
        for (size_t b = 0; ds && b < sizeof batches / sizeof batches[0]; b++) {
            for (int drop = 0; drop < 2; drop++) {
                struct lrf_batch_config cfg = lrf_batch_config_default();
                cfg.batch_size = batches[b];
                cfg.shuffle = false;
                cfg.drop_last = drop;
                struct lrf_batch_iter *it = NULL;
                struct lrf_error err;
                CHECK(lrf_batch_iter_create(ds, NULL, NULL, 0, &cfg, &it, &err) == LRF_OK);
                if (!it)
                    continue;
                size_t seen, got = count_batches(it, batches[b], &seen);
                size_t full = rows[r] / batches[b];
                size_t want = drop ? full : full + (rows[r] % batches[b] != 0);
                CHECK_MSG(got == want && lrf_batch_iter_batches_per_epoch(it) == want &&
                              seen == (drop ? full * batches[b] : rows[r]),
                          "%zu rows, batch %zu, drop_last %d: %zu batches (%zu rows), "
                          "batches_per_epoch %zu, want %zu",
                          rows[r], batches[b], drop, got, seen,
                          lrf_batch_iter_batches_per_epoch(it), want);
                lrf_batch_iter_destroy(it);
            }
        }
        lrf_dataset_destroy(ds);
    }
}

/* Mean and population std (numpy's default) of feature j over rows[0..n), in double. */
static void reference_moments(const double *values, const uint32_t *rows, size_t n, size_t j,
                              double *mean, double *sd, double *lo, double *hi)
{
    double s = 0, ss = 0;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double v = values[rows[i] * FEATURES + j];
        s += v;
        *lo = fmin(*lo, v);
        *hi = fmax(*hi, v);
    }
    *mean = s / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = values[rows[i] * FEATURES + j] - *mean;
        ss += d * d;
    }
    *sd = sqrt(ss / (double)n);
}

static void check_norm(bool floats, enum lrf_normalize kind)
{
    enum { N = 150 };
    double values[N * FEATURES];
    struct lrf_dataset *ds = make(N, floats, values);
    if (!ds) {
        CHECK(0);
        return;
    }
    CHECK(lrf_dataset_storage(ds) == (floats ? LRF_STORAGE_FLOAT32 : LRF_STORAGE_UINT8));
    struct lrf_split sp;
    struct lrf_error err;
    CHECK(lrf_dataset_split(ds, 0.2, 11, &sp, &err) == LRF_OK);
    struct lrf_norm *nm = NULL;
    CHECK(lrf_norm_create(ds, sp.train, sp.n_train, kind, &nm, &err) == LRF_OK);
    if (!nm) {
        lrf_split_free(&sp);
        lrf_dataset_destroy(ds);
        return;
    }
    for (size_t j = 0; j < FEATURES; j++) {
        double mean, sd, lo, hi;
        reference_moments(values, sp.train, sp.n_train, j, &mean, &sd, &lo, &hi);
        bool standard = kind == LRF_NORMALIZE_STANDARD;
        double shift = standard ? mean : lo, spread = standard ? sd : hi - lo;
        double scale = 1.0 / (spread < 1e-8 ? 1.0 : spread); /* constant c: scale 1 */
        CHECK_MSG(fabs((double)lrf_norm_shift(nm)[j] - shift) <= STAT_REL_TOL * fabs(shift),
                  "%s %s feature %zu: shift %.9g, want %.9g", floats ? "float32" : "uint8",
                  lrf_normalize_name(kind), j, (double)lrf_norm_shift(nm)[j], shift);
        CHECK_MSG(fabs((double)lrf_norm_scale(nm)[j] - scale) <= STAT_REL_TOL * fabs(scale),
                  "%s %s feature %zu: scale %.9g, want %.9g", floats ? "float32" : "uint8",
                  lrf_normalize_name(kind), j, (double)lrf_norm_scale(nm)[j], scale);
        /* A validation row, normalized with the training rows' statistics. */
        float x[FEATURES];
        lrf_dataset_gather(ds, nm, &sp.val[0], 1, x, NULL);
        double want = (values[sp.val[0] * FEATURES + j] - shift) * scale;
        CHECK_MSG(fabs((double)x[j] - want) <= 1e-5 * (1 + fabs(want)), "gathered %.9g, want %.9g",
                  (double)x[j], want);
    }
    lrf_norm_destroy(nm);
    lrf_split_free(&sp);
    lrf_dataset_destroy(ds);
}

/* A class label that reads as an integer too large for int64 is refused as out of
 * range. Known bug (fuzz_csv, issue 17): src/dataset/merge.c:classify_label converts the
 * float to int64_t before checking its range, undefined behaviour for |x| >= 2^63
 * (clang's UBSan: "1e+33 is outside the range of representable values of type 'long'";
 * gcc's -fsanitize=undefined does not include float-cast-overflow), and says "expected
 * an integer class label" (1e300, too large for float, even becomes a text class).
 * Fixed on the data branch (label.c, 'out of range'). */
static void test_huge_labels(void)
{
    static const char *const labels[] = {"1e33", "-1e19", "9.3e18", "1e300"};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        char text[128];
        int n = snprintf(text, sizeof text, "label,a\n0,1\n%s,2\n", labels[i]);
        struct lrf_dataset_options o = lrf_dataset_options_default();
        o.use_cache = false;
        struct lrf_dataset *ds = NULL;
        struct lrf_error err;
        lrf_error_clear(&err);
        enum lrf_status st = lrf_dataset_parse_buffer("t.csv", text, (size_t)n, &o, &ds, &err);
        bool refused = st != LRF_OK && ds == NULL && err.line == 3;
        CHECK_MSG(refused && strstr(err.message, "out of range"), "label %s: status %d, '%s'",
                  labels[i], st, st ? err.message : "");
        lrf_dataset_destroy(ds);
    }
}

int main(void)
{
    test_split_sizes();
    test_batches_per_epoch();
    for (int floats = 0; floats < 2; floats++) {
        check_norm(floats, LRF_NORMALIZE_STANDARD);
        check_norm(floats, LRF_NORMALIZE_MINMAX);
    }
    test_huge_labels();
    return check_summary();
}
