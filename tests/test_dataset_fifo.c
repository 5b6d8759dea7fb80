/* Non-regular files as data (issue 10 item 4): a FIFO nobody writes to must
 * not hang the loader (it waits interruptibly, and the interrupt poll ends
 * it); a FIFO with a writer is read as a stream and never cached; a device
 * is refused without being opened. Each case runs in a child process with an
 * alarm, so a regression fails instead of hanging the suite. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dataset_files.h"
#include "lrf/dataset.h"

/* Longest a case may take before it counts as a hang. */
enum { HANG_SECONDS = 20 };

static char tmpdir[] = "/tmp/lrf_test_fifo_XXXXXX";
static char fifo[600], cache_dir[600];

static bool third_poll(void *ctx)
{
    int *n = ctx;
    return ++*n >= 3;
}

/* Runs fn in a child with an alarm; its exit status (128+signal if killed). */
static int in_child(int (*fn)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        alarm(HANG_SECONDS);
        _exit(fn());
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int load_fifo_without_writer(void)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.cache_dir = cache_dir;
    int polls = 0;
    o.interrupted = third_poll;
    o.interrupt_ctx = &polls;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    enum lrf_status st = lrf_dataset_load_csv(fifo, &o, &ds, &err);
    lrf_dataset_destroy(ds);
    return st == LRF_ERR_INTERRUPTED ? 0 : 1;
}

static int load_device(void)
{
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    enum lrf_status st = lrf_dataset_load_csv("/dev/null", NULL, &ds, &err);
    return st == LRF_ERR_IO && strstr(err.message, "not a regular file") ? 0 : 1;
}

static void test_fifo_with_writer(void)
{
    pid_t writer = fork();
    if (writer == 0) {
        int fd = open(fifo, O_WRONLY); /* waits for the reader */
        const char text[] = "a,b,label\n1,2,x\n3,4,y\n5,6,x\n";
        ssize_t n = fd >= 0 ? write(fd, text, sizeof text - 1) : -1;
        _exit(n == (ssize_t)(sizeof text - 1) ? 0 : 1);
    }
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.cache_dir = cache_dir;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    alarm(HANG_SECONDS);
    CHECK(lrf_dataset_load_csv(fifo, &o, &ds, &err) == LRF_OK);
    alarm(0);
    CHECK(ds && lrf_dataset_rows(ds) == 3 && lrf_dataset_classes(ds) == 2);
    CHECK(ds && !lrf_dataset_from_cache(ds));
    CHECK_MSG(count_dir_entries(cache_dir, NULL) == 0, "a stream was cached");
    lrf_dataset_destroy(ds);
    int status;
    waitpid(writer, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(fifo, sizeof fifo, "%s/data.csv", tmpdir);
    snprintf(cache_dir, sizeof cache_dir, "%s/cache", tmpdir);
    CHECK(mkfifo(fifo, 0600) == 0);
    int r = in_child(load_fifo_without_writer);
    CHECK_MSG(r == 0, "a FIFO without a writer: %s",
              r == 128 + SIGALRM ? "hung" : "not stopped by the interrupt poll");
    r = in_child(load_device);
    CHECK_MSG(r == 0, "a device as data: %s", r == 128 + SIGALRM ? "hung" : "not refused");
    test_fifo_with_writer();
    remove_tree(tmpdir);
    return check_summary();
}
