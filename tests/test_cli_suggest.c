/* `lrfind suggest` contract: options and exit codes, FILE:LINE:COL errors, the exact
 * lrs of both compat modes (compared with the reference vectors), and the JSON keys. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cli_run.h"
#include "json_reader.h"
#include "lrf/plot.h"

/* The line of expected.txt that starts with "curve mode key " (without it), or NULL. */
static const char *expected_line(const char *curve, const char *mode, const char *key)
{
    static char line[512];
    char path[1024], prefix[256];
    snprintf(path, sizeof path, "%s/finder/expected.txt", LRF_FIXTURES_DIR);
    snprintf(prefix, sizeof prefix, "%s %s %s ", curve, mode, key);
    FILE *fp = fopen(path, "r");
    const char *found = NULL;
    while (fp && !found && fgets(line, sizeof line, fp))
        if (!strncmp(line, prefix, strlen(prefix)))
            found = line + strlen(prefix);
    if (fp)
        fclose(fp);
    CHECK_MSG(found != NULL, "expected.txt has no '%s'", prefix);
    return found;
}

/* The expected lr of rule for curve/mode, NaN when invalid; *index -1 then. */
static double expected_rule(const char *curve, const char *mode, const char *rule, long *index)
{
    char key[64];
    snprintf(key, sizeof key, "rule %s", rule);
    const char *v = expected_line(curve, mode, key);
    double lr = NAN;
    long idx = -1;
    if (v && sscanf(v, "%ld %lf", &idx, &lr) != 2) {
        CHECK_MSG(!strncmp(v, "invalid", 7), "%s %s %s: bad expectation '%s'", curve, mode, rule,
                  v);
        lr = NAN;
        idx = -1;
    }
    if (index)
        *index = idx;
    return lr;
}

static double expected_lr(const char *curve, const char *mode, const char *rule)
{
    return expected_rule(curve, mode, rule, NULL);
}

/* lrfind's answer for curve (the robust pick capped where the loss reached ~0), NaN
 * when there is none. */
static double expected_answer(const char *curve)
{
    const char *v = expected_line(curve, "lrfind", "answer");
    double lr = NAN;
    CHECK_MSG(v != NULL, "%s: no answer expectation", curve);
    if (v && strncmp(v, "invalid", 7) != 0)
        lr = strtod(v, NULL);
    return lr;
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

/* Text prints an lr with 3 significant digits: within half a unit of the third. */
#define PRINTED_LR_REL 5e-3

static void test_default_and_json(void)
{
    char args[1024];
    snprintf(args, sizeof args, "suggest --curve %s/finder/noisy1.csv", LRF_FIXTURES_DIR);
    CHECK(cli_run(args) == 0);
    const char *rules[] = {"robust", "steepest", "valley", "slide", "minimum", "steep"};
    for (int r = 0; r < 6; r++)
        CHECK_CLOSE(printed_lr(rules[r]), expected_lr("noisy1", "lrfind", rules[r]), PRINTED_LR_REL,
                    0);
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

/* Same as test_finder_rules: agreement to the last bits but for libm's pow/log ulps. */
static const double LR_REL = 1e-12;
/* The hand-off's documented ratios (include/lrf/finder.h) and one division's rounding. */
#define CYCLIC_BASE_DIV 4.0
#define COSINE_DIV 3.0
static const double RATIO_REL = 1e-15;

static void check_json_num_close(const char *doc, const char *path, double want, double rel)
{
    bool ok;
    double got = json_num(doc, path, &ok);
    CHECK_MSG(ok && (isnan(want) ? isnan(got) : fabs(got - want) <= rel * fabs(want)),
              "%s: got %.17g, want %.17g", path, got, want);
}

/* The hand-off of a valid recommended lr: the numbers and the specs built from them. */
static void check_json_handoff(const char *doc, double max_lr)
{
    CHECK_JSON_NUM(doc, "one_cycle.max_lr", max_lr);
    CHECK_JSON_NUM(doc, "cyclic.max_lr", max_lr);
    check_json_num_close(doc, "cyclic.base_lr", max_lr / CYCLIC_BASE_DIV, RATIO_REL);
    check_json_num_close(doc, "cosine.lr", max_lr / COSINE_DIV, RATIO_REL);
    /* An offline curve has no run length: the specs leave it out (finder.h). */
    char want[256];
    snprintf(want, sizeof want, "onecycle(max_lr=%.3g)", max_lr);
    CHECK_JSON_STR(doc, "one_cycle.spec", want);
    snprintf(want, sizeof want, "cyclic(base_lr=%.3g,max_lr=%.3g)", max_lr / CYCLIC_BASE_DIV,
             max_lr);
    CHECK_JSON_STR(doc, "cyclic.spec", want);
    snprintf(want, sizeof want,
             "torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=%.3g, total_steps=TOTAL_STEPS)",
             max_lr);
    CHECK_JSON_STR(doc, "one_cycle.torch", want);
    snprintf(want, sizeof want,
             "torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=TOTAL_STEPS)  # "
             "optimizer lr=%.3g",
             max_lr / COSINE_DIV);
    CHECK_JSON_STR(doc, "cosine.torch", want);
}

/* Every mode's JSON against the fixtures: the kept points and stop, every rule's index
 * and lr (and which rules each mode shows), the suggestion and the hand-off. */
static void test_json_values(void)
{
    static const char *const curves[] = {"clean",     "noisy1",     "nan_tail",  "spiky",
                                         "linear",    "flat",       "mono_dec",  "negative",
                                         "near_zero", "cross_zero", "nan_first", "short"};
    static const char *const modes[] = {"tlf", "fastai", "lrfind"};
    static const char *const compat[] = {" --compat torch-lr-finder", " --compat fastai", ""};
    static const char *const recommended[] = {"steepest", "valley", "robust"};
    static const char *const rules[] = {"robust", "steepest", "valley",
                                        "slide",  "minimum",  "steep"};
    for (size_t c = 0; c < sizeof curves / sizeof curves[0]; c++) {
        for (int m = 0; m < 3; m++) {
            char args[1024], path[64];
            snprintf(args, sizeof args, "suggest --json --curve %s/finder/%s.csv%s",
                     LRF_FIXTURES_DIR, curves[c], compat[m]);
            CHECK_MSG(cli_run(args) == 0, "%s: %s", args, cli_err);
            CHECK_MSG(json_valid(cli_out), "%s: invalid JSON", args);
            long n = -1;
            char stop[32] = "";
            const char *nl = expected_line(curves[c], modes[m], "n");
            CHECK(nl && sscanf(nl, "%ld %31s", &n, stop) == 2);
            CHECK_JSON_NUM(cli_out, "points", n);
            CHECK_JSON_STR(cli_out, "stop_reason", stop);
            for (int r = 0; r < 6; r++) {
                long idx;
                double lr = expected_rule(curves[c], modes[m], rules[r], &idx);
                bool shown = m == 2 || !strcmp(rules[r], recommended[m]) ||
                             (m == 1 && r >= 2); /* fastai shows its four rules */
                snprintf(path, sizeof path, "rules.%s.lr", rules[r]);
                check_json_num_close(cli_out, path, lr, LR_REL);
                snprintf(path, sizeof path, "rules.%s.index", rules[r]);
                CHECK_JSON_NUM(cli_out, path, idx);
                snprintf(path, sizeof path, "suggestions.%s", rules[r]);
                if (shown)
                    check_json_num_close(cli_out, path, lr, LR_REL);
                else
                    CHECK_MSG(!json_has(cli_out, path), "%s: %s shown", args, path);
            }
            /* The answer: the recommended rule's pick (lrfind: after the cap). */
            double rec = m == 2 ? expected_answer(curves[c])
                                : expected_lr(curves[c], modes[m], recommended[m]);
            CHECK_JSON_STR(cli_out, "rule", recommended[m]);
            check_json_num_close(cli_out, "suggested_lr", rec, LR_REL);
            if (!isnan(rec))
                check_json_handoff(cli_out, json_num(cli_out, "suggested_lr", NULL));
            else
                CHECK_JSON_NUM(cli_out, "one_cycle.max_lr", NAN);
        }
    }
}

/* --plot: the curve drawn as the range test draws it; the path checked before the curve is
 * even read (a missing directory: usage error, nothing printed). */
static void test_plot(void)
{
    char args[2048];
    snprintf(args, sizeof args, "suggest --curve /nonexistent.csv --plot '%s/no/dir/p.png'",
             cli_tmpdir);
    CHECK(cli_run(args) == 2 && strstr(cli_err, "--plot") && cli_out[0] == '\0');
    CHECK(cli_run("suggest --curve /nonexistent.csv --plot p.gif") == 2);
    CHECK(strstr(cli_err, ".png") != NULL);
    snprintf(args, sizeof args, "suggest --curve %s/finder/noisy1.csv --plot term",
             LRF_FIXTURES_DIR);
    if (!lrf_plot_gnuplot_available()) {
        check_skip("suggest --plot", "gnuplot not installed");
        return;
    }
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "robust   * ") != NULL);
    CHECK(strstr(cli_out, "learning rate") != NULL); /* the text plot's x label */
    snprintf(args, sizeof args, "suggest --curve %s/finder/noisy1.csv --json --plot '%s'",
             LRF_FIXTURES_DIR, cli_path("p.svg"));
    CHECK(cli_run(args) == 0 && json_valid(cli_out));
    char svg[1 << 16];
    cli_slurp(cli_path("p.svg"), svg, sizeof svg);
    CHECK(strstr(svg, "<svg") != NULL && strstr(svg, "robust") != NULL);
}

int main(void)
{
    cli_run_init("test_cli_suggest");
    test_usage();
    test_bad_files();
    test_compat();
    test_default_and_json();
    test_json_values();
    test_plot();
    cli_run_cleanup();
    return check_summary();
}
