/* The range-test command's run: data, trainer, sweep, then the outputs the
 * options ask for. Files are written only from a complete result, each through
 * an atomic file, so an interrupted or failed run leaves none half-written. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/dist_run.h"
#include "cli/find.h"
#include "cli/json.h"
#include "cli/progress.h"
#include "cli/result_plot.h"
#include "cli/train_auto.h"
#include "lrf/atomic_file.h"
#include "lrf/clock.h"
#include "lrf/interrupt.h"
#include "lrf/plot.h"

void cli_find_options_init(struct cli_find_options *o)
{
    memset(o, 0, sizeof *o);
    cli_train_options_init(&o->train_opts);
    o->finder = lrf_finder_config_default();
    o->epochs = CLI_EPOCHS_DEFAULT;
    o->verify_epochs = 1;
}

/* Long enough that no schedule's own lengths conflict with it when a SPEC is checked. */
enum { SPEC_CHECK_RUN_LENGTH = 1000000 };

/* Every output path, before the data is loaded and the sweep runs. */
static int check_outputs(const struct cli_find_options *o)
{
    int status = CLI_EXIT_OK;
    if (o->curve_path)
        status = cli_check_output("--curve", o->curve_path);
    if (status == CLI_EXIT_OK && o->plot_path)
        status = cli_check_plot_output("--plot", o->plot_path);
    if (status == CLI_EXIT_OK && o->schedule_plot)
        status = cli_check_plot_output("--schedule-plot", o->schedule_plot);
    return status;
}

int cli_find_options_check(const struct cli_find_options *o)
{
    int status = cli_train_options_check(&o->train_opts);
    if (status != CLI_EXIT_OK)
        return status;
    struct lrf_error err;
    if (lrf_finder_config_check(&o->finder, &err) != LRF_OK)
        return cli_usage_error("%s", err.message);
    /* --epochs alone sets the run length of the schedules the report renders. */
    if (!o->train && (o->schedule || o->schedule_plot))
        return cli_usage_error("--schedule and --schedule-plot need --train");
    if (!o->verify && o->verify_epochs_set)
        return cli_usage_error("--verify-epochs needs --verify");
    if ((status = check_outputs(o)) != CLI_EXIT_OK)
        return status;
    if (o->train) {
        /* A bad SPEC is a usage error now, not after loading the data and sweeping.
         * The run length and the suggestion are stand-ins until the sweep gives them. */
        struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
        so.run_length = SPEC_CHECK_RUN_LENGTH;
        so.auto_lr = 1.0;
        struct lrf_sched *s = NULL;
        enum lrf_status st = lrf_sched_parse(cli_find_train_spec(o), &so, &s, &err);
        lrf_sched_destroy(s);
        if (st != LRF_OK)
            return cli_usage_error("--schedule: %s", err.message);
    }
    if (o->train_opts.optim == LRF_OPTIM_ADAGRAD && o->train &&
        (!o->schedule || !strcmp(o->schedule, "onecycle")))
        return cli_usage_error("--train: one-cycle cycles momentum, which adagrad lacks; "
                               "use --schedule cosine or a SPEC with cycle_momentum=false");
    return CLI_EXIT_OK;
}

void cli_find_title(const struct cli_find_context *ctx, char *buf, size_t size)
{
    const struct lrf_dataset *ds = ctx->data->train;
    char outputs[32];
    if (lrf_dataset_task(ds) == LRF_TASK_REGRESSION)
        snprintf(outputs, sizeof outputs, "regression");
    else
        snprintf(outputs, sizeof outputs, "%zu classes", lrf_dataset_classes(ds));
    snprintf(buf, size, "%s (%zu rows, %zu features, %s), %s, %s, batch %zu", ctx->data_name,
             cli_dist_rows(ctx->data), lrf_dataset_features(ds), outputs, ctx->model_spec,
             lrf_optim_kind_name(ctx->train_cfg->optim.kind), ctx->train_cfg->batch_size);
}

/* The finder's observer: the sweep's bar, and when the last rung ended (the trials'
 * time is the rest). */
struct sweep_watch {
    struct cli_progress bar;
    double last_rung; /* lrf_clock_seconds() */
};

static void on_progress(void *watch, const struct lrf_finder_progress *p)
{
    struct sweep_watch *w = watch;
    w->last_rung = lrf_clock_seconds();
    size_t done = p->run * p->num_iter + p->iter + 1;
    char label[96];
    snprintf(label, sizeof label, "lr %.2e loss %.4g", p->lr, p->loss);
    cli_progress_update(&w->bar, (long)done, label);
}

/* Writes the curve CSV atomically. */
static enum lrf_status write_curve(const char *path, const struct lrf_finder_result *r,
                                   struct lrf_error *err)
{
    struct lrf_atomic_file af;
    enum lrf_status st = lrf_atomic_open(&af, path, err);
    if (st)
        return st;
    st = lrf_finder_write_curve(r, af.fp, err);
    if (st) {
        lrf_atomic_abort(&af);
        return st;
    }
    return lrf_atomic_commit(&af, err);
}

static enum lrf_status draw_curve(const struct cli_find_context *ctx,
                                  const struct lrf_finder_result *r, const char *path, FILE *term,
                                  struct lrf_error *err)
{
    char title[512];
    cli_find_title(ctx, title, sizeof title);
    return cli_plot_result(r, title, path, term, path == ctx->opts->plot_path ? ctx->plot : NULL,
                           err);
}

static void json_curve(struct cli_json *j, const struct lrf_finder_result *r)
{
    cli_json_key(j, "curve");
    cli_json_array_begin(j);
    for (size_t i = 0; i < r->n; i++) {
        cli_json_object_begin(j);
        cli_json_field_number(j, "lr", r->lr[i]);
        cli_json_field_number(j, "loss", r->loss[i]);
        cli_json_field_number(j, "smoothed", r->smoothed[i]);
        if (r->runs > 1) {
            cli_json_field_number(j, "loss_q1", r->loss_q1[i]);
            cli_json_field_number(j, "loss_q3", r->loss_q3[i]);
        }
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
}

/* Records a file the report lists. */
static void add_file(struct cli_find_context *ctx, const char *path, const char *what)
{
    if (ctx->n_files < sizeof ctx->file_path / sizeof ctx->file_path[0]) {
        ctx->file_path[ctx->n_files] = path;
        ctx->file_what[ctx->n_files++] = what;
    }
}

/* The curve file and the plot (a text plot goes to stdout, above the report). */
static int write_outputs(struct cli_find_context *ctx, const struct lrf_finder_result *r)
{
    const struct cli_find_options *o = ctx->opts;
    struct lrf_error err;
    int status = CLI_EXIT_OK;
    bool to_stdout = o->curve_path && !strcmp(o->curve_path, "-"); /* after the report */
    if (o->curve_path && !to_stdout && write_curve(o->curve_path, r, &err) != LRF_OK)
        status = cli_fail(&err);
    else if (o->curve_path && !to_stdout)
        add_file(ctx, o->curve_path, "curve");
    bool term = o->plot_path && !strcmp(o->plot_path, "term");
    if (o->plot_path && draw_curve(ctx, r, o->plot_path, o->json ? stderr : stdout, &err))
        status = cli_fail(&err);
    else if (o->plot_path && !term)
        add_file(ctx, o->plot_path, "plot");
    return status;
}

/* Everything after a sweep that produced a result: the files, then the report (the
 * answer first), then --verify and --train. Returns the exit code. */
static int finish(struct lrf_trainer *t, struct cli_find_context *ctx,
                  const struct lrf_finder_result *r)
{
    const struct cli_find_options *o = ctx->opts;
    int status = CLI_EXIT_OK;
    struct cli_json j;
    FILE *text = o->json ? NULL : stdout;
    if (!ctx->interrupted)
        status = write_outputs(ctx, r);
    if (o->json)
        cli_find_json_begin(&j, ctx, r);
    else
        cli_find_print_text(stdout, ctx, r);
    if (ctx->interrupted) {
        /* The partial curve is reported, but no file is written from it. */
        if (o->json) {
            json_curve(&j, r);
            cli_json_object_end(&j);
            cli_json_finish(&j);
        }
        if (r->n < r->num_iter || r->runs < ctx->finder_cfg->runs)
            cli_errorf("interrupted after %zu of %zu steps; no files written", r->n, r->num_iter);
        else
            cli_errorf("interrupted during the trials; no files written (the sweep's answer "
                       "is above)");
        return CLI_EXIT_FAILURE;
    }
    struct lrf_error err;
    if (status == CLI_EXIT_OK && o->curve_path && !strcmp(o->curve_path, "-") &&
        write_curve(o->curve_path, r, &err) != LRF_OK)
        status = cli_fail(&err);
    status = cli_dist_agree_exit(ctx->dist, status); /* what follows is collective */
    if (o->verify && status == CLI_EXIT_OK)
        status = cli_find_verify(t, ctx, r, text, o->json ? &j : NULL);
    if (o->train && status == CLI_EXIT_OK)
        status = cli_find_train(t, ctx, r, text, o->json ? &j : NULL);
    if (o->json) {
        json_curve(&j, r);
        cli_json_object_end(&j);
        cli_json_finish(&j);
    }
    return status;
}

/* The sweep with the trainer as its client, a progress bar and Ctrl-C as observers;
 * then the report and files from its result. Returns the exit code. */
static int sweep(struct lrf_trainer *t, struct cli_find_context *ctx)
{
    const struct cli_find_options *o = ctx->opts;
    const struct lrf_finder_config *fcfg = ctx->finder_cfg;
    struct sweep_watch watch;
    cli_progress_init(&watch.bar, o->progress, "range test", (long)(fcfg->num_iter * fcfg->runs));
    struct lrf_finder_callbacks cb = cli_trainer_callbacks(t, ctx->data->data.val != NULL, NULL);
    cb.observer = &watch; /* the bar, and when the sweep ended (the trials took the rest) */
    cb.progress = on_progress;
    /* Under mpirun, without --data-parallel: the runs spread over the ranks. */
    struct lrf_finder_share share = lrf_dist_finder_share(ctx->dist);
    if (lrf_dist_size(ctx->dist) > 1 && !o->data_parallel && fcfg->runs > 1)
        cb.share = &share;
    struct lrf_finder_result *r = NULL;
    struct lrf_error err;
    double t1 = lrf_clock_seconds();
    watch.last_rung = t1;
    enum lrf_status st = lrf_finder_run(fcfg, &cb, &r, &err);
    double t2 = lrf_clock_seconds();
    ctx->sweep_seconds = watch.last_rung - t1;
    ctx->trial_seconds = r && r->n_trials ? t2 - watch.last_rung : 0.0;
    cli_progress_done(&watch.bar);
    int status;
    if (st == LRF_OK || (st == LRF_ERR_INTERRUPTED && r)) {
        ctx->interrupted = st == LRF_ERR_INTERRUPTED;
        status = finish(t, ctx, r);
    } else {
        status = cli_fail(&err);
    }
    lrf_finder_result_destroy(r);
    return status;
}

int cli_find_min_epochs(long steps_per_epoch)
{
    long spe = steps_per_epoch > 0 ? steps_per_epoch : 1;
    long e = (CLI_FIND_MIN_STEPS + spe - 1) / spe;
    return (int)(e > CLI_FIND_MIN_EPOCHS ? e : CLI_FIND_MIN_EPOCHS);
}

/* The range test checks its answer on held-out rows: with too few rows, or a class of
 * one row, there is nothing to hold out (an error naming the minimum). The class check
 * is left out under --data-parallel, where each rank holds a shard. */
static enum lrf_status check_holdout(const struct cli_find_context *ctx, struct lrf_error *err)
{
    const struct cli_train_data *d = ctx->data;
    if (d->split.n_val == 0 || !ctx->opts->train_opts.data)
        return LRF_OK; /* --val FILE, --val-split 0 or the built-in data */
    const struct lrf_dataset *ds = d->train;
    size_t rows = cli_dist_rows(d); /* data-parallel: every rank's rows */
    if (rows < CLI_FIND_MIN_ROWS)
        return lrf_error_set_at(err, LRF_ERR_DATA, ctx->data_name, 0, 0,
                                "%zu rows: the range test holds out %g of the rows to check its "
                                "answer and needs at least %d rows (or --val FILE)",
                                rows, ctx->opts->train_opts.val_split, CLI_FIND_MIN_ROWS);
    if (lrf_dataset_task(ds) != LRF_TASK_CLASSIFICATION || ctx->opts->data_parallel)
        return LRF_OK; /* a shard's class counts are not the file's */
    for (size_t k = 0; k < lrf_dataset_classes(ds); k++)
        if (lrf_dataset_class_count(ds, k) == 1)
            return lrf_error_set_at(err, LRF_ERR_DATA, ctx->data_name, 0, 0,
                                    "class '%s' has 1 row: the range test holds out rows to "
                                    "check its answer and needs at least 2 rows of every class",
                                    lrf_dataset_class_name(ds, k));
    return LRF_OK;
}

/* The hand-off's run length: --epochs, else the shortest one-cycle has room in; a
 * shorter --epochs is kept with a warning naming that minimum. */
static void set_run_length(struct cli_find_context *ctx, long steps_per_epoch)
{
    const struct cli_find_options *o = ctx->opts;
    ctx->steps_per_epoch = steps_per_epoch;
    ctx->min_epochs = cli_find_min_epochs(steps_per_epoch);
    ctx->epochs = o->epochs_set ? o->epochs : ctx->min_epochs;
    if (ctx->epochs < ctx->min_epochs && !o->quiet)
        fprintf(stderr,
                "lrfind: warning: --epochs %d gives %ld optimizer steps; one-cycle's warm-up "
                "and annealing need at least %d epochs and %d steps: use --epochs %d or more\n",
                ctx->epochs, (long)ctx->epochs * steps_per_epoch, CLI_FIND_MIN_EPOCHS,
                CLI_FIND_MIN_STEPS, ctx->min_epochs);
}

/* The trainer (built), the run length, and the sweep. */
static int run_with(struct lrf_trainer *t, struct cli_find_context *ctx)
{
    const struct cli_find_options *o = ctx->opts;
    ctx->train_cfg = lrf_trainer_config(t); /* as it runs: a batch capped to the rows */
    ctx->trainer = t;
    set_run_length(ctx, lrf_trainer_steps_per_epoch(t));
    struct lrf_finder_config fcfg = o->finder;
    fcfg.total_steps = lrf_trainer_run_steps(t, ctx->epochs);
    ctx->trial_flops = cli_trainer_finder_config(&fcfg, t, ctx->data->data.n_val);
    ctx->trials_too_costly =
        o->finder.trials == LRF_FINDER_TRIALS_AUTO && fcfg.trials == LRF_FINDER_TRIALS_OFF;
    ctx->finder_cfg = &fcfg;
    return sweep(t, ctx);
}

/* gnuplot started for --plot FILE, to get ready while the model is set up and the sweep
 * runs (not earlier: a parse keeps every core busy), when a core is left for it: on
 * cores the sweep's threads fill, its start-up would slow the sweep by as much as it
 * saves after it (measured on 2 cores). NULL otherwise, or if it cannot start (the
 * plot then runs gnuplot as usual and reports what is wrong). */
static struct lrf_plot_prestart *prestart_plot(const struct cli_find_options *o)
{
    enum lrf_plot_format format;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = o->train_opts.threads;
    if (!o->plot_path || lrf_plot_format_from_path(o->plot_path, &format, NULL) != LRF_OK ||
        format == LRF_PLOT_TERM || threads < 1 || cores <= threads)
        return NULL;
    struct lrf_plot_output plot = lrf_plot_output_default();
    plot.path = o->plot_path;
    struct lrf_plot_prestart *ps = NULL;
    return lrf_plot_prestart(&plot, &ps, NULL) == LRF_OK ? ps : NULL;
}

/* Data, trainer, sweep: the same status on every rank of a job at each step. */
static int run(const struct cli_find_options *o, struct lrf_dist *dist)
{
    struct lrf_error err;
    lrf_error_clear(&err);
    struct cli_train_data data;
    struct cli_find_context ctx = {.opts = o, .data = &data, .dist = dist};
    double t0 = lrf_clock_seconds();
    enum lrf_status st = o->data_parallel ? cli_dist_data_load(dist, &o->train_opts, &data, &err)
                                          : cli_train_data_load(&o->train_opts, &data, &err);
    if ((st = lrf_dist_agree(dist, st, &err)) != LRF_OK)
        return cli_train_data_fail(&data, &err);
    ctx.load_seconds = lrf_clock_seconds() - t0;
    ctx.plot = prestart_plot(o);
    ctx.data_name = o->train_opts.data ? o->train_opts.data : "built-in Fashion-MNIST subset";
    struct lrf_train_config tcfg = cli_train_options_config(&o->train_opts, &data);
    ctx.train_cfg = &tcfg;
    lrf_model_format_spec(&tcfg.model, ctx.model_spec, sizeof ctx.model_spec);
    struct lrf_trainer *t = NULL;
    int status;
    st = check_holdout(&ctx, &err);
    if (st == LRF_OK)
        st = lrf_trainer_create(&tcfg, &data.data, &t, &err);
    if ((st = lrf_dist_agree(dist, st, &err)) != LRF_OK) {
        status = cli_fail(&err);
    } else if (o->finder.val_loss && !data.data.val) {
        status =
            cli_usage_error("--val-loss needs validation data (--val FILE or --val-split F > 0)");
    } else {
        status = run_with(t, &ctx);
    }
    lrf_trainer_destroy(t);
    cli_train_data_free(&data);
    lrf_plot_prestart_end(ctx.plot);
    return status;
}

int cli_find_run(const struct cli_find_options *opts)
{
    struct lrf_dist *dist = NULL;
    int status = cli_dist_begin(&dist);
    if (status != CLI_EXIT_OK)
        return status;
    /* Rank 0 alone writes files (the others print nowhere: cli_dist_quiet_others). */
    struct cli_find_options o = *opts;
    if (lrf_dist_rank(dist) != 0)
        o.curve_path = o.plot_path = o.schedule_plot = NULL, o.progress = false;
    o.train_opts.threads = cli_dist_threads(dist, o.train_opts.threads);
    if (o.data_parallel && lrf_dist_size(dist) == 1 && !lrf_dist_launched())
        o.data_parallel = false; /* one process: the ordinary load is the same data */
    status = run(&o, dist);
    cli_dist_end(dist);
    return status;
}
