/* Loading a large CSV on a terminal shows a progress bar with bytes and rows/s (issue 15
 * item 9): inspect and train, run under script(1) for a terminal; nothing without one, and
 * nothing for a cache hit. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli_run.h"

/* Runs lrfind ARGS on a pseudo-terminal; what the terminal showed goes to cli_out. */
static int run_on_tty(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "XDG_CACHE_HOME='%s/cache' script -q -e -c \"'%s' %s >/dev/null\" '%s/tty' "
             ">/dev/null 2>&1",
             cli_tmpdir, LRFIND_EXE, args, cli_tmpdir);
    int st = system(cmd);
    cli_slurp(cli_path("tty"), cli_out, sizeof cli_out);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* About 8 MiB of numbers. */
static const char *write_big(void)
{
    const char *path = cli_path("big.csv");
    FILE *f = fopen(path, "wb");
    fputs("a,b,c,d,e,f,label\n", f);
    for (unsigned i = 0; i < 400000; i++) {
        unsigned h = i * 2654435761u;
        fprintf(f, "%u,%u,%u,%u,%u.%u,%u,%u\n", h % 1000, (h >> 5) % 977, (h >> 9) % 100, i % 13,
                h % 7, h % 10, (h >> 11) % 50, (h >> 3) % 2);
    }
    fclose(f);
    return path;
}

int main(void)
{
    cli_run_init("test_cli_progress");
    if (system("script --version >/dev/null 2>&1") != 0) {
        check_skip("load progress", "script(1) is not installed");
        cli_run_cleanup();
        return check_summary();
    }
    const char *big = write_big();
    char args[1024];
    snprintf(args, sizeof args, "inspect --data '%s' --threads 1", big);
    CHECK(run_on_tty(args) == 0);
    CHECK_MSG(strstr(cli_out, "loading big.csv [") != NULL, "tty: %.300s", cli_out);
    CHECK(strstr(cli_out, " MiB, ") != NULL && strstr(cli_out, " rows/s") != NULL);
    CHECK(strstr(cli_out, "\r\033[K") != NULL); /* the bar clears its line */
    /* Cached now: nothing to show. */
    CHECK(run_on_tty(args) == 0);
    CHECK(strstr(cli_out, "loading big.csv") == NULL);
    /* train loads through the shared data options: the same bar. */
    snprintf(args, sizeof args,
             "train --data '%s' --no-cache --epochs 1 --model linear --batch 4096 --threads 1",
             big);
    CHECK(run_on_tty(args) == 0);
    CHECK_MSG(strstr(cli_out, "loading big.csv [") != NULL, "tty: %.300s", cli_out);
    /* Not a terminal: no bar. */
    snprintf(args, sizeof args, "inspect --data '%s' --no-cache", big);
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_err, "loading") == NULL);
    cli_run_cleanup();
    return check_summary();
}
