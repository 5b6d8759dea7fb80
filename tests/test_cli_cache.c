/* lrfind cache list|clean (issue 15 item 8): the directory ($XDG_CACHE_HOME/lrfind), each
 * entry with its CSV, the cap from LRFIND_CACHE_MAX, clean and clean --stale, a symlink
 * planted in the directory surviving clean with its target, usage errors. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cli_run.h"

static const char *write_csv(const char *name, int rows)
{
    const char *path = cli_path(name);
    FILE *f = fopen(path, "wb");
    fputs("x1,x2,label\n", f);
    for (int i = 0; i < rows; i++)
        fprintf(f, "%d.25,%d,%s\n", i % 17, i % 5, i % 3 ? "yes" : "no");
    fclose(f);
    return path;
}

static bool exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

int main(void)
{
    cli_run_init("test_cli_cache");
    char dir[CLI_RUN_PATH_MAX + 16], args[2048], want[2048];
    snprintf(dir, sizeof dir, "%s/cache/lrfind", cli_tmpdir);

    CHECK(cli_run("cache list") == 0);
    snprintf(want, sizeof want, "cache: %s: 0 files, 0 KiB of at most 1.00 GiB", dir);
    CHECK_MSG(strstr(cli_out, want) != NULL, "%s", cli_out);

    char a[CLI_RUN_PATH_MAX], b[CLI_RUN_PATH_MAX];
    snprintf(a, sizeof a, "%s", write_csv("a.csv", 300));
    snprintf(b, sizeof b, "%s", write_csv("b.csv", 200));
    snprintf(args, sizeof args, "inspect --data '%s'", a);
    CHECK(cli_run(args) == 0);
    snprintf(args, sizeof args, "inspect --data '%s'", b);
    CHECK(cli_run(args) == 0);
    CHECK(cli_run_env("LRFIND_CACHE_MAX=500M", "cache list") == 0);
    CHECK(strstr(cli_out, ": 2 files, ") && strstr(cli_out, "of at most 500.0 MiB"));
    CHECK(strstr(cli_out, "rows x features") != NULL);
    snprintf(want, sizeof want, "  300 x 2           %s \n", a);
    CHECK_MSG(strstr(cli_out, want) != NULL, "%s", cli_out);
    /* most recently used first */
    CHECK(strstr(cli_out, b) && strstr(cli_out, a) && strstr(cli_out, b) < strstr(cli_out, a));

    /* A planted symlink named like an entry, pointing at a file outside. */
    char planted[CLI_RUN_PATH_MAX + 64];
    snprintf(planted, sizeof planted, "%s/ffffffffffffffff.lrfds", dir);
    CHECK(symlink(a, planted) == 0);
    /* --stale: only b, whose CSV changed. */
    write_csv("b.csv", 201);
    CHECK(cli_run("cache list") == 0);
    CHECK(strstr(cli_out, "(the CSV changed or is gone") != NULL);
    CHECK(cli_run("cache clean --stale") == 0);
    snprintf(want, sizeof want, "cache: %s: removed 1 file, ", dir);
    CHECK_MSG(strstr(cli_out, want) != NULL, "%s", cli_out);
    CHECK(cli_run("cache clean") == 0);
    CHECK(strstr(cli_out, "removed 1 file, ") != NULL);
    CHECK(cli_run("cache list") == 0 && strstr(cli_out, ": 0 files, ") != NULL);
    CHECK(exists(planted) && exists(a)); /* neither the symlink nor its target */

    /* A bad cap is said, and the default holds. */
    CHECK(cli_run_env("LRFIND_CACHE_MAX=lots", "cache list") == 0);
    CHECK(strstr(cli_err, "warning: LRFIND_CACHE_MAX: ") && strstr(cli_err, "'lots'"));
    CHECK(strstr(cli_out, "of at most 1.00 GiB") != NULL);
    snprintf(args, sizeof args, "inspect --data '%s'", a);
    CHECK(cli_run_env("LRFIND_CACHE_MAX=lots", args) == 0);
    CHECK(strstr(cli_err, "warning: LRFIND_CACHE_MAX") != NULL);
    /* LRFIND_CACHE_MAX=0 keeps nothing. */
    CHECK(cli_run("cache clean") == 0);
    CHECK(cli_run_env("LRFIND_CACHE_MAX=0", args) == 0);
    CHECK(cli_run("cache list") == 0 && strstr(cli_out, ": 0 files, ") != NULL);

    CHECK(cli_run("cache") == 2 && strstr(cli_err, "'list' or 'clean'") != NULL);
    CHECK(cli_run("cache purge") == 2 && strstr(cli_err, "'purge'") != NULL);
    CHECK(cli_run("cache list --stale") == 2);
    CHECK(cli_run("cache list extra") == 2);
    CHECK(cli_run("cache --help") == 0 && strstr(cli_out, "LRFIND_CACHE_MAX") != NULL);
    cli_run_cleanup();
    return check_summary();
}
