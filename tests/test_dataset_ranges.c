/* The general path's per-feature ranges and its uint8 decision, which the encoder
 * takes while it writes (numbers as they go, one-hot levels and missing indicators
 * from their counts of ones per chunk), equal a pass over the encoded matrix: on
 * files parsed in several chunks where a level covers a whole chunk, a level
 * appears in one chunk only, a column has missing values in some chunks, for the
 * training file and for a file encoded like it (unseen and absent levels), and
 * the same with one thread; the text cells' level ids (kept from the typing pass)
 * give the same one-hot features as looking each text up. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dataset_equal.h"
#include "dataset_files.h"
#include "lrf/dataset.h"

/* More than the 1 MiB from which a file is parsed on several threads. */
enum { ROWS = 90000 };

static char tmpdir[] = "/tmp/lrf_test_ranges_XXXXXX";

/* Rows 0..ROWS/4: color always red and no missing size; then a mix, "violet"
 * only near the end; n ints 0..200 (uint8-able) or, with negative, down to -3; k
 * always "on" (a one-hot feature that is 1 in every row). */
static char *make_csv(bool negative, bool val, size_t *len)
{
    char *text = malloc((size_t)ROWS * 48 + 64);
    size_t n = (size_t)sprintf(text, "n,color,size,k,label\n");
    static const char *const colors[] = {"red", "green", "blue", "NA", "pink"};
    unsigned long long z = val ? 99 : 5;
    for (int i = 0; i < ROWS; i++) {
        z = z * 6364136223846793005ull + 1442695040888963407ull;
        unsigned u = (unsigned)(z >> 33);
        const char *color = i < ROWS / 4 ? "red" : i > ROWS - 500 ? "violet" : colors[u % 5];
        if (val && color[0] == 'p')
            color = "teal"; /* unseen in training; pink absent */
        int num = (int)(u % 201) - (negative ? 3 : 0);
        n += (size_t)sprintf(text + n, "%d,%s,", num, color);
        if (i >= ROWS / 4 && u % 7 == 0)
            n += (size_t)sprintf(text + n, "NA,");
        else
            n += (size_t)sprintf(text + n, "%d,", (int)(u % 13));
        n += (size_t)sprintf(text + n, "on,%s\n", u % 3 ? "yes" : "no"); /* k: one level */
    }
    *len = n;
    return text;
}

/* Every feature's range equals the min and max of its column in the matrix, and the
 * storage is uint8 exactly when every value is an integer in 0..255. */
static void check_ranges(const struct lrf_dataset *ds, const char *what)
{
    size_t n = lrf_dataset_rows(ds), d = lrf_dataset_features(ds);
    const uint8_t *u8 = lrf_dataset_data_u8(ds);
    const float *f32 = lrf_dataset_data_f32(ds);
    bool fits = true;
    int bad = 0;
    for (size_t j = 0; j < d; j++) {
        float lo = INFINITY, hi = -INFINITY, glo, ghi;
        for (size_t r = 0; r < n; r++) {
            float v = u8 ? (float)u8[r * d + j] : f32[r * d + j];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            fits &= v >= 0 && v <= 255 && v == floorf(v);
        }
        lrf_dataset_feature_range(ds, j, &glo, &ghi);
        if (glo != lo || ghi != hi) {
            bad++;
            fprintf(stderr, "    %s: feature %zu '%s': range %g..%g, the matrix has %g..%g\n", what,
                    j, lrf_dataset_feature_name(ds, j), (double)glo, (double)ghi, (double)lo,
                    (double)hi);
        }
    }
    CHECK_MSG(bad == 0, "%s: %d feature ranges differ", what, bad);
    CHECK_MSG((lrf_dataset_storage(ds) == LRF_STORAGE_UINT8) == fits, "%s: storage %s", what,
              lrf_storage_name(lrf_dataset_storage(ds)));
}

static struct lrf_dataset *load(const char *path, const struct lrf_dataset *ref, int threads)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    o.threads = threads;
    o.label = "label";
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    enum lrf_status st = ref ? lrf_dataset_load_csv_like(path, ref, &o, &ds, &err)
                             : lrf_dataset_load_csv(path, &o, &ds, &err);
    if (st != LRF_OK)
        fprintf(stderr, "    %s: %s\n", path, err.message);
    return ds;
}

static void test_ranges(bool negative)
{
    char train[700], val[700];
    snprintf(train, sizeof train, "%s/train%d.csv", tmpdir, negative);
    snprintf(val, sizeof val, "%s/val%d.csv", tmpdir, negative);
    size_t len;
    char *text = make_csv(negative, false, &len);
    write_text_file(train, text);
    free(text);
    text = make_csv(negative, true, &len);
    write_text_file(val, text);
    free(text);
    struct lrf_dataset *tr = load(train, NULL, 4), *tr1 = load(train, NULL, 1);
    CHECK(tr && tr1);
    if (tr && tr1) {
        CHECK_MSG(lrf_dataset_threads_used(tr) > 1, "one chunk only");
        check_ranges(tr, negative ? "train (negative)" : "train");
        CHECK_MSG(same_dataset(tr, tr1), "4 threads and 1 differ");
        struct lrf_dataset *va = load(val, tr, 4), *va1 = load(val, tr, 1);
        CHECK(va && va1);
        if (va && va1) {
            check_ranges(va, negative ? "val (negative)" : "val");
            CHECK_MSG(same_dataset(va, va1), "val: 4 threads and 1 differ");
        }
        lrf_dataset_destroy(va);
        lrf_dataset_destroy(va1);
    }
    lrf_dataset_destroy(tr);
    lrf_dataset_destroy(tr1);
}

/* A one-hot feature is 1 exactly where the row's text is its level (the encoder
 * takes the level from the typing pass's ids, not from the text). */
static void test_one_hot_matches_text(void)
{
    const char *csv = "c,v,label\nb,1,x\na,2,y\nc,3,x\nb,4,y\nNA,5,x\na,6,y\nd,7,x\n";
    char path[700], vpath[700];
    snprintf(path, sizeof path, "%s/small.csv", tmpdir);
    write_text_file(path, csv);
    snprintf(vpath, sizeof vpath, "%s/small_val.csv", tmpdir);
    write_text_file(vpath, "c,v,label\nd,1,x\nz,2,y\na,3,x\n");
    struct lrf_dataset *ds = load(path, NULL, 1);
    struct lrf_dataset *va = ds ? load(vpath, ds, 1) : NULL;
    CHECK(ds && va);
    if (ds && va) {
        /* levels a b c d, then (missing); then v, so the one-hot is features 0..4 */
        static const int want[7] = {1, 0, 2, 1, 4, 0, 3}, want_val[3] = {3, -1, 0};
        const uint8_t *x = lrf_dataset_data_u8(ds), *xv = lrf_dataset_data_u8(va);
        size_t d = lrf_dataset_features(ds);
        CHECK(x && xv && d == 6);
        for (size_t r = 0; x && d == 6 && r < 7; r++)
            for (size_t j = 0; j < 5; j++)
                CHECK_MSG(x[r * d + j] == ((int)j == want[r]), "row %zu feature %zu", r, j);
        for (size_t r = 0; xv && d == 6 && r < 3; r++)
            for (size_t j = 0; j < 5; j++)
                CHECK_MSG(xv[r * d + j] == ((int)j == want_val[r]), "val row %zu feature %zu", r,
                          j);
    }
    lrf_dataset_destroy(ds);
    lrf_dataset_destroy(va);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_ranges(false);
    test_ranges(true);
    test_one_hot_matches_text();
    remove_tree(tmpdir);
    return check_summary();
}
