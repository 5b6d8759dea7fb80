/* Encoders fitted on the training file and applied to another (--val):
 * unseen categories as all zeros, missing values with the training median or
 * level, a text in a training-numeric column refused, columns matched by
 * name. The cache keeps every decision and keys on every option that
 * changes them; nothing is cached from a failed parse. gzip (and a truncated
 * stream) and standard input. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "dataset_equal.h"
#include "dataset_files.h"
#include "lrf/dataset.h"

static char tmpdir[] = "/tmp/lrf_test_encoders_XXXXXX";
static char cache_dir[600];

static const char *write_file(const char *name, const void *data, size_t len)
{
    return write_file_under(tmpdir, name, data, len);
}

static const char *write_text(const char *name, const char *text)
{
    return write_file(name, text, strlen(text));
}

static struct lrf_dataset_options opts(bool cache)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = cache;
    o.cache_dir = cache_dir;
    return o;
}

static const char TRAIN[] = "x,color,size,label\n"
                            "1,red,10,a\n"
                            "2,blue,NA,b\n"
                            "3,red,30,a\n"
                            "4,green,20,b\n";

static void test_val_encoded_like_train(void)
{
    struct lrf_dataset_options o = opts(false);
    struct lrf_dataset *tr = NULL, *va = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_load_csv(write_text("train.csv", TRAIN), &o, &tr, &err) == LRF_OK);
    /* Columns in another order; a colour unseen in training; a missing x,
     * which training never had (its median is computed from training's rows). */
    const char *val = write_text("val.csv", "label,size,color,x\n"
                                            "b,15,purple,NA\n"
                                            "a,NA,green,2\n");
    CHECK(lrf_dataset_load_csv_like(val, tr, &o, &va, &err) == LRF_OK);
    CHECK(tr && va && lrf_dataset_features(va) == lrf_dataset_features(tr));
    if (tr && va) {
        /* features: x, color=blue, color=green, color=red, size, size (missing) */
        float x[12];
        int32_t y[2];
        lrf_dataset_gather_range(va, NULL, 0, 2, x, y);
        static const float want[12] = {2.5f, 0, 0, 0, 15, 0, 2, 0, 1, 0, 20, 1};
        CHECK_MSG(!memcmp(x, want, sizeof want), "val row 0: %g %g %g %g %g %g", (double)x[0],
                  (double)x[1], (double)x[2], (double)x[3], (double)x[4], (double)x[5]);
        CHECK(y[0] == 1 && y[1] == 0 && lrf_dataset_classes(va) == 2);
        CHECK_STR(lrf_dataset_feature_name(va, 5), "size (missing)");
    }
    lrf_dataset_destroy(va);
    va = NULL;
    /* A text where training has numbers. */
    val = write_text("val.csv", "x,color,size,label\n1,red,10,a\n2,red,big,b\n");
    CHECK(lrf_dataset_load_csv_like(val, tr, &o, &va, &err) == LRF_ERR_DATA && !va);
    CHECK_MSG(err.line == 3 && strstr(err.message, "column 'size' (2): expected a number (the "
                                                   "column is numeric in the training file), "
                                                   "got 'big'"),
              "%ld %s", err.line, err.message);
    /* A training column missing from the other file. */
    val = write_text("val.csv", "x,color,label\n1,red,a\n");
    CHECK(lrf_dataset_load_csv_like(val, tr, &o, &va, &err) == LRF_ERR_DATA &&
          strstr(err.message, "column 'size' (2) is missing"));
    lrf_dataset_destroy(tr);
}

/* A numeric training file (the fast path) and a validation file that needs
 * the general path (a missing value): the same encoding. */
static void test_val_after_fast_path(void)
{
    struct lrf_dataset_options o = opts(false);
    struct lrf_dataset *tr = NULL, *va = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_load_csv(write_text("train.csv", "a,b,label\n1,10,0\n3,30,1\n5,20,0\n"), &o,
                               &tr, &err) == LRF_OK);
    CHECK(lrf_dataset_load_csv_like(write_text("val.csv", "a,b,label\n,40,1\n7,NA,0\n"), tr, &o,
                                    &va, &err) == LRF_OK);
    float x[4];
    if (va)
        lrf_dataset_gather_range(va, NULL, 0, 2, x, NULL);
    CHECK(va && lrf_dataset_features(va) == 2 && x[0] == 3 && x[1] == 40 && x[2] == 7 &&
          x[3] == 20);
    lrf_dataset_destroy(va);
    lrf_dataset_destroy(tr);
}

static bool same_decisions(const struct lrf_dataset *a, const struct lrf_dataset *b)
{
    struct lrf_dataset_column x, y;
    bool same = lrf_dataset_columns(a) == lrf_dataset_columns(b) &&
                lrf_dataset_task(a) == lrf_dataset_task(b) &&
                !strcmp(lrf_dataset_label_reason(a), lrf_dataset_label_reason(b)) &&
                !strcmp(lrf_dataset_task_reason(a), lrf_dataset_task_reason(b)) &&
                lrf_dataset_missing(a) == lrf_dataset_missing(b) &&
                lrf_dataset_notes(a) == lrf_dataset_notes(b) &&
                lrf_dataset_format(a).delimiter == lrf_dataset_format(b).delimiter;
    for (size_t j = 0; same && lrf_dataset_column(a, j, &x) && lrf_dataset_column(b, j, &y); j++) {
        same &= !strcmp(x.name, y.name) && x.role == y.role && x.type == y.type &&
                x.missing == y.missing && x.levels == y.levels && x.features == y.features &&
                x.indicator == y.indicator && !strcmp(x.why, y.why);
        for (size_t k = 0; same && k < x.levels; k++)
            same &= !strcmp(lrf_dataset_column_level(a, j, k), lrf_dataset_column_level(b, j, k));
    }
    for (size_t i = 0; same && i < lrf_dataset_notes(a); i++)
        same &= !strcmp(lrf_dataset_note(a, i), lrf_dataset_note(b, i));
    return same;
}

static void test_cache_keeps_decisions(void)
{
    static const char *const files[] = {"penguins_r.csv", "boston_r.csv", "credit_r.csv"};
    static const char *const labels[] = {NULL, "medv", NULL};
    for (size_t i = 0; i < 3; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/dataset/%s", LRF_FIXTURES_DIR, files[i]);
        struct lrf_dataset_options o = opts(true);
        o.label = labels[i];
        struct lrf_dataset *a = NULL, *b = NULL, *v = NULL;
        struct lrf_error err;
        CHECK(lrf_dataset_load_csv(path, &o, &a, &err) == LRF_OK);
        CHECK(lrf_dataset_load_csv(path, &o, &b, &err) == LRF_OK && b && lrf_dataset_from_cache(b));
        CHECK_MSG(a && b && same_dataset(a, b) && same_decisions(a, b), "%s: cache differs",
                  files[i]);
        if (b && lrf_dataset_targets(b))
            CHECK(!memcmp(lrf_dataset_targets(a), lrf_dataset_targets(b),
                          lrf_dataset_rows(a) * sizeof(float)));
        /* A cached dataset's encoders encode another file as the parsed one's do. */
        CHECK(b && lrf_dataset_load_csv_like(path, b, &o, &v, &err) == LRF_OK &&
              same_dataset(a, v));
        lrf_dataset_destroy(v);
        lrf_dataset_destroy(a);
        lrf_dataset_destroy(b);
    }
}

/* Every option that changes the result changes the cache entry. */
static void test_options_in_key(void)
{
    const char *path = write_text("k.csv", "id,a,b,label\n1,2,NA,0\n2,3,4,1\n3,5,6,0\n");
    struct lrf_dataset_options o = opts(true), changed[5];
    for (int i = 0; i < 5; i++)
        changed[i] = o;
    changed[0].drop = "id";
    changed[1].missing = LRF_MISSING_DROP;
    changed[2].task = LRF_TASK_REGRESSION;
    changed[3].sep = ',';
    changed[4].decimal = ',';
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_load_csv(path, &o, &ds, &err) == LRF_OK);
    lrf_dataset_destroy(ds);
    char base[4096], other[4096];
    lrf_dataset_cache_path(path, &o, base, sizeof base, NULL);
    for (int i = 0; i < 5; i++) {
        lrf_dataset_cache_path(path, &changed[i], other, sizeof other, NULL);
        CHECK_MSG(strcmp(base, other) != 0, "option %d does not change the cache entry", i);
        ds = NULL;
        CHECK(lrf_dataset_load_csv(path, &changed[i], &ds, &err) == LRF_OK && ds &&
              !lrf_dataset_from_cache(ds));
        lrf_dataset_destroy(ds);
    }
}

static void test_nothing_cached_from_failure(void)
{
    int before = count_dir_entries(cache_dir, ".lrfds");
    static const char *const texts[] = {"a,b,label\n1,2,0\n3,4\n", "a,label\n1,x\n2,x\n",
                                        "x,c,label\n1,NA,0\n2,inf,1\n"};
    for (int i = 0; i < 3; i++) {
        struct lrf_dataset_options o = opts(true);
        struct lrf_dataset *ds = NULL;
        struct lrf_error err;
        CHECK(lrf_dataset_load_csv(write_text("bad.csv", texts[i]), &o, &ds, &err) != LRF_OK);
        CHECK(ds == NULL);
    }
    CHECK_MSG(count_dir_entries(cache_dir, ".lrfds") == before,
              "a failed parse left a cache entry");
}

static size_t gzip_text(const char *text, unsigned char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = (Bytef *)(uintptr_t)text;
    zs.avail_in = (uInt)strlen(text);
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    return n;
}

static void test_gzip(void)
{
    unsigned char gz[512];
    size_t n = gzip_text(TRAIN, gz, sizeof gz);
    struct lrf_dataset_options o = opts(true);
    struct lrf_dataset *plain = NULL, *zipped = NULL, *again = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_load_csv(write_text("p.csv", TRAIN), &o, &plain, &err) == LRF_OK);
    const char *path = write_file("data.bin", gz, n); /* found by its bytes, not its name */
    CHECK(lrf_dataset_load_csv(path, &o, &zipped, &err) == LRF_OK);
    CHECK(zipped && lrf_dataset_format(zipped).gzip && same_dataset(plain, zipped));
    CHECK(lrf_dataset_load_csv(path, &o, &again, &err) == LRF_OK && again &&
          lrf_dataset_from_cache(again) && lrf_dataset_format(again).gzip);
    lrf_dataset_destroy(again);
    lrf_dataset_destroy(zipped);
    lrf_dataset_destroy(plain);
    zipped = NULL;
    path = write_file("cut.csv.gz", gz, n - 12);
    CHECK(lrf_dataset_load_csv(path, &o, &zipped, &err) == LRF_ERR_PARSE && !zipped &&
          strstr(err.message, "truncated gzip stream"));
}

/* "-" reads standard input (here a pipe), never cached. */
static void test_stdin(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t writer = fork();
    if (writer == 0) {
        close(fds[0]);
        ssize_t w = write(fds[1], TRAIN, strlen(TRAIN));
        _exit(w == (ssize_t)strlen(TRAIN) ? 0 : 1);
    }
    close(fds[1]);
    int saved = dup(0);
    dup2(fds[0], 0);
    close(fds[0]);
    struct lrf_dataset_options o = opts(true);
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    int before = count_dir_entries(cache_dir, ".lrfds");
    CHECK(lrf_dataset_load_csv("-", &o, &ds, &err) == LRF_OK);
    dup2(saved, 0);
    close(saved);
    waitpid(writer, NULL, 0);
    CHECK(ds && lrf_dataset_rows(ds) == 4 && lrf_dataset_format(ds).stream &&
          !strcmp(lrf_dataset_source(ds), "<stdin>") &&
          count_dir_entries(cache_dir, ".lrfds") == before);
    lrf_dataset_destroy(ds);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(cache_dir, sizeof cache_dir, "%s/cache", tmpdir);
    test_val_encoded_like_train();
    test_val_after_fast_path();
    test_cache_keeps_decisions();
    test_options_in_key();
    test_nothing_cached_from_failure();
    test_gzip();
    test_stdin();
    remove_tree(tmpdir);
    return check_summary();
}
