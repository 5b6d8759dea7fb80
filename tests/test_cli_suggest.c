/* `lrfind suggest` contract: options and exit codes, FILE:LINE:COL errors, the exact
 * lrs of both compat modes (compared with the reference vectors), and the JSON keys. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cli_run.h"

/* The expected lr of rule for curve/mode from expected.txt, NaN when invalid/missing. */
static double expected_lr(const char *curve, const char *mode, const char *rule)
{
    char path[1024], line[512], key[256];
    snprintf(path, sizeof path, "%s/finder/expected.txt", LRF_FIXTURES_DIR);
    snprintf(key, sizeof key, "%s %s rule %s ", curve, mode, rule);
    FILE *fp = fopen(path, "r");
    double v = NAN;
    while (fp && fgets(line, sizeof line, fp)) {
        if (strncmp(line, key, strlen(key)))
            continue;
        long idx;
        double lr;
        if (sscanf(line + strlen(key), "%ld %lf", &idx, &lr) == 2)
            v = lr;
        break;
    }
    if (fp)
        fclose(fp);
    return v;
}

/* The lr printed on the text line starting with rule (after an optional '*'). */
static double printed_lr(const char *rule)
{
    for (const char *p = cli_out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        size_t len = strlen(rule);
        if (strncmp(p, rule, len) || p[len] != ' ')
            continue;
        const char *q = p + len;
        while (*q == ' ' || *q == '*')
            q++;
        char *end;
        double v = strtod(q, &end);
        return end == q ? (double)NAN : v;
    }
    return NAN;
}

static void test_usage(void)
{
    CHECK(cli_run("suggest --help") == 0 && strstr(cli_out, "Usage: lrfind suggest") != NULL);
    CHECK(cli_run("suggest") == 2 && strstr(cli_err, "--curve") != NULL);
    CHECK(cli_run("suggest --curve x.csv --compat keras") == 2 &&
          strstr(cli_err, "--compat") != NULL);
    CHECK(cli_run("suggest --bogus") == 2);
    CHECK(cli_run("suggest --curve a.csv extra") == 2);
    CHECK(cli_run("suggest --curve") == 2);
}

struct bad_curve {
    const char *name;
    const char *text;  /* NULL: the file does not exist */
    const char *where; /* what follows "lrfind: PATH" on stderr */
    const char *what;  /* and a part of the message */
};

static const struct bad_curve bad_curves[] = {
    {"missing", NULL, ": cannot open", "No such file"},
    {"bad_lr", "step,lr,loss\n0,1e-5,2.3\n1,abc,2.2\n", ":3:3: lr:", "lr"},
    {"bad_loss", "lr,loss\n1e-5,2.3\n2e-5,x1\n", ":3:6: loss:", "loss"},
    {"no_loss", "lr,acc\n1e-5,0.3\n", ":1:1: ", "'loss'"},
    {"ragged", "lr,loss\n1e-5,2.3\n2e-5\n", ":3:1: expected 2 fields", "fields"},
    {"empty", "", ":1:1: empty file", "empty file"},
    {"header_only", "lr,loss\n", ":2:1: no data rows", "no data rows"},
};

static void test_bad_files(void)
{
    for (size_t i = 0; i < sizeof bad_curves / sizeof bad_curves[0]; i++) {
        const struct bad_curve *c = &bad_curves[i];
        char path[CLI_RUN_PATH_MAX], args[CLI_RUN_PATH_MAX + 32], want[CLI_RUN_PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s.csv", cli_tmpdir, c->name);
        if (c->text)
            cli_write_file(path, c->text);
        snprintf(args, sizeof args, "suggest --curve '%s'", path);
        snprintf(want, sizeof want, "lrfind: %s%s", path, c->where);
        int st = cli_run(args);
        CHECK_MSG(st == 1 && strncmp(cli_err, want, strlen(want)) == 0 && strstr(cli_err, c->what),
                  "%s: exit %d, stderr '%s', want '%s...%s'", c->name, st, cli_err, want, c->what);
        CHECK_MSG(cli_out[0] == '\0', "%s: stdout not empty", c->name);
        unlink(path);
    }
}

static void test_compat(void)
{
    const char *curves[] = {"clean",  "noisy1", "noisy2",    "nan_tail",   "spiky",
                            "linear", "flat",   "near_zero", "cross_zero", "nan_first"};
    char args[1024];
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
        snprintf(args, sizeof args, "suggest --curve %s/finder/%s.csv --compat torch-lr-finder",
                 LRF_FIXTURES_DIR, curves[i]);
        CHECK(cli_run(args) == 0);
        /* Bit-exact: the compat output prints 17 significant digits. */
        CHECK_CLOSE(printed_lr("steepest"), expected_lr(curves[i], "tlf", "steepest"), 0, 0);
        CHECK(strstr(cli_out, "valley") == NULL);
        snprintf(args, sizeof args, "suggest --curve %s/finder/%s.csv --compat fastai",
                 LRF_FIXTURES_DIR, curves[i]);
        CHECK(cli_run(args) == 0);
        const char *rules[] = {"valley", "slide", "minimum", "steep"};
        for (int r = 0; r < 4; r++)
            CHECK_CLOSE(printed_lr(rules[r]), expected_lr(curves[i], "fastai", rules[r]), 0, 0);
        CHECK(strstr(cli_out, "steepest") == NULL);
    }
}

static void test_default_and_json(void)
{
    char args[1024];
    snprintf(args, sizeof args, "suggest --curve %s/finder/noisy1.csv", LRF_FIXTURES_DIR);
    CHECK(cli_run(args) == 0);
    const char *rules[] = {"robust", "steepest", "valley", "slide", "minimum", "steep"};
    for (int r = 0; r < 6; r++)
        CHECK_CLOSE(printed_lr(rules[r]), expected_lr("noisy1", "lrfind", rules[r]), 1e-3, 0);
    CHECK(strstr(cli_out, "robust   * ") != NULL);
    CHECK(strstr(cli_out, "one-cycle: onecycle(max_lr=") != NULL);
    CHECK(strstr(cli_out, "OneCycleLR(optimizer, max_lr=") != NULL);

    snprintf(args, sizeof args, "suggest --curve %s/finder/noisy1.csv --json", LRF_FIXTURES_DIR);
    CHECK(cli_run(args) == 0);
    const char *keys[] = {"\"suggestions\":{\"robust\":",
                          "\"steepest\":",
                          "\"valley\":",
                          "\"slide\":",
                          "\"minimum\":",
                          "\"steep\":",
                          "\"smoothing\":{\"kind\":\"ema_debiased\"",
                          "\"stop_reason\":\"end\"",
                          "\"rule\":\"robust\"",
                          "\"one_cycle\":{\"max_lr\":",
                          "\"spec\":\"onecycle(max_lr=",
                          "\"cyclic\":{\"base_lr\":",
                          "\"suggested_lr\":"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        CHECK_MSG(strstr(cli_out, keys[k]) != NULL, "missing %s", keys[k]);
    CHECK(cli_out[0] == '{' && cli_out[strlen(cli_out) - 2] == '}');

    /* A degenerate curve: exit 0, null suggestion, advice. */
    snprintf(args, sizeof args, "suggest --curve %s/finder/flat.csv --json", LRF_FIXTURES_DIR);
    CHECK(cli_run(args) == 0 && strstr(cli_out, "\"robust\":null") &&
          strstr(cli_out, "raise end_lr"));
    snprintf(args, sizeof args, "suggest --curve %s/finder/all_nan.csv", LRF_FIXTURES_DIR);
    CHECK(cli_run(args) == 0 && strstr(cli_out, "advice:") && strstr(cli_out, "NaN"));
    snprintf(args, sizeof args, "suggest --curve %s/finder/negative.csv --compat fastai --json",
             LRF_FIXTURES_DIR);
    CHECK(cli_run(args) == 0 && strstr(cli_out, "\"stop_reason\":\"diverged\"") &&
          strstr(cli_out, "\"valley\":null"));
}

int main(void)
{
    cli_run_init("test_cli_suggest");
    test_usage();
    test_bad_files();
    test_compat();
    test_default_and_json();
    cli_run_cleanup();
    return check_summary();
}
