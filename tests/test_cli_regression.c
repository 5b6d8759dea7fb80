/* Regression on the command line (issue 13), on the committed R-written table
 * tests/fixtures/dataset/boston_r.csv (write.csv of MASS::Boston: row names, target
 * medv last): the range test, --verify, --train, --runs and `lrfind train` run, say
 * that the task is regression and that the loss is the standardized target's MSE,
 * and print the numbers the library computes for the same run in this process
 * (tests/cli_driver.h): the target scale, the suggestion, every epoch's losses, RMSE
 * and R^2, the verify trials' RMSE; no accuracy anywhere; --verify's choice follows
 * the RMSE. A separate --val file is encoded like the training file. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "cli_driver.h"
#include "cli_run.h"
#include "json_reader.h"

#define BOSTON LRF_FIXTURES_DIR "/dataset/boston_r.csv"
#define RUN_ARGS                                                                                   \
    "--data '" BOSTON "' --label medv -q --model mlp:16 --batch 32 --iters 60 --start-lr 1e-4 "    \
    "--end-lr 10 --threads 1"
/* --train --epochs EPOCHS, and the run length the range test assumes without it. */
enum { EPOCHS = 3 };
/* --verify: a candidate must beat the suggestion's RMSE by more than 1% (relative). */
#define VERIFY_RMSE_MARGIN 0.01

static const struct drv_options OPTS = {.data = BOSTON,
                                        .label = "medv",
                                        .model = "mlp:16",
                                        .optim = LRF_OPTIM_SGD,
                                        .batch = 32,
                                        .seed = 0,
                                        .val_split = 0.1,
                                        .start_lr = 1e-4,
                                        .end_lr = 10,
                                        .iters = 60};

/* The epochs array at path lists ep[0..n) exactly, with RMSE and R^2, no accuracy. */
static void check_json_epochs(const char *doc, const char *path, const struct lrf_train_epoch *ep,
                              int n)
{
    CHECK_MSG(json_len(doc, path) == n, "%s: %ld epochs, want %d", path, json_len(doc, path), n);
    for (int e = 0; e < n; e++) {
        static const char *const keys[] = {"train_loss", "val_loss", "val_rmse", "val_r2"};
        const double want[] = {ep[e].train_loss, ep[e].val_loss, ep[e].val_rmse, ep[e].val_r2};
        char at[128];
        for (int k = 0; k < 4; k++) {
            snprintf(at, sizeof at, "%s[%d].%s", path, e, keys[k]);
            CHECK_JSON_NUM(doc, at, want[k]);
        }
        snprintf(at, sizeof at, "%s[%d].val_accuracy", path, e);
        CHECK_MSG(!json_has(doc, at), "%s present", at);
    }
}

static void test_range_test(struct drv *d)
{
    CHECK(cli_run(RUN_ARGS " --json") == 0);
    CHECK_MSG(json_valid(cli_out), "invalid JSON: %.300s", cli_out);
    CHECK_JSON_STR(cli_out, "task", "regression");
    CHECK_JSON_STR(cli_out, "loss", "mse");
    CHECK_JSON_STR(cli_out, "data.task", "regression");
    CHECK_JSON_NUM(cli_out, "data.classes", 0);
    CHECK_JSON_NUM(cli_out, "data.features", 13); /* R's row names dropped */
    double mean, std;
    lrf_trainer_target_scale(d->t, &mean, &std);
    CHECK_JSON_NUM(cli_out, "target_mean", mean);
    CHECK_JSON_NUM(cli_out, "target_std", std);
    const struct lrf_finder_suggestion *s = &d->r->suggestion[d->r->recommended];
    CHECK(s->valid && d->r->max_lr > 0);
    CHECK_JSON_NUM(cli_out, "suggested_lr", d->r->max_lr); /* the answer (finder.h) */
    CHECK(strstr(cli_out, "accuracy") == NULL);

    CHECK(cli_run(RUN_ARGS) == 0);
    char want[160];
    snprintf(want, sizeof want, "loss:   MSE of the standardized target (mean %.6g, std %.6g)",
             mean, std);
    CHECK_MSG(strstr(cli_out, want) && strstr(cli_out, "13 features (float32), regression;"), "%s",
              cli_out);

    CHECK(cli_run(RUN_ARGS " --runs 3 --json") == 0);
    CHECK_JSON_STR(cli_out, "task", "regression");
    CHECK_JSON_NUM(cli_out, "runs", 3);
    bool ok;
    double lr = json_num(cli_out, "suggested_lr", &ok);
    CHECK_MSG(ok && isfinite(lr) && lr > 0, "--runs 3: suggested_lr %g", lr);
}

/* --verify: each trial's RMSE is the library's for one epoch of one-cycle at its lr, and
 * the suggestion loses only to a clearly lower RMSE. */
static void test_verify(struct drv *d)
{
    CHECK(cli_run(RUN_ARGS " --verify --json") == 0);
    CHECK_MSG(json_len(cli_out, "verify.trials") == 3, "%.300s", cli_out);
    double rmse[3];
    int best = 1;
    for (int c = 0; c < 3; c++) {
        char at[64], spec[96];
        bool ok;
        snprintf(at, sizeof at, "verify.trials[%d].max_lr", c);
        double lr = json_num(cli_out, at, &ok);
        snprintf(spec, sizeof spec, "onecycle(max_lr=%.6g)", lr);
        struct lrf_train_epoch ep;
        CHECK(drv_fit(d, spec, d->cfg.optim.lr, NAN, 1, &ep, NULL, 0));
        snprintf(at, sizeof at, "verify.trials[%d].val_rmse", c);
        CHECK_JSON_NUM(cli_out, at, ep.val_rmse);
        snprintf(at, sizeof at, "verify.trials[%d].val_r2", c);
        CHECK_JSON_NUM(cli_out, at, ep.val_r2);
        snprintf(at, sizeof at, "verify.trials[%d].val_accuracy", c);
        CHECK_MSG(!json_has(cli_out, at), "%s present", at);
        rmse[c] = ep.val_rmse;
    }
    for (int c = 0; c < 3; c++)
        if (rmse[c] < rmse[best] * (1 - VERIFY_RMSE_MARGIN))
            best = c;
    bool ok;
    CHECK(json_bool(cli_out, "verify.suggestion_lost", &ok) == (best != 1) && ok);
    CHECK(cli_run(RUN_ARGS " --verify") == 0 && strstr(cli_out, "val_rmse "));
}

/* --train: the recommended one-cycle at the suggestion, epoch by epoch. */
static void test_handoff_train(struct drv *d)
{
    char args[512];
    snprintf(args, sizeof args, RUN_ARGS " --train --epochs %d --json", EPOCHS);
    CHECK(cli_run(args) == 0);
    /* --epochs sets the hand-off's run length, which the regimes' trials train for. */
    CHECK(drv_sweep(d, &OPTS, EPOCHS));
    struct lrf_train_epoch ep[EPOCHS];
    /* at the suggestion as printed (3 digits): the printed SPEC reproduces the run */
    char shown[32];
    snprintf(shown, sizeof shown, "%.3g", d->r->one_cycle_max_lr);
    CHECK(drv_fit(d, "onecycle(max_lr=auto)", d->cfg.optim.lr, strtod(shown, NULL), EPOCHS, ep,
                  NULL, 0));
    check_json_epochs(cli_out, "train.epochs", ep, EPOCHS);
    CHECK_JSON_NUM(cli_out, "train.val_rmse", ep[EPOCHS - 1].val_rmse);
    CHECK_JSON_NUM(cli_out, "train.val_r2", ep[EPOCHS - 1].val_r2);
    CHECK(!json_has(cli_out, "train.val_accuracy"));
}

/* lrfind train: JSON and text. */
static void test_train(struct drv *d)
{
    static const char *const spec = "onecycle(max_lr=0.02)";
    char args[512];
    snprintf(args, sizeof args,
             "train --data '" BOSTON "' --label medv --model mlp:16 --batch 32 --threads 1 "
             "--epochs %d --schedule '%s' --json",
             EPOCHS, spec);
    CHECK(cli_run(args) == 0);
    struct lrf_train_epoch ep[EPOCHS];
    CHECK(drv_fit(d, spec, d->cfg.optim.lr, NAN, EPOCHS, ep, NULL, 0));
    CHECK_JSON_STR(cli_out, "task", "regression");
    check_json_epochs(cli_out, "epochs", ep, EPOCHS);
    CHECK_JSON_NUM(cli_out, "val_rmse", ep[EPOCHS - 1].val_rmse);
    CHECK_JSON_NUM(cli_out, "val_r2", ep[EPOCHS - 1].val_r2);
    CHECK_JSON_NUM(cli_out, "val_loss", ep[EPOCHS - 1].val_loss);
    CHECK(strstr(cli_out, "accuracy") == NULL);

    args[strlen(args) - strlen(" --json")] = '\0';
    CHECK(cli_run(args) == 0);
    for (int e = 0; e < EPOCHS; e++) {
        char want[160];
        snprintf(want, sizeof want, "val_loss %.4f  val_rmse %.5g  val_r2 %.4f", ep[e].val_loss,
                 ep[e].val_rmse, ep[e].val_r2);
        CHECK_MSG(strstr(cli_out, want) != NULL, "text lacks '%s':\n%s", want, cli_out);
    }
    CHECK_MSG(strstr(cli_out, "regression on 'medv'") &&
                  strstr(cli_out, "loss:      MSE of the standardized target"),
              "%s", cli_out);
}

/* The first 400 data lines for training, the rest in a --val file of the same columns. */
static void test_val_file(void)
{
    FILE *in = fopen(BOSTON, "rb");
    FILE *tr = fopen(cli_path("tr.csv"), "wb"), *va = fopen(cli_path("va.csv"), "wb");
    char line[1024];
    for (int i = 0; in && tr && va && fgets(line, sizeof line, in); i++) {
        if (i == 0 || i <= 400)
            fputs(line, tr);
        if (i == 0 || i > 400)
            fputs(line, va);
    }
    if (in)
        fclose(in);
    CHECK(tr && fclose(tr) == 0);
    CHECK(va && fclose(va) == 0);
    char args[1024];
    snprintf(args, sizeof args,
             "train --data '%s' --val '%s' --label medv --model mlp:16 --epochs 2 --threads 1 "
             "--json",
             cli_path("tr.csv"), cli_path("va.csv"));
    CHECK(cli_run(args) == 0);
    bool ok;
    double rmse = json_num(cli_out, "val_rmse", &ok);
    CHECK_MSG(ok && rmse > 0 && isfinite(rmse) && json_num(cli_out, "val_rows", &ok) == 106,
              "%.400s", cli_out);
}

int main(void)
{
    cli_run_init("test_cli_regression");
    struct drv d;
    if (drv_open(&d, &OPTS) && drv_sweep(&d, &OPTS, drv_default_epochs(&d))) {
        test_range_test(&d);
        test_verify(&d);
        test_handoff_train(&d);
        test_train(&d);
    } else {
        CHECK_MSG(0, "the library driver failed");
    }
    drv_close(&d);
    test_val_file();
    cli_run_cleanup();
    return check_summary();
}
