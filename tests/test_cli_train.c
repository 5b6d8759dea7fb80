/* lrfind train: exit codes, the JSON keys, a CSV with --val/--val-split, the
 * schedule's run-length default, and usage errors. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cli_driver.h"
#include "cli_run.h"
#include "json_reader.h"

/* A separable 3-class CSV: class k has features k and k+3 high. */
static const char *write_csv(const char *name, int rows, unsigned seed)
{
    static char path[2][600];
    static int which;
    char *p = path[which++ % 2];
    snprintf(p, 600, "%s/%s", cli_tmpdir, name);
    FILE *f = fopen(p, "wb");
    fputs("f1,f2,f3,f4,f5,f6,class\n", f);
    srand(seed);
    for (int i = 0; i < rows; i++) {
        int k = rand() % 3;
        for (int j = 0; j < 6; j++)
            fprintf(f, "%.3f,", (double)rand() / RAND_MAX + (j % 3 == k ? 1.0 : 0.0));
        fprintf(f, "%c\n", "abc"[k]);
    }
    fclose(f);
    return p;
}

static void test_builtin_json(void)
{
    CHECK(cli_run("train --epochs 1 --model mlp:32 --json") == 0);
    CHECK(strstr(cli_out, "\"epochs\":[{\"epoch\":1,\"train_loss\":") != NULL);
    static const char *const keys[] = {"val_loss", "val_accuracy", "seconds", "train_seconds",
                                       "samples_per_second"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char pat[64];
        snprintf(pat, sizeof pat, "\"%s\":", keys[i]);
        CHECK_MSG(strstr(cli_out, pat) != NULL, "JSON key %s", keys[i]);
    }
    double acc = cli_json_number(cli_out, "val_accuracy");
    CHECK_MSG(acc > 0.6 && acc <= 1, "val_accuracy %g", acc);
    CHECK(strstr(cli_out, "\"validation\":\"builtin:test\"") != NULL);
    CHECK(cli_err[0] == '\0'); /* no progress bar when stderr is not a terminal */
}

static void test_csv(void)
{
    const char *train = write_csv("train.csv", 400, 1);
    const char *val = write_csv("val.csv", 100, 2);
    char args[2048];
    snprintf(args, sizeof args,
             "train --data '%s' --val '%s' --model mlp:16 --batch 32 --epochs 3 --optim adam "
             "--lr 0.01 --schedule 'cosine()' --json",
             train, val);
    CHECK(cli_run(args) == 0);
    CHECK(cli_json_number(cli_out, "val_accuracy") > 0.9);
    /* cosine's T_max defaulted to this run's 3 x 13 steps. */
    CHECK_MSG(strstr(cli_out, "cosine(T_max=39)") != NULL, "%s", cli_out);
    snprintf(args, sizeof args,
             "train --data '%s' --val-split 0.25 --model linear --batch 50 --epochs 2 "
             "--seed 7 --normalize minmax",
             train);
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "epoch 2/2") != NULL);
    CHECK(strstr(cli_out, "split (100 rows)") != NULL);
    /* The same seed gives the same run. */
    static char first[sizeof cli_out];
    memcpy(first, cli_out, sizeof first);
    CHECK(cli_run(args) == 0);
    char *a = strstr(first, "train_loss"), *b = strstr(cli_out, "train_loss");
    CHECK(a && b && strncmp(a, b, 40) == 0);
}

static void test_errors(void)
{
    CHECK(cli_run("train --help") == 0);
    CHECK(strstr(cli_out, "--schedule SPEC") != NULL && strstr(cli_out, "--val-split") != NULL);
    CHECK(cli_run("train --optim lamb") == 2);
    CHECK(strstr(cli_err, "lamb") != NULL);
    CHECK(cli_run("train --epochs 0") == 2);
    CHECK(cli_run("train --val-split 1.5") == 2);
    CHECK(cli_run("train --lr nope") == 2);
    CHECK(cli_run("train --model mlp:0") == 2);
    CHECK(cli_run("train --label x") == 2);
    CHECK(cli_run("train --schedule 'warp(x=1)'") == 2);
    CHECK(cli_run("train --bogus") == 2);
    CHECK(cli_run("train --epochs 1 --schedule 'onecycle(max_lr=0.1,total_steps=10)'") == 2);
    CHECK(strstr(cli_err, "ends after 10 steps") != NULL);
    CHECK(cli_run("train extra") == 2);
    CHECK(cli_run("train --data /nonexistent/x.csv") == 1);
    CHECK(strncmp(cli_err, "lrfind: /nonexistent/x.csv", 26) == 0);
    const char *train = write_csv("t2.csv", 50, 3);
    char args[1024];
    snprintf(args, sizeof args, "train --data '%s' --val '%s' --val-split 0.1", train, train);
    CHECK(cli_run(args) == 2);
}

enum { FIGURE_EPOCHS = 2 };

/* lrfind train on o's data with cli_args, spec and --json or not; spec NULL: a constant
 * lr (--lr given: without it the default is one-cycle at a range test's suggestion). */
static int run_train(const struct drv_options *o, const char *cli_args, const char *spec, double lr,
                     bool json)
{
    char args[2048];
    int n = snprintf(args, sizeof args, "train --data '%s' %s --epochs %d --threads 1%s", o->data,
                     cli_args, FIGURE_EPOCHS, json ? " --json" : "");
    if (spec)
        snprintf(args + n, sizeof args - (size_t)n, " --schedule '%s'", spec);
    else
        snprintf(args + n, sizeof args - (size_t)n, " --lr %.17g", lr);
    int st = cli_run(args);
    CHECK_MSG(st == 0, "%s: exit %d: %s", args, st, cli_err);
    return st;
}

/* `lrfind train`'s figures against the trainer's own: the same data, split, model,
 * optimizer and schedule through the library (tests/cli_driver.h), every epoch's loss,
 * accuracy and lr, the run's shape, in JSON (17 digits, exact) and in the text. */
static void check_train_figures(const struct drv_options *o, const char *cli_args, const char *spec)
{
    struct drv d;
    if (!drv_open(&d, o)) {
        CHECK_MSG(0, "the library driver failed");
        return;
    }
    struct lrf_train_epoch ep[FIGURE_EPOCHS];
    char resolved[256] = "constant";
    CHECK(drv_fit(&d, spec, d.cfg.optim.lr, NAN, FIGURE_EPOCHS, ep, resolved, sizeof resolved));
    run_train(o, cli_args, spec, d.cfg.optim.lr, true);
    CHECK_MSG(json_valid(cli_out), "invalid JSON: %.200s", cli_out);
    CHECK_JSON_NUM(cli_out, "steps_per_epoch", lrf_trainer_steps_per_epoch(d.t));
    CHECK_JSON_NUM(cli_out, "parameters", lrf_model_n_params(lrf_trainer_model(d.t)));
    CHECK_JSON_NUM(cli_out, "lr", d.cfg.optim.lr);
    CHECK_JSON_NUM(cli_out, "momentum", d.cfg.optim.momentum);
    CHECK_JSON_NUM(cli_out, "weight_decay", d.cfg.optim.weight_decay);
    CHECK_JSON_NUM(cli_out, "batch", o->batch);
    CHECK_JSON_NUM(cli_out, "seed", (double)o->seed);
    CHECK_JSON_STR(cli_out, "schedule", resolved);
    drv_check_json_epochs(cli_out, "epochs", ep, FIGURE_EPOCHS, true);
    CHECK_JSON_NUM(cli_out, "val_loss", ep[FIGURE_EPOCHS - 1].val_loss);
    CHECK_JSON_NUM(cli_out, "val_accuracy", ep[FIGURE_EPOCHS - 1].val_accuracy);

    /* The text: the same figures at 4 decimals. */
    run_train(o, cli_args, spec, d.cfg.optim.lr, false);
    for (int e = 0; e < FIGURE_EPOCHS; e++) {
        char want[160];
        snprintf(want, sizeof want,
                 "epoch %d/%d  train_loss %.4f  val_loss %.4f  val_accuracy %.4f", e + 1,
                 FIGURE_EPOCHS, ep[e].train_loss, ep[e].val_loss, ep[e].val_accuracy);
        CHECK_MSG(strstr(cli_out, want) != NULL, "text lacks '%s':\n%s", want, cli_out);
    }
    drv_close(&d);
}

static void test_figures(void)
{
    char csv[CLI_RUN_PATH_MAX];
    snprintf(csv, sizeof csv, "%s", cli_path("small.csv"));
    CHECK(drv_write_csv(csv, 800, 1, 1.0));
    struct drv_options o = {.data = csv,
                            .model = "mlp:16",
                            .optim = LRF_OPTIM_SGD,
                            .batch = 32,
                            .seed = 0,
                            .val_split = 0.1};
    check_train_figures(&o, "--model mlp:16 --batch 32", "onecycle(max_lr=0.1)");
    o.model = "mlp:8,8:tanh";
    o.optim = LRF_OPTIM_ADAM;
    o.batch = 50;
    o.seed = 5;
    o.val_split = 0.2;
    check_train_figures(&o, "--model mlp:8,8:tanh --optim adam --batch 50 --seed 5 --val-split 0.2",
                        NULL);
}

/* --lr auto and SPECs that need a suggestion: lrfind train runs the range test first and
 * then trains exactly as the range test's --train does (same model, data order, lr). */
/* Neither --schedule nor --lr nor --epochs: one-cycle at the range test's suggestion for
 * the range test's run length, exactly what the range test's own --train does. */
static void test_default_schedule(void)
{
    char csv[CLI_RUN_PATH_MAX], args[2048];
    snprintf(csv, sizeof csv, "%s", cli_path("default.csv"));
    CHECK(drv_write_csv(csv, 600, 3, 1.0));
    const char *common = "--model mlp:16 --batch 32 --threads 1 --json";
    snprintf(args, sizeof args, "--data '%s' %s --train", csv, common);
    CHECK(cli_run(args) == 0);
    bool ok, found;
    double find_acc = json_num(cli_out, "train.val_accuracy", &found);
    double find_epochs = json_num(cli_out, "run_length.epochs", &ok);
    char shown[32];
    snprintf(shown, sizeof shown, "%.3g", cli_json_number(cli_out, "suggested_lr"));
    snprintf(args, sizeof args, "train --data '%s' %s", csv, common);
    CHECK_MSG(cli_run(args) == 0, "%s", cli_err);
    CHECK(strstr(cli_out, "\"schedule_default\":true") &&
          strstr(cli_out, "\"epochs_default\":true"));
    char want[96];
    snprintf(want, sizeof want, "\"schedule\":\"onecycle(max_lr=%s,total_steps=", shown);
    CHECK_MSG(strstr(cli_out, want) != NULL, "%s", cli_out);
    CHECK(found && ok && json_len(cli_out, "epochs") == (long)find_epochs);
    CHECK(json_num(cli_out, "val_accuracy", &ok) == find_acc && ok);
    /* --lr L: a constant L. */
    snprintf(args, sizeof args, "train --data '%s' %s --lr 0.05 --epochs 1", csv, common);
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "\"schedule\":\"constant\"") &&
          strstr(cli_out, "\"schedule_default\":false"));
    CHECK(cli_json_number(cli_out, "lr") == 0.05 && json_len(cli_out, "epochs") == 1);
}

static void test_auto_lr(void)
{
    char csv[CLI_RUN_PATH_MAX], args[2048];
    snprintf(csv, sizeof csv, "%s", cli_path("auto.csv"));
    CHECK(drv_write_csv(csv, 600, 2, 1.0));
    const char *common = "--model mlp:16 --batch 32 --epochs 2 --threads 1 --json";
    snprintf(args, sizeof args, "--data '%s' %s --train", csv, common);
    CHECK(cli_run(args) == 0);
    double suggested = cli_json_number(cli_out, "suggested_lr");
    bool found;
    double find_acc = json_num(cli_out, "train.val_accuracy", &found);
    double find_loss = json_num(cli_out, "train.epochs[1].val_loss", &found);
    snprintf(args, sizeof args, "train --data '%s' %s --schedule onecycle", csv, common);
    CHECK_MSG(cli_run(args) == 0, "%s", cli_err);
    char shown[32];
    snprintf(shown, sizeof shown, "%.3g", suggested);
    bool ok;
    CHECK(json_num(cli_out, "range_test.max_lr", &ok) == strtod(shown, NULL) && ok);
    char want[96];
    snprintf(want, sizeof want, "\"schedule\":\"onecycle(max_lr=%s,total_steps=", shown);
    CHECK_MSG(strstr(cli_out, want) != NULL, "%s", cli_out);
    CHECK(json_num(cli_out, "val_accuracy", &ok) == find_acc && found);
    CHECK(json_num(cli_out, "val_loss", &ok) == find_loss && ok);

    /* --lr auto: a third of the suggestion, as printed, for a constant lr. */
    snprintf(args, sizeof args, "train --data '%s' %s --lr auto", csv, common);
    CHECK(cli_run(args) == 0);
    double cosine = json_num(cli_out, "range_test.cosine_lr", &ok);
    CHECK(cli_json_number(cli_out, "lr") == cosine && cosine > 0);
    CHECK(strstr(cli_out, "\"schedule\":\"constant\"") != NULL);
    /* A cyclic SPEC without its lrs: the report's bounds. */
    snprintf(args, sizeof args, "train --data '%s' %s --schedule 'cyclic(step_size_up=5)'", csv,
             common);
    CHECK(cli_run(args) == 0);
    snprintf(want, sizeof want, ",max_lr=%s,step_size_up=5)", shown);
    CHECK_MSG(strstr(cli_out, "\"schedule\":\"cyclic(base_lr=") && strstr(cli_out, want), "%s",
              cli_out);
    snprintf(args, sizeof args, "train --data '%s' --model mlp:16 --epochs 1 --lr auto", csv);
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "auto lr:   a range test suggests max_lr ") != NULL);
    CHECK(strstr(cli_out, "(--lr auto: a third of max_lr)") != NULL);
}

/* A warning when validation accuracy is at chance: a model that learnt nothing (features
 * carry no information), and one that collapsed (the lr jumps to 100 after 3 epochs). */
static void test_chance_warning(void)
{
    const char *flat = cli_path("flat.csv");
    FILE *f = fopen(flat, "wb");
    fputs("a,b,label\n", f);
    for (int i = 0; i < 300; i++)
        fprintf(f, "0,0,%s\n", i % 10 < 7 ? "yes" : "no");
    fclose(f);
    char args[1024];
    snprintf(args, sizeof args, "train --data '%s' --epochs 3 --model mlp:16", flat);
    CHECK(cli_run(args) == 0);
    CHECK_MSG(strstr(cli_err, "warning: val_accuracy ") && strstr(cli_err, "is chance level"), "%s",
              cli_err);
    snprintf(args, sizeof args,
             "train --data '%s/dataset/penguins_r.csv' --epochs 6 --model mlp:64 --threads 1 "
             "--schedule 'piecewise(boundaries=[9],values=[0.1,100])'",
             LRF_FIXTURES_DIR);
    CHECK(cli_run(args) == 0);
    CHECK_MSG(strstr(cli_err, "warning: epoch 4/6: val_accuracy ") &&
                  strstr(cli_err, "fell to chance"),
              "%s", cli_err);
    /* A run that learns says nothing. */
    const char *good = write_csv("good.csv", 300, 4);
    snprintf(args, sizeof args, "train --data '%s' --epochs 3 --model mlp:16", good);
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_err, "warning") == NULL);
}

int main(void)
{
    cli_run_init("test_cli_train");
    test_builtin_json();
    test_csv();
    test_errors();
    test_figures();
    test_default_schedule();
    test_auto_lr();
    test_chance_warning();
    cli_run_cleanup();
    return check_summary();
}
