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
    cli_json_field_bool(j, "normalize_per_channel",
                        o->normalize != LRF_NORMALIZE_NONE && c->model.arch == LRF_ARCH_CNN);
    cli_json_field_string(j, "augment", lrf_augment_name(c->augment));
}

void cli_train_epochs_json(struct cli_json *j, const struct lrf_train_epoch *ep, int n)
{
    cli_json_key(j, "epochs");
    cli_json_array_begin(j);
    for (int e = 0; e < n; e++) {
        cli_json_object_begin(j);
        cli_json_field_int(j, "epoch", ep[e].epoch);
        cli_json_field_number(j, "train_loss", ep[e].train_loss);
        cli_json_field_number(j, "val_loss", ep[e].val_loss);
        cli_json_field_number(j, "val_accuracy", ep[e].val_accuracy);
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
