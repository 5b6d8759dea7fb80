/* lrfind train: exit codes, the JSON keys, a CSV with --val/--val-split, the
 * schedule's run-length default, and usage errors. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static char tmpdir[] = "/tmp/lrf_test_cli_train_XXXXXX";
static char out_text[1 << 16], err_text[1 << 14];

static void slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

/* Runs lrfind with args (shell syntax); returns its exit status. */
static int run(const char *args)
{
    char cmd[4096], out[600], err[600];
    snprintf(out, sizeof out, "%s/stdout", tmpdir);
    snprintf(err, sizeof err, "%s/stderr", tmpdir);
    snprintf(cmd, sizeof cmd, "XDG_CACHE_HOME='%s/cache' '%s' %s >'%s' 2>'%s'", tmpdir, LRFIND_EXE,
             args, out, err);
    int st = system(cmd);
    slurp(out, out_text, sizeof out_text);
    slurp(err, err_text, sizeof err_text);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A separable 3-class CSV: class k has features k and k+3 high. */
static const char *write_csv(const char *name, int rows, unsigned seed)
{
    static char path[2][600];
    static int which;
    char *p = path[which++ % 2];
    snprintf(p, 600, "%s/%s", tmpdir, name);
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

static double json_number(const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *s = strstr(out_text, pat);
    return s ? strtod(s + strlen(pat), NULL) : -1;
}

static void test_builtin_json(void)
{
    CHECK(run("train --epochs 1 --model mlp:32 --json") == 0);
    CHECK(strstr(out_text, "\"epochs\":[{\"epoch\":1,\"train_loss\":") != NULL);
    static const char *const keys[] = {"val_loss", "val_accuracy", "seconds", "train_seconds",
                                       "samples_per_second"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char pat[64];
        snprintf(pat, sizeof pat, "\"%s\":", keys[i]);
        CHECK_MSG(strstr(out_text, pat) != NULL, "JSON key %s", keys[i]);
    }
    double acc = json_number("val_accuracy");
    CHECK_MSG(acc > 0.6 && acc <= 1, "val_accuracy %g", acc);
    CHECK(strstr(out_text, "\"validation\":\"builtin:test\"") != NULL);
    CHECK(err_text[0] == '\0'); /* no progress bar when stderr is not a terminal */
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
    CHECK(run(args) == 0);
    CHECK(json_number("val_accuracy") > 0.9);
    /* cosine's T_max defaulted to this run's 3 x 13 steps. */
    CHECK_MSG(strstr(out_text, "cosine(T_max=39)") != NULL, "%s", out_text);
    snprintf(args, sizeof args,
             "train --data '%s' --val-split 0.25 --model linear --batch 50 --epochs 2 "
             "--seed 7 --normalize minmax",
             train);
    CHECK(run(args) == 0);
    CHECK(strstr(out_text, "epoch 2/2") != NULL);
    CHECK(strstr(out_text, "split (100 rows)") != NULL);
    /* The same seed gives the same run. */
    char first[sizeof out_text];
    memcpy(first, out_text, sizeof first);
    CHECK(run(args) == 0);
    char *a = strstr(first, "train_loss"), *b = strstr(out_text, "train_loss");
    CHECK(a && b && strncmp(a, b, 40) == 0);
}

static void test_errors(void)
{
    CHECK(run("train --help") == 0);
    CHECK(strstr(out_text, "--schedule SPEC") != NULL && strstr(out_text, "--val-split") != NULL);
    CHECK(run("train --optim lamb") == 2);
    CHECK(strstr(err_text, "lamb") != NULL);
    CHECK(run("train --epochs 0") == 2);
    CHECK(run("train --val-split 1.5") == 2);
    CHECK(run("train --lr nope") == 2);
    CHECK(run("train --model mlp:0") == 2);
    CHECK(run("train --label x") == 2);
    CHECK(run("train --schedule 'warp(x=1)'") == 2);
    CHECK(run("train --bogus") == 2);
    CHECK(run("train --epochs 1 --schedule 'onecycle(max_lr=0.1,total_steps=10)'") == 2);
    CHECK(strstr(err_text, "ends after 10 steps") != NULL);
    CHECK(run("train extra") == 2);
    CHECK(run("train --data /nonexistent/x.csv") == 1);
    CHECK(strncmp(err_text, "lrfind: /nonexistent/x.csv", 26) == 0);
    const char *train = write_csv("t2.csv", 50, 3);
    char args[1024];
    snprintf(args, sizeof args, "train --data '%s' --val '%s' --val-split 0.1", train, train);
    CHECK(run(args) == 2);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_builtin_json();
    test_csv();
    test_errors();
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_summary();
}
