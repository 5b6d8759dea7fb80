/* lrfind suggest --curve FILE.csv [--compat torch-lr-finder|fastai] [--json]:
 * every suggestion rule on a curve logged by any framework (offline mode). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "cli/result_plot.h"
#include "cli/suggest_report.h"
#include "lrf/finder.h"

void cli_suggest_usage(void)
{
    fputs("Usage: lrfind suggest --curve FILE.csv [--compat torch-lr-finder|fastai] [--json]\n"
          "                      [--plot FILE|term]\n"
          "\n"
          "Computes every suggestion rule on a logged range-test curve: a CSV whose\n"
          "header names columns 'lr' and 'loss' (the raw, unsmoothed loss of each\n"
          "iteration, in sweep order; other columns are ignored). The smoothing and the\n"
          "stop rule are re-run on the raw losses.\n"
          "\n"
          "  -c, --curve FILE    the curve CSV (required)\n"
          "      --compat NAME   torch-lr-finder: pytorch-lr-finder 0.2.2 defaults, prints\n"
          "                      its steepest-gradient lr; fastai: fastai 2.x lr_find\n"
          "                      defaults, prints valley, slide, minimum and steep\n"
          "      --json          print a JSON object instead of text\n"
          "      --plot FILE     draw the curve and every rule's suggestion: .png, .svg,\n"
          "                      .pdf, or text ('term'), as the range test's --plot\n"
          "  -h, --help          show this help and exit\n"
          "\n"
          "Without --compat: lrfind's defaults (bias-corrected EMA 0.98, relative\n"
          "divergence 4x, stop at NaN) and all rules; 'robust' (marked *) is the\n"
          "recommended max_lr for a one-cycle schedule.\n",
          stdout);
}

struct suggest_args {
    const char *curve;
    const char *plot; /* NULL = none */
    enum lrf_finder_compat compat;
    bool json;
};

/* CLI_EXIT_OK with a filled (CLI_EXIT_HELP for --help), or a usage error printed. */
static int parse_args(int argc, char **argv, struct suggest_args *a)
{
    enum { OPT_COMPAT = 256, OPT_JSON, OPT_PLOT };
    static const struct option opts[] = {
        {"curve", required_argument, NULL, 'c'}, {"compat", required_argument, NULL, OPT_COMPAT},
        {"json", no_argument, NULL, OPT_JSON},   {"plot", required_argument, NULL, OPT_PLOT},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    *a = (struct suggest_args){.compat = LRF_FINDER_COMPAT_NONE};
    opterr = 0;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1;) {
        switch (c) {
        case 'c':
            a->curve = optarg;
            break;
        case OPT_COMPAT:
            if (!lrf_finder_compat_parse(optarg, &a->compat) || a->compat == LRF_FINDER_COMPAT_NONE)
                return cli_choice_error("--compat", optarg, cli_compat_name,
                                        LRF_FINDER_COMPAT_NONE + 1, LRF_FINDER_COMPAT_COUNT);
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case OPT_PLOT:
            a->plot = optarg;
            break;
        case 'h':
            return CLI_EXIT_HELP;
        default:
            return cli_option_error(c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!a->curve)
        return cli_usage_error("suggest: --curve FILE.csv is required");
    return a->plot ? cli_check_plot_output("--plot", a->plot) : CLI_EXIT_OK;
}

/* Reads the curve and analyzes it; errors name the curve file. */
static enum lrf_status analyze(const char *curve, const struct lrf_finder_config *cfg,
                               struct lrf_finder_result **r, struct lrf_error *err)
{
    double *lr = NULL, *loss = NULL;
    size_t n = 0;
    enum lrf_status st = lrf_finder_read_curve(curve, &lr, &loss, &n, err);
    if (st != LRF_OK)
        return st;
    st = lrf_finder_analyze(cfg, lr, loss, n, r, err);
    free(lr);
    free(loss);
    if (st != LRF_OK && !err->file[0]) {
        char msg[LRF_ERROR_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "%s", err->message);
        lrf_error_set_at(err, st, curve, 0, 0, "%s", msg);
    }
    return st;
}

/* Analyzes the curve and reports every rule. */
static int suggest(const struct suggest_args *a)
{
    struct lrf_error err;
    struct lrf_finder_config cfg = lrf_finder_config_compat(a->compat);
    struct lrf_finder_result *r = NULL;
    if (analyze(a->curve, &cfg, &r, &err) != LRF_OK)
        return cli_fail(&err);
    if (a->json) {
        struct cli_json j;
        cli_json_init(&j, stdout);
        cli_json_object_begin(&j);
        cli_json_field_string(&j, "curve", a->curve);
        cli_finder_json_fields(&j, r, &cfg);
        cli_json_object_end(&j);
        cli_json_finish(&j);
    } else {
        printf("curve: %s\n", a->curve);
        cli_finder_print_text(stdout, r, &cfg);
    }
    int status = CLI_EXIT_OK;
    /* The text plot goes where the report does not: stderr under --json. */
    if (a->plot && cli_plot_result(r, a->curve, a->plot, a->json ? stderr : stdout, &err))
        status = cli_fail(&err);
    lrf_finder_result_destroy(r);
    return cli_close_stdout(status);
}

int cli_cmd_suggest(int argc, char **argv)
{
    struct suggest_args a;
    int status = parse_args(argc, argv, &a);
    return status == CLI_EXIT_OK ? suggest(&a) : status;
}
