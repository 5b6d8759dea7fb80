/* `lrfind suggest` contract: options and exit codes, FILE:LINE:COL errors, the exact
 * lrs of both compat modes (compared with the reference vectors), and the JSON keys. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char out[1 << 16];

/* Runs lrfind with args (stderr merged into out); returns the exit status. */
static int run(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", LRFIND_EXE, args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

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
    for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
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

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static void test_usage(void)
{
    CHECK(run("suggest --help") == 0 && strstr(out, "Usage: lrfind suggest") != NULL);
    CHECK(run("suggest") == 2 && strstr(out, "--curve") != NULL);
    CHECK(run("suggest --curve x.csv --compat keras") == 2 && strstr(out, "--compat") != NULL);
    CHECK(run("suggest --bogus") == 2);
    CHECK(run("suggest --curve a.csv extra") == 2);
    CHECK(run("suggest --curve") == 2);
}

static void test_bad_files(void)
{
    char dir[] = "/tmp/lrf_suggest_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], args[512], want[300];
    snprintf(path, sizeof path, "%s/missing.csv", dir);
    snprintf(args, sizeof args, "suggest --curve %s", path);
    CHECK(run(args) == 1 && strstr(out, "lrfind: ") && strstr(out, "cannot open"));

    snprintf(path, sizeof path, "%s/bad_lr.csv", dir);
    write_file(path, "step,lr,loss\n0,1e-5,2.3\n1,abc,2.2\n");
    snprintf(args, sizeof args, "suggest --curve %s", path);
    snprintf(want, sizeof want, "lrfind: %s:3:3: lr:", path);
    CHECK_MSG(run(args) == 1 && strstr(out, want), "%s", out);

    snprintf(path, sizeof path, "%s/bad_loss.csv", dir);
    write_file(path, "lr,loss\n1e-5,2.3\n2e-5,x1\n");
    snprintf(args, sizeof args, "suggest --curve %s", path);
    snprintf(want, sizeof want, "lrfind: %s:3:6: loss:", path);
    CHECK_MSG(run(args) == 1 && strstr(out, want), "%s", out);

    snprintf(path, sizeof path, "%s/no_loss.csv", dir);
    write_file(path, "lr,acc\n1e-5,0.3\n");
    snprintf(args, sizeof args, "suggest --curve %s", path);
    snprintf(want, sizeof want, "lrfind: %s:1:1: ", path);
    CHECK_MSG(run(args) == 1 && strstr(out, want) && strstr(out, "'loss'"), "%s", out);

    snprintf(path, sizeof path, "%s/ragged.csv", dir);
    write_file(path, "lr,loss\n1e-5,2.3\n2e-5\n");
    snprintf(args, sizeof args, "suggest --curve %s", path);
    snprintf(want, sizeof want, "lrfind: %s:3:1: expected 2 fields", path);
    CHECK_MSG(run(args) == 1 && strstr(out, want), "%s", out);

    snprintf(path, sizeof path, "%s/empty.csv", dir);
    write_file(path, "");
    snprintf(args, sizeof args, "suggest --curve %s", path);
    CHECK(run(args) == 1 && strstr(out, "empty file"));

    snprintf(path, sizeof path, "%s/header_only.csv", dir);
    write_file(path, "lr,loss\n");
    snprintf(args, sizeof args, "suggest --curve %s", path);
    CHECK(run(args) == 1 && strstr(out, "no data rows"));

    const char *names[] = {"missing", "bad_lr", "bad_loss",   "no_loss",
                           "ragged",  "empty",  "header_only"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s.csv", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void test_compat(void)
{
    const char *curves[] = {"clean", "noisy1", "noisy2", "nan_tail", "spiky", "linear", "flat"};
    char args[1024];
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
        snprintf(args, sizeof args, "suggest --curve %s/finder/%s.csv --compat torch-lr-finder",
                 LRF_FIXTURES_DIR, curves[i]);
        CHECK(run(args) == 0);
        /* Bit-exact: the compat output prints 17 significant digits. */
        CHECK_CLOSE(printed_lr("steepest"), expected_lr(curves[i], "tlf", "steepest"), 0, 0);
        CHECK(strstr(out, "valley") == NULL);
        snprintf(args, sizeof args, "suggest --curve %s/finder/%s.csv --compat fastai",
                 LRF_FIXTURES_DIR, curves[i]);
        CHECK(run(args) == 0);
        const char *rules[] = {"valley", "slide", "minimum", "steep"};
        for (int r = 0; r < 4; r++)
            CHECK_CLOSE(printed_lr(rules[r]), expected_lr(curves[i], "fastai", rules[r]), 0, 0);
        CHECK(strstr(out, "steepest") == NULL);
    }
}

static void test_default_and_json(void)
{
    char args[1024];
    snprintf(args, sizeof args, "suggest --curve %s/finder/noisy1.csv", LRF_FIXTURES_DIR);
    CHECK(run(args) == 0);
    const char *rules[] = {"robust", "steepest", "valley", "slide", "minimum", "steep"};
    for (int r = 0; r < 6; r++)
        CHECK_CLOSE(printed_lr(rules[r]), expected_lr("noisy1", "lrfind", rules[r]), 1e-3, 0);
    CHECK(strstr(out, "robust   * ") != NULL);
    CHECK(strstr(out, "one-cycle: onecycle(max_lr=") != NULL);
    CHECK(strstr(out, "OneCycleLR(optimizer, max_lr=") != NULL);

    snprintf(args, sizeof args, "suggest --curve %s/finder/noisy1.csv --json", LRF_FIXTURES_DIR);
    CHECK(run(args) == 0);
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
        CHECK_MSG(strstr(out, keys[k]) != NULL, "missing %s", keys[k]);
    CHECK(out[0] == '{' && out[strlen(out) - 2] == '}');

    /* A degenerate curve: exit 0, null suggestion, advice. */
    snprintf(args, sizeof args, "suggest --curve %s/finder/flat.csv --json", LRF_FIXTURES_DIR);
    CHECK(run(args) == 0 && strstr(out, "\"robust\":null") && strstr(out, "raise end_lr"));
    snprintf(args, sizeof args, "suggest --curve %s/finder/all_nan.csv", LRF_FIXTURES_DIR);
    CHECK(run(args) == 0 && strstr(out, "advice:") && strstr(out, "NaN"));
    snprintf(args, sizeof args, "suggest --curve %s/finder/negative.csv --compat fastai --json",
             LRF_FIXTURES_DIR);
    CHECK(run(args) == 0 && strstr(out, "\"stop_reason\":\"diverged\"") &&
          strstr(out, "\"valley\":null"));
}

int main(void)
{
    test_usage();
    test_bad_files();
    test_compat();
    test_default_and_json();
    return check_summary();
}
