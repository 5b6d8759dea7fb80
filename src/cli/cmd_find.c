/* lrfind [--data FILE.csv] [OPTIONS]: the range test on the built-in model,
 * its report, curve file and plot, and the optional hand-off to training. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/find.h"
#include "cli/train_options.h"
#include "lrf/clock.h"
#include "lrf/interrupt.h"

enum {
    OPT_START_LR = 0x2000,
    OPT_END_LR,
    OPT_ITERS,
    OPT_MODE,
    OPT_SMOOTH,
    OPT_DIVERGE,
    OPT_RULE,
    OPT_RUNS,
    OPT_VAL_LOSS,
    OPT_BATCHES_PER_RUNG,
    OPT_JSON,
    OPT_CURVE,
    OPT_PLOT,
    OPT_TRAIN,
    OPT_SCHEDULE,
    OPT_EPOCHS,
    OPT_SCHEDULE_PLOT,
    OPT_VERIFY,
    OPT_VERIFY_EPOCHS,
    OPT_DATA_PARALLEL,
    OPT_TRIALS,
};

/* The CLI's own bounds, tighter than the library's: a sweep or a trial longer than
 * these is a typo, not a plan. */
enum { ITERS_MAX = 1000000, BATCHES_PER_RUNG_MAX = 10000, VERIFY_EPOCHS_MAX = 1000 };

void cli_find_usage(void)
{
    fputs("Range test: lrfind [--data FILE.csv] [OPTIONS]\n"
          "Runs a learning-rate range test on a built-in model (an MLP, a CNN for images):\n"
          "trains while the lr sweeps exponentially, smooths the loss, stops at divergence,\n"
          "restores the model, and suggests the max_lr of a one-cycle schedule (and\n"
          "cosine/cyclic settings).\n"
          "\n",
          stdout);
    cli_train_options_usage(stdout);
    char rules[128], smoothings[64], modes[32];
    printf(
        "Sweep:\n"
        "      --start-lr LR       first lr of the sweep (default 1e-7)\n"
        "      --end-lr LR         last lr of the sweep (default 10)\n"
        "      --iters N           optimizer steps in the sweep (default 100)\n"
        "      --mode MODE         lr grid: %s (default exp)\n"
        "      --smooth KIND       %s (default ema_debiased, beta\n"
        "                          0.98; ema: f 0.05)\n"
        "      --diverge F         stop when the smoothed loss exceeds F x the best\n"
        "                          (default 4; 0 = never)\n"
        "      --rule NAME         recommended rule (default robust): one of\n"
        "                          %s\n"
        "      --runs K            K sweeps with different data orders: median curve,\n"
        "                          spread and suggestion interval (default 1)\n"
        "      --val-loss          record the loss of a fixed validation subset after each\n"
        "                          step (Leslie Smith) instead of the training loss\n"
        "      --batches-per-rung N  optimizer steps per lr, loss averaged (default 1)\n"
        "      --trials WHEN       short one-cycle trials on the held-out rows to check\n"
        "                          the pick: auto (default: when the sweep revisited its\n"
        "                          batches and they are cheap), off or always\n"
        "Output:\n"
        "      --json              print the whole result as JSON\n"
        "      --curve FILE.csv    write lr, loss, smoothed per iteration (the form\n"
        "                          'lrfind suggest --curve' reads); '-' = standard output\n"
        "      --plot FILE|term    draw the curve: .png, .svg, .pdf, or text ('term',\n"
        "                          above the report)\n"
        "  -q, --quiet             no progress bar, no text plot, only the result\n"
        "Hand-off:\n"
        "      --train             then train from the restored initial model\n"
        "      --schedule S        onecycle (default), cosine, or a SPEC of 'lrfind\n"
        "                          schedule' where max_lr=auto means the suggestion\n"
        "      --epochs E          the run length of the hand-off and --train (default:\n"
        "                          at least 3 epochs and 300 optimizer steps)\n"
        "      --schedule-plot F   draw the lr and momentum of that schedule\n"
        "      --verify            short trial trainings at the suggestion and at x1/3\n"
        "                          and x3 of it; reports which trained best\n"
        "      --verify-epochs E   epochs of each trial (default 1)\n"
        "Under mpirun (docs/scaling.md): the --runs and the --verify trials are spread\n"
        "over the ranks; --threads defaults to the cores per rank.\n"
        "      --data-parallel     each rank reads its share of --data's rows; every\n"
        "                          step's batch (--batch, the global batch) is split by\n"
        "                          where its rows are, gradients summed over the ranks\n"
        "  -h, --help              show this help and exit\n",
        cli_choices(modes, sizeof modes, cli_mode_name, 0, LRF_FINDER_MODE_COUNT),
        cli_choices(smoothings, sizeof smoothings, cli_smoothing_name, 0, LRF_FINDER_SMOOTH_COUNT),
        cli_choices(rules, sizeof rules, cli_rule_name, 0, LRF_FINDER_RULE_COUNT));
}

static bool parse_positive_lr(const char *option, const char *arg, double *out)
{
    if (!cli_parse_double(option, arg, out))
        return false;
    if (!(*out > 0)) {
        cli_usage_error("%s: expected a positive learning rate, got '%s'", option, arg);
        return false;
    }
    return true;
}

/* The finder's own options; 1 handled, 0 not one of them, -1 usage error printed. */
static int handle_finder_option(struct cli_find_options *o, int c, const char *arg)
{
    struct lrf_finder_config *f = &o->finder;
    long n;
    switch (c) {
    case OPT_START_LR:
        return parse_positive_lr("--start-lr", arg, &f->start_lr) ? 1 : -1;
    case OPT_END_LR:
        return parse_positive_lr("--end-lr", arg, &f->end_lr) ? 1 : -1;
    case OPT_ITERS:
        if (!cli_parse_long("--iters", arg, 2, ITERS_MAX, &n))
            return -1;
        f->num_iter = (size_t)n;
        return 1;
    case OPT_MODE:
        if (!lrf_finder_mode_parse(arg, &f->mode)) {
            cli_choice_error("--mode", arg, cli_mode_name, 0, LRF_FINDER_MODE_COUNT);
            return -1;
        }
        return 1;
    case OPT_SMOOTH:
        if (!lrf_finder_smoothing_parse(arg, &f->smoothing)) {
            cli_choice_error("--smooth", arg, cli_smoothing_name, 0, LRF_FINDER_SMOOTH_COUNT);
            return -1;
        }
        return 1;
    case OPT_DIVERGE:
        if (!cli_parse_double("--diverge", arg, &f->diverge))
            return -1;
        if (f->diverge < 0 || (f->diverge > 0 && f->diverge <= 1)) {
            cli_usage_error("--diverge: expected a factor > 1 (or 0 to never stop), got '%s'", arg);
            return -1;
        }
        return 1;
    case OPT_RULE:
        if (!lrf_finder_rule_parse(arg, &f->rule)) {
            cli_choice_error("--rule", arg, cli_rule_name, 0, LRF_FINDER_RULE_COUNT);
            return -1;
        }
        return 1;
    case OPT_RUNS:
        if (!cli_parse_long("--runs", arg, 1, LRF_FINDER_RUNS_MAX, &n))
            return -1;
        f->runs = (size_t)n;
        return 1;
    case OPT_VAL_LOSS:
        f->val_loss = true;
        return 1;
    case OPT_BATCHES_PER_RUNG:
        if (!cli_parse_long("--batches-per-rung", arg, 1, BATCHES_PER_RUNG_MAX, &n))
            return -1;
        f->batches_per_rung = (size_t)n;
        return 1;
    case OPT_TRIALS:
        if (!lrf_finder_trials_parse(arg, &f->trials)) {
            cli_choice_error("--trials", arg, cli_trials_name, 0, LRF_FINDER_TRIALS_MODE_COUNT);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

/* Output and hand-off options; same return convention. */
static int handle_output_option(struct cli_find_options *o, int c, const char *arg)
{
    const struct {
        int option;
        bool *flag;        /* set by the option, or */
        const char **text; /* its argument */
    } simple[] = {
        {OPT_JSON, &o->json, NULL},         {'q', &o->quiet, NULL},
        {OPT_TRAIN, &o->train, NULL},       {OPT_VERIFY, &o->verify, NULL},
        {OPT_CURVE, NULL, &o->curve_path},  {OPT_PLOT, NULL, &o->plot_path},
        {OPT_SCHEDULE, NULL, &o->schedule}, {OPT_SCHEDULE_PLOT, NULL, &o->schedule_plot},
    };
    if (c == OPT_DATA_PARALLEL) {
        o->data_parallel = true;
        return 1;
    }
    for (size_t k = 0; k < sizeof simple / sizeof simple[0]; k++) {
        if (simple[k].option != c)
            continue;
        if (simple[k].flag)
            *simple[k].flag = true;
        else
            *simple[k].text = arg;
        return 1;
    }
    if (c != OPT_EPOCHS && c != OPT_VERIFY_EPOCHS)
        return 0;
    bool verify = c == OPT_VERIFY_EPOCHS;
    long n;
    if (!cli_parse_long(verify ? "--verify-epochs" : "--epochs", arg, 1,
                        verify ? VERIFY_EPOCHS_MAX : CLI_EPOCHS_MAX, &n))
        return -1;
    *(verify ? &o->verify_epochs : &o->epochs) = (int)n;
    *(verify ? &o->verify_epochs_set : &o->epochs_set) = true;
    return 1;
}

/* A training option (handled by cli_train_options_handle) for the hand-off's command:
 * its long name (short ones: -d and -l) and argument. --no-cache changes no result. */
static void remember_given(struct cli_find_options *o, int c, const char *name, const char *arg)
{
    if (!name)
        name = c == CLI_TOPT_DATA ? "data" : c == CLI_TOPT_LABEL ? "label" : NULL;
    if (!name || !strcmp(name, "no-cache") || o->n_given == CLI_FIND_GIVEN_MAX)
        return;
    o->given[o->n_given++] = (struct cli_find_given){name, arg};
}

static int parse_args(int argc, char **argv, struct cli_find_options *o)
{
    static const struct option longopts[] = {
        CLI_TRAIN_LONG_OPTIONS,
        {"start-lr", required_argument, NULL, OPT_START_LR},
        {"end-lr", required_argument, NULL, OPT_END_LR},
        {"iters", required_argument, NULL, OPT_ITERS},
        {"mode", required_argument, NULL, OPT_MODE},
        {"smooth", required_argument, NULL, OPT_SMOOTH},
        {"diverge", required_argument, NULL, OPT_DIVERGE},
        {"rule", required_argument, NULL, OPT_RULE},
        {"runs", required_argument, NULL, OPT_RUNS},
        {"val-loss", no_argument, NULL, OPT_VAL_LOSS},
        {"batches-per-rung", required_argument, NULL, OPT_BATCHES_PER_RUNG},
        {"json", no_argument, NULL, OPT_JSON},
        {"curve", required_argument, NULL, OPT_CURVE},
        {"plot", required_argument, NULL, OPT_PLOT},
        {"quiet", no_argument, NULL, 'q'},
        {"train", no_argument, NULL, OPT_TRAIN},
        {"schedule", required_argument, NULL, OPT_SCHEDULE},
        {"epochs", required_argument, NULL, OPT_EPOCHS},
        {"schedule-plot", required_argument, NULL, OPT_SCHEDULE_PLOT},
        {"verify", no_argument, NULL, OPT_VERIFY},
        {"verify-epochs", required_argument, NULL, OPT_VERIFY_EPOCHS},
        {"data-parallel", no_argument, NULL, OPT_DATA_PARALLEL},
        {"trials", required_argument, NULL, OPT_TRIALS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int c, at = -1;
    while ((c = getopt_long(argc, argv, ":" CLI_TRAIN_SHORT_OPTIONS "qh", longopts, &at)) != -1) {
        if (c == 'h')
            return CLI_EXIT_HELP;
        if (c == '?' || c == ':')
            return cli_option_error(c, argv);
        int r = cli_train_options_handle(&o->train_opts, c, optarg);
        if (r > 0)
            remember_given(o, c, at >= 0 ? longopts[at].name : NULL, optarg);
        at = -1;
        if (!r)
            r = handle_finder_option(o, c, optarg);
        if (!r)
            r = handle_output_option(o, c, optarg);
        if (r < 0)
            return CLI_EXIT_USAGE;
    }
    if (optind < argc)
        return cli_usage_error("unexpected argument '%s' (commands come first: lrfind %s ...)",
                               argv[optind], argv[optind]);
    return cli_find_options_check(o);
}

int cli_cmd_find(int argc, char **argv)
{
    struct cli_find_options o;
    cli_find_options_init(&o);
    int status = parse_args(argc, argv, &o);
    if (status != CLI_EXIT_OK)
        return status;
    o.progress = !o.quiet && !o.json && cli_stderr_is_tty();
    o.train_opts.load_progress = o.progress;
    lrf_interrupt_install();
    status = cli_find_run(&o);
    return cli_close_stdout(status);
}
