/* The range test's report: what data and model were used and how the sweep
 * went, around the finder's own rule table (cli/suggest_report.h). */
#include <math.h>
#include <stdio.h>

#include "cli/data_options.h"
#include "cli/dist_run.h"
#include "cli/find.h"
#include "cli/image_options.h"
#include "cli/json.h"
#include "cli/suggest_report.h"
#include "cli/train_report.h"

void cli_find_print_text(FILE *fp, const struct cli_find_context *ctx,
                         const struct lrf_finder_result *r)
{
    const struct cli_find_options *o = ctx->opts;
    const struct lrf_dataset *ds = ctx->data->train;
    const struct lrf_train_config *tc = ctx->train_cfg;
    bool regression = lrf_dataset_task(ds) == LRF_TASK_REGRESSION;
    fprintf(fp, "data:   %s: %zu rows (%zu for training), %zu features (%s)", ctx->data_name,
            cli_dist_rows(ctx->data), ctx->data->data.n_train, lrf_dataset_features(ds),
            lrf_storage_name(lrf_dataset_storage(ds)));
    cli_image_print_data(fp, ds);
    if (regression)
        fputs(", regression", fp);
    else
        fprintf(fp, ", %zu classes", lrf_dataset_classes(ds));
    fprintf(fp, "; loaded in %.2f s%s\n", ctx->load_seconds,
            lrf_dataset_from_cache(ds) ? " (cache)" : "");
    if (ctx->opts->train_opts.data)
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
    fprintf(fp, "sweep:  %s from %g to %g over %zu steps",
            lrf_finder_mode_name(ctx->finder_cfg->mode), ctx->finder_cfg->start_lr,
            ctx->finder_cfg->end_lr, ctx->finder_cfg->num_iter);
    if (ctx->finder_cfg->runs > 1)
        fprintf(fp, ", %zu runs", ctx->finder_cfg->runs);
    if (ctx->finder_cfg->val_loss)
        fputs(", validation loss", fp);
    fprintf(fp, "; %.2f s, model restored\n", ctx->sweep_seconds);
    char loss[128];
    if (regression) /* the curve and the suggestion are on this loss, not the target's units */
        fprintf(fp, "loss:   %s\n", cli_train_loss_text(ctx->trainer, loss, sizeof loss));
    cli_finder_print_text(fp, r, ctx->finder_cfg);
    if (isfinite(r->one_cycle_max_lr))
        fprintf(fp, "(run length: %d epochs of %ld steps; --epochs E changes it)\n", o->epochs,
                ctx->steps_per_epoch);
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
}
