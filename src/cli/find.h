/* The range-test command (`lrfind [--data FILE.csv] ...`): its options, the run,
 * the report and the hand-off to training. */
#ifndef LRF_CLI_FIND_H
#define LRF_CLI_FIND_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/json.h"
#include "cli/train_options.h"
#include "lrf/dist.h"
#include "lrf/finder.h"
#include "lrf/train.h"

/* An option the user gave that the hand-off's `lrfind train` command repeats. */
struct cli_find_given {
    const char *name; /* long name without "--" */
    const char *arg;  /* NULL for a flag */
};

enum { CLI_FIND_GIVEN_MAX = 64, CLI_FIND_COMMAND_MAX = 8192 };

struct cli_find_options {
    struct cli_train_options train_opts;             /* data, model, optimizer, batch, seed */
    struct cli_find_given given[CLI_FIND_GIVEN_MAX]; /* the training options, as given */
    size_t n_given;
    struct lrf_finder_config finder;
    bool json, quiet;
    bool progress; /* progress bar on stderr (a terminal, not quiet) */
    const char *curve_path, *plot_path;
    bool train, verify;
    const char *schedule; /* NULL = onecycle */
    int epochs;
    bool epochs_set;
    const char *schedule_plot;
    int verify_epochs;
    bool verify_epochs_set;
    bool data_parallel; /* --data-parallel: under mpirun, each rank its share of the rows */
};

void cli_find_options_init(struct cli_find_options *o);

/* Cross-option checks; CLI_EXIT_OK or CLI_EXIT_USAGE (printed). */
int cli_find_options_check(const struct cli_find_options *o);

/* The SPEC --train uses: --schedule onecycle (the default) and cosine expand to
 * schedules at the suggestion; anything else is the user's SPEC. */
const char *cli_find_train_spec(const struct cli_find_options *o);

/* Loads the data, runs the sweep and everything the options ask for; returns the exit code. */
int cli_find_run(const struct cli_find_options *o);

/* What the report says about the run besides the finder's result. */
struct cli_find_context {
    const struct cli_find_options *opts;
    const struct cli_train_data *data;
    const struct lrf_train_config *train_cfg;
    const struct lrf_trainer *trainer;          /* its task and target scale */
    const struct lrf_finder_config *finder_cfg; /* the sweep's: the options' and run length */
    const char *data_name; /* the CSV path or "built-in Fashion-MNIST subset" */
    char model_spec[128];  /* "mlp:512,256" */
    long steps_per_epoch;  /* optimizer steps, for the run length of the rendered schedules */
    int epochs;            /* the hand-off's run length: --epochs or cli_find_min_epochs */
    int min_epochs;        /* at least 3 epochs and 300 optimizer steps (PLAN.md) */
    double load_seconds, sweep_seconds, trial_seconds;
    double trial_flops;     /* what the trials would cost (cli_trainer_finder_config) */
    bool trials_too_costly; /* so --trials auto turned them off */
    bool interrupted;
    struct lrf_dist *dist; /* the MPI job (cli/dist_run.h); size 1 without mpirun */
    /* gnuplot started for --plot FILE, or NULL */
    struct lrf_plot_prestart *plot;
    size_t n_files; /* the files written, listed in the report */
    const char *file_path[4];
    const char *file_what[4];
};

/* The shortest run one-cycle's phases have room in: at least CLI_FIND_MIN_EPOCHS epochs
 * and CLI_FIND_MIN_STEPS optimizer steps (the hand-off's default run length). */
enum { CLI_FIND_MIN_EPOCHS = 3, CLI_FIND_MIN_STEPS = 300 };
/* The fewest rows the range test holds some out of (issue 12, "bad input"). */
enum { CLI_FIND_MIN_ROWS = 10 };
int cli_find_min_epochs(long steps_per_epoch);

/* The `lrfind train ...` command that trains at the suggestion, every training option
 * the user gave repeated, quoted for a POSIX shell; "" without a suggestion. */
void cli_find_next_command(const struct cli_find_context *ctx, const struct lrf_finder_result *r,
                           char *buf, size_t size);

/* The title of the plots: dataset and model. */
void cli_find_title(const struct cli_find_context *ctx, char *buf, size_t size);

/* The human-readable report (data, sweep, rules, recommended settings). */
void cli_find_print_text(FILE *fp, const struct cli_find_context *ctx,
                         const struct lrf_finder_result *r);

/* Opens the JSON result object and writes every field but the hand-off's; the caller
 * adds "train"/"verify" and closes it. */
void cli_find_json_begin(struct cli_json *j, const struct cli_find_context *ctx,
                         const struct lrf_finder_result *r);

/* --train and --verify: trainings from the trainer's snapshot (the initial model).
 * Each prints its text report to fp (NULL = none) and, with j, a JSON field. */
int cli_find_train(struct lrf_trainer *t, const struct cli_find_context *ctx,
                   const struct lrf_finder_result *r, FILE *fp, struct cli_json *j);
int cli_find_verify(struct lrf_trainer *t, const struct cli_find_context *ctx,
                    const struct lrf_finder_result *r, FILE *fp, struct cli_json *j);

#endif
