/* cache_in_background: the entry is written on a thread after the load returns,
 * is complete once lrf_dataset_destroy returns (a later load hits it and gets the
 * same dataset), and an interrupt seen by that thread leaves neither an entry nor a
 * temporary file. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dataset_equal.h"
#include "dataset_files.h"
#include "lrf/dataset.h"

static char tmpdir[] = "/tmp/lrf_test_cache_async_XXXXXX";
static char csv_path[600], cache_dir[600];
static pthread_t main_thread;

static struct lrf_dataset_options opts(void)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.cache_dir = cache_dir;
    o.threads = 1; /* every poll of the load itself is on this thread */
    o.cache_in_background = true;
    return o;
}

/* Interrupted everywhere but on the loading thread: only the writer sees it. */
static bool writer_interrupted(void *ctx)
{
    (void)ctx;
    return !pthread_equal(pthread_self(), main_thread);
}

static void test_written(void)
{
    struct lrf_dataset_options o = opts();
    char cpath[4096];
    CHECK(lrf_dataset_cache_path(csv_path, &o, cpath, sizeof cpath, NULL) == LRF_OK);
    unlink(cpath);
    struct lrf_dataset *parsed = NULL, *cached = NULL, *plain = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_load_csv(csv_path, &o, &parsed, &err) == LRF_OK);
    CHECK(parsed && !lrf_dataset_from_cache(parsed));
    lrf_dataset_destroy(parsed); /* waits for the entry */
    CHECK_MSG(access(cpath, F_OK) == 0, "no cache entry after destroy");
    CHECK(count_dir_entries(cache_dir, ".tmp") == 0);
    CHECK(lrf_dataset_load_csv(csv_path, &o, &cached, &err) == LRF_OK);
    o.use_cache = false;
    CHECK(lrf_dataset_load_csv(csv_path, &o, &plain, &err) == LRF_OK);
    CHECK(cached && lrf_dataset_from_cache(cached));
    CHECK(cached && plain && same_dataset(cached, plain));
    lrf_dataset_destroy(cached);
    lrf_dataset_destroy(plain);
}

static void test_interrupted_writer(void)
{
    struct lrf_dataset_options o = opts();
    o.interrupted = writer_interrupted;
    char cpath[4096];
    CHECK(lrf_dataset_cache_path(csv_path, &o, cpath, sizeof cpath, NULL) == LRF_OK);
    unlink(cpath);
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_load_csv(csv_path, &o, &ds, &err) == LRF_OK); /* the load is not */
    lrf_dataset_destroy(ds);
    CHECK_MSG(access(cpath, F_OK) != 0, "an interrupted writer left a cache entry");
    CHECK_MSG(count_dir_entries(cache_dir, ".tmp") == 0,
              "an interrupted writer left a temporary file");
}

int main(void)
{
    main_thread = pthread_self();
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(csv_path, sizeof csv_path, "%s/data.csv", tmpdir);
    snprintf(cache_dir, sizeof cache_dir, "%s/cache", tmpdir);
    FILE *f = fopen(csv_path, "wb");
    fputs("label,a,b,c\n", f);
    for (int i = 0; i < 20000; i++) /* ~250 KB: read whole, one parser */
        fprintf(f, "%d,%d,%d,%d\n", i % 3, i % 251, (i * 7) % 256, (i * 13) % 256);
    fclose(f);
    test_written();
    test_interrupted_writer();
    remove_tree(tmpdir);
    return check_summary();
}
