/* lrfind inspect: show how a CSV (or the built-in dataset) is parsed. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/data_options.h"
#include "cli/image_options.h"
#include "cli/json.h"
#include "cli/load_progress.h"
#include "lrf/dataset.h"
#include "lrf/interrupt.h"

void cli_inspect_usage(void)
{
    fputs("Usage: lrfind inspect [--data FILE.csv] [OPTIONS]\n"
          "Parse a CSV as the range test would and describe what was found and decided:\n"
          "the separator and header, every column's role (label, feature, dropped, and\n"
          "why), type, levels and missing values, the label and the task and why, the\n"
          "classes, storage, value ranges, memory used and parse speed. Without --data,\n"
          "describe the built-in dataset.\n"
          "\n"
          "  -d, --data FILE.csv    the CSV to parse (- = standard input; gzip is read too)\n"
          "  -l, --label NAME|INDEX label column: a header name or 0-based index (-1 = last);\n"
          "                         default: as for the range test (see lrfind --help)\n"
          "      --no-cache         parse the file even if a cached copy is valid\n"
          "      --threads N        the most threads lrfind uses (here: CSV parsing;\n"
          "                         default: all online cores)\n" CLI_DATA_OPTIONS_USAGE
              CLI_IMAGE_OPTIONS_USAGE "      --json             print JSON instead of text\n"
          "  -h, --help             show this help and exit\n",
          stdout);
}

static double mb(size_t bytes)
{
    return (double)bytes / 1e6;
}

static void print_text(const struct lrf_dataset *ds)
{
    size_t d = lrf_dataset_features(ds), k = lrf_dataset_classes(ds);
    printf("source:        %s", lrf_dataset_source(ds));
    if (lrf_dataset_file_bytes(ds))
        printf(" (%.1f MB)", mb(lrf_dataset_file_bytes(ds)));
    printf("\nrows:          %zu\n", lrf_dataset_rows(ds));
    printf("columns:       %zu in the file, %zu encoded features, %s\n", lrf_dataset_columns(ds), d,
           lrf_dataset_has_header(ds) ? "with header" : "no header");
    if (lrf_dataset_has_header(ds))
        printf("label column:  '%s' (column %zu): %s\n", lrf_dataset_label_name(ds),
               lrf_dataset_label_index(ds), lrf_dataset_label_reason(ds));
    else
        printf("label column:  column %zu: %s\n", lrf_dataset_label_index(ds),
               lrf_dataset_label_reason(ds));
    char shape[512];
    printf("image:         %s\n", cli_image_describe(ds, shape, sizeof shape));
    cli_data_print_decisions(stdout, ds);
    if (lrf_dataset_task(ds) == LRF_TASK_CLASSIFICATION)
        printf("classes:       %zu (%s labels, in sorted order)\n", k,
               lrf_dataset_labels_numeric(ds) ? "integer" : "string");
    for (size_t c = 0; c < k; c++) {
        size_t n = lrf_dataset_class_count(ds, c);
        printf("  class %-3zu <- %-12s %8zu rows (%.1f%%)\n", c, lrf_dataset_class_name(ds, c), n,
               100.0 * (double)n / (double)lrf_dataset_rows(ds));
    }
    float lo, hi;
    lrf_dataset_value_range(ds, &lo, &hi);
    printf("storage:       %s\n", lrf_storage_name(lrf_dataset_storage(ds)));
    printf("value range:   %g .. %g over all features\n", (double)lo, (double)hi);
    size_t show = d < 4 ? d : 4;
    for (size_t j = 0; j < show; j++) {
        lrf_dataset_feature_range(ds, j, &lo, &hi);
        const char *name = lrf_dataset_feature_name(ds, j);
        printf("  feature %-4zu %-12s %g .. %g\n", j, name[0] ? name : "-", (double)lo, (double)hi);
    }
    if (d > show)
        printf("  ... (%zu more features)\n", d - show);
    printf("memory used:   %.1f MB\n", mb(lrf_dataset_bytes(ds)));
    double s = lrf_dataset_parse_seconds(ds);
    if (lrf_dataset_from_cache(ds))
        printf("load time:     %.3f s (from the cache)\n", s);
    else if (!strncmp(lrf_dataset_source(ds), "builtin:", 8))
        printf("load time:     %.3f s (embedded in the library, no parsing)\n", s);
    else if (lrf_dataset_file_bytes(ds) && s > 0)
        printf("parse time:    %.3f s (%.0f MB/s, %d thread%s)\n", s,
               mb(lrf_dataset_file_bytes(ds)) / s, lrf_dataset_threads_used(ds),
               lrf_dataset_threads_used(ds) == 1 ? "" : "s");
    else
        printf("parse time:    %.3f s\n", s);
}

static void json_classes(struct cli_json *j, const struct lrf_dataset *ds)
{
    cli_json_field_int(j, "classes", (long long)lrf_dataset_classes(ds));
    cli_json_field_bool(j, "labels_numeric", lrf_dataset_labels_numeric(ds));
    cli_json_key(j, "class_names");
    cli_json_array_begin(j);
    for (size_t c = 0; c < lrf_dataset_classes(ds); c++)
        cli_json_string(j, lrf_dataset_class_name(ds, c));
    cli_json_array_end(j);
    cli_json_key(j, "class_counts");
    cli_json_array_begin(j);
    for (size_t c = 0; c < lrf_dataset_classes(ds); c++)
        cli_json_int(j, (long long)lrf_dataset_class_count(ds, c));
    cli_json_array_end(j);
}

static void print_json(const struct lrf_dataset *ds)
{
    struct cli_json j;
    cli_json_init(&j, stdout);
    cli_json_object_begin(&j);
    cli_json_field_string(&j, "source", lrf_dataset_source(ds));
    cli_json_field_int(&j, "rows", (long long)lrf_dataset_rows(ds));
    cli_json_field_int(&j, "features", (long long)lrf_dataset_features(ds));
    cli_json_field_int(&j, "columns", (long long)lrf_dataset_columns(ds));
    cli_json_field_bool(&j, "has_header", lrf_dataset_has_header(ds));
    if (lrf_dataset_has_header(ds))
        cli_json_field_string(&j, "label_column", lrf_dataset_label_name(ds));
    else
        cli_json_field_int(&j, "label_column", (long long)lrf_dataset_label_index(ds));
    cli_json_field_int(&j, "label_index", (long long)lrf_dataset_label_index(ds));
    json_classes(&j, ds);
    cli_json_field_string(&j, "storage", lrf_storage_name(lrf_dataset_storage(ds)));
    float lo, hi;
    lrf_dataset_value_range(ds, &lo, &hi);
    cli_json_field_number(&j, "value_min", (double)lo);
    cli_json_field_number(&j, "value_max", (double)hi);
    cli_json_field_int(&j, "bytes", (long long)lrf_dataset_bytes(ds));
    cli_json_field_int(&j, "file_bytes", (long long)lrf_dataset_file_bytes(ds));
    double s = lrf_dataset_parse_seconds(ds);
    cli_json_field_number(&j, "parse_seconds", s);
    /* null when there was no parse to time (cli_json_number writes NaN as null) */
    cli_json_field_number(&j, "mb_per_second",
                          s > 0 ? mb(lrf_dataset_file_bytes(ds)) / s : (double)NAN);
    cli_json_field_bool(&j, "from_cache", lrf_dataset_from_cache(ds));
    cli_json_field_int(&j, "threads", lrf_dataset_threads_used(ds));
    cli_data_json_decisions(&j, ds);
    cli_image_json(&j, ds);
    cli_json_object_end(&j);
    cli_json_finish(&j);
}

struct inspect_args {
    const char *data;
    struct lrf_dataset_options opt;
    struct cli_image_options image;
    bool json;
};

/* CLI_EXIT_OK with a filled (CLI_EXIT_HELP for --help), or a usage error printed. */
static int parse_args(int argc, char **argv, struct inspect_args *a)
{
    enum { OPT_NO_CACHE = 256, OPT_JSON, OPT_THREADS };
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"label", required_argument, NULL, 'l'},
        {"no-cache", no_argument, NULL, OPT_NO_CACHE},
        {"json", no_argument, NULL, OPT_JSON},
        {"threads", required_argument, NULL, OPT_THREADS},
        CLI_DATA_LONG_OPTIONS,
        CLI_IMAGE_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *a = (struct inspect_args){.opt = lrf_dataset_options_default()};
    optind = 1;
    opterr = 0;
    long n;
    for (int c; (c = getopt_long(argc, argv, ":d:l:h", longopts, NULL)) != -1;) {
        int r = cli_data_option(&a->opt, c, optarg);
        if (r == 0)
            r = cli_image_option(&a->image, c, optarg);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (c) {
        case 'd':
            a->data = optarg;
            break;
        case 'l':
            a->opt.label = optarg;
            break;
        case OPT_NO_CACHE:
            a->opt.use_cache = false;
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case OPT_THREADS:
            if (!cli_parse_long("--threads", optarg, 1, CLI_THREADS_MAX, &n))
                return CLI_EXIT_USAGE;
            a->opt.threads = (int)n;
            break;
        case 'h':
            return CLI_EXIT_HELP;
        default:
            return cli_option_error(c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!a->data && a->opt.label)
        return cli_usage_error("--label needs --data (the built-in dataset's label is fixed)");
    if (!a->data && cli_data_options_given(&a->opt))
        return cli_usage_error("--sep, --decimal, --drop, --missing and --task need --data");
    return cli_image_options_check(&a->image, a->data);
}

/* Loads the data and describes it. */
static int inspect(const struct inspect_args *a)
{
    struct lrf_error err;
    lrf_error_clear(&err);
    struct lrf_dataset *ds = NULL;
    struct lrf_dataset_options opt = a->opt;
    opt.interrupted = lrf_interrupt_poll; /* Ctrl-C/SIGTERM end a long load, no cache left */
    lrf_interrupt_install();
    struct cli_load_progress bar;
    if (a->data && opt.use_cache)
        cli_cache_env_check();
    cli_load_progress_start(&bar, a->data && cli_stderr_is_tty(), a->data, &opt);
    enum lrf_status st = a->data ? lrf_dataset_load_csv(a->data, &opt, &ds, &err)
                                 : lrf_dataset_load_builtin(LRF_BUILTIN_TRAIN, &ds, &err);
    cli_load_progress_done(&bar, &opt);
    if (st != LRF_OK)
        return cli_fail(&err);
    if (cli_image_apply(&a->image, ds, a->data, &err) != LRF_OK) {
        lrf_dataset_destroy(ds);
        return cli_usage_error("%s", err.message);
    }
    if (a->json)
        print_json(ds);
    else
        print_text(ds);
    lrf_dataset_destroy(ds);
    return cli_close_stdout(CLI_EXIT_OK);
}

int cli_cmd_inspect(int argc, char **argv)
{
    struct inspect_args a;
    int status = parse_args(argc, argv, &a);
    return status == CLI_EXIT_OK ? inspect(&a) : status;
}
