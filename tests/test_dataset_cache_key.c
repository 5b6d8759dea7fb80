/* The cache key (issue 10 item 2): a source rewritten with the same size and
 * its mtime restored (as cp -p, rsync -t, tar x or touch -r leave it), or one
 * digit edited in place keeping size and mtime, is never served from the
 * cache. Plus the content hash that guards changes too quick for the
 * timestamps: the same whatever the pieces it was computed from, and checked
 * when an entry was made right after its source changed. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dataset/internal.h"
#include "dataset_files.h"
#include "lrf/dataset.h"

static char tmpdir[] = "/tmp/lrf_test_cache_key_XXXXXX";
static char csv_path[600], cache_dir[600];

static struct lrf_dataset_options cache_opts(void)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.cache_dir = cache_dir;
    return o;
}

static struct lrf_dataset *load(bool *from_cache)
{
    struct lrf_dataset_options o = cache_opts();
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_load_csv(csv_path, &o, &ds, &err) != LRF_OK) {
        fprintf(stderr, "    load failed: %s\n", err.message);
        return NULL;
    }
    *from_cache = lrf_dataset_from_cache(ds);
    return ds;
}

/* Loads twice (the second from the cache) and returns the source's times. */
static struct stat cache_it(const char *text)
{
    write_text_file(csv_path, text);
    bool cached;
    lrf_dataset_destroy(load(&cached));
    struct lrf_dataset *ds = load(&cached);
    CHECK_MSG(ds && cached, "the second load must come from the cache");
    lrf_dataset_destroy(ds);
    struct stat sb;
    stat(csv_path, &sb);
    return sb;
}

static void restore_mtime(const struct stat *sb)
{
    struct timespec ts[2] = {sb->st_atim, sb->st_mtim};
    utimensat(AT_FDCWD, csv_path, ts, 0);
}

static void test_same_size_rewrite_restored_mtime(void)
{
    struct stat before = cache_it("label,a,b\n0,1,2\n1,3,4\n");
    /* A new file of the same size, written over the old one, times restored. */
    write_text_file(csv_path, "label,a,b\n0,1,2\n1,3,7\n");
    restore_mtime(&before);
    struct stat after;
    stat(csv_path, &after);
    CHECK(after.st_size == before.st_size && after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
          after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
    bool cached = true;
    struct lrf_dataset *ds = load(&cached);
    CHECK_MSG(ds && !cached, "a same-size rewrite with its mtime restored was served stale");
    CHECK(ds && lrf_dataset_data_u8(ds)[3] == 7);
    lrf_dataset_destroy(ds);
}

static void test_digit_edited_in_place(void)
{
    struct stat before = cache_it("label,a,b\n0,1,2\n1,3,4\n2,5,6\n");
    int fd = open(csv_path, O_WRONLY);
    CHECK(fd >= 0 && pwrite(fd, "9", 1, 24) == 1); /* "2,5,6" -> "2,9,6" */
    close(fd);
    restore_mtime(&before);
    bool cached = true;
    struct lrf_dataset *ds = load(&cached);
    CHECK_MSG(ds && !cached, "a digit edited in place (size and mtime kept) was served stale");
    CHECK(ds && lrf_dataset_data_u8(ds)[4] == 9);
    lrf_dataset_destroy(ds);
}

static uint64_t hash_of(const unsigned char *b, size_t n)
{
    struct ds_hash h;
    ds_hash_init(&h);
    ds_hash_update(&h, b, n, 0);
    return ds_hash_final(&h, n);
}

/* Pieces of any length, hashed separately in any order and merged. */
static void test_hash_split_invariant(void)
{
    enum { N = 5003 };
    static unsigned char b[N];
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b[i] = (unsigned char)x;
    }
    uint64_t whole = hash_of(b, N);
    bool all_same = true;
    for (int trial = 0; trial < 200; trial++) {
        size_t cuts[6] = {0, 0, 0, 0, 0, N};
        for (int k = 1; k < 5; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            cuts[k] = trial < 20 ? (size_t)(trial + k) % N : (size_t)(x % N);
        }
        for (int i = 1; i < 5; i++) /* sort the inner cuts */
            for (int k = i; k > 0 && cuts[k] < cuts[k - 1]; k--) {
                size_t t = cuts[k];
                cuts[k] = cuts[k - 1];
                cuts[k - 1] = t;
            }
        struct ds_hash total, part;
        ds_hash_init(&total);
        for (int k = 4; k >= 0; k--) { /* last piece first */
            ds_hash_init(&part);
            ds_hash_update(&part, b + cuts[k], cuts[k + 1] - cuts[k], cuts[k]);
            ds_hash_merge(&total, &part);
        }
        all_same &= ds_hash_final(&total, N) == whole;
    }
    CHECK_MSG(all_same, "the content hash depends on how the bytes were cut");
    b[N / 2] ^= 1;
    CHECK(hash_of(b, N) != whole);
    b[N / 2] ^= 1;
    CHECK(hash_of(b, N - 1) != whole);
}

/* An entry made right after its source changed is racy: even with a key
 * that matches (a change within the timestamps' granularity), the content
 * must match too. */
static void test_racy_entry_checks_content(void)
{
    const char *orig = "label,a,b\n0,1,2\n1,3,4\n";
    write_text_file(csv_path, orig);
    bool cached;
    lrf_dataset_destroy(load(&cached));
    struct stat sb;
    stat(csv_path, &sb);
    struct ds_source_key key = ds_source_key_of(&sb);
    struct lrf_dataset_options o = cache_opts();
    char cpath[4096], okey[DS_OPTIONS_KEY_MAX];
    CHECK(lrf_dataset_cache_path(csv_path, &o, cpath, sizeof cpath, NULL) == LRF_OK);
    ds_options_key(&o, okey, sizeof okey);
    struct lrf_dataset *ds = NULL;
    CHECK(ds_cache_read(cpath, csv_path, &key, okey, &ds) == LRF_OK);
    lrf_dataset_destroy(ds);
    ds = NULL;
    write_text_file(csv_path, "label,a,b\n0,1,2\n1,3,5\n"); /* as if its timestamps had not moved */
    CHECK_MSG(ds_cache_read(cpath, csv_path, &key, okey, &ds) != LRF_OK,
              "a racy entry was served without checking the content");
    lrf_dataset_destroy(ds);
    ds = NULL;
    write_text_file(csv_path, orig);
    CHECK(ds_cache_read(cpath, csv_path, &key, okey, &ds) == LRF_OK);
    lrf_dataset_destroy(ds);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(csv_path, sizeof csv_path, "%s/data.csv", tmpdir);
    snprintf(cache_dir, sizeof cache_dir, "%s/cache/lrfind", tmpdir);
    test_same_size_rewrite_restored_mtime();
    test_digit_edited_in_place();
    test_hash_split_invariant();
    test_racy_entry_checks_content();
    remove_tree(tmpdir);
    return check_summary();
}
