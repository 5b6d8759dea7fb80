/* The numbers lrfind's range test prints, checked exactly (issue 17): on a fixed small
 * CSV and seed, the JSON's and the report's suggestion, every rule's lr, the stop, the
 * curve, the one-cycle / cyclic / cosine hand-off, the --verify trials and the --train
 * epochs are compared with the same run done through the library in this process
 * (tests/cli_driver.h); the hand-off is also checked against its documented formulas
 * (cyclic base = max_lr/4, cosine lr = max_lr/3, include/lrf/finder.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "cli_driver.h"
#include "cli_run.h"
#include "json_reader.h"

/* The run: mlp:16 on 800 rows (720 training, 23 batches of 32), 60 rungs from 1e-4
 * to 10; every rule finds a suggestion on it. */
#define RUN_ARGS                                                                                   \
    "-q --model mlp:16 --batch 32 --iters 60 --start-lr 1e-4 --end-lr 10 --threads 1 --data"

/* The documented hand-off ratios (include/lrf/finder.h, struct lrf_finder_robust). */
#define CYCLIC_BASE_DIV 4.0
#define COSINE_DIV 3.0
/* One division in double: exact to the last bit or one ulp away. */
static const double RATIO_REL_TOL = 1e-15;
/* A spec prints lrs with 3 significant digits (%.3g): half a unit of the third. */
static const double SPEC_REL_TOL = 5e-3;
/* --verify: a candidate beats the suggestion only by more than 0.2 points (README). */
#define VERIFY_MARGIN 0.002

static char csv[CLI_RUN_PATH_MAX];
static struct drv D;
static struct drv_options O;

static bool same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* Runs lrfind with RUN_ARGS on o's CSV and more; returns the exit status. */
static int run_on(const struct drv_options *o, const char *more)
{
    char args[2048];
    snprintf(args, sizeof args, RUN_ARGS " '%s' %s", o->data, more);
    return cli_run(args);
}

static int run_small(const char *more)
{
    return run_on(&O, more);
}

/* The number after "key=" in a spec, NaN if absent. */
static double spec_value(const char *spec, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "%s=", key);
    const char *p = strstr(spec, pat);
    return p ? strtod(p + strlen(pat), NULL) : (double)NAN;
}

/* The hand-off against its definition: max_lr is the recommended rule's lr, the
 * other lrs follow from it, and each spec says those numbers and the run length. */
static void check_handoff_formulas(const struct lrf_finder_result *r, long total_steps)
{
    const struct lrf_finder_suggestion *s = &r->suggestion[LRF_FINDER_RULE_ROBUST];
    CHECK(r->recommended == LRF_FINDER_RULE_ROBUST && s->valid && r->rule_lr == s->lr);
    /* The answer is the rule's pick unless a regime response changed it (finder.h). */
    double max_lr = r->max_lr;
    bool one_of = false;
    for (size_t k = 0; k < r->n_trials; k++)
        one_of = one_of || (r->trial[k].max_lr == max_lr && !r->trial[k].diverged);
    CHECK_MSG((r->response == LRF_FINDER_RESPONSE_NONE && max_lr == s->lr) ||
                  (r->response == LRF_FINDER_RESPONSE_CAP && max_lr == r->zero_loss_lr &&
                   max_lr < s->lr) ||
                  (r->response == LRF_FINDER_RESPONSE_TRIALS && one_of),
              "answer %g, rule %g, response %s", max_lr, s->lr,
              lrf_finder_response_name(r->response));
    CHECK_CLOSE(r->one_cycle_max_lr, max_lr, 0, 0);
    CHECK_CLOSE(r->cyclic_max_lr, max_lr, 0, 0);
    CHECK_CLOSE(r->cyclic_base_lr, max_lr / CYCLIC_BASE_DIV, RATIO_REL_TOL, 0);
    CHECK_CLOSE(r->cosine_lr, max_lr / COSINE_DIV, RATIO_REL_TOL, 0);
    CHECK_CLOSE(spec_value(r->one_cycle_spec, "max_lr"), max_lr, SPEC_REL_TOL, 0);
    CHECK_CLOSE(spec_value(r->one_cycle_torch, "max_lr"), max_lr, SPEC_REL_TOL, 0);
    CHECK_CLOSE(spec_value(r->cyclic_spec, "base_lr"), max_lr / CYCLIC_BASE_DIV, SPEC_REL_TOL, 0);
    CHECK_CLOSE(spec_value(r->cyclic_spec, "max_lr"), max_lr, SPEC_REL_TOL, 0);
    CHECK_CLOSE(spec_value(r->cyclic_torch, "base_lr"), max_lr / CYCLIC_BASE_DIV, SPEC_REL_TOL, 0);
    CHECK_CLOSE(spec_value(r->cosine_torch, "lr"), max_lr / COSINE_DIV, SPEC_REL_TOL, 0);
    CHECK_CLOSE(spec_value(r->one_cycle_spec, "total_steps"), total_steps, 0, 0);
    CHECK_CLOSE(spec_value(r->one_cycle_torch, "total_steps"), total_steps, 0, 0);
    CHECK_CLOSE(spec_value(r->cyclic_spec, "step_size_up"), total_steps / 2, 0, 0);
    CHECK_CLOSE(spec_value(r->cosine_spec, "T_max"), total_steps, 0, 0);
    CHECK_CLOSE(spec_value(r->cosine_torch, "T_max"), total_steps, 0, 0);
}

/* Every field the JSON shares with the finder's result, and the whole curve. */
static void check_json_result(const char *doc, const struct lrf_finder_result *r)
{
    CHECK_MSG(json_valid(doc), "not valid JSON: %.200s", doc);
    CHECK_JSON_NUM(doc, "suggested_lr", r->max_lr);
    CHECK_JSON_STR(doc, "confidence", lrf_finder_confidence_name(r->confidence));
    CHECK_JSON_STR(doc, "confidence_reason", r->confidence_reason);
    CHECK_JSON_STR(doc, "response.kind", lrf_finder_response_name(r->response));
    CHECK_JSON_NUM(doc, "response.rule_lr", r->rule_lr);
    CHECK_JSON_NUM(doc, "response.epochs_swept", r->epochs_swept);
    CHECK_JSON_NUM(doc, "response.zero_loss_lr", r->zero_loss_lr);
    CHECK(json_len(doc, "response.trials") == (long)r->n_trials);
    int codes = 0;
    for (int b = 0; b < LRF_FINDER_DIAG_COUNT; b++)
        codes += (r->diagnostics >> b) & 1;
    CHECK(json_len(doc, "diagnosis") == codes);
    CHECK_JSON_STR(doc, "rule", lrf_finder_rule_name(r->recommended));
    for (int q = 0; q < LRF_FINDER_RULE_COUNT; q++) {
        const struct lrf_finder_suggestion *s = &r->suggestion[q];
        const char *name = lrf_finder_rule_name((enum lrf_finder_rule)q);
        char path[128];
        CHECK_MSG(s->valid, "rule %s has no suggestion on the test curve", name);
        snprintf(path, sizeof path, "suggestions.%s", name);
        CHECK_JSON_NUM(doc, path, s->lr);
        snprintf(path, sizeof path, "rules.%s.lr", name);
        CHECK_JSON_NUM(doc, path, s->lr);
        snprintf(path, sizeof path, "rules.%s.index", name);
        CHECK_JSON_NUM(doc, path, (double)s->index);
        snprintf(path, sizeof path, "rules.%s.lr_low", name);
        CHECK_JSON_NUM(doc, path, s->lr_low);
        snprintf(path, sizeof path, "rules.%s.lr_high", name);
        CHECK_JSON_NUM(doc, path, s->lr_high);
    }
    CHECK_JSON_STR(doc, "stop_reason", lrf_finder_stop_name(r->stop_reason));
    CHECK_JSON_NUM(doc, "stop_index", (double)r->stop_index);
    CHECK_JSON_NUM(doc, "points", (double)r->n);
    CHECK_JSON_NUM(doc, "iterations", (double)r->n);
    CHECK_JSON_NUM(doc, "one_cycle.max_lr", r->one_cycle_max_lr);
    CHECK_JSON_STR(doc, "one_cycle.spec", r->one_cycle_spec);
    CHECK_JSON_STR(doc, "one_cycle.torch", r->one_cycle_torch);
    CHECK_JSON_NUM(doc, "cyclic.base_lr", r->cyclic_base_lr);
    CHECK_JSON_NUM(doc, "cyclic.max_lr", r->cyclic_max_lr);
    CHECK_JSON_STR(doc, "cyclic.spec", r->cyclic_spec);
    CHECK_JSON_STR(doc, "cyclic.torch", r->cyclic_torch);
    CHECK_JSON_NUM(doc, "cosine.lr", r->cosine_lr);
    CHECK_JSON_STR(doc, "cosine.spec", r->cosine_spec);
    CHECK_JSON_STR(doc, "cosine.torch", r->cosine_torch);
    CHECK_MSG(json_len(doc, "curve") == (long)r->n, "curve has %ld points, want %zu",
              json_len(doc, "curve"), r->n);
    int bad = 0;
    for (size_t i = 0; i < r->n; i++) {
        char p[3][64];
        snprintf(p[0], sizeof p[0], "curve[%zu].lr", i);
        snprintf(p[1], sizeof p[1], "curve[%zu].loss", i);
        snprintf(p[2], sizeof p[2], "curve[%zu].smoothed", i);
        bad += !same(json_num(doc, p[0], NULL), r->lr[i]) ||
               !same(json_num(doc, p[1], NULL), r->loss[i]) ||
               !same(json_num(doc, p[2], NULL), r->smoothed[i]);
    }
    CHECK_MSG(bad == 0, "%d curve points differ from the library's", bad);
}

/* The curve CSV: "lr,loss,smoothed" and every point at 17 digits. */
static void check_curve_file(const char *path, const struct lrf_finder_result *r)
{
    static char text[1 << 16];
    cli_slurp(path, text, sizeof text);
    CHECK(strncmp(text, "lr,loss,smoothed\n", 17) == 0);
    const char *p = strchr(text, '\n');
    size_t rows = 0;
    int bad = 0;
    while (p && p[1]) {
        char *end;
        double v[3];
        v[0] = strtod(p + 1, &end);
        v[1] = strtod(end + 1, &end);
        v[2] = strtod(end + 1, &end);
        if (rows < r->n)
            bad += !same(v[0], r->lr[rows]) || !same(v[1], r->loss[rows]) ||
                   !same(v[2], r->smoothed[rows]);
        rows++;
        p = strchr(p + 1, '\n');
    }
    CHECK_MSG(rows == r->n && bad == 0, "curve file: %zu rows (want %zu), %d differ", rows, r->n,
              bad);
}

/* The report line that starts with prefix, or NULL. */
static const char *report_line(const char *prefix)
{
    size_t len = strlen(prefix);
    for (const char *p = cli_out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, prefix, len))
            return p;
    return NULL;
}

/* x printed with %.<digits>g and read back: what a reader of the report gets. */
static double as_printed(int digits, double x)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*g", digits, x);
    return strtod(buf, NULL);
}

/* The lr after "name " (or "name * ") in the report's two "rules:" lines, NaN if absent. */
static double rules_lr(const char *name, bool recommended)
{
    const char *block = report_line("rules:  ");
    char pat[48];
    snprintf(pat, sizeof pat, " %s%s ", name, recommended ? " *" : "");
    const char *p = block ? strstr(block, pat) : NULL;
    const char *end = block ? strchr(block, '\n') : NULL;
    end = end ? strchr(end + 1, '\n') : NULL; /* the block is two lines */
    return p && (!end || p < end) ? strtod(p + strlen(pat), NULL) : (double)NAN;
}

/* The answer first: "Suggested max_lr: X (one-cycle)  confidence: C", then the command
 * to run (every training option given, the suggestion, the run length), then why. */
static void check_answer(const struct lrf_finder_result *r, const char *csv_path, int epochs)
{
    char want[4096];
    snprintf(want, sizeof want, "Suggested max_lr: %.3g (one-cycle)  confidence: %s\n", r->max_lr,
             lrf_finder_confidence_name(r->confidence));
    CHECK_MSG(strncmp(cli_out, want, strlen(want)) == 0, "report opens with '%.80s', want '%s'",
              cli_out, want);
    double shown = strtod(cli_out + strlen("Suggested max_lr: "), NULL);
    CHECK(shown == as_printed(3, r->max_lr) && shown == as_printed(3, r->one_cycle_max_lr));
    snprintf(want, sizeof want,
             "\n  lrfind train --model mlp:16 --batch 32 --threads 1 --data %s --schedule "
             "'onecycle(max_lr=%.3g)' --epochs %d\n",
             csv_path, r->max_lr, epochs);
    CHECK_MSG(strstr(cli_out, want) == strchr(cli_out, '\n'), "second line is not '%s'", want);
    snprintf(want, sizeof want, "\nconfidence %s: %s\n", lrf_finder_confidence_name(r->confidence),
             r->confidence_reason);
    CHECK_MSG(strstr(cli_out, want) != NULL, "report lacks '%s'", want);
}

/* The text report: each rule's lr (3 digits, as every lr in text), the stop, the hand-off
 * lines, the run length; returns the run length's epochs (the hand-off's default). */
static int check_text_report(const struct lrf_finder_result *r, long steps_per_epoch)
{
    for (int q = 0; q < LRF_FINDER_RULE_COUNT; q++) {
        const char *name = lrf_finder_rule_name((enum lrf_finder_rule)q);
        double got = rules_lr(name, q == (int)r->recommended);
        CHECK_MSG(got == as_printed(3, r->suggestion[q].lr), "report: %s %.6g, want %.3g", name,
                  got, r->suggestion[q].lr);
    }
    long point = -1;
    double lr = NAN;
    size_t points = 0;
    const char *line = report_line("points: ");
    const char *at = line ? strstr(line, "; stopped: ") : NULL;
    at = at ? strstr(at, "(point ") : NULL;
    CHECK(at && sscanf(at, "(point %ld, lr %lf)", &point, &lr) == 2);
    CHECK(point == r->stop_index && lr == as_printed(3, r->lr[r->stop_index]));
    CHECK(line && sscanf(line, "points: %zu", &points) == 1 && points == r->n);
    char want[512];
    snprintf(want, sizeof want, "\none-cycle: %s\n%s\n", r->one_cycle_spec, r->one_cycle_torch);
    CHECK_MSG(strstr(cli_out, want) != NULL, "report lacks '%s'", want);
    snprintf(want, sizeof want, "\ncyclic:    %s\n", r->cyclic_spec);
    CHECK_MSG(strstr(cli_out, want) != NULL, "report lacks '%s'", want);
    const char *cos = report_line("cosine:    lr ");
    CHECK(cos && strtod(cos + 14, NULL) == as_printed(3, r->cosine_lr));
    snprintf(want, sizeof want, ", %s\n", r->cosine_spec);
    CHECK_MSG(cos && strstr(cos, want) == strchr(cos, ','), "report lacks '%s'", want);
    int epochs = 0;
    long spe = 0, total = 0;
    const char *len = report_line("run length: ");
    CHECK(len && sscanf(len, "run length: %d epochs of %ld steps = %ld steps", &epochs, &spe,
                        &total) == 3);
    CHECK_MSG(spe == steps_per_epoch && epochs >= 1 && total == epochs * spe,
              "run length %d x %ld = %ld, want E x %ld", epochs, spe, total, steps_per_epoch);
    /* PLAN.md's rule: at least 3 epochs and at least 300 optimizer steps, no more. */
    CHECK(epochs >= 3 && total >= 300 && (epochs == 3 || (epochs - 1) * spe < 300));
    return epochs;
}

static void test_report_and_json(void)
{
    long spe = lrf_trainer_steps_per_epoch(D.t);
    CHECK(spe == 23); /* ceil(720 / 32): the data and batch are what the test means */
    CHECK(run_small("") == 0);
    int epochs = drv_default_epochs(&D);
    CHECK(epochs == 14); /* ceil(300 / 23): the run length has 300 steps */
    CHECK(drv_sweep(&D, &O, epochs));
    CHECK(check_text_report(D.r, spe) == epochs);
    check_answer(D.r, csv, epochs);
    check_handoff_formulas(D.r, epochs * spe);

    char more[CLI_RUN_PATH_MAX + 32];
    snprintf(more, sizeof more, "--json --curve '%s'", cli_path("curve.csv"));
    CHECK(run_small(more) == 0);
    check_json_result(cli_out, D.r);
    check_curve_file(cli_path("curve.csv"), D.r);
    unlink(cli_path("curve.csv"));
}

/* --verify: one epoch of one-cycle at x1/3, x1 and x3 the suggestion, each from the
 * initial model; the trials' lrs, factors, losses and accuracies, and the verdict. */
static void check_verify(struct drv *d, const struct drv_options *o)
{
    CHECK(run_on(o, "--json --verify") == 0);
    CHECK(json_valid(cli_out));
    CHECK(drv_sweep(d, o, drv_default_epochs(d)));
    static const double factors[3] = {1.0 / 3.0, 1.0, 3.0};
    double lr[3], loss[3], acc[3];
    CHECK(json_len(cli_out, "verify.trials") == 3);
    for (int c = 0; c < 3; c++) {
        lr[c] = as_printed(3, d->r->one_cycle_max_lr * factors[c]); /* trained as printed */
        char spec[64], path[64];
        snprintf(spec, sizeof spec, "onecycle(max_lr=%.3g)", lr[c]);
        struct lrf_train_epoch ep;
        CHECK(drv_fit(d, spec, d->cfg.optim.lr, NAN, 1, &ep, NULL, 0));
        CHECK(lrf_trainer_evaluate(d->t, &loss[c], &acc[c], &d->err) == LRF_OK);
        snprintf(path, sizeof path, "verify.trials[%d].max_lr", c);
        CHECK_JSON_NUM(cli_out, path, lr[c]);
        snprintf(path, sizeof path, "verify.trials[%d].factor", c);
        CHECK_JSON_NUM(cli_out, path, factors[c]);
        snprintf(path, sizeof path, "verify.trials[%d].val_loss", c);
        CHECK_JSON_NUM(cli_out, path, loss[c]);
        snprintf(path, sizeof path, "verify.trials[%d].val_accuracy", c);
        CHECK_JSON_NUM(cli_out, path, acc[c]);
    }
    int best = 1;
    for (int c = 0; c < 3; c++)
        if (acc[c] > acc[best] + VERIFY_MARGIN)
            best = c;
    CHECK_JSON_NUM(cli_out, "verify.best_max_lr", lr[best]);
    bool ok;
    CHECK(json_bool(cli_out, "verify.suggestion_lost", &ok) == (best != 1) && ok);

    /* The text lists the same trials. */
    CHECK(run_on(o, "--verify") == 0);
    for (int c = 0; c < 3; c++) {
        char want[128];
        snprintf(want, sizeof want, "  max_lr %-10.3g%s val_loss %.4f  val_accuracy %.4f\n", lr[c],
                 c == 1 ? " (suggested)" : "            ", loss[c], acc[c]);
        CHECK_MSG(strstr(cli_out, want) != NULL, "report lacks '%s'", want);
    }
}

static void test_verify(void)
{
    check_verify(&D, &O);
    /* Easy data: every trial reaches the same accuracy, so the verdict rests on the
     * margin (a tie is not a loss). */
    struct drv easy;
    struct drv_options o = O;
    char path[CLI_RUN_PATH_MAX];
    snprintf(path, sizeof path, "%s", cli_path("easy.csv"));
    o.data = path;
    CHECK(drv_write_csv(path, 400, 2, 6.0));
    if (!drv_open(&easy, &o)) {
        CHECK_MSG(0, "the library driver failed on easy.csv");
        return;
    }
    check_verify(&easy, &o);
    drv_close(&easy);
}

/* --train: the recommended schedule (or cosine at the cosine lr) for --epochs from the
 * initial model; its resolved spec, base lr and every epoch's figures. */
static void test_train(void)
{
    struct lrf_train_epoch ep[2];
    char resolved[256];
    CHECK(run_small("--json --train --epochs 2") == 0);
    CHECK(drv_sweep(&D, &O, 2));
    check_json_result(cli_out, D.r);
    check_handoff_formulas(D.r, 2 * lrf_trainer_steps_per_epoch(D.t));
    /* The hand-off trains at the suggestion as printed, so the printed SPEC reproduces it. */
    double shown = as_printed(3, D.r->one_cycle_max_lr);
    CHECK(drv_fit(&D, "onecycle(max_lr=auto)", D.cfg.optim.lr, shown, 2, ep, resolved,
                  sizeof resolved));
    CHECK_JSON_STR(cli_out, "train.schedule", resolved);
    CHECK(spec_value(resolved, "max_lr") == shown);
    drv_check_json_epochs(cli_out, "train.epochs", ep, 2, false);
    CHECK_JSON_NUM(cli_out, "train.val_accuracy", ep[1].val_accuracy);

    /* cosine: at the result's cosine lr (a third of max_lr). */
    CHECK(run_small("--train --epochs 1 --schedule cosine") == 0);
    CHECK(drv_sweep(&D, &O, 1));
    CHECK(drv_fit(&D, "cosine()", as_printed(3, D.r->cosine_lr), NAN, 1, ep, resolved,
                  sizeof resolved));
    char want[512];
    snprintf(want, sizeof want, "train:  %s (base lr %.3g) for 1 epochs, %ld steps\n", resolved,
             D.r->cosine_lr, lrf_trainer_steps_per_epoch(D.t));
    CHECK_MSG(strstr(cli_out, want) != NULL, "report lacks '%s'", want);
    /* The epoch line is lrfind train's. */
    snprintf(want, sizeof want, "  epoch 1/1  train_loss %.4f  val_loss %.4f  val_accuracy %.4f  ",
             ep[0].train_loss, ep[0].val_loss, ep[0].val_accuracy);
    CHECK_MSG(strstr(cli_out, want) != NULL, "report lacks '%s'", want);
}

int main(void)
{
    cli_run_init("test_cli_find_numbers");
    snprintf(csv, sizeof csv, "%s", cli_path("small.csv"));
    if (!drv_write_csv(csv, 800, 1, 1.0)) {
        CHECK_MSG(0, "cannot write %s", csv);
        return check_summary();
    }
    O = (struct drv_options){.data = csv,
                             .model = "mlp:16",
                             .optim = LRF_OPTIM_SGD,
                             .batch = 32,
                             .seed = 0,
                             .val_split = 0.1,
                             .start_lr = 1e-4,
                             .end_lr = 10,
                             .iters = 60};
    if (!drv_open(&D, &O)) {
        CHECK_MSG(0, "the library driver failed");
        return check_summary();
    }
    test_report_and_json();
    test_verify();
    test_train();
    drv_close(&D);
    cli_run_cleanup();
    return check_summary();
}
