/* lrfind train --save and lrfind predict (issue 15 item 7): the predictions of the saved
 * model on the validation file score exactly the trainer's final validation figures;
 * without the label column they are the same predictions; other columns, a truncated or
 * foreign model, and output paths in missing directories are clear errors before any work. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli_run.h"
#include "json_reader.h"

/* A 3-class CSV with a text column and missing values; label in the middle. with_label
 * false leaves the label column out (same rows). */
static const char *write_csv(const char *name, int rows, unsigned seed, bool with_label)
{
    static char path[4][600];
    static int which;
    char *p = path[which++ % 4];
    snprintf(p, 600, "%s/%s", cli_tmpdir, name);
    FILE *f = fopen(p, "wb");
    fputs(with_label ? "f1,colour,class,f2,f3\n" : "f1,colour,f2,f3\n", f);
    srand(seed);
    static const char *const colours[] = {"red", "green", "\"blue, dark\""};
    for (int i = 0; i < rows; i++) {
        int k = rand() % 3;
        fprintf(f, "%.3f,%s,", (double)rand() / RAND_MAX + k, colours[(k + i % 2) % 3]);
        if (with_label)
            fprintf(f, "%c,", "abc"[k]);
        if (i % 17 == 3)
            fputs("NA,", f);
        else
            fprintf(f, "%.3f,", (double)rand() / RAND_MAX - k);
        fprintf(f, "%d\n", rand() % 5);
    }
    fclose(f);
    return p;
}

static void test_round_trip(void)
{
    const char *train = write_csv("train.csv", 400, 1, true);
    const char *val = write_csv("val.csv", 120, 2, true);
    const char *bare = write_csv("bare.csv", 120, 2, false);
    char args[4096];
    snprintf(args, sizeof args,
             "train --data '%s' --val '%s' --model mlp:16 --batch 32 --epochs 2 --threads 1 "
             "--schedule 'onecycle(max_lr=0.1)' --save '%s' --json",
             train, val, cli_path("m.lrf"));
    CHECK_MSG(cli_run(args) == 0, "%s", cli_err);
    bool ok;
    double acc = json_num(cli_out, "val_accuracy", &ok), loss = json_num(cli_out, "val_loss", &ok);
    CHECK(strstr(cli_out, "\"model_file\":") != NULL);
    snprintf(args, sizeof args, "predict --model '%s' --data '%s' --out '%s' --threads 1 --json",
             cli_path("m.lrf"), val, cli_path("p1.csv"));
    CHECK_MSG(cli_run(args) == 0, "%s", cli_err);
    CHECK_MSG(json_num(cli_out, "accuracy", &ok) == acc && ok, "%s vs %.17g", cli_out, acc);
    CHECK_MSG(json_num(cli_out, "loss", &ok) == loss && ok, "%s vs %.17g", cli_out, loss);
    CHECK(json_num(cli_out, "rows", &ok) == 120);
    /* Without the label column: the same predictions, nothing to score. */
    snprintf(args, sizeof args, "predict --model '%s' --data '%s' --out '%s' --threads 1",
             cli_path("m.lrf"), bare, cli_path("p2.csv"));
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "no label column") != NULL);
    static char p1[1 << 16], p2[1 << 16];
    cli_slurp(cli_path("p1.csv"), p1, sizeof p1);
    cli_slurp(cli_path("p2.csv"), p2, sizeof p2);
    CHECK(p1[0] && !strcmp(p1, p2));
    CHECK(!strncmp(p1, "prediction,p_a,p_b,p_c\n", 23));
    /* To standard output: the CSV; the score on stderr. */
    snprintf(args, sizeof args, "predict --model '%s' --data '%s' --threads 1", cli_path("m.lrf"),
             val);
    CHECK(cli_run(args) == 0);
    CHECK(!strcmp(cli_out, p1) && strstr(cli_err, "accuracy ") != NULL);
}

/* Regression: the saved target standardization brings predictions back to the target's
 * units; their RMSE on the validation file is train's val_rmse exactly. */
static void test_regression(void)
{
    char train[CLI_RUN_PATH_MAX], val[CLI_RUN_PATH_MAX]; /* cli_path's buffers rotate */
    snprintf(train, sizeof train, "%s", cli_path("rtrain.csv"));
    snprintf(val, sizeof val, "%s", cli_path("rval.csv"));
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(k ? val : train, "wb");
        fputs("a,b,y\n", f);
        for (int i = 0; i < (k ? 60 : 240); i++) {
            double a = (i * 37 % 100) / 10.0, b = (i * 53 % 70) / 7.0;
            fprintf(f, "%.2f,%.2f,%.3f\n", a, b, 100 + 3 * a - 2 * b + (i % 7) * 0.1);
        }
        fclose(f);
    }
    char args[4096];
    snprintf(args, sizeof args,
             "train --data '%s' --val '%s' --task regression --model mlp:16 --batch 32 "
             "--epochs 3 --threads 1 --schedule 'onecycle(max_lr=0.01)' --save '%s' --json",
             train, val, cli_path("r.lrf"));
    CHECK_MSG(cli_run(args) == 0, "%s", cli_err);
    bool ok;
    double rmse = json_num(cli_out, "val_rmse", &ok);
    CHECK(ok && rmse > 0);
    snprintf(args, sizeof args, "predict --model '%s' --data '%s' --out '%s' --threads 1 --json",
             cli_path("r.lrf"), val, cli_path("rp.csv"));
    CHECK_MSG(cli_run(args) == 0, "%s", cli_err);
    CHECK_MSG(json_num(cli_out, "rmse", &ok) == rmse && ok, "%s vs %.17g", cli_out, rmse);
    static char preds[1 << 14];
    cli_slurp(cli_path("rp.csv"), preds, sizeof preds);
    double first = strtod(preds + strlen("prediction\n"), NULL);
    CHECK_MSG(!strncmp(preds, "prediction\n", 11) && first > 80 && first < 140, "%.40s", preds);
}

static void test_errors(void)
{
    char args[4096];
    /* Other columns: every difference named. */
    const char *other = cli_path("other.csv");
    cli_write_file(other, "f1,colour,f4,f5\n1,red,2,3\n");
    snprintf(args, sizeof args, "predict --model '%s' --data '%s'", cli_path("m.lrf"), other);
    CHECK(cli_run(args) == 1);
    CHECK_MSG(strstr(cli_err, "missing 'f2', 'f3'") &&
                  strstr(cli_err, "not in the training data: 'f4', 'f5'"),
              "%s", cli_err);
    /* A truncated model, a foreign file. */
    static char model[1 << 20];
    cli_slurp(cli_path("m.lrf"), model, sizeof model);
    FILE *f = fopen(cli_path("cut.lrf"), "wb");
    fwrite(model, 1, 500, f);
    fclose(f);
    snprintf(args, sizeof args, "predict --model '%s' --data '%s'", cli_path("cut.lrf"), other);
    CHECK(cli_run(args) == 1 && strstr(cli_err, "cut.lrf: truncated: 500 bytes") != NULL);
    snprintf(args, sizeof args, "predict --model '%s' --data '%s'", other, other);
    CHECK(cli_run(args) == 1 && strstr(cli_err, "not an lrfind model file") != NULL);
    /* Output paths in missing directories: usage errors before any work. */
    snprintf(args, sizeof args, "train --epochs 1 --save '%s/none/m.lrf'", cli_tmpdir);
    CHECK(cli_run(args) == 2 && strstr(cli_err, "--save") && cli_out[0] == '\0');
    snprintf(args, sizeof args, "predict --model /nonexistent.lrf --data x --out '%s/none/p.csv'",
             cli_tmpdir);
    CHECK(cli_run(args) == 2 && strstr(cli_err, "--out") != NULL);
    CHECK(cli_run("predict --data x.csv") == 2 && strstr(cli_err, "--model") != NULL);
    CHECK(cli_run("predict --model m.lrf --data x.csv --json") == 2);
    CHECK(cli_run("predict --model m.lrf --data x.csv extra") == 2);
    CHECK(cli_run("predict --help") == 0 && strstr(cli_out, "lrfind predict --model") != NULL);
}

int main(void)
{
    cli_run_init("test_cli_predict");
    test_round_trip();
    test_regression();
    test_errors();
    cli_run_cleanup();
    return check_summary();
}
