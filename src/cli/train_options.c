/* The data/model/optimizer options shared by `lrfind train` and the range test. */
#include "cli/train_options.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "cli/cli.h"

void cli_train_options_init(struct cli_train_options *o)
{
    memset(o, 0, sizeof *o);
    o->val_split = 0.1;
    o->normalize = LRF_NORMALIZE_STANDARD;
    o->model = lrf_model_config_default();
    o->optim = LRF_OPTIM_SGD;
    o->batch = 128;
    o->accumulate = 1;
    o->dataset = lrf_dataset_options_default();
}

int cli_train_options_handle(struct cli_train_options *o, int c, const char *arg)
{
    struct lrf_error err;
    long n;
    double v;
    int r = cli_data_option(&o->dataset, c, arg);
    if (r != 0)
        return r;
    switch (c) {
    case CLI_TOPT_DATA:
        o->data = arg;
        return 1;
    case CLI_TOPT_LABEL:
        o->label = arg;
        return 1;
    case CLI_TOPT_VAL:
        o->val = arg;
        return 1;
    case CLI_TOPT_VAL_SPLIT:
        if (!cli_parse_double("--val-split", arg, &v))
            return -1;
        if (!(v >= 0 && v < 1)) {
            cli_usage_error("--val-split: expected a fraction in [0, 1), got '%s'", arg);
            return -1;
        }
        o->val_split = v;
        o->val_split_set = true;
        return 1;
    case CLI_TOPT_NORMALIZE:
        if (lrf_normalize_parse(arg, &o->normalize, &err) != LRF_OK) {
            cli_usage_error("--normalize: %s", err.message);
            return -1;
        }
        return 1;
    case CLI_TOPT_NO_CACHE:
        o->no_cache = true;
        return 1;
    case CLI_TOPT_MODEL:
        if (lrf_model_parse_spec(arg, &o->model, &err) != LRF_OK) {
            cli_usage_error("--model: %s", err.message);
            return -1;
        }
        return 1;
    case CLI_TOPT_OPTIM:
        if (lrf_optim_parse_kind(arg, &o->optim, &err) != LRF_OK) {
            cli_usage_error("--optim: %s", err.message);
            return -1;
        }
        return 1;
    case CLI_TOPT_LR:
        if (!cli_parse_double("--lr", arg, &o->lr))
            return -1;
        if (o->lr < 0) {
            cli_usage_error("--lr: expected a number >= 0, got '%s'", arg);
            return -1;
        }
        o->lr_set = true;
        return 1;
    case CLI_TOPT_MOMENTUM:
        if (!cli_parse_double("--momentum", arg, &o->momentum))
            return -1;
        if (o->momentum < 0 || o->momentum >= 1) {
            cli_usage_error("--momentum: expected a number in [0, 1), got '%s'", arg);
            return -1;
        }
        o->momentum_set = true;
        return 1;
    case CLI_TOPT_WEIGHT_DECAY:
        if (!cli_parse_double("--weight-decay", arg, &o->weight_decay))
            return -1;
        if (o->weight_decay < 0) {
            cli_usage_error("--weight-decay: expected a number >= 0, got '%s'", arg);
            return -1;
        }
        o->weight_decay_set = true;
        return 1;
    case CLI_TOPT_BATCH:
        if (!cli_parse_long("--batch", arg, 1, 1L << 20, &o->batch))
            return -1;
        return 1;
    case CLI_TOPT_ACCUMULATE:
        if (!cli_parse_long("--accumulate", arg, 1, 4096, &o->accumulate))
            return -1;
        return 1;
    case CLI_TOPT_SEED:
        if (!cli_parse_long("--seed", arg, 0, LONG_MAX, &n))
            return -1;
        o->seed = (uint64_t)n;
        return 1;
    case CLI_TOPT_THREADS:
        if (!cli_parse_long("--threads", arg, 1, 256, &n))
            return -1;
        o->threads = (int)n;
        return 1;
    default:
        return 0;
    }
}

int cli_train_options_check(const struct cli_train_options *o)
{
    if (o->val && o->val_split_set)
        return cli_usage_error("--val and --val-split exclude each other");
    if (!o->data && o->label)
        return cli_usage_error("--label needs --data (the built-in dataset's label is fixed)");
    if (!o->data && cli_data_options_given(&o->dataset))
        return cli_usage_error("--sep, --decimal, --drop, --missing and --task need --data");
    if (o->data && o->val && !strcmp(o->data, "-") && !strcmp(o->val, "-"))
        return cli_usage_error("--data - and --val -: standard input can be read only once");
    if (o->optim == LRF_OPTIM_ADAGRAD && o->momentum_set)
        return cli_usage_error("--momentum: adagrad has no momentum");
    return CLI_EXIT_OK;
}

struct lrf_train_config cli_train_options_config(const struct cli_train_options *o)
{
    struct lrf_train_config c = lrf_train_config_default();
    struct lrf_model_config defaults = c.model;
    c.model = o->model;
    c.model.max_batch = defaults.max_batch;
    c.optim = lrf_optim_config_default(o->optim);
    if (o->optim == LRF_OPTIM_SGD)
        c.optim.momentum = 0.9; /* the CLI's default: SGD with momentum, as most recipes */
    if (o->lr_set)
        c.optim.lr = o->lr;
    if (o->momentum_set)
        c.optim.momentum = o->momentum;
    if (o->weight_decay_set)
        c.optim.weight_decay = o->weight_decay;
    c.batch_size = (size_t)o->batch;
    c.accumulate = (size_t)o->accumulate;
    c.seed = o->seed;
    c.threads = o->threads;
    return c;
}

enum lrf_status cli_train_data_load(const struct cli_train_options *o, struct cli_train_data *d,
                                    struct lrf_error *err)
{
    memset(d, 0, sizeof *d);
    enum lrf_status st;
    struct lrf_dataset_options dopt = o->dataset;
    dopt.label = o->label;
    dopt.use_cache = !o->no_cache;
    dopt.threads = o->threads;
    if (o->data)
        st = lrf_dataset_load_csv(o->data, &dopt, &d->train, err);
    else
        st = lrf_dataset_load_builtin(LRF_BUILTIN_TRAIN, &d->train, err);
    if (st)
        goto fail;
    if ((st = cli_data_trainable(d->train, o->data, err)) != LRF_OK)
        goto fail;
    const uint32_t *train_rows = NULL;
    size_t n_train = lrf_dataset_rows(d->train);
    if (o->val) {
        st = lrf_dataset_load_csv_like(o->val, d->train, &dopt, &d->val, err);
        d->val_source = o->val;
    } else if (!o->data && !o->val_split_set) {
        st = lrf_dataset_load_builtin(LRF_BUILTIN_TEST, &d->val, err);
        d->val_source = "builtin:test";
    } else if (o->val_split > 0) {
        st = lrf_dataset_split(d->train, o->val_split, o->seed, &d->split, err);
        train_rows = d->split.train;
        n_train = d->split.n_train;
        d->val_source = "split";
    } else {
        d->val_source = "none";
    }
    if (st)
        goto fail;
    if (o->normalize != LRF_NORMALIZE_NONE) {
        st = lrf_norm_create(d->train, train_rows, n_train, o->normalize, &d->norm, err);
        if (st)
            goto fail;
    }
    d->data.train = d->train;
    d->data.train_rows = train_rows;
    d->data.n_train = n_train;
    d->data.norm = d->norm;
    if (d->val) {
        d->data.val = d->val;
        d->data.n_val = lrf_dataset_rows(d->val);
    } else if (d->split.n_val) {
        d->data.val = d->train;
        d->data.val_rows = d->split.val;
        d->data.n_val = d->split.n_val;
    }
    return LRF_OK;
fail:
    cli_train_data_free(d);
    return st;
}

void cli_train_data_free(struct cli_train_data *d)
{
    lrf_norm_destroy(d->norm);
    lrf_split_free(&d->split);
    lrf_dataset_destroy(d->val);
    lrf_dataset_destroy(d->train);
    memset(d, 0, sizeof *d);
}
