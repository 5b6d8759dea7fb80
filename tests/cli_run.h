/* Running the lrfind executable from a test: a private temporary directory
 * (also its XDG cache), captured stdout/stderr and the exit status. */
#ifndef LRF_TEST_CLI_RUN_H
#define LRF_TEST_CLI_RUN_H

#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CLI_RUN_DIR_MAX = 256, CLI_RUN_PATH_MAX = 600 };

static char cli_tmpdir[CLI_RUN_DIR_MAX]; /* short, so every path built from it fits */
static char cli_out[1 << 18], cli_err[1 << 14];

static inline void cli_slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

/* Creates the private directory named after the test. */
static inline void cli_run_init(const char *test_name)
{
    snprintf(cli_tmpdir, sizeof cli_tmpdir, "/tmp/lrf_%s_XXXXXX", test_name);
    if (!mkdtemp(cli_tmpdir)) {
        perror("mkdtemp");
        exit(1);
    }
}

/* "<tmpdir>/<name>" in one of a few rotating static buffers. */
static inline const char *cli_path(const char *name)
{
    static char paths[4][CLI_RUN_PATH_MAX];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, CLI_RUN_PATH_MAX, "%.255s/%.300s", cli_tmpdir, name);
    return p;
}

/* Runs `ENV lrfind ARGS` (shell syntax) with stdout/stderr captured into
 * cli_out/cli_err; returns the exit status (-1 if it did not exit). */
static inline int cli_run_env(const char *env, const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "XDG_CACHE_HOME='%s/cache' %s '%s' %s >'%s/stdout' 2>'%s/stderr'",
             cli_tmpdir, env, LRFIND_EXE, args, cli_tmpdir, cli_tmpdir);
    int st = system(cmd);
    cli_slurp(cli_path("stdout"), cli_out, sizeof cli_out);
    cli_slurp(cli_path("stderr"), cli_err, sizeof cli_err);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline int cli_run(const char *args)
{
    return cli_run_env("", args);
}

static inline void cli_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The number after "key": in text (the first occurrence); NaN when absent. */
static inline double cli_json_number(const char *text, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *s = strstr(text, pat);
    return s ? strtod(s + strlen(pat), NULL) : (double)NAN;
}

static inline void cli_run_cleanup(void)
{
    char cmd[CLI_RUN_PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cli_tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", cli_tmpdir);
}

#endif
