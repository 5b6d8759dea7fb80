/* Output paths (issue 10 item 1 and "Messages"): checked before any work, and written
 * as their type asks: a device or FIFO straight to it (never replaced; ENOSPC is an
 * error), a symlink through it, "-" to standard output. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "check.h"
#include "cli_run.h"

static char quick[CLI_RUN_PATH_MAX + 64];

static mode_t type_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0;
}

/* The quick range test with `option 'path'`. */
static int run_find(const char *option, const char *path)
{
    char args[4096];
    snprintf(args, sizeof args, "%s %s '%s'", quick, option, path);
    return cli_run(args);
}

/* Refused before the data is loaded: a usage error naming the option, no report. */
static void test_checked_before_work(void)
{
    CHECK(run_find("--curve", "") == 2);
    CHECK_MSG(strstr(cli_err, "--curve") && strstr(cli_err, "empty"), "%s", cli_err);
    CHECK(cli_out[0] == '\0');
    CHECK(run_find("--curve", cli_tmpdir) == 2);
    CHECK_MSG(strstr(cli_err, "is a directory") != NULL, "%s", cli_err);
    CHECK(cli_out[0] == '\0');
    CHECK(run_find("--curve", cli_path("no/such/dir/c.csv")) == 2);
    CHECK_MSG(strstr(cli_err, "no such directory") != NULL, "%s", cli_err);
    mkdir(cli_path("plots.png"), 0700);
    CHECK(run_find("--plot", cli_path("plots.png")) == 2);
    CHECK(strstr(cli_err, "--plot") != NULL && cli_out[0] == '\0');
    char args[1024];
    snprintf(args, sizeof args, "schedule 'cosine(T_max=4)' --steps 4 --plot '%s'",
             cli_path("plots.png"));
    CHECK(cli_run(args) == 2);
    CHECK(strstr(cli_err, "is a directory") != NULL && cli_out[0] == '\0');
}

static void test_device(void)
{
    /* A private node of /dev/full where we may make one (root), else /dev/full. */
    static char full[CLI_RUN_PATH_MAX]; /* cli_path's buffers are reused by cli_run */
    snprintf(full, sizeof full, "%s", cli_path("full"));
    if (mknod(full, S_IFCHR | 0666, makedev(1, 7)) != 0)
        snprintf(full, sizeof full, "%s", "/dev/full");
    CHECK(run_find("--curve", full) == 1);
    CHECK_MSG(strstr(cli_err, "No space left") != NULL, "%s", cli_err);
    CHECK(type_of(full) == S_IFCHR);
}

static void test_fifo_symlink_stdout(void)
{
    static char fifo[CLI_RUN_PATH_MAX];
    snprintf(fifo, sizeof fifo, "%s", cli_path("fifo"));
    CHECK(mkfifo(fifo, 0600) == 0);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cat '%s' > '%s' &", fifo, cli_path("from_fifo.csv"));
    CHECK(system(cmd) == 0);
    CHECK(run_find("--curve", fifo) == 0);
    CHECK(type_of(fifo) == S_IFIFO);
    int fd = open(fifo, O_WRONLY | O_NONBLOCK); /* a reader still waiting gets its EOF */
    if (fd >= 0)
        close(fd);
    static char text[1 << 16];
    for (int tries = 0; tries < 100 && !strstr(text, "lr,loss"); tries++) {
        /* the reader finishes after lrfind has closed the FIFO */
        nanosleep(&(struct timespec){0, 20000000}, NULL);
        cli_slurp(cli_path("from_fifo.csv"), text, sizeof text);
    }
    CHECK(strncmp(text, "lr,loss,smoothed\n", 17) == 0);

    cli_write_file(cli_path("target.csv"), "old\n");
    CHECK(symlink("target.csv", cli_path("link.csv")) == 0);
    CHECK(run_find("--curve", cli_path("link.csv")) == 0);
    CHECK(type_of(cli_path("link.csv")) == S_IFLNK);
    cli_slurp(cli_path("target.csv"), text, sizeof text);
    CHECK(strncmp(text, "lr,loss,smoothed\n", 17) == 0);

    CHECK(run_find("--curve", "-") == 0);
    CHECK(strstr(cli_out, "\nlr,loss,smoothed\n") != NULL);
}

int main(void)
{
    cli_run_init("test_cli_outputs");
    char csv[1 << 14];
    size_t n = (size_t)snprintf(csv, sizeof csv, "a,b,label\n");
    for (int i = 0; i < 300 && n < sizeof csv; i++)
        n += (size_t)snprintf(csv + n, sizeof csv - n, "%d,%d,%d\n", i % 13, (i * 7) % 11,
                              (i % 13 + (i * 7) % 11) % 3);
    cli_write_file(cli_path("tiny.csv"), csv);
    snprintf(quick, sizeof quick, "-q --iters 20 --data '%s'", cli_path("tiny.csv"));
    test_checked_before_work();
    test_device();
    test_fifo_symlink_stdout();
    cli_run_cleanup();
    return check_summary();
}
