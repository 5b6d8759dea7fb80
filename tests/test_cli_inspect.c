/* lrfind inspect: exit codes, the "lrfind: FILE:LINE:COL: message" format,
 * the JSON keys, and the built-in dataset without --data. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char tmpdir[] = "/tmp/lrf_test_cli_inspect_XXXXXX";
static char out_text[1 << 16], err_text[1 << 14];

static void slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

/* Runs lrfind with args (shell syntax); returns its exit status. */
static int run(const char *args)
{
    char cmd[2048], out[600], err[600];
    snprintf(out, sizeof out, "%s/stdout", tmpdir);
    snprintf(err, sizeof err, "%s/stderr", tmpdir);
    snprintf(cmd, sizeof cmd, "XDG_CACHE_HOME='%s/cache' '%s' %s >'%s' 2>'%s'", tmpdir, LRFIND_EXE,
             args, out, err);
    int st = system(cmd);
    slurp(out, out_text, sizeof out_text);
    slurp(err, err_text, sizeof err_text);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *write_csv(const char *name, const char *text)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
    return path;
}

struct bad_cli {
    const char *text;
    const char *extra_args;
    const char *where; /* expected after "lrfind: FILE" */
    const char *what;
};

static const struct bad_cli bad[] = {
    {"a,b,label\n1,2,0\n3,4\n", "", ":3:4: ", "ragged row"},
    {"a,b,label\n1,2,0\n3,oops,1\n", "", ":3:3: ", "expected a number, got 'oops'"},
    {"a,b,label\n1,inf,0\n3,4,1\n", "", ":2:3: ", "finite"},
    {"a,b,label\n1,2,0\n3,4,2.5\n", "", ":3:5: ", "integer class label"},
    {"a,b,label\n1,2,0\n3,\"4,1\n", "", ":3:3: ", "unterminated"},
    {"", "", ": ", "empty file"},
    {"a,b,label\n", "", ": ", "header with no rows"},
    {"a,b,label\n1,2,0\n3,4,0\n", "", ": ", "single class"},
    {"a,b,label\n1,2,0\n3,4,1\n", "--label nosuch", ": ", "unknown label column 'nosuch'"},
};

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *path = write_csv("bad.csv", bad[i].text);
        char args[1024], want[1024];
        snprintf(args, sizeof args, "inspect --no-cache --data '%s' %s", path, bad[i].extra_args);
        int rc = run(args);
        snprintf(want, sizeof want, "lrfind: %s%s", path, bad[i].where);
        CHECK_MSG(rc == 1, "case %zu: exit %d", i, rc);
        CHECK_MSG(!strncmp(err_text, want, strlen(want)) && strstr(err_text, bad[i].what),
                  "case %zu: stderr '%s', want prefix '%s' and '%s'", i, err_text, want,
                  bad[i].what);
        CHECK_MSG(out_text[0] == '\0', "case %zu: stdout not empty", i);
    }
    char args[700];
    snprintf(args, sizeof args, "inspect --data '%s/missing.csv'", tmpdir);
    CHECK(run(args) == 1 && strstr(err_text, "missing.csv: cannot open"));
    snprintf(args, sizeof args, "inspect --data '%s'", tmpdir);
    CHECK(run(args) == 1 && strstr(err_text, "directory"));
    CHECK(run("inspect --bogus") == 2);
    CHECK(run("inspect --threads 0 --data x.csv") == 2);
    CHECK(run("inspect extra") == 2);
    CHECK(run("inspect --help") == 0 && strstr(out_text, "Usage: lrfind inspect"));
}

static void test_json(void)
{
    const char *path = write_csv("ok.csv", "f1,f2,Target\n1,2,b\n3.5,4,a\n5,6,b\n");
    char args[700];
    snprintf(args, sizeof args, "inspect --data '%s' --json", path);
    CHECK(run(args) == 0);
    static const char *const keys[] = {
        "\"rows\":3",
        "\"features\":2",
        "\"classes\":2",
        "\"label_column\":\"Target\"",
        "\"storage\":\"float32\"",
        "\"parse_seconds\":",
        "\"class_names\":[\"a\",\"b\"]",
        "\"class_counts\":[1,2]",
        "\"from_cache\":false",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK_MSG(strstr(out_text, keys[i]) != NULL, "JSON lacks %s: %s", keys[i], out_text);
    CHECK(run(args) == 0 && strstr(out_text, "\"from_cache\":true"));
    snprintf(args, sizeof args, "inspect --data '%s' --no-cache --label 0", path);
    CHECK(run(args) == 1); /* f1 holds 3.5: not an integer label */
    snprintf(args, sizeof args, "inspect --data '%s' --no-cache", path);
    CHECK(run(args) == 0 && strstr(out_text, "rows:          3") &&
          strstr(out_text, "'Target' (column 2)") && strstr(out_text, "float32"));
}

static void test_builtin(void)
{
    CHECK(run("inspect --json") == 0);
    CHECK(strstr(out_text, "\"rows\":12000") && strstr(out_text, "\"features\":784") &&
          strstr(out_text, "\"classes\":10") && strstr(out_text, "\"storage\":\"uint8\""));
    CHECK(run("inspect") == 0 && strstr(out_text, "builtin:train"));
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_errors();
    test_json();
    test_builtin();
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_summary();
}
