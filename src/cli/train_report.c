#include "cli/train_report.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "lrf/dist.h"

/* Within this of chance, an accuracy is chance: one point, more than the noise of a
 * validation set of a few hundred rows around the majority share. */
#define CLI_CHANCE_MARGIN 0.01
/* An epoch this far above chance had learnt something, so falling back is a collapse. */
#define CLI_CHANCE_LEARNT 0.05

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
    cli_json_field_bool(j, "normalize_per_channel",
                        o->normalize != LRF_NORMALIZE_NONE && c->model.arch == LRF_ARCH_CNN);
    cli_json_field_string(j, "augment", lrf_augment_name(c->augment));
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

void cli_train_print_epoch(FILE *fp, const char *indent, enum lrf_task task,
                           const struct lrf_train_epoch *e, int epochs)
{
    char metrics[96];
    fprintf(fp, "%sepoch %*d/%d  train_loss %.4f  val_loss %.4f  %s  %.2f s  %.0f samples/s\n",
            indent, epochs >= 10 ? 2 : 1, e->epoch, epochs, e->train_loss, e->val_loss,
            cli_train_metrics_text(task, e, '_', metrics, sizeof metrics), e->seconds,
            e->samples_per_second);
}

/* The held-out rows per class into count[0..k). Data-parallel: val_rows index the
 * whole file, this rank holds rows [shard.first, shard.first + shard.rows) of it, and
 * the counts are summed over the ranks (every rank calls this). */
static bool count_val_classes(const struct lrf_train_data *d, uint64_t *count, size_t k)
{
    const int32_t *labels = lrf_dataset_labels(d->val);
    struct lrf_error err;
    size_t first = d->dist ? d->shard.first : 0;
    size_t held = d->dist ? d->shard.rows : lrf_dataset_rows(d->val);
    for (size_t i = 0; i < d->n_val; i++) {
        size_t row = d->val_rows ? d->val_rows[i] : i;
        if (row < first || row - first >= held)
            continue;
        int32_t y = labels[row - first];
        if (y >= 0 && (size_t)y < k)
            count[y]++;
    }
    return !d->dist || lrf_dist_allreduce_u64(d->dist, count, k, &err) == LRF_OK;
}

void cli_chance_watch_init(struct cli_chance_watch *w, const struct lrf_train_data *d)
{
    *w = (struct cli_chance_watch){.chance = NAN, .best = -INFINITY, .warned = false};
    size_t k = d->val ? lrf_dataset_classes(d->val) : 0;
    uint64_t *count =
        k >= 2 && d->n_val && lrf_dataset_labels(d->val) ? calloc(k, sizeof *count) : NULL;
    if (!count)
        return;
    if (count_val_classes(d, count, k)) {
        uint64_t most = 0;
        for (size_t c = 0; c < k; c++)
            most = count[c] > most ? count[c] : most;
        w->chance = (double)most / (double)d->n_val;
    }
    free(count);
}

void cli_chance_watch_epoch(struct cli_chance_watch *w, const struct lrf_train_epoch *e, int epochs)
{
    double acc = e->val_accuracy;
    if (isnan(w->chance) || isnan(acc) || w->warned)
        return;
    bool at_chance = acc <= w->chance + CLI_CHANCE_MARGIN;
    bool collapsed = at_chance && w->best > w->chance + CLI_CHANCE_LEARNT;
    if (acc > w->best)
        w->best = acc;
    if (!collapsed && !(at_chance && e->epoch == epochs))
        return;
    w->warned = true;
    if (collapsed)
        cli_errorf("warning: epoch %d/%d: val_accuracy %.4f fell to chance (always predicting "
                   "the most frequent class scores %.4f; best so far %.4f): the training "
                   "collapsed, usually an lr too high; try a smaller lr or max_lr",
                   e->epoch, epochs, acc, w->chance, w->best);
    else
        cli_errorf("warning: val_accuracy %.4f after %d epochs is chance level (always "
                   "predicting the most frequent class scores %.4f): the model learnt nothing; "
                   "check the lr (lrfind --data FILE suggests one) and the label column",
                   acc, epochs, w->chance);
}
