/* lrfind inspect: exit codes, the "lrfind: FILE:LINE:COL: message" format,
 * the JSON keys, and the built-in dataset without --data. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cli_run.h"

static const char *write_csv(const char *name, const char *text)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", cli_tmpdir, name);
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
    {"a,b,label\n1,2,0\n3,4,\n", "", ":3: ", "column 'label' (2): expected a label, got a missing"},
    {"a,b,label\n1,inf,0\n3,4,1\n", "", ":2: ", "column 'b' (1): expected a finite number"},
    {"a,b,label\n1,2,0\n3,4,1e23\n", "", ":3: ", "column 'label' (2): class label out of range"},
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
        int rc = cli_run(args);
        snprintf(want, sizeof want, "lrfind: %s%s", path, bad[i].where);
        CHECK_MSG(rc == 1, "case %zu: exit %d", i, rc);
        CHECK_MSG(!strncmp(cli_err, want, strlen(want)) && strstr(cli_err, bad[i].what),
                  "case %zu: stderr '%s', want prefix '%s' and '%s'", i, cli_err, want,
                  bad[i].what);
        CHECK_MSG(cli_out[0] == '\0', "case %zu: stdout not empty", i);
    }
    char args[700];
    snprintf(args, sizeof args, "inspect --data '%s/missing.csv'", cli_tmpdir);
    CHECK(cli_run(args) == 1 && strstr(cli_err, "missing.csv: cannot open"));
    snprintf(args, sizeof args, "inspect --data '%s'", cli_tmpdir);
    CHECK(cli_run(args) == 1 && strstr(cli_err, "directory"));
    CHECK(cli_run("inspect --bogus") == 2);
    CHECK(cli_run("inspect --threads 0 --data x.csv") == 2);
    CHECK(cli_run("inspect extra") == 2);
    CHECK(cli_run("inspect --help") == 0 && strstr(cli_out, "Usage: lrfind inspect"));
}

static void test_json(void)
{
    const char *path = write_csv("ok.csv", "f1,f2,Target\n1,2,b\n3.5,4,a\n5,6,b\n");
    char args[700];
    snprintf(args, sizeof args, "inspect --data '%s' --json", path);
    CHECK(cli_run(args) == 0);
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
        CHECK_MSG(strstr(cli_out, keys[i]) != NULL, "JSON lacks %s: %s", keys[i], cli_out);
    CHECK(cli_run(args) == 0 && strstr(cli_out, "\"from_cache\":true"));
    snprintf(args, sizeof args, "inspect --data '%s' --no-cache --label 0", path);
    CHECK(cli_run(args) == 0); /* f1 holds 3.5: a regression target (issue 13) */
    snprintf(args, sizeof args, "inspect --data '%s' --no-cache", path);
    CHECK(cli_run(args) == 0 && strstr(cli_out, "rows:          3") &&
          strstr(cli_out, "'Target' (column 2)") && strstr(cli_out, "float32"));
}

static void test_builtin(void)
{
    CHECK(cli_run("inspect --json") == 0);
    CHECK(strstr(cli_out, "\"rows\":12000") && strstr(cli_out, "\"features\":784") &&
          strstr(cli_out, "\"classes\":10") && strstr(cli_out, "\"storage\":\"uint8\""));
    CHECK(cli_run("inspect") == 0 && strstr(cli_out, "builtin:train"));
}

int main(void)
{
    cli_run_init("test_cli_inspect");
    test_errors();
    test_json();
    test_builtin();
    cli_run_cleanup();
    return check_summary();
}
