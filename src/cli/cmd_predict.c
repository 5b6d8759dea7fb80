/* lrfind predict --model MODEL.lrf --data X.csv [--out preds.csv]: the predictions of a
 * model saved by lrfind train --save, for a CSV with the training file's columns (its label
 * column may be left out; when it is there, the predictions are also scored). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json.h"
#include "cli/load_progress.h"
#include "lrf/atomic_file.h"
#include "lrf/interrupt.h"
#include "lrf/model_file.h"

void cli_predict_usage(void)
{
    fputs("Usage: lrfind predict --model MODEL.lrf --data X.csv [--out PREDS.csv] [OPTIONS]\n"
          "Predicts every row of X.csv with a model saved by 'lrfind train --save'. X.csv has\n"
          "the training file's columns (by name, or by position without a header), encoded\n"
          "as in training (the same category levels, fill values and normalization); its\n"
          "label column may be left out. When it is there, the predictions are also scored\n"
          "against it. A file with other columns is refused, naming every difference.\n"
          "\n"
          "  -m, --model MODEL.lrf  the saved model (required)\n"
          "  -d, --data X.csv       the rows to predict ('-' = standard input; gzip is read)\n"
          "  -o, --out PREDS.csv    write the predictions there (default: standard output):\n"
          "                         one row per input row, 'prediction' (the class as in the\n"
          "                         training file's label, or the value), then for a\n"
          "                         classification 'p_CLASS' per class (probabilities)\n"
          "      --threads N        the most threads lrfind uses (default: all cores)\n"
          "      --json             the score as JSON on standard output (needs --out): rows,\n"
          "                         labelled, accuracy and loss, or rmse (every digit)\n"
          "  -h, --help             show this help and exit\n"
          "\n"
          "The score (accuracy and loss, or RMSE) goes to standard output with --out, else to\n"
          "standard error.\n",
          stdout);
}

struct predict_args {
    const char *model, *data, *out;
    int threads;
    bool json;
};

static int parse_args(int argc, char **argv, struct predict_args *a)
{
    enum { OPT_THREADS = 256, OPT_JSON };
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"data", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *a = (struct predict_args){0};
    opterr = 0;
    optind = 1;
    long n;
    for (int c; (c = getopt_long(argc, argv, ":m:d:o:h", longopts, NULL)) != -1;) {
        if (c == 'h')
            return CLI_EXIT_HELP;
        if (c == 'm' || c == 'd' || c == 'o') {
            *(c == 'm' ? &a->model : c == 'd' ? &a->data : &a->out) = optarg;
        } else if (c == OPT_JSON) {
            a->json = true;
        } else if (c == OPT_THREADS) {
            if (!cli_parse_long("--threads", optarg, 1, CLI_THREADS_MAX, &n))
                return CLI_EXIT_USAGE;
            a->threads = (int)n;
        } else {
            return cli_option_error(c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!a->model || !a->data)
        return cli_usage_error("predict: --model MODEL.lrf and --data X.csv are required");
    if (a->json && !a->out)
        return cli_usage_error("predict: --json needs --out (standard output carries the "
                               "predictions otherwise)");
    return a->out ? cli_check_output("--out", a->out) : CLI_EXIT_OK;
}

/* A CSV field: quoted when it holds a comma, a quote or a line end. */
static void put_field(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp); /* a quote doubles inside quotes */
        fputc(*s, fp);
    }
    fputc('"', fp);
}

/* The predictions as CSV: a header, then one row per input row. */
static void write_csv(FILE *fp, const struct lrf_dataset *enc, size_t n,
                      const struct lrf_model_file_outputs *o)
{
    size_t k = lrf_dataset_classes(enc);
    fputs("prediction", fp);
    for (size_t c = 0; c < k; c++) {
        fputs(",", fp);
        char name[300];
        snprintf(name, sizeof name, "p_%s", lrf_dataset_class_name(enc, c));
        put_field(fp, name);
    }
    fputc('\n', fp);
    for (size_t i = 0; i < n; i++) {
        if (!k) {
            fprintf(fp, "%.9g\n", (double)o->values[i]);
            continue;
        }
        put_field(fp, lrf_dataset_class_name(enc, (size_t)o->classes[i]));
        for (size_t c = 0; c < k; c++)
            fprintf(fp, ",%.6g", (double)o->probs[i * k + c]);
        fputc('\n', fp);
    }
}

/* The score against the file's own labels (or that there were none). */
static void print_score(FILE *fp, const struct predict_args *a, const struct lrf_dataset *ds,
                        bool labelled, const struct lrf_model_file_outputs *o)
{
    size_t n = lrf_dataset_rows(ds);
    fprintf(fp, "predict:   %zu rows of %s with %s", n, a->data, a->model);
    if (!labelled)
        fputs(" (no label column: nothing to score)\n", fp);
    else if (lrf_dataset_classes(ds))
        fprintf(fp, "; against its labels: accuracy %.4f, loss %.4f\n",
                (double)o->eval.n_correct / (double)n, o->eval.loss_sum / (double)n);
    else
        fprintf(fp, "; against its targets: RMSE %.6g\n", sqrt(o->eval.loss_sum / (double)n));
}

static void print_score_json(const struct predict_args *a, const struct lrf_dataset *ds,
                             bool labelled, const struct lrf_model_file_outputs *o)
{
    size_t n = lrf_dataset_rows(ds);
    struct cli_json j;
    cli_json_init(&j, stdout);
    cli_json_object_begin(&j);
    cli_json_field_string(&j, "model", a->model);
    cli_json_field_string(&j, "data", a->data);
    cli_json_field_string(&j, "out", a->out);
    cli_json_field_int(&j, "rows", (long long)n);
    cli_json_field_bool(&j, "labelled", labelled);
    if (labelled && lrf_dataset_classes(ds)) {
        cli_json_field_number(&j, "accuracy", (double)o->eval.n_correct / (double)n);
        cli_json_field_number(&j, "loss", o->eval.loss_sum / (double)n);
    } else if (labelled) {
        cli_json_field_number(&j, "rmse", sqrt(o->eval.loss_sum / (double)n));
    }
    cli_json_object_end(&j);
    cli_json_finish(&j);
}

/* Writes the predictions (to --out atomically, else stdout). */
static enum lrf_status output(const struct predict_args *a, const struct lrf_dataset *enc, size_t n,
                              const struct lrf_model_file_outputs *o, struct lrf_error *err)
{
    if (!a->out) {
        write_csv(stdout, enc, n, o);
        return LRF_OK;
    }
    struct lrf_atomic_file af;
    enum lrf_status st = lrf_atomic_open(&af, a->out, err);
    if (st != LRF_OK)
        return st;
    write_csv(af.fp, enc, n, o);
    return lrf_atomic_commit(&af, err);
}

/* Loads the rows encoded like the model's training data, predicts and writes. */
static int predict_rows(const struct predict_args *a, struct lrf_model_file *mf)
{
    const struct lrf_dataset *enc = lrf_model_file_encoders(mf);
    struct lrf_dataset_options opt = lrf_dataset_options_default();
    opt.threads = a->threads;
    opt.interrupted = lrf_interrupt_poll;
    struct cli_load_progress bar;
    cli_load_progress_start(&bar, cli_stderr_is_tty(), a->data, &opt);
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    bool labelled = false;
    enum lrf_status st = lrf_dataset_load_features_like(a->data, enc, &opt, &ds, &labelled, &err);
    cli_load_progress_done(&bar, &opt);
    if (st != LRF_OK)
        return cli_fail(&err);
    size_t n = lrf_dataset_rows(ds), k = lrf_dataset_classes(enc);
    struct lrf_model_file_outputs o = {
        .classes = k ? malloc(n * sizeof(int32_t)) : NULL,
        .probs = k ? malloc(n * k * sizeof(float)) : NULL,
        .values = k ? NULL : malloc(n * sizeof(float)),
    };
    int status = CLI_EXIT_OK;
    if (k ? !o.classes || !o.probs : !o.values) {
        cli_errorf("out of memory for %zu predictions", n);
        status = CLI_EXIT_FAILURE;
    } else if (lrf_model_file_predict(mf, ds, NULL, n, &o, &err) != LRF_OK ||
               output(a, enc, n, &o, &err) != LRF_OK) {
        status = cli_fail(&err);
    } else {
        if (a->json)
            print_score_json(a, ds, labelled, &o);
        else
            print_score(a->out ? stdout : stderr, a, ds, labelled, &o);
    }
    free(o.classes);
    free(o.probs);
    free(o.values);
    lrf_dataset_destroy(ds);
    return status;
}

int cli_cmd_predict(int argc, char **argv)
{
    struct predict_args a;
    int status = parse_args(argc, argv, &a);
    if (status != CLI_EXIT_OK)
        return status;
    lrf_interrupt_install();
    struct lrf_model_file_options mo = {.threads = a.threads, .max_batch = 0};
    struct lrf_model_file *mf = NULL;
    struct lrf_error err;
    if (lrf_model_file_load(a.model, &mo, &mf, &err) != LRF_OK)
        return cli_fail(&err);
    status = predict_rows(&a, mf);
    lrf_model_file_destroy(mf);
    return cli_close_stdout(status);
}
