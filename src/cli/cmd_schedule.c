/* lrfind schedule SPEC --steps N [--lr BASE_LR] [--metrics V1,V2,...]
 *                  [--format csv|json] [--plot FILE.png|FILE.svg|FILE.pdf|term]
 * Prints the lr (and momentum) the optimizer holds after t scheduler steps, t = 0..N-1.
 * Every value is computed before anything is printed, so a schedule that fails at
 * some step (a one-cycle stepped past its end) prints nothing and exits 1. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "cli/train_auto.h"
#include "lrf/interrupt.h"
#include "lrf/plot.h"
#include "lrf/sched.h"

enum { SCHEDULE_STEPS_MAX = 10000000, SCHEDULE_SPEC_TEXT_MAX = 4096 };
/* Ctrl-C is polled once per this many rows computed or printed. */
enum { POLL_ROWS = 4096 };

void cli_schedule_usage(void)
{
    printf("Usage: lrfind schedule SPEC --steps N [OPTIONS]\n"
           "Print the learning rate (and momentum) after t scheduler steps, t = 0..N-1,\n"
           "exactly as PyTorch's param_groups[0]['lr'] after t sched.step() calls.\n"
           "\n"
           "SPEC reads like the PyTorch constructor, KIND(key=value,...), e.g.\n"
           "  'onecycle(max_lr=0.1,total_steps=1000,three_phase=true)'\n"
           "  'multistep(milestones=[30,60,90],gamma=0.1)'\n"
           "  'seq(linear(start_factor=0.1,total_iters=5),cosine(T_max=95),milestones=[5])'\n"
           "Kinds: %s.\n"
           "See docs/schedule.md for every kind's keys.\n"
           "\n"
           "  -n, --steps N          rows to print (t = 0..N-1), required; also the run length\n"
           "                         of lengths left out ('cosine' = cosine(T_max=N))\n"
           "  -l, --lr BASE_LR       the optimizer's initial lr (default 1; a number: 'auto'\n"
           "                         needs a range test, which lrfind train --lr auto runs)\n"
           "  -m, --metrics V1,...   plateau: the metric fed at step 1, 2, ... (N-1 values)\n"
           "  -f, --format FMT       csv (default: step,lr,momentum) or json\n"
           "  -p, --plot FILE        also draw lr and momentum: FILE.png, .svg, .pdf, or\n"
           "                         'term' for a text plot on stderr\n"
           "  -h, --help             show this help and exit\n"
           "\n"
           "Exit status: 0 ok, 1 failure (e.g. stepping a one-cycle past its end), 2 usage.\n",
           lrf_sched_kind_list());
}

/* Parses "v1,v2,..." strictly; returns the count or -1 after a usage message. */
static long parse_metrics(const char *text, double **out)
{
    size_t cap = 16, n = 0;
    double *v = malloc(cap * sizeof *v);
    if (!v) {
        cli_errorf("out of memory");
        return -1;
    }
    const char *p = text;
    for (;;) {
        char *end;
        errno = 0;
        double x = strtod(p, &end);
        if (end == p || errno == ERANGE || (*end && *end != ',') || isinf(x)) {
            cli_usage_error("--metrics: expected comma-separated numbers, got '%s'", text);
            free(v);
            return -1;
        }
        if (n == cap) {
            double *g = realloc(v, 2 * cap * sizeof *v);
            if (!g) {
                free(v);
                cli_errorf("out of memory");
                return -1;
            }
            v = g;
            cap *= 2;
        }
        v[n++] = x;
        if (!*end)
            break;
        p = end + 1;
    }
    *out = v;
    return (long)n;
}

/* The rows as CSV; false when Ctrl-C stopped it. */
static bool print_csv(const double *lr, const double *mom, long n)
{
    printf("step,lr,momentum\n");
    for (long t = 0; t < n; t++) {
        if (t % POLL_ROWS == 0 && lrf_interrupt_requested())
            return false;
        printf("%ld,%.17g,", t, lr[t]);
        if (mom && !isnan(mom[t]))
            printf("%.17g", mom[t]);
        putchar('\n');
    }
    return true;
}

static void print_json(struct lrf_sched *s, double base_lr, const double *lr, const double *mom,
                       long n)
{
    char text[SCHEDULE_SPEC_TEXT_MAX];
    struct cli_json j;
    cli_json_init(&j, stdout);
    cli_json_object_begin(&j);
    cli_json_key(&j, "kind");
    cli_json_string(&j, lrf_sched_kind_name(lrf_sched_get_kind(s)));
    lrf_sched_format_spec(s, text, sizeof text);
    cli_json_key(&j, "spec");
    cli_json_string(&j, text);
    lrf_sched_format_torch(s, text, sizeof text);
    cli_json_key(&j, "pytorch");
    cli_json_string(&j, text);
    cli_json_key(&j, "base_lr");
    cli_json_number(&j, base_lr);
    cli_json_key(&j, "steps");
    cli_json_int(&j, n);
    cli_json_key(&j, "lr");
    cli_json_array_begin(&j);
    for (long t = 0; t < n; t++)
        cli_json_number(&j, lr[t]);
    cli_json_array_end(&j);
    cli_json_key(&j, "momentum");
    if (mom) {
        cli_json_array_begin(&j);
        for (long t = 0; t < n; t++)
            cli_json_number(&j, mom[t]); /* NaN (not yet written) prints as null */
        cli_json_array_end(&j);
    } else {
        cli_json_null(&j);
    }
    cli_json_object_end(&j);
    cli_json_finish(&j);
}

/* Computes rows 0..n-1 through the iteration API (plateau needs it; the rest agree). */
static enum lrf_status compute(struct lrf_sched *s, const double *metrics, long n, double *lr,
                               double *mom, struct lrf_error *err)
{
    for (long t = 0; t < n; t++) {
        if (t % POLL_ROWS == 0 && lrf_interrupt_requested())
            return lrf_error_set(err, LRF_ERR_INTERRUPTED, "interrupted at step %ld of %ld", t, n);
        if (t > 0) {
            enum lrf_status st = lrf_sched_step(s, metrics ? metrics[t - 1] : 0.0, err);
            if (st)
                return st;
        }
        double m;
        lrf_sched_current(s, &lr[t], &m);
        if (mom)
            mom[t] = m;
    }
    return LRF_OK;
}

struct schedule_options {
    const char *spec;
    long steps;
    double base_lr;
    const char *metrics_text, *format, *plot_path;
};

/* CLI_EXIT_OK with o filled (CLI_EXIT_HELP for --help), or a usage error printed. */
static int parse_args(int argc, char **argv, struct schedule_options *o)
{
    static const struct option longopts[] = {
        {"steps", required_argument, NULL, 'n'},
        {"lr", required_argument, NULL, 'l'},
        {"metrics", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},
        {"plot", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (struct schedule_options){.steps = -1, .base_lr = 1.0, .format = "csv"};
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":n:l:m:f:p:h", longopts, NULL)) != -1;) {
        switch (c) {
        case 'n':
            if (!cli_parse_long("--steps", optarg, 1, SCHEDULE_STEPS_MAX, &o->steps))
                return CLI_EXIT_USAGE;
            break;
        case 'l':
            if (!strcmp(optarg, "auto"))
                return cli_usage_error("--lr auto: 'auto' is a range test's suggestion, and "
                                       "'lrfind schedule' runs none; give a number (lrfind "
                                       "--data FILE prints the suggestion; lrfind train --lr "
                                       "auto runs the range test first)");
            if (!cli_parse_double("--lr", optarg, &o->base_lr))
                return CLI_EXIT_USAGE;
            break;
        case 'm':
            o->metrics_text = optarg;
            break;
        case 'f':
            o->format = optarg;
            if (strcmp(optarg, "csv") && strcmp(optarg, "json"))
                return cli_usage_error("--format: expected csv or json, got '%s'", optarg);
            break;
        case 'p':
            o->plot_path = optarg;
            break;
        case 'h':
            return CLI_EXIT_HELP;
        default:
            return cli_option_error(c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("schedule: missing SPEC, e.g. 'cosine(T_max=100)' (kinds: %s)",
                               lrf_sched_kind_list());
    if (optind + 1 < argc)
        return cli_usage_error("schedule: one SPEC expected, got '%s' and '%s' (quote a SPEC "
                               "with spaces)",
                               argv[optind], argv[optind + 1]);
    if (o->steps < 0)
        return cli_usage_error("schedule: missing --steps N");
    if (o->plot_path && cli_check_plot_output("--plot", o->plot_path) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE;
    o->spec = argv[optind];
    return CLI_EXIT_OK;
}

/* Computes every row, then draws and prints them. */
static int run(const struct schedule_options *o, struct lrf_sched *s, const double *metrics)
{
    size_t n = (size_t)o->steps;
    bool has_mom = lrf_sched_has_momentum(s);
    double *lr = malloc(n * sizeof *lr);
    double *mom = has_mom ? malloc(n * sizeof *mom) : NULL;
    struct lrf_error err;
    int rc = CLI_EXIT_OK;
    if (!lr || (has_mom && !mom)) {
        cli_errorf("out of memory");
        rc = CLI_EXIT_FAILURE;
    } else if (compute(s, metrics, o->steps, lr, mom, &err) != LRF_OK) {
        rc = cli_fail(&err);
    } else if (o->plot_path) {
        char title[SCHEDULE_SPEC_TEXT_MAX];
        lrf_sched_format_spec(s, title, sizeof title);
        struct lrf_plot_output out = lrf_plot_output_default();
        out.path = o->plot_path;
        out.term_out = stderr; /* stdout carries the CSV/JSON */
        if (lrf_plot_schedule(&out, lr, mom, n, title, &err) != LRF_OK)
            rc = lrf_interrupt_requested() ? (cli_errorf("interrupted"), CLI_EXIT_FAILURE)
                                           : cli_fail(&err);
    }
    if (rc == CLI_EXIT_OK && !strcmp(o->format, "json")) {
        print_json(s, o->base_lr, lr, mom, o->steps);
    } else if (rc == CLI_EXIT_OK && !print_csv(lr, mom, o->steps)) {
        cli_errorf("interrupted");
        rc = CLI_EXIT_FAILURE;
    }
    free(lr);
    free(mom);
    return rc;
}

/* Builds the schedule from its SPEC and metrics, then runs it. Ctrl-C and SIGTERM stop
 * it cleanly: the plot's temporary files are removed, no partial plot is left. */
static int schedule(const struct schedule_options *o)
{
    lrf_interrupt_install();
    struct lrf_sched_parse_options opts = lrf_sched_parse_options_default();
    opts.base_lr = o->base_lr;
    opts.run_length = o->steps; /* lengths left out (total_steps, T_max, ...) fit the rows */
    struct lrf_sched *s = NULL;
    struct lrf_error err;
    lrf_error_clear(&err);
    enum lrf_status st = lrf_sched_parse(o->spec, &opts, &s, &err);
    if ((st == LRF_ERR_PARSE || st == LRF_ERR_INVALID_ARG) && cli_spec_needs_suggestion(o->spec))
        return cli_usage_error("%s; 'lrfind schedule' runs no range test: give the lr (lrfind "
                               "--data FILE prints the suggestion)",
                               err.message);
    if (st == LRF_ERR_PARSE || st == LRF_ERR_INVALID_ARG)
        return cli_usage_error("%s", err.message);
    if (st)
        return cli_fail(&err);
    double *metrics = NULL;
    long n_metrics = 0;
    int rc;
    if (o->metrics_text && (n_metrics = parse_metrics(o->metrics_text, &metrics)) < 0)
        rc = CLI_EXIT_USAGE;
    else if (lrf_sched_needs_metric(s) && n_metrics < o->steps - 1)
        rc = cli_usage_error("plateau needs one metric per step: --metrics with %ld values for "
                             "--steps %ld, got %ld",
                             o->steps - 1, o->steps, n_metrics);
    else
        rc = run(o, s, metrics);
    free(metrics);
    lrf_sched_destroy(s);
    return cli_close_stdout(rc);
}

int cli_cmd_schedule(int argc, char **argv)
{
    struct schedule_options o;
    int status = parse_args(argc, argv, &o);
    return status == CLI_EXIT_OK ? schedule(&o) : status;
}
