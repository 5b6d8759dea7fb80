/* Options shared by `lrfind train` and the range test (`lrfind [--data ...]`):
 * the data (--data, --val, --val-split, --label, --normalize, --no-cache, --shape,
 * --layout), the model (--model), the optimizer (--optim, --lr, --momentum,
 * --weight-decay) and the run (--batch, --accumulate, --seed, --threads, --augment).
 *
 * A command puts CLI_TRAIN_LONG_OPTIONS into its getopt_long table and
 * CLI_TRAIN_SHORT_OPTIONS into its optstring, offers every option it gets to
 * cli_train_options_handle() first, calls cli_train_options_usage() in its
 * --help, then calls cli_train_options_check(), cli_train_data_load() (on failure
 * cli_train_data_fail()) and builds the trainer from cli_train_options_config():
 *
 *     static const struct option longopts[] = {CLI_TRAIN_LONG_OPTIONS,
 *         {"json", no_argument, NULL, OPT_JSON}, {NULL, 0, NULL, 0}};
 *     struct cli_train_options to;
 *     cli_train_options_init(&to);
 *     while ((c = getopt_long(argc, argv, CLI_TRAIN_SHORT_OPTIONS "h", longopts, NULL)) != -1) {
 *         int r = cli_train_options_handle(&to, c, optarg);
 *         if (r < 0) return CLI_EXIT_USAGE;
 *         if (r > 0) continue;
 *         switch (c) { ... the command's own options ... }
 *     }
 */
#ifndef LRF_CLI_TRAIN_OPTIONS_H
#define LRF_CLI_TRAIN_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/data_options.h"
#include "cli/image_options.h"
#include "lrf/dataset.h"
#include "lrf/model.h"
#include "lrf/optim.h"
#include "lrf/train.h"

/* getopt_long values; a command's own options must use values outside
 * CLI_TOPT_FIRST..CLI_TOPT_LAST and letters other than d and l. */
enum {
    CLI_TOPT_DATA = 'd',
    CLI_TOPT_LABEL = 'l',
    CLI_TOPT_FIRST = 0x1000,
    CLI_TOPT_VAL = CLI_TOPT_FIRST,
    CLI_TOPT_VAL_SPLIT,
    CLI_TOPT_NORMALIZE,
    CLI_TOPT_NO_CACHE,
    CLI_TOPT_MODEL,
    CLI_TOPT_OPTIM,
    CLI_TOPT_LR,
    CLI_TOPT_MOMENTUM,
    CLI_TOPT_WEIGHT_DECAY,
    CLI_TOPT_BATCH,
    CLI_TOPT_ACCUMULATE,
    CLI_TOPT_SEED,
    CLI_TOPT_THREADS,
    CLI_TOPT_AUGMENT,
    CLI_TOPT_LAST = CLI_TOPT_AUGMENT
};

#define CLI_TRAIN_SHORT_OPTIONS "d:l:"

#define CLI_TRAIN_LONG_OPTIONS                                                                     \
    {"data", required_argument, NULL, CLI_TOPT_DATA},                                              \
        {"label", required_argument, NULL, CLI_TOPT_LABEL},                                        \
        {"val", required_argument, NULL, CLI_TOPT_VAL},                                            \
        {"val-split", required_argument, NULL, CLI_TOPT_VAL_SPLIT},                                \
        {"normalize", required_argument, NULL, CLI_TOPT_NORMALIZE},                                \
        {"no-cache", no_argument, NULL, CLI_TOPT_NO_CACHE},                                        \
        {"model", required_argument, NULL, CLI_TOPT_MODEL},                                        \
        {"optim", required_argument, NULL, CLI_TOPT_OPTIM},                                        \
        {"lr", required_argument, NULL, CLI_TOPT_LR},                                              \
        {"momentum", required_argument, NULL, CLI_TOPT_MOMENTUM},                                  \
        {"weight-decay", required_argument, NULL, CLI_TOPT_WEIGHT_DECAY},                          \
        {"batch", required_argument, NULL, CLI_TOPT_BATCH},                                        \
        {"accumulate", required_argument, NULL, CLI_TOPT_ACCUMULATE},                              \
        {"seed", required_argument, NULL, CLI_TOPT_SEED},                                          \
        {"threads", required_argument, NULL, CLI_TOPT_THREADS},                                    \
        {"augment", required_argument, NULL, CLI_TOPT_AUGMENT}, CLI_IMAGE_LONG_OPTIONS,            \
        CLI_DATA_LONG_OPTIONS

/* Prints the shared options' help (the "Data:" and "Model and optimizer:" sections). */
void cli_train_options_usage(FILE *fp);

struct cli_train_options {
    const char *data;  /* NULL = built-in dataset */
    const char *val;   /* NULL = split or built-in test part */
    const char *label; /* NULL = auto */
    double val_split;  /* default 0.1 */
    bool val_split_set;
    enum lrf_normalize normalize;
    bool no_cache;
    struct lrf_model_config model; /* --model: architecture, hidden layers and activation */
    bool model_set;                /* else: the CNN for images, the MLP otherwise */
    enum lrf_optim_kind optim;
    double lr, momentum, weight_decay;
    bool lr_set, momentum_set, weight_decay_set;
    bool lr_auto; /* --lr auto: a range test's answer (cli/train_auto.h says which) */
    long batch;
    long accumulate;
    uint64_t seed;
    int threads;        /* --threads: parser and OpenBLAS threads; 0 = all online cores */
    bool load_progress; /* a progress bar while a large CSV loads (set by the command) */
    unsigned augment;   /* --augment: LRF_AUGMENT_* */
    struct cli_image_options image;     /* --shape, --layout */
    struct lrf_dataset_options dataset; /* --sep, --decimal, --drop, --missing, --task */
};

void cli_train_options_init(struct cli_train_options *o);

/* Handles getopt_long's result c with its argument if it is one of the shared
 * options: 1 = handled, 0 = not a shared option, -1 = bad value (a usage error
 * has been printed; exit with CLI_EXIT_USAGE). */
int cli_train_options_handle(struct cli_train_options *o, int c, const char *arg);

/* Cross-option checks after parsing; CLI_EXIT_OK or CLI_EXIT_USAGE (printed). */
int cli_train_options_check(const struct cli_train_options *o);

struct cli_train_data;

/* The trainer configuration: the model decided for the data d (see
 * cli_train_data.model), the optimizer's defaults for --optim (SGD with momentum
 * 0.9), then --lr, --momentum, --weight-decay, --batch, ... */
struct lrf_train_config cli_train_options_config(const struct cli_train_options *o,
                                                 const struct cli_train_data *d);

/* The loaded data the options describe; pass .data to lrf_trainer_create. */
struct cli_train_data {
    struct lrf_dataset *train;
    struct lrf_dataset *val; /* NULL when validating on a split of train (or not at all) */
    struct lrf_split split;  /* used when --val-split applies */
    struct lrf_norm *norm;
    struct lrf_train_data data;
    const char *val_source; /* for reports: "builtin:test", the --val path, "split 0.1", "none" */
    /* The model for this data: --model, else cnn:32,64,128 for images (the input shape
     * set from the data), else mlp:512,256; and why ("--model", "the default for
     * images; --model mlp for the MLP", ...). */
    struct lrf_model_config model;
    char model_why[256];
    bool usage_error; /* set by a failed cli_train_data_load: the options do not fit the data */
};

/* Loads and prepares everything, decides the model and checks that it fits the data
 * (an image shape that does not, a CNN without images or with images too small for
 * its pooling, pixel values outside 0..255: usage errors); on failure fills err
 * (print it with cli_train_data_fail). */
enum lrf_status cli_train_data_load(const struct cli_train_options *o, struct cli_train_data *d,
                                    struct lrf_error *err);
/* Prints cli_train_data_load's failure: a usage error (exit 2) or cli_fail's (1). */
int cli_train_data_fail(const struct cli_train_data *d, const struct lrf_error *err);

/* The model's part of loading (train_model.c): decides d->model for d's training
 * data and checks it; LRF_ERR_INVALID_ARG (a usage error) when it does not fit. */
enum lrf_status cli_train_model_decide(const struct cli_train_options *o, struct cli_train_data *d,
                                       struct lrf_error *err);
/* True when the decided model reads the rows as images (the CNN): the data is then
 * normalized per channel. */
bool cli_train_model_uses_images(const struct cli_train_data *d);
void cli_train_data_free(struct cli_train_data *d);

#endif
