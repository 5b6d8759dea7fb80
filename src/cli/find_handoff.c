/* After the sweep: --verify (short trials at the suggestion and at x1/3 and x3,
 * Leslie Smith's third method) and --train (the recommended schedule from the
 * restored initial model). Both start from the trainer's snapshot, which holds
 * the state from before the sweep. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/dist_run.h"
#include "cli/find.h"
#include "cli/json.h"
#include "cli/progress.h"
#include "cli/train_auto.h"
#include "cli/train_report.h"
#include "lrf/plot.h"

enum { SPEC_MAX = 512, VERIFY_CANDIDATES = 3 };

/* A candidate must beat the suggestion's accuracy by more than this to count as a
 * loss for the suggestion: below it, the difference is within run-to-run noise. */
#define VERIFY_ACCURACY_MARGIN 0.002
/* Regression: a candidate must have an RMSE this much (relatively) lower. */
#define VERIFY_RMSE_MARGIN 0.01

/* Trains t from its snapshot with sched for epochs; fills out[0..epochs). */
static enum lrf_status fit_from_start(struct lrf_trainer *t, struct lrf_sched *sched, int epochs,
                                      const char *title, bool progress, struct lrf_train_epoch *out,
                                      int *done, struct lrf_error *err)
{
    enum lrf_status st = lrf_trainer_restore(t);
    if (st)
        return lrf_error_set(err, st, "cannot restore the initial model");
    lrf_sched_reset(sched);
    struct cli_fit_progress fp;
    cli_fit_progress_init(&fp, progress, title, lrf_trainer_run_steps(t, epochs), epochs);
    st = lrf_trainer_fit(t, sched, epochs, out, done, cli_fit_progress, &fp, err);
    cli_progress_done(&fp.bar);
    return st;
}

/* spec for a run of run_length steps; with r, auto and lr keys left out are the result's
 * suggestions as printed (so the printed command reproduces the run). */
static enum lrf_status parse_schedule(const char *spec, double base_lr,
                                      const struct lrf_finder_result *r, long run_length,
                                      struct lrf_sched **out, struct lrf_error *err)
{
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.base_lr = base_lr;
    so.auto_lr = r ? cli_lr_shown(r->one_cycle_max_lr) : (double)NAN;
    so.auto_base_lr = r ? cli_lr_shown(r->cyclic_base_lr) : (double)NAN;
    so.run_length = run_length;
    return lrf_sched_parse(spec, &so, out, err);
}

static bool has_suggestion(const struct lrf_finder_result *r)
{
    if (isfinite(r->one_cycle_max_lr) && r->one_cycle_max_lr > 0)
        return true;
    cli_errorf("no learning rate to train with: the %s rule found no suggestion%s%s",
               lrf_finder_rule_name(r->recommended), r->advice[0] ? "; " : "", r->advice);
    return false;
}

/* The verify trials: one-cycle at the suggestion and at x1/3 and x3 of it. */
struct verify_trials {
    double lr[VERIFY_CANDIDATES];
    struct lrf_train_epoch m[VERIFY_CANDIDATES]; /* val metrics; NaN when it diverged */
    enum lrf_task task;
    int best; /* the candidate that trained best (the suggestion unless beaten clearly) */
};

/* Whether trial c clearly beat trial b: on accuracy, or (regression) on RMSE; a
 * diverged trial (NaN) loses to any other. */
static bool beats(const struct verify_trials *v, int c, int b)
{
    if (v->task == LRF_TASK_REGRESSION)
        return isnan(v->m[b].val_rmse)
                   ? !isnan(v->m[c].val_rmse)
                   : v->m[c].val_rmse < v->m[b].val_rmse * (1 - VERIFY_RMSE_MARGIN);
    return isnan(v->m[b].val_accuracy)
               ? !isnan(v->m[c].val_accuracy)
               : v->m[c].val_accuracy > v->m[b].val_accuracy + VERIFY_ACCURACY_MARGIN;
}

/* Evaluates the trained model into trial c's metrics. */
static enum lrf_status evaluate_trial(struct lrf_trainer *t, struct verify_trials *v, int c,
                                      struct lrf_error *err)
{
    struct lrf_train_metrics m;
    enum lrf_status st = lrf_trainer_evaluate_metrics(t, &m, err);
    v->m[c].val_loss = m.loss;
    v->m[c].val_accuracy = m.accuracy;
    v->m[c].val_rmse = m.rmse;
    v->m[c].val_r2 = m.r2;
    return st;
}

static const double VERIFY_FACTORS[VERIFY_CANDIDATES] = {1.0 / 3.0, 1.0, 3.0};

/* Trial c's one-cycle training from the initial model and its evaluation; a trial
 * that diverged is NaN (it lost; the others go on). */
static enum lrf_status run_trial(struct lrf_trainer *t, const struct cli_find_options *o,
                                 struct verify_trials *v, int c, struct lrf_error *err)
{
    long steps = lrf_trainer_run_steps(t, o->verify_epochs);
    char spec[SPEC_MAX];
    snprintf(spec, sizeof spec, "onecycle(max_lr=" CLI_LR_FMT ")", v->lr[c]);
    struct lrf_sched *s = NULL;
    double base_lr = lrf_trainer_config(t)->optim.lr;
    enum lrf_status st = parse_schedule(spec, base_lr, NULL, steps, &s, err);
    int done = 0;
    if (st == LRF_OK)
        st = fit_from_start(t, s, o->verify_epochs, "verify", o->progress, NULL, &done, err);
    lrf_sched_destroy(s);
    if (st == LRF_ERR_NUMERIC) {
        v->m[c].val_loss = v->m[c].val_accuracy = v->m[c].val_rmse = v->m[c].val_r2 = NAN;
        return LRF_OK;
    }
    return st ? st : evaluate_trial(t, v, c, err);
}

enum { TRIAL_METRICS = 4 }; /* val loss, accuracy, RMSE, R^2 */

/* Under mpirun: every trial's metrics from the rank that ran it (the others add
 * zeros, so the sums are the values, NaN included), on every rank. */
static void share_trials(struct lrf_dist *d, struct verify_trials *v)
{
    double x[VERIFY_CANDIDATES * TRIAL_METRICS];
    for (int c = 0; c < VERIFY_CANDIDATES; c++) {
        double *m = x + c * TRIAL_METRICS;
        m[0] = v->m[c].val_loss, m[1] = v->m[c].val_accuracy;
        m[2] = v->m[c].val_rmse, m[3] = v->m[c].val_r2;
    }
    if (lrf_dist_allreduce_f64(d, x, VERIFY_CANDIDATES * TRIAL_METRICS, NULL) != LRF_OK)
        lrf_dist_abort(d, CLI_EXIT_FAILURE);
    for (int c = 0; c < VERIFY_CANDIDATES; c++) {
        const double *m = x + c * TRIAL_METRICS;
        v->m[c].val_loss = m[0], v->m[c].val_accuracy = m[1];
        v->m[c].val_rmse = m[2], v->m[c].val_r2 = m[3];
    }
}

/* Trains each candidate from the initial model and evaluates it. Under mpirun without
 * --data-parallel each rank trains its share of the candidates (c on rank c % size). */
static int run_trials(struct lrf_trainer *t, const struct cli_find_context *ctx,
                      const struct lrf_finder_result *r, FILE *fp, struct verify_trials *v)
{
    const struct cli_find_options *o = ctx->opts;
    int size = lrf_dist_size(ctx->dist), rank = lrf_dist_rank(ctx->dist);
    bool spread = size > 1 && !o->data_parallel;
    struct lrf_error err;
    enum lrf_status st = LRF_OK;
    v->task = lrf_trainer_task(t);
    for (int c = 0; c < VERIFY_CANDIDATES; c++) {
        v->lr[c] = cli_lr_shown(r->one_cycle_max_lr * VERIFY_FACTORS[c]);
        memset(&v->m[c], 0, sizeof v->m[c]);
        if (st == LRF_OK && (!spread || c % size == rank))
            st = run_trial(t, o, v, c, &err);
    }
    if (spread && (st = lrf_dist_agree(ctx->dist, st, &err)) == LRF_OK)
        share_trials(ctx->dist, v);
    if (st != LRF_OK)
        return cli_fail(&err);
    for (int c = 0; fp && c < VERIFY_CANDIDATES; c++) {
        const char *label = c == 1 ? " (suggested)" : "            ";
        char metrics[96];
        if (isnan(v->m[c].val_loss))
            fprintf(fp, "  max_lr %-10.3g%s diverged (non-finite training loss)\n", v->lr[c],
                    label);
        else
            fprintf(fp, "  max_lr %-10.3g%s val_loss %.4f  %s\n", v->lr[c], label, v->m[c].val_loss,
                    cli_train_metrics_text(v->task, &v->m[c], '_', metrics, sizeof metrics));
    }
    v->best = 1;
    for (int c = 0; c < VERIFY_CANDIDATES; c++)
        if (beats(v, c, v->best))
            v->best = c;
    return CLI_EXIT_OK;
}

static void report_trials(const struct verify_trials *v, FILE *fp, struct cli_json *j)
{
    bool lost = v->best != 1;
    if (fp && lost)
        fprintf(fp, "  WARNING: the suggestion lost to max_lr " CLI_LR_FMT " (x%s); consider it\n",
                v->lr[v->best], v->best == 0 ? "1/3" : "3");
    else if (fp && v->task == LRF_TASK_REGRESSION)
        fprintf(fp, "  the suggestion trained best (RMSE within %.0f%%)\n",
                VERIFY_RMSE_MARGIN * 100);
    else if (fp)
        fprintf(fp, "  the suggestion trained best (within %.1f points)\n",
                VERIFY_ACCURACY_MARGIN * 100);
    if (!j)
        return;
    cli_json_key(j, "verify");
    cli_json_object_begin(j);
    cli_json_key(j, "trials");
    cli_json_array_begin(j);
    for (int c = 0; c < VERIFY_CANDIDATES; c++) {
        cli_json_object_begin(j);
        cli_json_field_number(j, "max_lr", v->lr[c]);
        cli_json_field_number(j, "factor", VERIFY_FACTORS[c]);
        cli_json_field_number(j, "val_loss", v->m[c].val_loss);
        cli_train_metrics_json(j, v->task, &v->m[c]);
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
    cli_json_field_number(j, "best_max_lr", v->lr[v->best]);
    cli_json_field_bool(j, "suggestion_lost", lost);
    cli_json_object_end(j);
}

int cli_find_verify(struct lrf_trainer *t, const struct cli_find_context *ctx,
                    const struct lrf_finder_result *r, FILE *fp, struct cli_json *j)
{
    const struct cli_find_options *o = ctx->opts;
    if (!has_suggestion(r))
        return CLI_EXIT_FAILURE;
    if (!ctx->data->data.val) {
        cli_errorf("--verify needs validation data (--val FILE or --val-split F > 0)");
        return CLI_EXIT_FAILURE;
    }
    if (fp)
        fprintf(fp, "verify: one-cycle for %d epoch%s at the suggestion and at x1/3, x3\n",
                o->verify_epochs, o->verify_epochs == 1 ? "" : "s");
    struct verify_trials v;
    int status = run_trials(t, ctx, r, fp, &v);
    if (status == CLI_EXIT_OK)
        report_trials(&v, fp, j);
    return status;
}

const char *cli_find_train_spec(const struct cli_find_options *o)
{
    if (!o->schedule || !strcmp(o->schedule, "onecycle"))
        return "onecycle(max_lr=auto)";
    if (!strcmp(o->schedule, "cosine"))
        return "cosine()"; /* at the result's cosine lr, see cli_find_train */
    return o->schedule;
}

static enum lrf_status plot_schedule(const char *path, struct lrf_sched *s, long steps,
                                     const char *spec, struct lrf_error *err)
{
    if (lrf_sched_needs_metric(s))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "--schedule-plot: a plateau schedule depends on the metrics of the "
                             "run and cannot be drawn in advance");
    double *lr = malloc(sizeof *lr * (size_t)steps), *mom = malloc(sizeof *mom * (size_t)steps);
    enum lrf_status st = LRF_OK;
    if (!lr || !mom)
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for %ld schedule steps", steps);
    for (long k = 0; k < steps && st == LRF_OK; k++)
        st = lrf_sched_eval(s, k, &lr[k], &mom[k], err);
    if (st == LRF_OK) {
        struct lrf_plot_output out = lrf_plot_output_default();
        out.path = path;
        char title[SPEC_MAX + 32];
        snprintf(title, sizeof title, "%s, %ld steps", spec, steps);
        st = lrf_plot_schedule(&out, lr, lrf_sched_has_momentum(s) ? mom : NULL, (size_t)steps,
                               title, err);
    }
    free(lr);
    free(mom);
    lrf_sched_reset(s);
    return st;
}

int cli_find_train(struct lrf_trainer *t, const struct cli_find_context *ctx,
                   const struct lrf_finder_result *r, FILE *fp, struct cli_json *j)
{
    const struct cli_find_options *o = ctx->opts;
    char resolved[SPEC_MAX];
    const char *spec = cli_find_train_spec(o);
    bool cosine = o->schedule && !strcmp(o->schedule, "cosine");
    double base_lr = cosine || o->train_opts.lr_auto ? cli_lr_shown(r->cosine_lr)
                                                     : lrf_trainer_config(t)->optim.lr;
    if (strstr(spec, "auto") || cosine || o->train_opts.lr_auto || cli_spec_needs_suggestion(spec))
        if (!has_suggestion(r))
            return CLI_EXIT_FAILURE;
    long steps = lrf_trainer_run_steps(t, ctx->epochs);
    struct lrf_sched *s = NULL;
    struct lrf_error err;
    if (parse_schedule(spec, base_lr, r, steps, &s, &err) != LRF_OK)
        return cli_usage_error("--schedule: %s", err.message);
    lrf_sched_format_spec(s, resolved, sizeof resolved);
    if (o->schedule_plot && plot_schedule(o->schedule_plot, s, steps, resolved, &err) != LRF_OK) {
        lrf_sched_destroy(s);
        return cli_fail(&err);
    }
    struct lrf_train_epoch *ep = calloc((size_t)ctx->epochs, sizeof *ep);
    if (!ep) {
        lrf_sched_destroy(s);
        cli_errorf("out of memory");
        return CLI_EXIT_FAILURE;
    }
    if (fp)
        fprintf(fp, "train:  %s (base lr " CLI_LR_FMT ") for %d epochs, %ld steps\n", resolved,
                base_lr, ctx->epochs, steps);
    int done = 0;
    enum lrf_status st = fit_from_start(t, s, ctx->epochs, "train", o->progress, ep, &done, &err);
    lrf_sched_destroy(s);
    enum lrf_task task = lrf_trainer_task(t);
    struct cli_chance_watch chance;
    cli_chance_watch_init(&chance, &ctx->data->data);
    for (int e = 0; e < done; e++) {
        if (fp)
            cli_train_print_epoch(fp, "  ", task, &ep[e], ctx->epochs);
        cli_chance_watch_epoch(&chance, &ep[e], ctx->epochs);
    }
    if (j) {
        cli_json_key(j, "train");
        cli_json_object_begin(j);
        cli_json_field_string(j, "schedule", resolved);
        cli_train_epochs_json(j, task, ep, done);
        cli_train_metrics_json(j, task, done ? &ep[done - 1] : NULL);
        cli_json_object_end(j);
    }
    free(ep);
    if (st == LRF_ERR_INTERRUPTED) {
        cli_errorf("training interrupted after %d of %d epochs", done, ctx->epochs);
        return CLI_EXIT_FAILURE;
    }
    return st ? cli_fail(&err) : CLI_EXIT_OK;
}

/* arg quoted for a POSIX shell when it needs it ('...', with ' as '\''). */
static void append_quoted(char *buf, size_t size, const char *arg)
{
    size_t used = strlen(buf);
    bool plain = *arg != '\0';
    for (const char *p = arg; *p; p++)
        plain = plain && (isalnum((unsigned char)*p) || strchr("_./:=,+-@%", *p));
    if (plain) {
        snprintf(buf + used, size - used, "%s", arg);
        return;
    }
    snprintf(buf + used, size - used, "'");
    for (const char *p = arg; *p; p++) {
        used = strlen(buf);
        snprintf(buf + used, size - used, *p == '\'' ? "'\\''" : "%c", *p);
    }
    used = strlen(buf);
    snprintf(buf + used, size - used, "'");
}

void cli_find_next_command(const struct cli_find_context *ctx, const struct lrf_finder_result *r,
                           char *buf, size_t size)
{
    const struct cli_find_options *o = ctx->opts;
    buf[0] = '\0';
    if (!(isfinite(r->max_lr) && r->max_lr > 0))
        return;
    snprintf(buf, size, "lrfind train");
    for (size_t k = 0; k < o->n_given; k++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, " --%s", o->given[k].name);
        if (o->given[k].arg) {
            strncat(buf, " ", size - strlen(buf) - 1);
            append_quoted(buf, size, o->given[k].arg);
        }
    }
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, " --schedule 'onecycle(max_lr=" CLI_LR_FMT ")' --epochs %d",
             r->max_lr, ctx->epochs);
}
