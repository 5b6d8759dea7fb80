/* Dataset cache: an exact round trip, and corrupt, truncated or stale cache
 * files detected and rebuilt; plus a separate validation file loaded with the
 * training file's class mapping. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dataset_equal.h"
#include "dataset_files.h"
#include "lrf/dataset.h"

static char tmpdir[] = "/tmp/lrf_test_cache_XXXXXX";
static char csv_path[600], cache_dir[600];

static struct lrf_dataset *load(const char *label, bool *from_cache)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.cache_dir = cache_dir;
    o.label = label;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_load_csv(csv_path, &o, &ds, &err) != LRF_OK) {
        fprintf(stderr, "    load failed: %s\n", err.message);
        return NULL;
    }
    *from_cache = lrf_dataset_from_cache(ds);
    return ds;
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static void corrupt_byte(const char *path, long at)
{
    FILE *f = fopen(path, "r+b");
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x55, f);
    fclose(f);
}

static void test_round_trip_and_corruption(const char *text, const char *label)
{
    write_text_file(csv_path, text);
    char cpath[4096];
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.cache_dir = cache_dir;
    o.label = label;
    CHECK(lrf_dataset_cache_path(csv_path, &o, cpath, sizeof cpath, NULL) == LRF_OK);
    unlink(cpath);
    bool cached = true;
    struct lrf_dataset *fresh = load(label, &cached);
    CHECK(fresh && !cached);
    CHECK(file_size(cpath) > 0);
    struct lrf_dataset *again = load(label, &cached);
    CHECK(again && cached);
    CHECK_MSG(fresh && again && same_dataset(fresh, again), "cache round trip differs");
    lrf_dataset_destroy(again);

    /* Flip one byte at several places: each must be noticed, then rebuilt. */
    long size = file_size(cpath);
    long spots[] = {0, 9, 20, size / 2, size - 20, size - 1};
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        corrupt_byte(cpath, spots[i]);
        struct lrf_dataset *ds = load(label, &cached);
        CHECK_MSG(ds && !cached, "corruption at %ld of %ld trusted", spots[i], size);
        CHECK(ds && same_dataset(fresh, ds));
        lrf_dataset_destroy(ds);
    }
    /* Truncated. */
    CHECK(truncate(cpath, size / 3) == 0);
    struct lrf_dataset *ds = load(label, &cached);
    CHECK(ds && !cached && same_dataset(fresh, ds));
    lrf_dataset_destroy(ds);
    /* Garbage. */
    write_text_file(cpath, "not a cache file at all");
    ds = load(label, &cached);
    CHECK(ds && !cached && same_dataset(fresh, ds));
    lrf_dataset_destroy(ds);
    ds = load(label, &cached);
    CHECK(ds && cached);
    lrf_dataset_destroy(ds);
    lrf_dataset_destroy(fresh);
}

static void test_stale(void)
{
    write_text_file(csv_path, "label,a,b\n0,1,2\n1,3,4\n");
    bool cached;
    struct lrf_dataset *ds = load(NULL, &cached);
    lrf_dataset_destroy(ds);
    ds = load(NULL, &cached);
    CHECK(ds && cached);
    lrf_dataset_destroy(ds);
    /* Same size, new content and mtime: the cache must not be used. */
    write_text_file(csv_path, "label,a,b\n0,1,2\n1,3,9\n");
    struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    struct timespec later;
    clock_gettime(CLOCK_REALTIME, &later);
    later.tv_sec += 5;
    ts[1] = later;
    utimensat(AT_FDCWD, csv_path, ts, 0);
    ds = load(NULL, &cached);
    CHECK(ds && !cached);
    CHECK(ds && lrf_dataset_data_u8(ds)[3] == 9);
    lrf_dataset_destroy(ds);
    /* A different label option is a different cache entry. */
    ds = load("a", &cached);
    CHECK(ds && !cached && lrf_dataset_label_index(ds) == 1);
    lrf_dataset_destroy(ds);
    /* --no-cache neither reads nor needs the cache. */
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    o.cache_dir = "/nonexistent/dir";
    struct lrf_error err;
    CHECK(lrf_dataset_load_csv(csv_path, &o, &ds, &err) == LRF_OK && !lrf_dataset_from_cache(ds));
    lrf_dataset_destroy(ds);
}

static void test_val_file(void)
{
    char val_path[700];
    snprintf(val_path, sizeof val_path, "%s/val.csv", tmpdir);
    write_text_file(csv_path, "a,b,kind\n1,2,dog\n3,4,cat\n5,6,eel\n");
    write_text_file(val_path, "a,b,kind\n1,2,eel\n3,4,dog\n");
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *train = NULL, *val = NULL;
    struct lrf_error err;
    o.label = "kind";
    CHECK(lrf_dataset_load_csv(csv_path, &o, &train, &err) == LRF_OK);
    o.label = NULL;
    CHECK(lrf_dataset_load_csv_like(val_path, train, &o, &val, &err) == LRF_OK);
    CHECK(val && lrf_dataset_classes(val) == 3);
    CHECK(val && lrf_dataset_labels(val)[0] == 2 && lrf_dataset_labels(val)[1] == 1);
    CHECK(val && !strcmp(lrf_dataset_class_name(val, 0), "cat"));
    lrf_dataset_destroy(val);
    val = NULL;
    write_text_file(val_path, "a,b,kind\n1,2,eel\n3,4,fox\n");
    CHECK(lrf_dataset_load_csv_like(val_path, train, &o, &val, &err) == LRF_ERR_DATA);
    CHECK_MSG(err.line == 3 && err.col == 0 && strstr(err.message, "column 'kind' (2): ") &&
                  strstr(err.message, "'fox'"),
              "%ld:%ld %s", err.line, err.col, err.message);
    write_text_file(val_path, "a,b,c,kind\n1,2,3,eel\n3,4,5,dog\n");
    CHECK(lrf_dataset_load_csv_like(val_path, train, &o, &val, &err) == LRF_ERR_DATA);
    CHECK(strstr(err.message, "incompatible") != NULL);
    /* A validation file may hold a single class: it is mapped, not counted. */
    write_text_file(val_path, "a,b,kind\n1,2,eel\n3,4,eel\n");
    CHECK(lrf_dataset_load_csv_like(val_path, train, &o, &val, &err) == LRF_OK);
    lrf_dataset_destroy(val);
    lrf_dataset_destroy(train);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(csv_path, sizeof csv_path, "%s/data.csv", tmpdir);
    snprintf(cache_dir, sizeof cache_dir, "%s/cache/lrfind", tmpdir);
    test_round_trip_and_corruption("label,a,b\n0,1,2\n1,3,4\n2,250,0\n", NULL);
    test_round_trip_and_corruption("x,y,name\n0.5,-1,b\n1e3,3,a\n2,4,b\n", "name");
    test_round_trip_and_corruption("1,2,7\n3,4,9\n", NULL);
    test_stale();
    test_val_file();
    remove_tree(tmpdir);
    return check_summary();
}
