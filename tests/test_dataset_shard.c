/* Sharded loading (lrf_dataset_load_csv_shard): the shards of a file, in
 * order, hold exactly the whole file's rows (values and label texts), for
 * every shard count, with or without a header, uint8 or float storage, text
 * or integer labels, sorted labels (shards with one class), shards larger
 * than the parallel parser's threshold; errors name the whole file's line;
 * lrf_dataset_shard_classes maps a shard's classes onto the whole list. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dataset_files.h"
#include "lrf/dataset.h"

static char dir[64];

/* A file of rows data rows: x0 in 0..255, x1 (float or integer), a label. */
static const char *make_file(const char *name, size_t rows, bool header, bool floats,
                             bool text_labels, bool sorted)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (header)
        fprintf(f, "x0,x1,label\n");
    for (size_t i = 0; i < rows; i++) {
        size_t k = sorted ? i * 3 / rows : (i * 7 + 3) % 3;
        if (floats)
            fprintf(f, "%zu,%.3f,", i % 256, (double)i * 0.25 - 3.0);
        else
            fprintf(f, "%zu,%zu,", i % 256, (i * 13) % 200);
        if (text_labels)
            fprintf(f, "%s\n", k == 0 ? "setosa" : k == 1 ? "versicolor" : "virginica");
        else
            fprintf(f, "%zu\n", 10 * k + 1);
    }
    fclose(f);
    return path;
}

static struct lrf_dataset_options options(void)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    o.label = "-1";                   /* the rule over few rows is the shards' own */
    o.task = LRF_TASK_CLASSIFICATION; /* ... and so is auto's */
    return o;
}

static float value(const struct lrf_dataset *ds, size_t r, size_t j)
{
    size_t d = lrf_dataset_features(ds);
    const uint8_t *u = lrf_dataset_data_u8(ds);
    return u ? (float)u[r * d + j] : lrf_dataset_data_f32(ds)[r * d + j];
}

/* The shards of path (count of them) concatenated equal the whole file. */
static void check_shards(const char *path, size_t count)
{
    struct lrf_dataset_options o = options();
    struct lrf_error err;
    struct lrf_dataset *whole = NULL;
    if (!CHECK(lrf_dataset_load_csv(path, &o, &whole, &err) == LRF_OK))
        return;
    size_t row = 0, bad = 0, d = lrf_dataset_features(whole);
    for (size_t s = 0; s < count; s++) {
        struct lrf_dataset *part = NULL;
        enum lrf_status st = lrf_dataset_load_csv_shard(path, &o, s, count, &part, &err);
        CHECK_MSG(st == LRF_OK, "%s shard %zu/%zu: %s", path, s, count, err.message);
        if (st != LRF_OK)
            break;
        CHECK(lrf_dataset_features(part) == d);
        CHECK(lrf_dataset_has_header(part) == lrf_dataset_has_header(whole));
        for (size_t r = 0; r < lrf_dataset_rows(part) && row + r < lrf_dataset_rows(whole); r++) {
            for (size_t j = 0; j < d; j++)
                bad += value(part, r, j) != value(whole, row + r, j);
            bad +=
                strcmp(lrf_dataset_class_name(part, (size_t)lrf_dataset_labels(part)[r]),
                       lrf_dataset_class_name(whole, (size_t)lrf_dataset_labels(whole)[row + r]));
        }
        row += lrf_dataset_rows(part);
        lrf_dataset_destroy(part);
    }
    CHECK_MSG(row == lrf_dataset_rows(whole), "%s in %zu shards: %zu rows, whole %zu", path, count,
              row, lrf_dataset_rows(whole));
    CHECK_MSG(bad == 0, "%s in %zu shards: %zu values differ", path, count, bad);
    lrf_dataset_destroy(whole);
}

static void test_concatenation(void)
{
    const char *files[] = {
        make_file("a.csv", 100, true, false, true, false),
        make_file("b.csv", 101, false, true, false, false),
        make_file("c.csv", 97, true, true, true, true), /* sorted: one class per shard */
    };
    for (size_t f = 0; f < 3; f++) {
        char copy[128];
        snprintf(copy, sizeof copy, "%s", files[f]);
        for (size_t count = 1; count <= 5; count++)
            check_shards(copy, count);
    }
    /* Shards above the parallel parser's threshold (1 MB) parse on threads. */
    char big[128];
    snprintf(big, sizeof big, "%s", make_file("big.csv", 150000, true, true, false, false));
    check_shards(big, 2);
    check_shards(big, 3);
}

/* A shard's classes mapped onto the whole file's list keep each row's text. */
static void test_classes(void)
{
    const char *path = make_file("sorted.csv", 90, true, false, true, true);
    struct lrf_dataset_options o = options();
    struct lrf_error err;
    struct lrf_dataset *part = NULL;
    if (!CHECK(lrf_dataset_load_csv_shard(path, &o, 2, 3, &part, &err) == LRF_OK))
        return;
    CHECK(lrf_dataset_classes(part) == 1); /* only virginica: no error for the shard */
    char *names[] = {"setosa", "versicolor", "virginica"};
    CHECK(lrf_dataset_shard_classes(part, names, 3, &err) == LRF_OK);
    CHECK(lrf_dataset_classes(part) == 3);
    CHECK(lrf_dataset_labels(part)[0] == 2);
    CHECK(lrf_dataset_class_count(part, 2) == lrf_dataset_rows(part));
    CHECK(lrf_dataset_class_count(part, 0) == 0);
    CHECK_STR(lrf_dataset_class_name(part, 2), "virginica");
    char *missing[] = {"setosa", "versicolor"};
    CHECK(lrf_dataset_shard_classes(part, missing, 2, &err) == LRF_ERR_INVALID_ARG);
    lrf_dataset_destroy(part);
    /* Integer labels: class values follow the names. */
    path = make_file("ints.csv", 60, true, false, false, true);
    if (!CHECK(lrf_dataset_load_csv_shard(path, &o, 0, 2, &part, &err) == LRF_OK))
        return;
    char *ints[] = {"1", "11", "21"};
    CHECK(lrf_dataset_shard_classes(part, ints, 3, &err) == LRF_OK);
    CHECK(lrf_dataset_labels_numeric(part));
    CHECK_STR(lrf_dataset_class_name(part, (size_t)lrf_dataset_labels(part)[0]), "1");
    lrf_dataset_destroy(part);
}

static void test_errors(void)
{
    struct lrf_dataset_options o = options();
    struct lrf_error err;
    struct lrf_dataset *ds = NULL;
    /* A bad value on line 57 (of 1 + 80): only the shard holding it sees it. */
    char path[128];
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "x0,x1,label\n");
    for (int i = 0; i < 80; i++)
        fprintf(f, "%d,%s,%d\n", i, i == 55 ? "1e999" : "2", i % 2);
    fclose(f);
    CHECK(lrf_dataset_load_csv_shard(path, &o, 0, 2, &ds, &err) == LRF_OK);
    lrf_dataset_destroy(ds);
    ds = NULL;
    CHECK(lrf_dataset_load_csv_shard(path, &o, 1, 2, &ds, &err) == LRF_ERR_NUMERIC);
    CHECK(ds == NULL);
    CHECK_MSG(err.line == 57, "line %ld: %s", err.line, err.message);
    CHECK(strstr(err.message, "column 'x1' (1)") != NULL);
    /* More shards than lines: the last ones are empty, which is an error. */
    const char *tiny = make_file("tiny.csv", 2, true, false, false, false);
    CHECK(lrf_dataset_load_csv_shard(tiny, &o, 2, 3, &ds, &err) == LRF_ERR_DATA);
    CHECK(strstr(err.message, "no rows") != NULL);
    /* Quotes in the rows: a shard cannot know where a quoted field ends. */
    snprintf(path, sizeof path, "%s/quoted.csv", dir);
    write_text_file(path, "a,b,label\n1,2,x\n3,\"4\",y\n5,6,x\n7,8,y\n");
    CHECK(lrf_dataset_load_csv_shard(path, &o, 0, 2, &ds, &err) == LRF_ERR_UNSUPPORTED);
    snprintf(path, sizeof path, "%s/nothing.csv", dir);
    CHECK(lrf_dataset_load_csv_shard(path, &o, 0, 2, &ds, &err) == LRF_ERR_IO);
    CHECK(lrf_dataset_load_csv_shard(tiny, &o, 3, 3, &ds, &err) == LRF_ERR_INVALID_ARG);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/lrf_shard_XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    test_concatenation();
    test_classes();
    test_errors();
    remove_tree(dir);
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}
