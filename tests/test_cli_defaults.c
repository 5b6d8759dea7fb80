/* Every documented default is the one that runs (issue 11). Each default of struct
 * lrf_finder_config and struct lrf_finder_robust is stated three times: in the
 * header's field comment (the last parenthesis), in docs/finder.md's tables and by the
 * CLI, which reports the config it ran with in its JSON; the CLI's own defaults are
 * stated in --help ("default X") and reported in the JSON too. All must agree with
 * lrf_finder_config_default() and with each other. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>

#include "check.h"
#include "cli_run.h"
#include "lrf/finder.h"

enum { VALUE_MAX = 64, FIELDS_MAX = 64 };

struct field {
    const char *name;
    char value[VALUE_MAX]; /* the default as text: %.17g, true/false, nan or a name */
};

static struct field fields[FIELDS_MAX];
static int n_fields;

static void add(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fields[n_fields].name = name;
    vsnprintf(fields[n_fields].value, VALUE_MAX, fmt, ap);
    va_end(ap);
    n_fields++;
}

#define ADD_NUM(s, f) add(#f, "%.17g", (double)(s).f)
#define ADD_BOOL(s, f) add(#f, "%s", (s).f ? "true" : "false")

/* The library's defaults, by field name. */
static void library_defaults(void)
{
    struct lrf_finder_config c = lrf_finder_config_default();
    ADD_NUM(c, start_lr);
    ADD_NUM(c, end_lr);
    ADD_NUM(c, num_iter);
    add("mode", "%s", lrf_finder_mode_name(c.mode));
    ADD_BOOL(c, grid_include_end);
    add("smoothing", "%s", lrf_finder_smoothing_name(c.smoothing));
    ADD_NUM(c, beta);
    ADD_NUM(c, smooth_f);
    add("stop_rule", "%s", lrf_finder_stop_rule_name(c.stop_rule));
    ADD_NUM(c, diverge);
    ADD_BOOL(c, stop_on_nonfinite);
    ADD_NUM(c, momentum);
    ADD_NUM(c, runs);
    ADD_NUM(c, accumulate);
    ADD_NUM(c, batches_per_rung);
    ADD_BOOL(c, val_loss);
    ADD_NUM(c, skip_start);
    ADD_NUM(c, skip_end);
    add("compat", "%s", lrf_finder_compat_name(c.compat));
    ADD_NUM(c, total_steps);
    add("rule", "%s", lrf_finder_rule_name(c.rule));
    ADD_NUM(c, batches_per_epoch);
    add("trials", "%s", lrf_finder_trials_name(c.trials));
    ADD_NUM(c, trial_rows);
    struct lrf_finder_regime g = c.regime;
    ADD_NUM(g, few_batches);
    ADD_NUM(g, revisit_epochs);
    ADD_NUM(g, zero_loss_frac);
    ADD_NUM(g, trial_candidates);
    ADD_NUM(g, trial_budget);
    ADD_NUM(g, trial_se_max);
    struct lrf_finder_robust r = c.robust;
    ADD_NUM(r, bandwidth_decades);
    ADD_NUM(r, min_sigma_points);
    ADD_NUM(r, robust_iters);
    ADD_NUM(r, rise_level);
    ADD_NUM(r, floor_level);
    ADD_NUM(r, floor_position);
    ADD_NUM(r, floor_noise);
    ADD_NUM(r, clip_factor);
    ADD_NUM(r, descent_frac);
    ADD_NUM(r, flat_rel);
    ADD_NUM(r, flat_noise);
    ADD_NUM(r, min_points);
    ADD_NUM(r, unstable_decades);
    ADD_NUM(r, cyclic_base_div);
    ADD_NUM(r, cosine_div);
}

/* Numbers compare as numbers (NaN equals NaN), anything else as text. */
static bool same_value(const char *a, const char *b)
{
    char *ea, *eb;
    double x = strtod(a, &ea), y = strtod(b, &eb);
    if (ea != a && !*ea && eb != b && !*eb)
        return (isnan(x) && isnan(y)) || fabs(x - y) <= 1e-12 * fabs(y);
    return !strcmp(a, b);
}

static char *read_text(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", LRF_SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strdup(buf);
}

/* The field's default in the header: the last parenthesis of its one-line comment. */
static bool header_default(const char *header, const char *name, char *out)
{
    char pat[96];
    snprintf(pat, sizeof pat, " %s;", name);
    for (const char *p = strstr(header, pat); p; p = strstr(p + 1, pat)) {
        const char *open = strstr(p, "/*"), *eol = strchr(p, '\n');
        const char *close = open ? strstr(open, "*/") : NULL;
        if (!open || !close || (eol && close > eol))
            continue;
        const char *lp = NULL;
        for (const char *q = open; q < close; q++)
            lp = *q == '(' ? q : lp;
        const char *rp = lp ? strchr(lp, ')') : NULL;
        if (!lp || !rp || rp > close || rp - lp - 1 >= VALUE_MAX)
            return false;
        snprintf(out, VALUE_MAX, "%.*s", (int)(rp - lp - 1), lp + 1);
        return true;
    }
    return false;
}

/* "| `name` | value |" in a Markdown table. */
static bool doc_default(const char *doc, const char *name, char *out)
{
    char pat[96];
    snprintf(pat, sizeof pat, "\n| `%s` | ", name);
    const char *p = strstr(doc, pat);
    if (!p)
        return false;
    p += strlen(pat);
    const char *end = strstr(p, " |");
    if (!end || end - p >= VALUE_MAX)
        return false;
    snprintf(out, VALUE_MAX, "%.*s", (int)(end - p), p);
    return true;
}

/* The JSON object following "key": in text (its braces included), or NULL. */
static const char *json_object(const char *text, const char *key, char *out, size_t size)
{
    char pat[96];
    snprintf(pat, sizeof pat, "\"%s\":{", key);
    const char *p = text ? strstr(text, pat) : NULL;
    if (!p)
        return NULL;
    p += strlen(pat) - 1;
    int depth = 0;
    const char *q = p;
    for (; *q; q++) {
        depth += *q == '{';
        depth -= *q == '}';
        if (depth == 0)
            break;
    }
    snprintf(out, size, "%.*s", (int)(q - p + 1), p);
    return out;
}

/* A field's value in a flat JSON object as text: null becomes nan, strings lose quotes. */
static bool json_value(const char *obj, const char *name, char *out)
{
    char pat[96];
    snprintf(pat, sizeof pat, "\"%s\":", name);
    const char *p = strstr(obj, pat);
    if (!p)
        return false;
    p += strlen(pat);
    size_t len = *p == '"' ? strcspn(p + 1, "\"") : strcspn(p, ",}");
    if (*p == '"')
        p++;
    snprintf(out, VALUE_MAX, "%.*s", (int)(len < VALUE_MAX ? len : VALUE_MAX - 1), p);
    if (!strcmp(out, "null"))
        strcpy(out, "nan");
    return true;
}

static void test_header_and_docs(void)
{
    char *header = read_text("include/lrf/finder.h"), *doc = read_text("docs/finder.md");
    CHECK(header && doc);
    for (int i = 0; header && doc && i < n_fields; i++) {
        char h[VALUE_MAX] = "", d[VALUE_MAX] = "";
        bool hf = header_default(header, fields[i].name, h);
        bool df = doc_default(doc, fields[i].name, d);
        CHECK_MSG(hf && same_value(h, fields[i].value), "finder.h %s: '%s', the code: %s",
                  fields[i].name, h, fields[i].value);
        CHECK_MSG(df && same_value(d, fields[i].value), "docs/finder.md %s: '%s', the code: %s",
                  fields[i].name, d, fields[i].value);
    }
    free(header);
    free(doc);
}

/* The config a command's JSON reports against the library's defaults. */
static void check_config(const char *what, bool skip_total_steps)
{
    static char config[1 << 14], robust[1 << 12], regime[1 << 12];
    CHECK_MSG(json_object(cli_out, "config", config, sizeof config), "%s: no config", what);
    CHECK(json_object(config, "robust", robust, sizeof robust));
    CHECK(json_object(config, "regime", regime, sizeof regime));
    for (int i = 0; i < n_fields; i++) {
        /* The range test sets these from its data: the run length, the batches per
         * epoch and the held-out rows the trials score on. */
        if (skip_total_steps &&
            (!strcmp(fields[i].name, "total_steps") || !strcmp(fields[i].name, "trial_rows") ||
             !strcmp(fields[i].name, "batches_per_epoch")))
            continue;
        char v[VALUE_MAX] = "";
        bool found = json_value(config, fields[i].name, v) ||
                     json_value(robust, fields[i].name, v) || json_value(regime, fields[i].name, v);
        CHECK_MSG(found && same_value(v, fields[i].value), "%s: %s is '%s', the default %s", what,
                  fields[i].name, v, fields[i].value);
    }
}

static const char *tiny_csv(void)
{
    static char text[1 << 14];
    size_t n = (size_t)snprintf(text, sizeof text, "a,b,label\n");
    for (int i = 0; i < 400 && n < sizeof text; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%d,%d,%d\n", i % 13, (i * 7) % 11,
                              (i % 13 + (i * 7) % 11) % 3);
    const char *path = cli_path("tiny.csv");
    cli_write_file(path, text);
    return path;
}

/* The token after marker in the help block of the option whose usage is `usage`
 * (that line up to the next option line), e.g. "default " -> "128". */
static bool help_token(const char *help, const char *usage, const char *marker, char *out)
{
    const char *p = strstr(help, usage);
    if (!p)
        return false;
    const char *end = strstr(p + 1, "\n  -");
    const char *m = strstr(p, marker);
    if (!m || (end && m > end))
        return false;
    m += strlen(marker);
    while (isspace((unsigned char)*m))
        m++;
    size_t len = 0; /* up to ")", ";", a blank or ", " ("mlp:512,256" is one token) */
    while (m[len] && !strchr(";) \n", m[len]) &&
           !(m[len] == ',' && isspace((unsigned char)m[len + 1])))
        len++;
    snprintf(out, VALUE_MAX, "%.*s", (int)(len < VALUE_MAX ? len : VALUE_MAX - 1), m);
    return true;
}

struct help_case {
    const char *usage, *marker; /* in --help */
    const char *object, *key;   /* in the JSON ("config", "training" or NULL: top level) */
};

static void check_help(const char *help, const char *json, const struct help_case *c, size_t n)
{
    static char obj[1 << 14];
    for (size_t i = 0; i < n; i++) {
        char h[VALUE_MAX] = "", v[VALUE_MAX] = "";
        const char *o = c[i].object ? json_object(json, c[i].object, obj, sizeof obj) : json;
        bool hf = help_token(help, c[i].usage, c[i].marker, h);
        bool vf = o && json_value(o, c[i].key, v);
        CHECK_MSG(hf && vf && same_value(h, v), "%s: --help says '%s', the run used '%s'",
                  c[i].usage, h, v);
    }
}

static const struct help_case training_help[] = {
    {"--val-split F", "default ", "training", "val_split"},
    {"--normalize KIND", "default ", "training", "normalize"},
    {"--optim NAME", "default ", "training", "optimizer"},
    {"--lr LR", "sgd ", "training", "lr"},
    {"--momentum M", "sgd ", "training", "momentum"},
    {"--weight-decay W", "default ", "training", "weight_decay"},
    {"--batch B", "default ", "training", "batch"},
    {"--accumulate N", "default ", "training", "accumulate"},
    {"--seed S", "default ", "training", "seed"},
    {"--model SPEC", "default ", NULL, "model"},
};

static const struct help_case sweep_help[] = {
    {"--start-lr LR", "default ", "config", "start_lr"},
    {"--end-lr LR", "default ", "config", "end_lr"},
    {"--iters N", "default ", "config", "num_iter"},
    {"--mode MODE", "default ", "config", "mode"},
    {"--smooth KIND", "default ", "config", "smoothing"},
    {"--smooth KIND", "beta", "config", "beta"},
    {"--smooth KIND", "ema: f", "config", "smooth_f"},
    {"--diverge F", "default ", "config", "diverge"},
    {"--rule NAME", "default ", "config", "rule"},
    {"--runs K", "default ", "config", "runs"},
    {"--batches-per-rung N", "default ", "config", "batches_per_rung"},
};

static void test_range_test(void)
{
    char args[1024];
    snprintf(args, sizeof args, "-q --json --data '%s'", tiny_csv());
    CHECK(cli_run(args) == 0);
    static char json[sizeof cli_out];
    memcpy(json, cli_out, sizeof json);
    check_config("lrfind --json", true);
    CHECK(cli_run("--help") == 0);
    check_help(cli_out, json, sweep_help, sizeof sweep_help / sizeof sweep_help[0]);
    check_help(cli_out, json, training_help, sizeof training_help / sizeof training_help[0]);
}

static void test_suggest(void)
{
    char args[1024];
    snprintf(args, sizeof args, "suggest --json --curve '%s/finder/clean.csv'", LRF_FIXTURES_DIR);
    CHECK(cli_run(args) == 0);
    check_config("lrfind suggest --json", false);
}

static void test_train(void)
{
    char args[1024];
    snprintf(args, sizeof args, "train --json --data '%s'", tiny_csv());
    CHECK(cli_run(args) == 0);
    static char json[sizeof cli_out];
    memcpy(json, cli_out, sizeof json);
    /* --epochs: as many epoch records as the default says. */
    int epochs = 0;
    for (const char *p = strstr(json, "{\"epoch\":"); p; p = strstr(p + 1, "{\"epoch\":"))
        epochs++;
    CHECK(cli_run("train --help") == 0);
    /* "default: at least E epochs and S optimizer steps": the run-length rule. */
    char e_min[VALUE_MAX] = "", s_min[VALUE_MAX] = "";
    CHECK(help_token(cli_out, "--epochs E", "at least ", e_min));
    CHECK(help_token(cli_out, "--epochs E", "epochs and ", s_min));
    long spe = (long)cli_json_number(json, "steps_per_epoch");
    long want = spe > 0 ? (atol(s_min) + spe - 1) / spe : -1;
    want = want > atol(e_min) ? want : atol(e_min);
    CHECK_MSG(atol(e_min) >= 1 && atol(s_min) >= 1 && epochs == want,
              "--help: at least %s epochs and %s steps; %ld steps per epoch; ran %d epochs", e_min,
              s_min, spe, epochs);
    /* The training settings are top-level fields here. */
    struct help_case top[sizeof training_help / sizeof training_help[0]];
    memcpy(top, training_help, sizeof top);
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        top[i].object = NULL;
    check_help(cli_out, json, top, sizeof top / sizeof top[0]);
}

int main(void)
{
    cli_run_init("test_cli_defaults");
    library_defaults();
    test_header_and_docs();
    test_range_test();
    test_suggest();
    test_train();
    cli_run_cleanup();
    return check_summary();
}
