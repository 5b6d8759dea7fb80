#include "cli/train_report.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>

void cli_train_config_json(struct cli_json *j, const struct cli_train_options *o,
                           const struct lrf_train_config *c)
{
    bool split = !o->val && (o->data || o->val_split_set);
    cli_json_field_string(j, "optimizer", lrf_optim_kind_name(c->optim.kind));
    cli_json_field_number(j, "lr", c->optim.lr);
    cli_json_field_number(j, "momentum", c->optim.momentum);
    cli_json_field_number(j, "weight_decay", c->optim.weight_decay);
    cli_json_field_int(j, "batch", (long long)c->batch_size);
    if ((size_t)o->batch != c->batch_size) /* capped to the training rows */
        cli_json_field_int(j, "batch_requested", o->batch);
    cli_json_field_int(j, "accumulate", (long long)c->accumulate);
    cli_json_field_int(j, "seed", (long long)c->seed);
    cli_json_field_number(j, "val_split", split ? o->val_split : (double)NAN);
    cli_json_field_string(j, "normalize", lrf_normalize_name(o->normalize));
}

void cli_train_metrics_json(struct cli_json *j, enum lrf_task task, const struct lrf_train_epoch *e)
{
    if (task == LRF_TASK_REGRESSION) {
        cli_json_field_number(j, "val_rmse", e ? e->val_rmse : (double)NAN);
        cli_json_field_number(j, "val_r2", e ? e->val_r2 : (double)NAN);
    } else {
        cli_json_field_number(j, "val_accuracy", e ? e->val_accuracy : (double)NAN);
    }
}

const char *cli_train_metrics_text(enum lrf_task task, const struct lrf_train_epoch *e, char sep,
                                   char *buf, size_t size)
{
    if (task == LRF_TASK_REGRESSION)
        snprintf(buf, size, "val%crmse %.5g  val%cr2 %.4f", sep, e->val_rmse, sep, e->val_r2);
    else
        snprintf(buf, size, "val%caccuracy %.4f", sep, e->val_accuracy);
    return buf;
}

const char *cli_train_loss_text(const struct lrf_trainer *t, char *buf, size_t size)
{
    double mean, std;
    lrf_trainer_target_scale(t, &mean, &std);
    if (lrf_trainer_task(t) == LRF_TASK_REGRESSION)
        snprintf(buf, size, "MSE of the standardized target (mean %.6g, std %.6g)", mean, std);
    else
        snprintf(buf, size, "cross-entropy");
    return buf;
}

void cli_train_epochs_json(struct cli_json *j, enum lrf_task task, const struct lrf_train_epoch *ep,
                           int n)
{
    cli_json_key(j, "epochs");
    cli_json_array_begin(j);
    for (int e = 0; e < n; e++) {
        cli_json_object_begin(j);
        cli_json_field_int(j, "epoch", ep[e].epoch);
        cli_json_field_number(j, "train_loss", ep[e].train_loss);
        cli_json_field_number(j, "val_loss", ep[e].val_loss);
        cli_train_metrics_json(j, task, &ep[e]);
        cli_json_field_number(j, "seconds", ep[e].seconds);
        cli_json_field_number(j, "samples_per_second", ep[e].samples_per_second);
        cli_json_field_number(j, "lr", ep[e].lr);
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
}

const char *cli_batch_note(const struct cli_train_options *o, const struct lrf_train_config *c,
                           char *buf, size_t size)
{
    buf[0] = '\0';
    if ((size_t)o->batch != c->batch_size)
        snprintf(buf, size, " (--batch %ld capped to the %zu training rows)", o->batch,
                 c->batch_size);
    return buf;
}
