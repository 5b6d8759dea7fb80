/* The data/model/optimizer options shared by `lrfind train` and the range test. */
#include "cli/train_options.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/load_progress.h"
#include "lrf/interrupt.h"

/* The held-out fraction of --data when no --val is given. */
#define VAL_SPLIT_DEFAULT 0.1

void cli_train_options_init(struct cli_train_options *o)
{
    /* The trainer's defaults are the CLI's: model, optimizer, batch, accumulation. */
    struct lrf_train_config d = lrf_train_config_default();
    memset(o, 0, sizeof *o);
    o->val_split = VAL_SPLIT_DEFAULT;
    o->normalize = LRF_NORMALIZE_STANDARD;
    o->model = d.model;
    o->optim = d.optim.kind;
    o->batch = (long)d.batch_size;
    o->accumulate = (long)d.accumulate;
    o->dataset = lrf_dataset_options_default();
}

void cli_train_options_usage(FILE *fp)
{
    char normalize[64], optim[128];
    cli_choices(normalize, sizeof normalize, cli_normalize_name, 0, LRF_NORMALIZE_COUNT);
    cli_choices(optim, sizeof optim, cli_optim_name, 0, LRF_OPTIM_COUNT);
    fprintf(
        fp,
        "Data:\n"
        "  -d, --data FILE.csv     training data (default: the built-in Fashion-MNIST subset,\n"
        "                          validated on its built-in test part)\n"
        "      --val FILE.csv      validation data (same columns as --data)\n"
        "      --val-split F       hold out fraction F of --data for validation (default 0.1;\n"
        "                          0 = no validation)\n"
        "  -l, --label NAME|INDEX  label column: header name or 0-based index (-1 = last);\n"
        "                          default: the column named label, class, target, outcome,\n"
        "                          species, else y (no x), else the last if text or few\n"
        "                          integer levels, else the first (inspect says why)\n"
        "%s"
        "      --normalize KIND    %s (default standard);\n"
        "                          statistics from the training rows, per channel for\n"
        "                          the CNN\n"
        "%s"
        "      --no-cache          parse the CSV even if a cached copy is valid\n"
        "Model and optimizer:\n"
        "      --model SPEC        mlp:W1,W2,...[:relu|gelu|tanh] or linear (default mlp:512,256)\n"
        "                          or cnn:W1,W2,... (cnn = cnn:32,64,128, the default for images)\n"
        "      --optim NAME        %s\n"
        "                          (default sgd; PyTorch's update rules)\n"
        "      --lr LR|auto        learning rate when no schedule sets it (default: sgd 0.01,\n"
        "                          adam/adamw 0.001, rmsprop/adagrad 0.01); auto: a third\n"
        "                          of a range test's suggested max_lr (train runs one first)\n"
        "      --momentum M        SGD/RMSprop momentum or Adam beta1 (default: sgd 0.9,\n"
        "                          rmsprop 0, adam/adamw 0.9)\n"
        "      --weight-decay W    L2 penalty; AdamW: decoupled decay (default 0; adamw 0.01)\n"
        "      --batch B           batch size (default 128)\n"
        "      --accumulate N      micro-batches per optimizer step, gradients averaged\n"
        "                          (default 1)\n"
        "      --seed S            seed of the initialization and data order (default 0)\n"
        "      --threads N         the most threads lrfind uses, for CSV parsing and OpenBLAS\n"
        "                          (default: all online cores; OpenBLAS honours\n"
        "                          OPENBLAS_NUM_THREADS)\n"
        "      --augment A         flip, crop or flip,crop: training images mirrored and/or\n"
        "                          shifted up to 4 pixels (zero padded), drawn per batch\n"
        "                          from --seed (default none)\n",
        CLI_DATA_OPTIONS_USAGE, normalize, CLI_IMAGE_OPTIONS_USAGE, optim);
}

/* A number >= 0 (and < 1 when below_one), or a usage error naming the option and what
 * it expects. */
static bool parse_nonneg(const char *option, const char *arg, bool below_one, const char *expected,
                         double *out)
{
    if (!cli_parse_double(option, arg, out))
        return false;
    if (*out >= 0 && (!below_one || *out < 1))
        return true;
    cli_usage_error("%s: expected %s, got '%s'", option, expected, arg);
    return false;
}

/* --data, --label, --val, --val-split, --normalize, --no-cache. */
static int handle_data_option(struct cli_train_options *o, int c, const char *arg)
{
    struct lrf_error err;
    int r = cli_data_option(&o->dataset, c, arg);
    if (r == 0)
        r = cli_image_option(&o->image, c, arg);
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
        if (!parse_nonneg("--val-split", arg, true, "a fraction in [0, 1)", &o->val_split))
            return -1;
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
    default:
        return 0;
    }
}

/* --model, --optim, --lr, --momentum, --weight-decay. */
static int handle_model_option(struct cli_train_options *o, int c, const char *arg)
{
    struct lrf_error err;
    switch (c) {
    case CLI_TOPT_MODEL:
        o->model_set = true;
        if (lrf_model_parse_spec(arg, &o->model, &err) == LRF_OK)
            return 1;
        cli_usage_error("--model: %s", err.message);
        return -1;
    case CLI_TOPT_OPTIM:
        if (lrf_optim_parse_kind(arg, &o->optim, &err) == LRF_OK)
            return 1;
        cli_usage_error("--optim: %s", err.message);
        return -1;
    case CLI_TOPT_LR:
        o->lr_auto = !strcmp(arg, "auto");
        o->lr_set = !o->lr_auto;
        return o->lr_auto || parse_nonneg("--lr", arg, false, "a number >= 0 or auto", &o->lr) ? 1
                                                                                               : -1;
    case CLI_TOPT_MOMENTUM:
        o->momentum_set = true;
        return parse_nonneg("--momentum", arg, true, "a number in [0, 1)", &o->momentum) ? 1 : -1;
    case CLI_TOPT_WEIGHT_DECAY:
        o->weight_decay_set = true;
        return parse_nonneg("--weight-decay", arg, false, "a number >= 0", &o->weight_decay) ? 1
                                                                                             : -1;
    default:
        return 0;
    }
}

/* --batch, --accumulate, --seed, --threads. */
static int handle_run_option(struct cli_train_options *o, int c, const char *arg)
{
    long n;
    switch (c) {
    case CLI_TOPT_BATCH:
        return cli_parse_long("--batch", arg, 1, LRF_TRAIN_BATCH_MAX, &o->batch) ? 1 : -1;
    case CLI_TOPT_ACCUMULATE:
        return cli_parse_long("--accumulate", arg, 1, LRF_TRAIN_ACCUMULATE_MAX, &o->accumulate)
                   ? 1
                   : -1;
    case CLI_TOPT_SEED:
        if (!cli_parse_long("--seed", arg, 0, LONG_MAX, &n))
            return -1;
        o->seed = (uint64_t)n;
        return 1;
    case CLI_TOPT_THREADS:
        if (!cli_parse_long("--threads", arg, 1, CLI_THREADS_MAX, &n))
            return -1;
        o->threads = (int)n;
        return 1;
    case CLI_TOPT_AUGMENT: {
        struct lrf_error err;
        if (lrf_augment_parse(arg, &o->augment, &err) == LRF_OK)
            return 1;
        cli_usage_error("--augment: %s", err.message);
        return -1;
    }
    default:
        return 0;
    }
}

int cli_train_options_handle(struct cli_train_options *o, int c, const char *arg)
{
    int r = handle_data_option(o, c, arg);
    if (r == 0)
        r = handle_model_option(o, c, arg);
    if (r == 0)
        r = handle_run_option(o, c, arg);
    return r;
}

int cli_train_options_check(const struct cli_train_options *o)
{
    if (o->val && o->val_split_set)
        return cli_usage_error("--val and --val-split exclude each other");
    if (!o->data && o->label)
        return cli_usage_error("--label needs --data (the built-in dataset's label is fixed)");
    if (!o->data && cli_data_options_given(&o->dataset))
        return cli_usage_error("--sep, --decimal, --drop, --missing and --task need --data");
    if (cli_image_options_check(&o->image, o->data) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    if (o->data && o->val && !strcmp(o->data, "-") && !strcmp(o->val, "-"))
        return cli_usage_error("--data - and --val -: standard input can be read only once");
    if (o->optim == LRF_OPTIM_ADAGRAD && o->momentum_set)
        return cli_usage_error("--momentum: adagrad has no momentum");
    return CLI_EXIT_OK;
}

struct lrf_train_config cli_train_options_config(const struct cli_train_options *o,
                                                 const struct cli_train_data *d)
{
    struct lrf_train_config c = lrf_train_config_default();
    struct lrf_model_config defaults = c.model;
    c.model = d->model;
    c.model.max_batch = defaults.max_batch;
    /* The trainer's default optimizer is SGD with momentum 0.9, as most recipes; any
     * other starts from PyTorch's defaults. */
    if (o->optim != c.optim.kind)
        c.optim = lrf_optim_config_default(o->optim);
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
    c.augment = o->augment;
    return c;
}

/* A CSV (encoded like ref when given), with a progress bar on a terminal. */
static enum lrf_status load_csv(const struct cli_train_options *o, const char *path,
                                const struct lrf_dataset *ref, struct lrf_dataset_options *dopt,
                                struct lrf_dataset **out, struct lrf_error *err)
{
    if (!ref && dopt->use_cache)
        cli_cache_env_check();
    struct cli_load_progress bar;
    cli_load_progress_start(&bar, o->load_progress, path, dopt);
    enum lrf_status st = ref ? lrf_dataset_load_csv_like(path, ref, dopt, out, err)
                             : lrf_dataset_load_csv(path, dopt, out, err);
    cli_load_progress_done(&bar, dopt);
    return st;
}

/* The normalization of the training rows: per channel when the model reads them
 * as images. */
static enum lrf_status make_norm(const struct cli_train_options *o, struct cli_train_data *d,
                                 const uint32_t *rows, size_t n, struct lrf_error *err)
{
    if (o->normalize == LRF_NORMALIZE_NONE)
        return LRF_OK;
    if (cli_train_model_uses_images(d))
        return lrf_norm_create_per_channel(d->train, rows, n, o->normalize, &d->norm, err);
    return lrf_norm_create(d->train, rows, n, o->normalize, &d->norm, err);
}

/* The validation data: --val, the built-in test part, a split of --data, or none. */
static enum lrf_status load_validation(const struct cli_train_options *o,
                                       struct lrf_dataset_options *dopt, struct cli_train_data *d,
                                       struct lrf_error *err)
{
    if (o->val) {
        d->val_source = o->val;
        return load_csv(o, o->val, d->train, dopt, &d->val, err);
    }
    if (!o->data && !o->val_split_set) {
        d->val_source = "builtin:test";
        return lrf_dataset_load_builtin(LRF_BUILTIN_TEST, &d->val, err);
    }
    if (o->val_split > 0) {
        d->val_source = "split";
        return lrf_dataset_split(d->train, o->val_split, o->seed, &d->split, err);
    }
    d->val_source = "none";
    return LRF_OK;
}

enum lrf_status cli_train_data_load(const struct cli_train_options *o, struct cli_train_data *d,
                                    struct lrf_error *err)
{
    memset(d, 0, sizeof *d);
    enum lrf_status st;
    bool usage = false;
    struct lrf_dataset_options dopt = o->dataset;
    dopt.label = o->label;
    dopt.use_cache = !o->no_cache;
    dopt.threads = o->threads; /* --threads bounds parsing too: the process's most threads */
    dopt.interrupted = lrf_interrupt_poll; /* Ctrl-C/SIGTERM end a long load */
    if (o->data)
        st = load_csv(o, o->data, NULL, &dopt, &d->train, err);
    else
        st = lrf_dataset_load_builtin(LRF_BUILTIN_TRAIN, &d->train, err);
    if (st)
        goto fail;
    /* Before --val is read: it takes the training data's shape. */
    if ((st = cli_image_apply(&o->image, d->train, o->data, err)) != LRF_OK) {
        usage = true;
        goto fail;
    }
    const uint32_t *train_rows = NULL;
    size_t n_train = lrf_dataset_rows(d->train);
    if ((st = load_validation(o, &dopt, d, err)) != LRF_OK)
        goto fail;
    if (d->split.n_train) {
        train_rows = d->split.train;
        n_train = d->split.n_train;
    }
    if ((st = cli_train_model_decide(o, d, err)) != LRF_OK) {
        usage = true;
        goto fail;
    }
    if ((st = make_norm(o, d, train_rows, n_train, err)) != LRF_OK)
        goto fail;
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
    d->usage_error = usage;
    return st;
}

int cli_train_data_fail(const struct cli_train_data *d, const struct lrf_error *err)
{
    if (!d->usage_error)
        return cli_fail(err);
    char buf[LRF_ERROR_MESSAGE_MAX + LRF_ERROR_FILE_MAX + 64];
    lrf_error_format(err, buf, sizeof buf);
    return cli_usage_error("%s", buf);
}

void cli_train_data_free(struct cli_train_data *d)
{
    lrf_norm_destroy(d->norm);
    lrf_split_free(&d->split);
    lrf_dataset_destroy(d->val);
    lrf_dataset_destroy(d->train);
    memset(d, 0, sizeof *d);
}
