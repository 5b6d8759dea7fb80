/* lrf_dist_load_csv at any size (alone, and under mpirun -np 2 and -np 3 by
 * tests/mpi.cmake): the ranks' shards, gathered, are the whole file (values
 * and label texts, classes merged even when a shard holds one class); every
 * rank gets the same error, from the rank that saw it, when one rank alone
 * meets a bad row, a missing file or a shard typed differently. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dataset_files.h"
#include "dist_check.h"
#include "lrf/dist.h"

static struct lrf_dist *d;
static char dir[64];

/* Rank 0 writes path (the text made by fill), then every rank goes on. */
static const char *shared_file(const char *name, void (*fill)(FILE *))
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (lrf_dist_rank(d) == 0) {
        FILE *f = fopen(path, "w");
        fill(f);
        fclose(f);
    }
    char sync = 0;
    lrf_dist_broadcast(d, &sync, 1, 0, NULL);
    return path;
}

/* Sorted labels: with 2 or 3 ranks, shards hold one or two classes. */
static void fill_sorted(FILE *f)
{
    fprintf(f, "a,b,species\n");
    for (int i = 0; i < 150; i++)
        fprintf(f, "%d,%.2f,%s\n", i % 7, i * 0.1, i < 50 ? "setosa" : i < 100 ? "versi" : "virgi");
}

static void fill_bad_last(FILE *f)
{
    fprintf(f, "a,b,label\n");
    for (int i = 0; i < 90; i++)
        fprintf(f, "%d,%s,%d\n", i, i == 85 ? "1e999" : "1.5", i % 3);
}

/* Column b is numeric in the first rows, text in the last ones. */
static void fill_typed_apart(FILE *f)
{
    fprintf(f, "a,b,label\n");
    for (int i = 0; i < 90; i++)
        fprintf(f, "%d,%s,%d\n", i, i >= 80 ? "high" : "7", i % 3);
}

/* Each rank's rows' values and label texts as one text, gathered to all ranks. */
static char *rows_text(const struct lrf_dataset *ds, size_t *len)
{
    size_t n = lrf_dataset_rows(ds), f = lrf_dataset_features(ds), cap = n * (f + 1) * 24 + 1;
    char *s = malloc(cap), *p = s;
    const uint8_t *u = lrf_dataset_data_u8(ds);
    const float *x = lrf_dataset_data_f32(ds);
    for (size_t r = 0; r < n; r++) {
        for (size_t j = 0; j < f; j++)
            p += sprintf(p, "%.9g,", u ? (double)u[r * f + j] : (double)x[r * f + j]);
        p += sprintf(p, "%s\n", lrf_dataset_class_name(ds, (size_t)lrf_dataset_labels(ds)[r]));
    }
    *len = (size_t)(p - s);
    return s;
}

static void test_whole(void)
{
    const char *path = shared_file("sorted.csv", fill_sorted);
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *ds = NULL, *whole = NULL;
    struct lrf_dist_shard sh;
    struct lrf_error err;
    enum lrf_status st = lrf_dist_load_csv(d, path, &o, &ds, &sh, &err);
    CHECK_MSG(st == LRF_OK, "%s", err.message);
    if (st != LRF_OK)
        return;
    CHECK(sh.total == 150 && sh.rows == lrf_dataset_rows(ds));
    CHECK(lrf_dataset_classes(ds) == 3);
    size_t first, count;
    lrf_dist_share(150, lrf_dist_rank(d), lrf_dist_size(d), &first, &count);
    /* Cut by bytes at line ends: about even (rows differ in length). */
    CHECK_MSG(sh.first <= first + 15 && first <= sh.first + 15, "first row %zu, even %zu", sh.first,
              first);
    size_t len, *counts = calloc((size_t)lrf_dist_size(d), sizeof *counts);
    char *mine = rows_text(ds, &len);
    void *all = NULL;
    CHECK(lrf_dist_allgatherv(d, mine, len, &all, counts, &err) == LRF_OK);
    CHECK(lrf_dataset_load_csv(path, &o, &whole, &err) == LRF_OK);
    size_t wlen;
    char *want = rows_text(whole, &wlen);
    size_t total = 0;
    for (int r = 0; r < lrf_dist_size(d); r++)
        total += counts[r];
    CHECK(all && total == wlen && !memcmp(all, want, wlen));
    free(want);
    free(mine);
    free(all);
    free(counts);
    lrf_dataset_destroy(whole);
    lrf_dataset_destroy(ds);
}

/* st on every rank, the message from the rank that saw it. */
static void expect_error(const char *path, enum lrf_status want, const char *text, long line)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *ds = NULL;
    struct lrf_dist_shard sh;
    struct lrf_error err;
    enum lrf_status st = lrf_dist_load_csv(d, path, &o, &ds, &sh, &err);
    CHECK_MSG(st == want, "%s: status %d: %s", path, (int)st, err.message);
    CHECK_MSG(strstr(err.message, text) != NULL, "%s: '%s' lacks '%s'", path, err.message, text);
    CHECK(line < 0 || err.line == line);
    CHECK(ds == NULL);
    if (lrf_dist_rank(d) == 0 && getenv("LRF_TEST_VERBOSE"))
        fprintf(stderr, "%s:%ld: %s\n", err.file, err.line, err.message);
}

static void test_errors(void)
{
    int size = lrf_dist_size(d);
    /* The bad row is in the last shard only: its rank's error reaches all. */
    const char *bad = shared_file("bad.csv", fill_bad_last);
    expect_error(bad, LRF_ERR_NUMERIC, "column 'b' (1)", 87);
    /* Readable on rank 0, missing on the others. */
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, lrf_dist_rank(d) == 0 ? "sorted.csv" : "gone.csv");
    if (size > 1)
        expect_error(path, LRF_ERR_IO, "cannot open", -1);
    /* Typed apart: numeric in the first shards, text in the last. */
    const char *apart = shared_file("apart.csv", fill_typed_apart);
    if (size > 1)
        expect_error(apart, LRF_ERR_DATA, "read differently", -1);
}

int main(int argc, char **argv)
{
    if (!(d = dist_check_begin(&argc, &argv, "distdata", dir, sizeof dir)))
        return 1;
    test_whole();
    test_errors();
    return dist_check_end(d, dir);
}
