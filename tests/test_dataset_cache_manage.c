/* The cache directory as a whole (issue 15 item 8): its size cap evicts the least recently
 * used entries (a hit counts as a use) and never writes an entry larger than the cap; list
 * names every entry with its CSV; clean removes the cache's own files and nothing else — not
 * a symlink planted in it (nor its target), not a subdirectory, not foreign files, not a
 * live writer's temporary — and refuses a cache directory that is itself a symlink. */
#define _POSIX_C_SOURCE 200809L
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

static char tmpdir[] = "/tmp/lrf_test_cache_manage_XXXXXX";
static char cache_dir[600];

static const char *path_in(const char *name)
{
    return path_under(tmpdir, name);
}

/* A CSV of rows x 4 numbers (the entry grows with rows); its path, kept for the test. */
static const char *write_csv(const char *name, int rows)
{
    static char paths[16][700];
    static int next;
    char *path = paths[next++ % 16];
    snprintf(path, 700, "%s", path_in(name));
    FILE *f = fopen(path, "wb");
    fputs("a,b,c,d,label\n", f);
    for (int i = 0; i < rows; i++)
        fprintf(f, "%d.5,%d,%d,%d,%d\n", i % 97, i % 13, i % 7, i % 3, i % 2);
    fclose(f);
    return path;
}

static struct lrf_dataset_options opts(uint64_t cap)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.cache_dir = cache_dir;
    o.cache_max_bytes = cap;
    return o;
}

/* Loads path; -1 on failure, else from_cache. */
static int load(const char *path, uint64_t cap)
{
    struct lrf_dataset_options o = opts(cap);
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_load_csv(path, &o, &ds, &err) != LRF_OK)
        return -1;
    int hit = lrf_dataset_from_cache(ds);
    lrf_dataset_destroy(ds);
    return hit;
}

static char entry_of_buf[700];
static const char *entry_of(const char *csv)
{
    struct lrf_dataset_options o = opts(0);
    lrf_dataset_cache_path(csv, &o, entry_of_buf, sizeof entry_of_buf, NULL);
    return entry_of_buf;
}

/* Sets a file's access time to `ago` seconds before now (deterministic LRU order). */
static void set_used(const char *path, long ago)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct timespec t[2] = {{.tv_sec = now.tv_sec - ago}, {.tv_nsec = UTIME_OMIT}};
    utimensat(AT_FDCWD, path, t, 0);
}

static bool exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

static size_t listed(struct lrf_dataset_cache_entry **e)
{
    struct lrf_dataset_options o = opts(0);
    size_t n = 0;
    struct lrf_error err;
    CHECK_MSG(lrf_dataset_cache_list(&o, e, &n, &err) == LRF_OK, "%s", err.message);
    return n;
}

static void test_list_and_lru(void)
{
    struct lrf_dataset_cache_entry *e = NULL;
    CHECK(listed(&e) == 0 && e == NULL); /* no directory yet: nothing */
    const char *a = write_csv("a.csv", 2000), *b = write_csv("b.csv", 2000);
    const char *c = write_csv("c.csv", 2000);
    CHECK(load(a, 0) == 0 && load(b, 0) == 0 && load(c, 0) == 0);
    size_t n = listed(&e);
    CHECK(n == 3);
    uint64_t entry_bytes = n ? e[0].bytes : 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(e[i].valid && e[i].current && !e[i].temporary && e[i].rows == 2000 &&
              e[i].features == 4);
        CHECK(e[i].source[0] == '/' && strstr(e[i].source, tmpdir) != NULL);
    }
    free(e);
    /* Used long ago: a, then b, then c; a hit on a makes it the most recent. */
    set_used(entry_of(a), 300);
    set_used(entry_of(b), 200);
    set_used(entry_of(c), 100);
    CHECK(load(a, 0) == 1);
    n = listed(&e);
    CHECK(n == 3 && strcmp(e[n - 1].source, e[0].source) != 0);
    CHECK(n == 3 && strstr(e[0].source, "/b.csv") && strstr(e[n - 1].source, "/a.csv"));
    free(e);
    /* Room for three entries: a fourth evicts the least recently used (b). */
    const char *d = write_csv("d.csv", 2000);
    CHECK(load(d, 3 * entry_bytes + entry_bytes / 2) == 0);
    CHECK(!exists(entry_of(b)) && exists(entry_of(a)) && exists(entry_of(c)));
    CHECK(exists(entry_of(d)));
    CHECK(load(b, 0) == 0); /* parsed again, and cached again */
    /* An entry larger than the cap is not written (and evicts nothing). */
    const char *big = write_csv("big.csv", 20000);
    CHECK(load(big, entry_bytes) == 0 && load(big, entry_bytes) == 0);
    CHECK(!exists(entry_of(big)));
    CHECK(exists(entry_of(a)));
    /* $LRFIND_CACHE_MAX when the option leaves it at 0. */
    setenv("LRFIND_CACHE_MAX", "1.5K", 1);
    struct lrf_dataset_options o = opts(0);
    CHECK(lrf_dataset_cache_max(&o) == 1536);
    setenv("LRFIND_CACHE_MAX", "bogus", 1);
    CHECK(lrf_dataset_cache_max(&o) == LRF_DATASET_CACHE_MAX_DEFAULT);
    unsetenv("LRFIND_CACHE_MAX");
}

static void test_parse(void)
{
    uint64_t v = 0;
    CHECK(lrf_dataset_cache_max_parse("500M", &v, NULL) == LRF_OK && v == 500ull << 20);
    CHECK(lrf_dataset_cache_max_parse("2GiB", &v, NULL) == LRF_OK && v == 2ull << 30);
    CHECK(lrf_dataset_cache_max_parse("1gb", &v, NULL) == LRF_OK && v == 1ull << 30);
    CHECK(lrf_dataset_cache_max_parse("4096", &v, NULL) == LRF_OK && v == 4096);
    CHECK(lrf_dataset_cache_max_parse("0", &v, NULL) == LRF_OK && v == 0);
    struct lrf_error err;
    CHECK(lrf_dataset_cache_max_parse("-1G", &v, &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "'-1G'") != NULL);
    CHECK(lrf_dataset_cache_max_parse("12X", &v, NULL) == LRF_ERR_INVALID_ARG);
    CHECK(lrf_dataset_cache_max_parse("", &v, NULL) == LRF_ERR_INVALID_ARG);
    CHECK(lrf_dataset_cache_max_parse("1e30", &v, NULL) == LRF_ERR_INVALID_ARG);
}

/* A pid that is certainly dead: a child that exited and was reaped. */
static long dead_pid(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return (long)pid;
}

/* Plants in the cache directory what clean must leave alone: a symlink named like an entry
 * pointing outside, a symlink to an outside directory, a subdirectory named like an entry
 * holding a file, foreign files, a live writer's temporary (its path into live); and a dead
 * writer's temporary, which clean removes. */
static void plant(char *live, size_t size)
{
    const char *victim = write_csv("victim.csv", 3);
    const char *outside_dir = path_in("outside");
    mkdir(outside_dir, 0700);
    write_text_file(path_in("outside/keep.lrfds"), "x");
    char p[800];
    snprintf(p, sizeof p, "%s/aaaaaaaaaaaaaaaa.lrfds", cache_dir);
    CHECK(symlink(victim, p) == 0);
    snprintf(p, sizeof p, "%s/link", cache_dir);
    CHECK(symlink(outside_dir, p) == 0);
    snprintf(p, sizeof p, "%s/bbbbbbbbbbbbbbbb.lrfds", cache_dir);
    CHECK(mkdir(p, 0700) == 0);
    snprintf(p, sizeof p, "%s/bbbbbbbbbbbbbbbb.lrfds/cccccccccccccccc.lrfds", cache_dir);
    write_text_file(p, "inner");
    snprintf(p, sizeof p, "%s/notes.txt", cache_dir);
    write_text_file(p, "mine");
    snprintf(p, sizeof p, "%s/0123456789abcdef.lrfds.bak", cache_dir);
    write_text_file(p, "mine too");
    snprintf(p, sizeof p, "%s/.0123456789abcdef.lrfds.%ld.00000001.tmp", cache_dir, dead_pid());
    write_text_file(p, "dead writer");
    snprintf(live, size, "%s/.0123456789abcdef.lrfds.%ld.00000002.tmp", cache_dir, (long)getpid());
    write_text_file(live, "live writer");
}

static void test_clean(void)
{
    char live[800], p[800], victim[700], outside_dir[700];
    plant(live, sizeof live);
    snprintf(victim, sizeof victim, "%s", path_in("victim.csv"));
    snprintf(outside_dir, sizeof outside_dir, "%s", path_in("outside"));
    /* --stale: only what is of no use (the changed source's entry, the dead temporary). */
    const char *a = write_csv("a.csv", 1999); /* changed since it was cached */
    struct lrf_dataset_options o = opts(0);
    size_t files = 0;
    uint64_t bytes = 0;
    struct lrf_error err;
    CHECK(lrf_dataset_cache_clean(&o, false, &files, &bytes, &err) == LRF_OK);
    CHECK_MSG(files == 2 && bytes > 0, "stale: %zu files", files);
    CHECK(!exists(entry_of(a)) && exists(entry_of(path_in("c.csv"))));
    /* All: every entry; then only the planted things and the live temporary are left. */
    CHECK(lrf_dataset_cache_clean(&o, true, &files, &bytes, &err) == LRF_OK);
    CHECK_MSG(files == 3, "all: %zu files", files); /* c, d, b */
    struct lrf_dataset_cache_entry *e = NULL;
    CHECK(listed(&e) == 1 && e && e[0].temporary);
    free(e);
    CHECK(exists(victim) && exists(path_in("outside/keep.lrfds")));
    snprintf(p, sizeof p, "%s/aaaaaaaaaaaaaaaa.lrfds", cache_dir);
    CHECK(exists(p)); /* the symlink itself stays too: not a cache file */
    snprintf(p, sizeof p, "%s/bbbbbbbbbbbbbbbb.lrfds/cccccccccccccccc.lrfds", cache_dir);
    CHECK(exists(p));
    snprintf(p, sizeof p, "%s/notes.txt", cache_dir);
    CHECK(exists(p));
    snprintf(p, sizeof p, "%s/0123456789abcdef.lrfds.bak", cache_dir);
    CHECK(exists(p));
    CHECK(exists(live));

    /* A cache directory that is itself a symlink is refused, its target untouched. */
    struct lrf_dataset_options s = lrf_dataset_options_default();
    char linked[800];
    snprintf(linked, sizeof linked, "%s/linked-cache", tmpdir);
    CHECK(symlink(outside_dir, linked) == 0);
    s.cache_dir = linked;
    CHECK(lrf_dataset_cache_clean(&s, true, &files, NULL, &err) == LRF_ERR_IO);
    CHECK(strstr(err.message, "symlink") != NULL);
    CHECK(exists(path_in("outside/keep.lrfds")));
    /* One writable by others, too. */
    chmod(cache_dir, 0777);
    CHECK(lrf_dataset_cache_clean(&o, true, &files, NULL, &err) == LRF_ERR_IO);
    chmod(cache_dir, 0700);
    CHECK(exists(live));
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(cache_dir, sizeof cache_dir, "%s/cache/lrfind", tmpdir);
    test_parse();
    test_list_and_lru();
    test_clean();
    remove_tree(tmpdir);
    return check_summary();
}
