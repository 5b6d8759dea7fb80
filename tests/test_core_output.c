/* The atomic writer decides per target type (issue 10 item 1): a regular or missing
 * file is replaced through a temporary file; a character device or FIFO is written
 * straight to, never replaced, and its write errors (ENOSPC) are reported; a symlink is
 * written through, the link kept; a directory, a dangling link and "" are refused, by
 * lrf_output_check before any work as by lrf_atomic_open. */
#define _XOPEN_SOURCE 700
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "check.h"
#include "lrf/atomic_file.h"

static char dir[] = "/tmp/lrf_test_output_XXXXXX";

static const char *in_dir(const char *name)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static enum lrf_status write_text(const char *path, const char *text, struct lrf_error *err)
{
    struct lrf_atomic_file af;
    enum lrf_status st = lrf_atomic_open(&af, path, err);
    if (st != LRF_OK)
        return st;
    fputs(text, af.fp);
    return lrf_atomic_commit(&af, err);
}

static void read_text(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

static mode_t type_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0;
}

/* A character device: a private node (in our directory) of the system's device when we
 * may make one, which is as root, where a writer that renames over its target would
 * replace the system's /dev node itself; else the system's node, which a non-root
 * writer cannot replace. */
static const char *device(const char *name, unsigned minor, const char *system_node)
{
    const char *path = in_dir(name);
    return mknod(path, S_IFCHR | 0666, makedev(1, minor)) == 0 ? path : system_node;
}

static void test_device(void)
{
    struct lrf_error err;
    const char *full = device("full", 7, "/dev/full"); /* every write fails: ENOSPC */
    CHECK(lrf_output_check(full, &err) == LRF_OK);
    char big[1 << 16];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK(write_text(full, big, &err) == LRF_ERR_IO);
    CHECK_MSG(strstr(err.message, "No space left") != NULL, "%s", err.message);
    CHECK(type_of(full) == S_IFCHR); /* still the device */
    const char *null = device("null", 3, "/dev/null");
    CHECK(write_text(null, "nothing\n", &err) == LRF_OK);
    CHECK(type_of(null) == S_IFCHR);
}

static void *drain_fifo(void *path)
{
    static char got[256];
    read_text(path, got, sizeof got);
    return got;
}

static void test_fifo(void)
{
    const char *fifo = in_dir("fifo");
    CHECK(mkfifo(fifo, 0600) == 0);
    struct lrf_error err;
    CHECK(lrf_output_check(fifo, &err) == LRF_OK);
    pthread_t reader;
    CHECK(pthread_create(&reader, NULL, drain_fifo, (void *)fifo) == 0);
    CHECK(write_text(fifo, "through the pipe\n", &err) == LRF_OK);
    void *got = NULL;
    pthread_join(reader, &got);
    CHECK_STR(got, "through the pipe\n");
    CHECK(type_of(fifo) == S_IFIFO); /* not replaced by a regular file */
}

static void test_symlink(void)
{
    const char *target = in_dir("target.csv"), *link = in_dir("link.csv");
    struct lrf_error err;
    CHECK(write_text(target, "old\n", &err) == LRF_OK);
    CHECK(chmod(target, 0640) == 0);
    CHECK(symlink("target.csv", link) == 0);
    CHECK(write_text(link, "new\n", &err) == LRF_OK);
    CHECK(type_of(link) == S_IFLNK); /* the link is kept ... */
    char text[64];
    read_text(target, text, sizeof text);
    CHECK_STR(text, "new\n"); /* ... and its target replaced */
    struct stat st;
    CHECK(stat(target, &st) == 0 && (st.st_mode & 07777) == 0640); /* its mode kept */
    const char *dangling = in_dir("dangling.csv");
    CHECK(symlink("nowhere.csv", dangling) == 0);
    CHECK(lrf_output_check(dangling, &err) == LRF_ERR_INVALID_ARG);
    CHECK(write_text(dangling, "x\n", &err) == LRF_ERR_INVALID_ARG);
    CHECK(type_of(in_dir("nowhere.csv")) == 0);
}

static void test_refused(void)
{
    struct lrf_error err;
    CHECK(lrf_output_check("", &err) == LRF_ERR_INVALID_ARG);
    CHECK(write_text("", "x", &err) == LRF_ERR_INVALID_ARG);
    CHECK(lrf_output_check(dir, &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "directory") != NULL);
    CHECK(write_text(dir, "x", &err) == LRF_ERR_INVALID_ARG);
    CHECK(type_of(dir) == S_IFDIR);
    CHECK(lrf_output_check(in_dir("no/such/dir/x.csv"), &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "no such directory") != NULL);
    CHECK(lrf_output_check(in_dir("new.csv"), &err) == LRF_OK); /* missing: fine */
    CHECK(lrf_output_check("-", &err) == LRF_OK);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_device();
    test_fifo();
    test_symlink();
    test_refused();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return check_summary();
}
