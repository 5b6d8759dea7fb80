/* The range test's report: what data and model were used and how the sweep
 * went, around the finder's own rule table (cli/suggest_report.h). */
#include <math.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/data_options.h"
#include "cli/dist_run.h"
#include "cli/find.h"
#include "cli/image_options.h"
#include "cli/json.h"
#include "cli/suggest_report.h"
#include "cli/train_auto.h"
#include "cli/train_report.h"

/* The answer first (issue 15): the suggestion and its confidence, the command to run,
 * why that confidence, and the run length the suggestion is for. */
static void print_answer(FILE *fp, const struct cli_find_context *ctx,
                         const struct lrf_finder_result *r)
{
    char cmd[CLI_FIND_COMMAND_MAX];
    cli_find_next_command(ctx, r, cmd, sizeof cmd);
    if (cmd[0]) {
        fprintf(fp, "Suggested max_lr: " CLI_LR_FMT " (one-cycle)  confidence: %s\n", r->max_lr,
                lrf_finder_confidence_name(r->confidence));
        fprintf(fp, "  %s\n", cmd);
    } else {
        fprintf(fp, "Suggested max_lr: none  confidence: %s\n",
                lrf_finder_confidence_name(r->confidence));
    }
    cli_finder_print_trust(fp, r);
    fprintf(fp, "run length: %d epochs of %ld steps = %ld steps", ctx->epochs, ctx->steps_per_epoch,
            (long)ctx->epochs * ctx->steps_per_epoch);
    if (ctx->opts->epochs_set)
        fprintf(fp, " (--epochs; one-cycle needs >= %d)\n", ctx->min_epochs);
    else
        fprintf(fp, " (>= %d epochs and >= %d steps)\n", CLI_FIND_MIN_EPOCHS, CLI_FIND_MIN_STEPS);
}

/* What was swept: data, label, model and the sweep's settings and time. */
static void print_setup(FILE *fp, const struct cli_find_context *ctx)
{
    const struct cli_find_options *o = ctx->opts;
    const struct lrf_dataset *ds = ctx->data->train;
    const struct lrf_train_config *tc = ctx->train_cfg;
    const struct lrf_finder_config *f = ctx->finder_cfg;
    bool regression = lrf_dataset_task(ds) == LRF_TASK_REGRESSION;
    fprintf(fp, "data:   %s: %zu rows", ctx->data_name, cli_dist_rows(ctx->data));
    if (ctx->data->split.n_val)
        fprintf(fp, " (%zu held out)", ctx->data->split.n_val);
    fprintf(fp, ", %zu features (%s)", lrf_dataset_features(ds),
            lrf_storage_name(lrf_dataset_storage(ds)));
    cli_image_print_data(fp, ds);
    if (regression)
        fputs(", regression", fp);
    else
        fprintf(fp, ", %zu classes", lrf_dataset_classes(ds));
    if (!ctx->data->split.n_val && ctx->data->data.n_val)
        fprintf(fp, ", validated on %zu", ctx->data->data.n_val);
    fprintf(fp, "; %.2f s%s\n", ctx->load_seconds, lrf_dataset_from_cache(ds) ? " (cache)" : "");
    if (o->train_opts.data)
        cli_data_print_label(fp, ds);
    fprintf(fp, "model:  %s", ctx->model_spec);
    if (ctx->data->model_why[0])
        fprintf(fp, " (%s)", ctx->data->model_why);
    fprintf(fp, ", %s lr-swept", lrf_optim_kind_name(tc->optim.kind));
    if (tc->optim.kind != LRF_OPTIM_ADAGRAD)
        fprintf(fp, " (momentum %g)", tc->optim.momentum);
    char note[96];
    fprintf(fp, ", batch %zu%s", tc->batch_size,
            cli_batch_note(&o->train_opts, tc, note, sizeof note));
    if (tc->accumulate > 1)
        fprintf(fp, " x %zu accumulated", tc->accumulate);
    fprintf(fp, ", seed %llu\n", (unsigned long long)tc->seed);
    fprintf(fp, "sweep:  %s %g to %g, %zu steps", lrf_finder_mode_name(f->mode), f->start_lr,
            f->end_lr, f->num_iter);
    if (f->runs > 1)
        fprintf(fp, ", %zu runs", f->runs);
    if (f->val_loss)
        fputs(", validation loss", fp);
    fprintf(fp, ", %.2f s", ctx->sweep_seconds);
    if (ctx->trial_seconds > 0)
        fprintf(fp, " (+ %.2f s of trials)", ctx->trial_seconds);
    fputs(", model restored\n", fp);
    char loss[128];
    if (regression) /* the curve and the suggestion are on this loss, not the target units */
        fprintf(fp, "loss:   %s\n", cli_train_loss_text(ctx->trainer, loss, sizeof loss));
}

/* How the curve went and every rule's pick, the hand-off, trials and advice. */
static void print_details(FILE *fp, const struct cli_find_context *ctx,
                          const struct lrf_finder_result *r)
{
    fprintf(fp, "points: %zu", r->n);
    if (r->runs > 1)
        fprintf(fp, " (median of %zu runs)", r->runs);
    fprintf(fp, "; stopped: %s", lrf_finder_stop_describe(r->stop_reason));
    if (r->stop_index >= 0 && (size_t)r->stop_index < r->n)
        fprintf(fp, " (point %ld, lr " CLI_LR_FMT ")", r->stop_index, r->lr[r->stop_index]);
    fputc('\n', fp);
    cli_finder_print_rules_compact(fp, r);
    cli_finder_print_trials(fp, r);
    const unsigned regimes = LRF_FINDER_DIAG_FEW_BATCHES | LRF_FINDER_DIAG_LOSS_ZERO;
    if (ctx->trials_too_costly && (r->diagnostics & regimes))
        fprintf(fp,
                "trials: skipped, they would take %.2g TFLOP (more than %.2g): --trials always\n",
                ctx->trial_flops / 1e12, CLI_TRIAL_FLOPS_MAX / 1e12);
    if (isfinite(r->one_cycle_max_lr)) {
        /* The PyTorch line unindented: it fits 80 columns (the others are in --json). */
        fprintf(fp, "one-cycle: %s\n%s\n", r->one_cycle_spec, r->one_cycle_torch);
        fprintf(fp, "cyclic:    %s\n", r->cyclic_spec);
        fprintf(fp, "cosine:    lr " CLI_LR_FMT ", %s\n", r->cosine_lr, r->cosine_spec);
    } else if (r->advice[0]) { /* with an answer, the diagnosis line says it (--json: all) */
        fprintf(fp, "advice: %s\n", r->advice);
    }
    for (size_t k = 0; k < ctx->n_files; k++)
        fprintf(fp, "%s%s (%s)%s", k == 0 ? "files:  " : ", ", ctx->file_path[k], ctx->file_what[k],
                k + 1 == ctx->n_files ? "\n" : "");
}

void cli_find_print_text(FILE *fp, const struct cli_find_context *ctx,
                         const struct lrf_finder_result *r)
{
    print_answer(fp, ctx, r);
    print_setup(fp, ctx);
    print_details(fp, ctx, r);
}

/* "task" and the loss the curve is on: "cross_entropy", or "mse" of the targets
 * standardized with "target_mean" and "target_std". */
static void json_loss(struct cli_json *j, const struct cli_find_context *ctx)
{
    enum lrf_task task = lrf_trainer_task(ctx->trainer);
    cli_json_field_string(j, "task", lrf_task_name(task));
    cli_json_field_string(j, "loss", lrf_loss_name(ctx->train_cfg->model.loss));
    if (task == LRF_TASK_REGRESSION) {
        double mean, std;
        lrf_trainer_target_scale(ctx->trainer, &mean, &std);
        cli_json_field_number(j, "target_mean", mean);
        cli_json_field_number(j, "target_std", std);
    }
}

void cli_find_json_begin(struct cli_json *j, const struct cli_find_context *ctx,
                         const struct lrf_finder_result *r)
{
    const struct cli_find_options *o = ctx->opts;
    const struct lrf_dataset *ds = ctx->data->train;
    cli_json_init(j, stdout);
    cli_json_object_begin(j);
    cli_finder_json_fields(j, r, ctx->finder_cfg);
    json_loss(j, ctx);
    cli_json_field_int(j, "iterations", (long long)r->n);
    cli_json_field_bool(j, "interrupted", ctx->interrupted);
    cli_json_key(j, "data");
    cli_json_object_begin(j);
    cli_json_field_string(j, "source", ctx->data_name);
    cli_json_field_int(j, "rows", (long long)cli_dist_rows(ctx->data));
    cli_json_field_int(j, "train_rows", (long long)ctx->data->data.n_train);
    cli_json_field_int(j, "features", (long long)lrf_dataset_features(ds));
    cli_json_field_int(j, "classes", (long long)lrf_dataset_classes(ds));
    cli_json_field_string(j, "task", lrf_task_name(lrf_dataset_task(ds)));
    cli_json_field_string(j, "storage", lrf_storage_name(lrf_dataset_storage(ds)));
    cli_json_field_bool(j, "from_cache", lrf_dataset_from_cache(ds));
    cli_json_field_number(j, "load_seconds", ctx->load_seconds);
    cli_image_json(j, ds);
    cli_json_object_end(j);
    cli_json_field_string(j, "model", ctx->model_spec);
    cli_json_field_string(j, "model_why", ctx->data->model_why);
    cli_json_field_string(j, "optimizer", lrf_optim_kind_name(ctx->train_cfg->optim.kind));
    cli_json_key(j, "training");
    cli_json_object_begin(j);
    cli_train_config_json(j, &o->train_opts, ctx->train_cfg);
    cli_json_object_end(j);
    cli_json_key(j, "sweep");
    cli_json_object_begin(j);
    cli_json_field_number(j, "start_lr", ctx->finder_cfg->start_lr);
    cli_json_field_number(j, "end_lr", ctx->finder_cfg->end_lr);
    cli_json_field_int(j, "num_iter", (long long)ctx->finder_cfg->num_iter);
    cli_json_field_string(j, "mode", lrf_finder_mode_name(ctx->finder_cfg->mode));
    cli_json_field_bool(j, "val_loss", ctx->finder_cfg->val_loss);
    cli_json_field_number(j, "seconds", ctx->sweep_seconds);
    cli_json_object_end(j);
    char cmd[CLI_FIND_COMMAND_MAX];
    cli_find_next_command(ctx, r, cmd, sizeof cmd);
    cli_json_field_string(j, "next_command", cmd);
    cli_json_key(j, "trials");
    cli_json_object_begin(j);
    cli_json_field_number(j, "flops", ctx->trial_flops);
    cli_json_field_bool(j, "skipped_for_cost", ctx->trials_too_costly);
    cli_json_object_end(j);
    cli_json_key(j, "run_length");
    cli_json_object_begin(j);
    cli_json_field_int(j, "epochs", ctx->epochs);
    cli_json_field_int(j, "steps_per_epoch", ctx->steps_per_epoch);
    cli_json_field_int(j, "total_steps", (long long)ctx->epochs * ctx->steps_per_epoch);
    cli_json_field_int(j, "min_epochs", ctx->min_epochs);
    cli_json_field_bool(j, "from_epochs_option", o->epochs_set);
    cli_json_object_end(j);
    cli_json_key(j, "files");
    cli_json_array_begin(j);
    for (size_t k = 0; k < ctx->n_files; k++) {
        cli_json_object_begin(j);
        cli_json_field_string(j, "path", ctx->file_path[k]);
        cli_json_field_string(j, "what", ctx->file_what[k]);
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
}
