/* lrfind train: train the built-in model with a schedule and report each epoch. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/find.h"
#include "cli/image_options.h"
#include "cli/json.h"
#include "cli/model_save.h"
#include "cli/progress.h"
#include "cli/train_auto.h"
#include "cli/train_options.h"
#include "cli/train_report.h"
#include "lrf/interrupt.h"
#include "lrf/sched.h"
#include "lrf/train.h"

enum { OPT_EPOCHS = 0x2000, OPT_SCHEDULE, OPT_JSON, OPT_SAVE, OPT_HELP = 'h' };
enum { SPEC_TEXT_MAX = 1024 };

void cli_train_usage(void)
{
    fputs("Usage: lrfind train [--data FILE.csv] [OPTIONS]\n"
          "Train a built-in model (an MLP, a CNN for images; PyTorch's initialization,\n"
          "optimizers and schedules) and report per epoch the training loss, validation\n"
          "loss and accuracy (regression: RMSE and R^2 in the target's units), time and\n"
          "training samples/s.\n"
          "\n",
          stdout);
    cli_train_options_usage(stdout);
    fputs("Run:\n"
          "      --schedule SPEC     lr (and momentum) schedule, the SPEC syntax of 'lrfind\n"
          "                          schedule', stepped once per optimizer step; lengths\n"
          "                          (total_steps, T_max, total_iters, ...) default to this\n"
          "                          run's, so 'onecycle(max_lr=0.1)' just works. Default:\n"
          "                          one-cycle at a range test's suggestion (adagrad:\n"
          "                          cycle_momentum=false); with --lr, constant --lr\n"
          "      --epochs E          epochs (default: at least 3 epochs and 300 optimizer\n"
          "                          steps, the range test's run length)\n"
          "      --save MODEL.lrf    save the trained model, with its normalization and the\n"
          "                          columns' encoders, for 'lrfind predict --model MODEL.lrf'\n"
          "      --json              print JSON instead of text\n"
          "  -h, --help              show this help and exit\n"
          "\n"
          "Example:\n"
          "  lrfind train --data train.csv --val test.csv --schedule 'onecycle(max_lr=0.1)'\n",
          stdout);
}

struct run_info {
    const struct cli_train_options *opt;
    const struct cli_train_data *data;
    const struct lrf_train_config *cfg;
    struct lrf_trainer *trainer;
    const char *schedule;
    bool schedule_default; /* neither --schedule nor --lr: one-cycle at the suggestion */
    char model_spec[256];
    int epochs;
    bool epochs_default; /* no --epochs: the run-length rule */
    long steps_per_epoch;
    struct cli_auto_lr auto_lr; /* the range test run for --lr auto, if any */
    const char *save;           /* --save MODEL.lrf, or NULL */
};

/* 784-512-256-10 for an MLP; 3x32x32-32x16x16-64x8x8-128x4x4-128-10 for a CNN
 * (each block's input, the global average pooling's input and output). */
static void print_layers(struct lrf_model *m)
{
    struct lrf_layer_info li;
    int n = lrf_model_n_layers(m);
    for (int l = 0; l < n; l++) {
        lrf_model_layer_info(m, l, &li);
        if (li.in_h > 1 || li.in_w > 1) { /* an image: its shape, once per block */
            if (li.kind == LRF_LAYER_CONV2D || li.kind == LRF_LAYER_AVGPOOL)
                printf("%dx%dx%d-", li.in_c, li.in_h, li.in_w);
            continue;
        }
        if (li.kind != LRF_LAYER_AVGPOOL)
            printf("%d-", lrf_model_layer_in(m, l));
    }
    printf("%d", lrf_model_layer_out(m, n - 1));
}

static void print_header(const struct run_info *r)
{
    const struct lrf_train_config *c = lrf_trainer_config(r->trainer);
    struct lrf_model *m = lrf_trainer_model(r->trainer);
    printf("data:      %s (%zu training rows, %zu features", lrf_dataset_source(r->data->train),
           r->data->data.n_train, lrf_dataset_features(r->data->train));
    cli_image_print_data(stdout, r->data->train);
    if (lrf_trainer_task(r->trainer) == LRF_TASK_REGRESSION) {
        char loss[128];
        printf(", regression on '%s')\n", lrf_dataset_label_name(r->data->train));
        printf("loss:      %s\n", cli_train_loss_text(r->trainer, loss, sizeof loss));
    } else {
        printf(", %zu classes)\n", lrf_dataset_classes(r->data->train));
    }
    printf("validate:  %s (%zu rows)\n", r->data->val_source, r->data->data.n_val);
    printf("model:     %s (", r->model_spec);
    print_layers(m);
    printf(", %zu parameters)%s%s\n", lrf_model_n_params(m), r->data->model_why[0] ? ", " : "",
           r->data->model_why);
    const struct cli_auto_lr *a = &r->auto_lr;
    if (a->ran)
        printf("auto lr:   a range test suggests max_lr " CLI_LR_FMT
               " (%s rule; %ld steps, %.2f s)\n",
               a->max_lr, a->rule, a->steps, a->seconds);
    printf("optimizer: %s lr=" CLI_LR_FMT "%s momentum=%g weight_decay=%g\n",
           lrf_optim_kind_name(c->optim.kind), c->optim.lr,
           r->opt->lr_auto ? " (--lr auto: a third of max_lr)" : "", c->optim.momentum,
           c->optim.weight_decay);
    printf("schedule:  %s%s\n", r->schedule,
           r->schedule_default ? " (the default: one-cycle at the suggestion; --lr L trains "
                                 "at a constant L)"
                               : "");
    char note[96];
    printf("run:       %d epochs x %ld steps%s, batch %zu%s%s, seed %llu\n", r->epochs,
           r->steps_per_epoch, r->epochs_default ? " (>= 3 epochs and >= 300 steps)" : "",
           c->batch_size, cli_batch_note(r->opt, c, note, sizeof note),
           c->accumulate > 1 ? " (accumulated)" : "", (unsigned long long)c->seed);
    fflush(stdout);
}

static void totals(const struct lrf_train_epoch *ep, int n, double *train_s, double *step_s,
                   long *samples)
{
    *train_s = *step_s = 0;
    *samples = 0;
    for (int i = 0; i < n; i++) {
        *train_s += ep[i].seconds;
        *step_s += ep[i].step_seconds;
        *samples += ep[i].samples;
    }
}

static void print_json(const struct run_info *r, const struct lrf_train_epoch *ep, int n,
                       enum lrf_status st)
{
    struct cli_json j;
    cli_json_init(&j, stdout);
    cli_json_object_begin(&j);
    enum lrf_task task = lrf_trainer_task(r->trainer);
    cli_json_field_string(&j, "data", lrf_dataset_source(r->data->train));
    cli_json_field_string(&j, "task", lrf_task_name(task));
    if (task == LRF_TASK_REGRESSION) {
        double mean, std;
        lrf_trainer_target_scale(r->trainer, &mean, &std);
        cli_json_field_number(&j, "target_mean", mean);
        cli_json_field_number(&j, "target_std", std);
    }
    cli_json_field_int(&j, "train_rows", (long long)r->data->data.n_train);
    cli_json_field_string(&j, "validation", r->data->val_source);
    cli_json_field_int(&j, "val_rows", (long long)r->data->data.n_val);
    cli_json_field_string(&j, "model", r->model_spec);
    cli_json_field_string(&j, "model_why", r->data->model_why);
    cli_image_json(&j, r->data->train);
    cli_json_field_int(&j, "parameters",
                       (long long)lrf_model_n_params(lrf_trainer_model(r->trainer)));
    cli_train_config_json(&j, r->opt, lrf_trainer_config(r->trainer));
    cli_json_field_string(&j, "schedule", r->schedule);
    cli_json_field_bool(&j, "schedule_default", r->schedule_default);
    cli_json_field_bool(&j, "epochs_default", r->epochs_default);
    if (r->auto_lr.ran) {
        cli_json_key(&j, "range_test");
        cli_json_object_begin(&j);
        cli_json_field_number(&j, "max_lr", r->auto_lr.max_lr);
        cli_json_field_string(&j, "rule", r->auto_lr.rule);
        cli_json_field_number(&j, "cosine_lr", r->auto_lr.cosine_lr);
        cli_json_field_number(&j, "seconds", r->auto_lr.seconds);
        cli_json_object_end(&j);
    }
    cli_json_field_int(&j, "steps_per_epoch", r->steps_per_epoch);
    cli_train_epochs_json(&j, task, ep, n);
    double train_s, step_s;
    long samples;
    totals(ep, n, &train_s, &step_s, &samples);
    cli_json_field_number(&j, "val_loss", n ? ep[n - 1].val_loss : (double)NAN);
    cli_train_metrics_json(&j, task, n ? &ep[n - 1] : NULL);
    cli_json_field_number(&j, "train_seconds", train_s);
    cli_json_field_number(&j, "step_seconds", step_s);
    cli_json_field_number(&j, "samples_per_second",
                          step_s > 0 ? (double)samples / step_s : (double)NAN);
    if (r->save && st == LRF_OK)
        cli_json_field_string(&j, "model_file", r->save);
    cli_json_field_bool(&j, "interrupted", st == LRF_ERR_INTERRUPTED);
    cli_json_field_bool(&j, "diverged", st == LRF_ERR_NUMERIC); /* a non-finite loss */
    cli_json_object_end(&j);
    cli_json_finish(&j);
}

/* Trains one epoch per lrf_trainer_fit call, so that each is printed when it ends;
 * fills ep[0..*done). */
static enum lrf_status train_epochs(struct run_info *r, struct lrf_sched *sched, bool json,
                                    struct lrf_train_epoch *ep, int *done, struct lrf_error *err)
{
    struct cli_fit_progress prog;
    cli_fit_progress_init(&prog, cli_stderr_is_tty(), "train",
                          lrf_trainer_run_steps(r->trainer, r->epochs), r->epochs);
    struct cli_chance_watch chance;
    cli_chance_watch_init(&chance, &r->data->data);
    enum lrf_status st = LRF_OK;
    *done = 0;
    for (int e = 0; e < r->epochs && !st; e++) {
        int one = 0;
        prog.epochs_before = e;
        st = lrf_trainer_fit(r->trainer, sched, 1, &ep[e], &one, cli_fit_progress, &prog, err);
        cli_progress_done(&prog.bar);
        if (one == 1) {
            ep[e].epoch = e + 1;
            ++*done;
            if (!json) {
                cli_train_print_epoch(stdout, "", lrf_trainer_task(r->trainer), &ep[e], r->epochs);
                fflush(stdout);
            }
            cli_chance_watch_epoch(&chance, &ep[e], r->epochs);
        }
    }
    return st;
}

/* --save: the model, and in it how it was trained. */
static enum lrf_status save(const struct run_info *r, double val_accuracy, struct lrf_error *err)
{
    char info[1024];
    snprintf(info, sizeof info,
             "lrfind " LRF_VERSION ": train --data %s --model %s --schedule '%s' --epochs %d; "
             "val_accuracy %.4f",
             r->opt->data ? r->opt->data : "(built-in)", r->model_spec, r->schedule, r->epochs,
             val_accuracy);
    return cli_save_model(r->save, r->trainer, r->data, info, err);
}

static int run(struct run_info *r, struct lrf_sched *sched, bool json)
{
    struct lrf_train_epoch *ep = calloc((size_t)r->epochs, sizeof *ep);
    if (!ep) {
        cli_errorf("out of memory");
        return CLI_EXIT_FAILURE;
    }
    if (!json)
        print_header(r);
    struct lrf_error err;
    lrf_error_clear(&err);
    int done = 0;
    lrf_interrupt_install();
    enum lrf_status st = train_epochs(r, sched, json, ep, &done, &err);
    if (st == LRF_OK && r->save)
        st = save(r, ep[done - 1].val_accuracy, &err);
    bool interrupted = st == LRF_ERR_INTERRUPTED;
    int status = CLI_EXIT_OK;
    if (json) {
        print_json(r, ep, done, st);
    } else if (done) {
        double train_s, step_s;
        long samples;
        totals(ep, done, &train_s, &step_s, &samples);
        char metrics[96];
        printf("final:     %s  val_loss %.4f  train %.2f s  %.0f samples/s (steps only)\n",
               cli_train_metrics_text(lrf_trainer_task(r->trainer), &ep[done - 1], '_', metrics,
                                      sizeof metrics),
               ep[done - 1].val_loss, train_s, step_s > 0 ? (double)samples / step_s : 0.0);
        if (r->save && st == LRF_OK)
            printf("saved:     %s (lrfind predict --model %s --data FILE.csv)\n", r->save, r->save);
    }
    if (interrupted) {
        cli_errorf("interrupted after %d of %d epochs", done, r->epochs);
        status = CLI_EXIT_FAILURE;
    } else if (st) {
        status = cli_fail(&err);
    }
    free(ep);
    return status;
}

struct train_args {
    struct cli_train_options to;
    long epochs;
    bool epochs_set;
    const char *schedule; /* NULL: the default (cli_train_default_schedule) */
    const char *save;     /* --save MODEL.lrf */
    bool json;
};

/* CLI_EXIT_OK with a filled (CLI_EXIT_HELP for --help), or a usage error printed. */
static int parse_args(int argc, char **argv, struct train_args *a)
{
    static const struct option longopts[] = {CLI_TRAIN_LONG_OPTIONS,
                                             {"epochs", required_argument, NULL, OPT_EPOCHS},
                                             {"schedule", required_argument, NULL, OPT_SCHEDULE},
                                             {"json", no_argument, NULL, OPT_JSON},
                                             {"save", required_argument, NULL, OPT_SAVE},
                                             {"help", no_argument, NULL, OPT_HELP},
                                             {NULL, 0, NULL, 0}};
    *a = (struct train_args){.epochs = CLI_EPOCHS_DEFAULT};
    cli_train_options_init(&a->to);
    opterr = 0;
    optind = 1;
    for (int c;
         (c = getopt_long(argc, argv, ":" CLI_TRAIN_SHORT_OPTIONS "h", longopts, NULL)) != -1;) {
        int h = cli_train_options_handle(&a->to, c, optarg);
        if (h != 0) {
            if (h < 0)
                return CLI_EXIT_USAGE;
            continue;
        }
        switch (c) {
        case OPT_EPOCHS:
            if (!cli_parse_long("--epochs", optarg, 1, CLI_EPOCHS_MAX, &a->epochs))
                return CLI_EXIT_USAGE;
            a->epochs_set = true;
            break;
        case OPT_SCHEDULE:
            a->schedule = optarg;
            break;
        case OPT_JSON:
            a->json = true;
            break;
        case OPT_SAVE:
            a->save = optarg;
            break;
        case OPT_HELP:
            return CLI_EXIT_HELP;
        default:
            return cli_option_error(c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("unexpected argument '%s'", argv[optind]);
    a->to.load_progress = cli_stderr_is_tty(); /* as the training's bar */
    if (a->save && cli_check_output("--save", a->save) != CLI_EXIT_OK)
        return CLI_EXIT_USAGE; /* before any work */
    return cli_train_options_check(&a->to) != CLI_EXIT_OK ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

/* The --schedule SPEC for this run (its lengths default to the run's); NULL sched and
 * CLI_EXIT_OK without one. */
static int make_schedule(struct run_info *r, const char *spec, struct lrf_sched **sched, char *text,
                         size_t size)
{
    struct lrf_error err;
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.base_lr = r->cfg->optim.lr;
    so.run_length = lrf_trainer_run_steps(r->trainer, r->epochs);
    if (r->auto_lr.ran) {
        so.auto_lr = r->auto_lr.max_lr;
        so.auto_base_lr = r->auto_lr.cyclic_base_lr;
    }
    if (lrf_sched_parse(spec, &so, sched, &err) != LRF_OK)
        return cli_usage_error("--schedule: %s", err.message);
    long need = so.run_length, max = lrf_sched_max_step(*sched);
    if (max >= 0 && max < need && !lrf_sched_needs_metric(*sched))
        return cli_usage_error("--schedule: it ends after %ld steps but this run has %ld "
                               "(%d epochs of %ld); omit its length to fit the run",
                               max, need, r->epochs, r->steps_per_epoch);
    lrf_sched_format_spec(*sched, text, size);
    r->schedule = text;
    return CLI_EXIT_OK;
}

/* Without --schedule and --lr: one-cycle at a range test's suggestion, the answer the
 * range test gives (adagrad has no momentum to cycle); with --lr L, a constant L. */
static const char *default_schedule(const struct train_args *a)
{
    if (a->to.lr_set || a->to.lr_auto)
        return NULL;
    return a->to.optim == LRF_OPTIM_ADAGRAD ? "onecycle(cycle_momentum=false)" : "onecycle";
}

/* Without --epochs: the range test's run length, at least 3 epochs and 300 steps. */
static void set_run_length(struct run_info *r, struct lrf_trainer *t)
{
    r->steps_per_epoch = lrf_trainer_steps_per_epoch(t);
    if (r->epochs_default)
        r->epochs = cli_find_min_epochs(r->steps_per_epoch);
}

/* The trainer of this run. With --lr auto (or a SPEC that needs a suggestion) a range test
 * runs first on a trainer of its own; the one that trains is then created with the lr it
 * found from the same seed, so it starts where the range test's --train starts. */
static int make_trainer(const struct train_args *a, const char *spec, struct run_info *r,
                        struct lrf_train_config *cfg, struct lrf_error *err)
{
    if (a->to.lr_auto || cli_spec_needs_suggestion(spec)) {
        struct lrf_trainer *probe = NULL;
        if (lrf_trainer_create(cfg, &r->data->data, &probe, err) != LRF_OK)
            return cli_fail(err);
        set_run_length(r, probe);
        int status =
            cli_train_auto_lr(probe, lrf_trainer_run_steps(probe, r->epochs), r->data->data.n_val,
                              cli_stderr_is_tty(), r->schedule_default, &r->auto_lr);
        lrf_trainer_destroy(probe);
        if (status != CLI_EXIT_OK)
            return status;
        if (a->to.lr_auto)
            cfg->optim.lr = r->auto_lr.cosine_lr;
    }
    if (lrf_trainer_create(cfg, &r->data->data, &r->trainer, err) != LRF_OK)
        return cli_fail(err);
    set_run_length(r, r->trainer);
    return CLI_EXIT_OK;
}

/* Loads the data, builds the trainer and the schedule, then trains. */
static int train(const struct train_args *a)
{
    struct lrf_error err;
    lrf_error_clear(&err);
    struct cli_train_data data;
    if (cli_train_data_load(&a->to, &data, &err) != LRF_OK)
        return cli_train_data_fail(&data, &err);
    struct lrf_train_config cfg = cli_train_options_config(&a->to, &data);
    struct run_info r = {.opt = &a->to,
                         .data = &data,
                         .cfg = &cfg,
                         .schedule = "constant",
                         .schedule_default = !a->schedule && default_schedule(a),
                         .epochs = (int)a->epochs,
                         .epochs_default = !a->epochs_set,
                         .save = a->save};
    const char *spec = a->schedule ? a->schedule : default_schedule(a);
    lrf_model_format_spec(&cfg.model, r.model_spec, sizeof r.model_spec);
    struct lrf_sched *sched = NULL;
    char spec_text[SPEC_TEXT_MAX];
    int status = make_trainer(a, spec, &r, &cfg, &err);
    if (r.schedule_default && !r.auto_lr.ran)
        spec = NULL, r.schedule_default = false; /* no suggestion: the constant --lr, warned */
    if (status == CLI_EXIT_OK) {
        if (spec)
            status = make_schedule(&r, spec, &sched, spec_text, sizeof spec_text);
        if (status == CLI_EXIT_OK)
            status = run(&r, sched, a->json);
    }
    lrf_sched_destroy(sched);
    lrf_trainer_destroy(r.trainer);
    cli_train_data_free(&data);
    return cli_close_stdout(status);
}

int cli_cmd_train(int argc, char **argv)
{
    struct train_args a;
    int status = parse_args(argc, argv, &a);
    return status == CLI_EXIT_OK ? train(&a) : status;
}
