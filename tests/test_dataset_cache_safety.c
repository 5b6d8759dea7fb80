/* The cache as a security boundary (issue 10 items 8-10): files 0600 in 0700
 * directories; entries or directories owned by someone else or writable by
 * others are never used; temporary files of writers that died are removed by
 * the next process; an interrupted load leaves no entry and no temporary. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dataset_files.h"
#include "lrf/dataset.h"

static char tmpdir[] = "/tmp/lrf_test_cache_safety_XXXXXX";
static char src_dir[600], csv_path[700], cache_root[600], cache_dir[700];

static struct lrf_dataset_options cache_opts(void)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.cache_dir = cache_dir;
    return o;
}

/* Loads csv_path with the cache; -1 on failure, else from_cache. */
static int load_cached(const struct lrf_dataset_options *o)
{
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_load_csv(csv_path, o, &ds, &err) != LRF_OK)
        return -1;
    int cached = lrf_dataset_from_cache(ds);
    lrf_dataset_destroy(ds);
    return cached;
}

static int load_default(void)
{
    struct lrf_dataset_options o = cache_opts();
    return load_cached(&o);
}

static unsigned mode_of(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (unsigned)(sb.st_mode & 07777) : 0;
}

static void test_modes(void)
{
    /* A private file in a private directory stays private in the cache. */
    CHECK(chmod(src_dir, 0700) == 0 && chmod(csv_path, 0600) == 0);
    CHECK(load_default() == 0);
    char cpath[4096];
    struct lrf_dataset_options o = cache_opts();
    lrf_dataset_cache_path(csv_path, &o, cpath, sizeof cpath, NULL);
    CHECK_MSG(mode_of(cpath) == 0600, "cache file mode %o, want 600", mode_of(cpath));
    CHECK_MSG(mode_of(cache_dir) == 0700, "cache dir mode %o, want 700", mode_of(cache_dir));
    CHECK_MSG(mode_of(cache_root) == 0700, "created parent mode %o, want 700", mode_of(cache_root));
    CHECK(load_default() == 1);
}

static void test_refused(void)
{
    char cpath[4096];
    struct lrf_dataset_options o = cache_opts();
    lrf_dataset_cache_path(csv_path, &o, cpath, sizeof cpath, NULL);
    CHECK(load_default() >= 0 && load_default() == 1);
    /* An entry others may write: not trusted (then rewritten as ours). */
    CHECK(chmod(cpath, 0666) == 0);
    CHECK_MSG(load_default() == 0, "a world-writable cache entry was trusted");
    CHECK(mode_of(cpath) == 0600 && load_default() == 1);
    CHECK(chmod(cpath, 0620) == 0);
    CHECK_MSG(load_default() == 0, "a group-writable cache entry was trusted");
    /* A directory others may write: neither read nor written. */
    CHECK(load_default() == 1 && chmod(cache_dir, 0777) == 0);
    CHECK_MSG(load_default() == 0, "an entry in a world-writable directory was trusted");
    CHECK(chmod(cache_dir, 0700) == 0 && load_default() == 1);
    if (geteuid() == 0) { /* only root can give a file away */
        CHECK(chown(cpath, 4321, (gid_t)-1) == 0);
        CHECK_MSG(load_default() == 0, "an entry owned by another user was trusted");
        CHECK(load_default() == 1);
        CHECK(chown(cache_dir, 4321, (gid_t)-1) == 0);
        CHECK_MSG(load_default() == 0, "a directory owned by another user was trusted");
        CHECK(chown(cache_dir, 0, (gid_t)-1) == 0);
    }
}

static pid_t dead_pid(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return pid; /* reaped: no process has it (reuse this soon is unlikely) */
}

static void test_stale_temporaries(void)
{
    char dead[1000], live[1000], legacy[1000];
    snprintf(dead, sizeof dead, "%s/.0123456789abcdef.lrfds.%ld.deadbeef.tmp", cache_dir,
             (long)dead_pid());
    snprintf(live, sizeof live, "%s/.0123456789abcdef.lrfds.%ld.cafebabe.tmp", cache_dir,
             (long)getpid());
    snprintf(legacy, sizeof legacy, "%s/0123456789abcdef.lrfds.tmp.AbCdEf", cache_dir);
    write_text_file(dead, "partial");
    write_text_file(live, "partial");
    write_text_file(legacy, "partial");
    struct timespec old[2] = {{time(NULL) - 7200, 0}, {time(NULL) - 7200, 0}};
    utimensat(AT_FDCWD, legacy, old, 0);
    CHECK(load_default() == 1); /* a cache hit cleans up too */
    CHECK_MSG(access(dead, F_OK) != 0, "a dead writer's temporary file was left behind");
    CHECK_MSG(access(legacy, F_OK) != 0, "an old temporary file was left behind");
    CHECK_MSG(access(live, F_OK) == 0, "a live writer's temporary file was removed");
    unlink(live);
}

static bool always(void *ctx)
{
    (void)ctx;
    return true;
}

/* Interrupted loads, small (read whole) and large (streamed): no entry, no temporary. */
static void test_interrupted(void)
{
    char big[800];
    snprintf(big, sizeof big, "%s/big.csv", src_dir);
    FILE *f = fopen(big, "wb");
    fputs("label,a,b,c\n", f);
    for (int i = 0; i < 150000; i++)
        fprintf(f, "%d,%d,%d,%d\n", i % 3, i % 251, (i * 7) % 256, (i * 13) % 256);
    fclose(f);
    const char *paths[] = {csv_path, big};
    for (int k = 0; k < 2; k++) {
        struct lrf_dataset_options o = cache_opts();
        o.interrupted = always;
        char cpath[4096];
        lrf_dataset_cache_path(paths[k], &o, cpath, sizeof cpath, NULL);
        unlink(cpath);
        struct lrf_dataset *ds = NULL;
        struct lrf_error err;
        CHECK(lrf_dataset_load_csv(paths[k], &o, &ds, &err) == LRF_ERR_INTERRUPTED);
        CHECK(ds == NULL && err.status == LRF_ERR_INTERRUPTED);
        CHECK_MSG(access(cpath, F_OK) != 0, "an interrupted load left a cache entry");
        CHECK_MSG(count_dir_entries(cache_dir, ".tmp") == 0,
                  "an interrupted load left a temporary file");
    }
}

int main(void)
{
    umask(022);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(src_dir, sizeof src_dir, "%s/private", tmpdir);
    snprintf(csv_path, sizeof csv_path, "%s/data.csv", src_dir);
    snprintf(cache_root, sizeof cache_root, "%s/xdg", tmpdir);
    snprintf(cache_dir, sizeof cache_dir, "%s/lrfind", cache_root);
    mkdir(src_dir, 0700);
    write_text_file(csv_path, "label,a,b\n0,1,2\n1,3,4\n2,5,6\n");
    test_modes();
    test_refused();
    test_stale_temporaries();
    test_interrupted();
    remove_tree(tmpdir);
    return check_summary();
}
