/* lrfind cache list|clean: the parsed-CSV cache in $XDG_CACHE_HOME/lrfind (else
 * ~/.cache/lrfind), capped at LRFIND_CACHE_MAX (default 1 GiB, least recently used entries
 * removed first). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "lrf/atomic_file.h"
#include "lrf/dataset.h"

void cli_cache_usage(void)
{
    fputs("Usage: lrfind cache list\n"
          "       lrfind cache clean [--stale]\n"
          "The cache of parsed CSV files: $XDG_CACHE_HOME/lrfind (else ~/.cache/lrfind), one\n"
          "entry per file and parse options, files 0600 in a 0700 directory. Its entries take\n"
          "at most LRFIND_CACHE_MAX bytes together (default 1G; e.g. 500M, 4G; 0 keeps\n"
          "nothing): a new entry first removes the least recently used. --no-cache skips it.\n"
          "\n"
          "  list             every entry: last used, size, rows x features, its CSV\n"
          "  clean            remove every entry (and temporaries of writers that died)\n"
          "      --stale      only entries of no more use: their CSV changed or is gone,\n"
          "                   or they are unreadable or from another lrfind version\n"
          "  -h, --help       show this help and exit\n"
          "\n"
          "clean removes only the cache's own files (its names, regular files, this user's)\n"
          "directly in that directory; it follows no symlink.\n",
          stdout);
}

static double mib(uint64_t bytes)
{
    return (double)bytes / (1024.0 * 1024.0);
}

/* "340 KiB", "12.3 MiB", "1.5 GiB". */
static const char *size_text(uint64_t bytes, char *buf, size_t size)
{
    if (bytes < 1024 * 1024)
        snprintf(buf, size, "%.0f KiB", (double)bytes / 1024.0);
    else if (bytes < (uint64_t)1 << 30)
        snprintf(buf, size, "%.1f MiB", mib(bytes));
    else
        snprintf(buf, size, "%.2f GiB", mib(bytes) / 1024.0);
    return buf;
}

void cli_cache_env_check(void)
{
    const char *cap = getenv("LRFIND_CACHE_MAX");
    struct lrf_error err;
    uint64_t bytes;
    if (cap && lrf_dataset_cache_max_parse(cap, &bytes, &err) != LRF_OK)
        cli_errorf("warning: LRFIND_CACHE_MAX: %s; the cache keeps at most the default %.0f MiB",
                   err.message, mib(LRF_DATASET_CACHE_MAX_DEFAULT));
}

static const char *entry_note(const struct lrf_dataset_cache_entry *e)
{
    if (e->temporary)
        return "(a writer's temporary file)";
    if (!e->valid)
        return "(unreadable, or from another lrfind version: clean --stale removes it)";
    return e->current ? "" : "(the CSV changed or is gone: clean --stale removes it)";
}

static int list(const struct lrf_dataset_options *opt)
{
    char dir[LRF_PATH_MAX];
    struct lrf_error err;
    struct lrf_dataset_cache_entry *e = NULL;
    size_t n = 0;
    if (lrf_dataset_cache_dir(opt, dir, sizeof dir, &err) != LRF_OK ||
        lrf_dataset_cache_list(opt, &e, &n, &err) != LRF_OK)
        return cli_fail(&err);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += e[i].bytes;
    char used[32], cap[32], size[32];
    printf("cache: %s: %zu file%s, %s of at most %s (LRFIND_CACHE_MAX sets it)\n", dir, n,
           n == 1 ? "" : "s", size_text(total, used, sizeof used),
           size_text(lrf_dataset_cache_max(opt), cap, sizeof cap));
    if (n)
        printf("%-16s  %10s  %-16s  %s\n", "last used", "size", "rows x features", "CSV");
    for (size_t i = n; i-- > 0;) { /* most recently used first */
        char when[32], shape[48];
        time_t t = (time_t)(e[i].last_used_ns / 1000000000);
        struct tm tm;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime_r(&t, &tm));
        snprintf(shape, sizeof shape, "%llu x %llu", (unsigned long long)e[i].rows,
                 (unsigned long long)e[i].features);
        printf("%-16s  %10s  %-16s  %s %s\n", when, size_text(e[i].bytes, size, sizeof size),
               e[i].valid ? shape : "-", e[i].source[0] ? e[i].source : e[i].name,
               entry_note(&e[i]));
    }
    free(e);
    return cli_close_stdout(CLI_EXIT_OK);
}

static int clean(const struct lrf_dataset_options *opt, bool stale)
{
    char dir[LRF_PATH_MAX];
    struct lrf_error err;
    size_t files = 0;
    uint64_t bytes = 0;
    if (lrf_dataset_cache_dir(opt, dir, sizeof dir, &err) != LRF_OK ||
        lrf_dataset_cache_clean(opt, !stale, &files, &bytes, &err) != LRF_OK)
        return cli_fail(&err);
    char freed[32];
    printf("cache: %s: removed %zu file%s, %s\n", dir, files, files == 1 ? "" : "s",
           size_text(bytes, freed, sizeof freed));
    return cli_close_stdout(CLI_EXIT_OK);
}

int cli_cmd_cache(int argc, char **argv)
{
    enum { OPT_STALE = 256 };
    static const struct option longopts[] = {
        {"stale", no_argument, NULL, OPT_STALE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool stale = false;
    opterr = 0;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1;) {
        if (c == 'h')
            return CLI_EXIT_HELP;
        if (c != OPT_STALE)
            return cli_option_error(c, argv);
        stale = true;
    }
    const char *action = optind < argc ? argv[optind] : NULL;
    if (!action)
        return cli_usage_error("cache: expected 'list' or 'clean'");
    if (strcmp(action, "list") && strcmp(action, "clean"))
        return cli_usage_error("cache: expected 'list' or 'clean', got '%s'", action);
    if (optind + 1 < argc)
        return cli_usage_error("unexpected argument '%s'", argv[optind + 1]);
    if (stale && strcmp(action, "clean"))
        return cli_usage_error("--stale goes with 'clean'");
    cli_cache_env_check();
    struct lrf_dataset_options opt = lrf_dataset_options_default();
    return !strcmp(action, "list") ? list(&opt) : clean(&opt, stale);
}
