/* Images on the command line (issue 14), at tiny scale: the shape stated in the data
 * line, inspect and JSON; the CNN as the default model for images, said in the model
 * line; --shape, --layout, --augment; the bad inputs that are usage errors naming
 * their numbers; and the CNN through --train (equal to a fresh `lrfind train` after
 * the sweep restored weights and BatchNorm statistics), --verify, --runs, JSON and
 * plots. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "cli_run.h"
#include "lrf/plot.h"

enum { SIDE = 8, CHANNELS = 3 };

/* A short sweep of a small CNN keeps the suite fast (also under the sanitizers). */
#define CNN "-q --model cnn:4,8 --batch 32 --iters 20 --start-lr 1e-3"

/* 3x8x8 images, three classes (a bright square in its own place over noise): OpenML's
 * a0..a191 names (channel planes) or none, pixel values (or standardized ones). */
static const char *write_images(const char *name, int rows, bool header, bool standardized)
{
    static char paths[4][CLI_RUN_PATH_MAX]; /* cli_path's buffers rotate: keep our own */
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, CLI_RUN_PATH_MAX, "%s", cli_path(name));
    FILE *f = fopen(path, "w");
    if (!f)
        return path;
    int d = CHANNELS * SIDE * SIDE;
    for (int j = 0; header && j < d; j++)
        fprintf(f, "a%d,", j);
    if (header)
        fputs("class\n", f);
    for (int i = 0; i < rows; i++) {
        int k = i % 3;
        for (int j = 0; j < d; j++) {
            int y = (j / SIDE) % SIDE, x = j % SIDE;
            int v = (i * 37 + j * 11) % 60 + (y >= 2 * k && y < 2 * k + 3 && x < 4 ? 150 : 0);
            if (standardized)
                fprintf(f, "%.4f,", (v - 100) / 60.0);
            else
                fprintf(f, "%d,", v);
        }
        fprintf(f, "%d\n", k);
    }
    fclose(f);
    return path;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

static void test_detected_and_stated(const char *img)
{
    char args[1024];
    snprintf(args, sizeof args, "inspect --data '%s'", img);
    CHECK(cli_run(args) == 0);
    CHECK_MSG(strstr(cli_out, "image:         3x8x8 images, chw (header a0..a191: 3 channel planes "
                              "of 8x8)") != NULL,
              "%s", cli_out);
    snprintf(args, sizeof args, "inspect --json --data '%s' --layout hwc", img);
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "\"shape\":[3,8,8],\"layout\":\"hwc\",\"shape_why\":\"--layout\""));
    /* the range test's data and model lines: the CNN by default */
    snprintf(args, sizeof args, "-q --iters 10 --start-lr 1e-3 --data '%s'", img);
    CHECK(cli_run(args) == 0);
    CHECK_MSG(strstr(cli_out, "192 features (uint8) = 3x8x8 images, chw (header a0..a191") != NULL,
              "%s", cli_out);
    CHECK(strstr(cli_out, "model:  cnn:32,64,128 (the default for 3x8x8 images; --model mlp for "
                          "the MLP), sgd") != NULL);
    /* --model mlp, and --shape none: the MLP, and nothing said about a default */
    snprintf(args, sizeof args, "-q --iters 10 --data '%s' --shape none", img);
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "model:  mlp:512,256, sgd") && !strstr(cli_out, "images"));
    snprintf(args, sizeof args, "-q --iters 10 --data '%s' --model mlp --json", img);
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "\"model\":\"mlp:512,256\",\"model_why\":\"\""));
    CHECK(strstr(cli_out, "\"shape\":[3,8,8]") &&
          strstr(cli_out, "\"normalize_per_channel\":false"));
    /* no header: 192 features name no image */
    const char *bare = write_images("bare.csv", 60, false, false);
    snprintf(args, sizeof args, "-q --iters 10 --data '%s' --label -1", bare);
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "model:  mlp:512,256,") != NULL);
    snprintf(args, sizeof args, "-q --iters 10 --data '%s' --label -1 --shape 3,8,8 --json", bare);
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "\"model\":\"cnn:32,64,128\""));
    CHECK(strstr(cli_out, "\"shape_why\":\"--shape\""));
    CHECK(strstr(cli_out, "\"normalize_per_channel\":true"));
}

struct usage_case {
    const char *args; /* after --data IMG (or the other file) */
    int file;         /* 0: images, 1: plain features, 2: standardized images */
    const char *message;
};

static void test_bad_input(const char *img, const char *plain, const char *stdized)
{
    static const struct usage_case cases[] = {
        {"--shape 3,8,9", 0,
         ": --shape 3,8,9: image shape 3x8x9 (channels x height x width) has 216 values, but "
         "the data has 192 features"},
        {"--shape 3,8", 0, "--shape: expected C,H,W"},
        {"--model cnn:4,8,16,32", 0,
         ": --model cnn:4,8,16,32: a 8x8 image is too small for cnn:4,8,16,32: its 4 max-pooling "
         "layers halve it 4 times, so height and width must be >= 16"},
        {"--model cnn", 1,
         ": --model cnn:32,64,128 needs images, and the 10 features are not: no pixel names in "
         "the header, and 10 features is not 784 (1x28x28) or 3072 (3x32x32); give their shape "
         "with --shape C,H,W"},
        {"--model mlp --augment flip", 1,
         ": --augment flip needs images, and the 10 features are not"},
        {"--augment rotate", 0, "--augment: expected flip, crop, flip,crop or none"},
        {"--layout hwc", 1, ": --layout hwc: the rows are not images"},
        {"--layout nhwc", 0, "--layout: expected chw"},
        {"--shape 3,8,8", 2,
         ": column 'a0' (0): values -1.65..1.7833, outside 0..255 (pixel intensities: 8-bit, "
         "or floats such as [0, 1]); images need pixel values: if these are already normalized, "
         "say so with --normalize none"},
        {"--model cnn", 2, "but the values -1.6667..1.8167 are not pixel intensities (0..255)"},
    };
    const char *files[3] = {img, plain, stdized};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[1024];
        snprintf(args, sizeof args, CNN " --data '%s' %s", files[cases[i].file], cases[i].args);
        /* the CNN widths of CNN give way to the case's --model */
        int st = cli_run(args);
        CHECK_MSG(st == 2, "'%s' exited %d: %s", cases[i].args, st, cli_err);
        CHECK_MSG(strstr(cli_err, cases[i].message) != NULL, "'%s': %s", cases[i].args, cli_err);
        CHECK(!strncmp(cli_err, "lrfind: ", 8) && cli_out[0] == '\0');
    }
    CHECK(cli_run("--shape 1,28,28") == 2 && strstr(cli_err, "--shape and --layout need --data"));
    /* already normalized, and said so: trained as they are */
    char args[1024];
    snprintf(args, sizeof args, CNN " --data '%s' --shape 3,8,8 --normalize none", stdized);
    CHECK(cli_run(args) == 0);
    /* a --val file with values outside 0..255 */
    snprintf(args, sizeof args, CNN " --data '%s' --val '%s'", img, stdized);
    CHECK(cli_run(args) == 2 && strstr(cli_err, "std.csv: column 'a0' (0): values -1.65..1.7833"));
    /* train: the same checks */
    snprintf(args, sizeof args, "train --data '%s' --model cnn:4,8,16,32", img);
    CHECK(cli_run(args) == 2 && strstr(cli_err, "too small for cnn:4,8,16,32"));
}

/* The part of a range test's JSON from "curve" on: lr, loss and smoothed of every point. */
static const char *curve_of(const char *json, char *buf, size_t size)
{
    const char *c = strstr(json, "\"curve\":");
    snprintf(buf, size, "%s", c ? c : "");
    return buf;
}

static void test_cnn_everywhere(const char *img)
{
    char args[2048], a[1 << 16], b[1 << 16];
    /* --train after the sweep = a fresh training (weights and BatchNorm statistics
     * restored), also with augmentation */
    const char *sched = "--schedule 'onecycle(max_lr=0.05)' --epochs 2";
    for (int aug = 0; aug < 2; aug++) {
        const char *augment = aug ? "--augment flip,crop" : "";
        snprintf(args, sizeof args, CNN " --data '%s' %s --json --train %s", img, augment, sched);
        CHECK(cli_run(args) == 0);
        const char *train = strstr(cli_out, "\"train\":");
        double acc_sweep = train ? cli_json_number(train, "val_accuracy") : (double)NAN;
        double loss_sweep = train ? cli_json_number(train, "val_loss") : (double)NAN;
        snprintf(args, sizeof args, "train --data '%s' --model cnn:4,8 --batch 32 %s --json %s",
                 img, augment, sched);
        CHECK(cli_run(args) == 0);
        double acc = cli_json_number(cli_out, "val_accuracy");
        double loss = cli_json_number(cli_out, "val_loss");
        CHECK_MSG(acc_sweep == acc && loss_sweep == loss,
                  "augment %d: after a sweep %.17g/%.17g, fresh %.17g/%.17g", aug, acc_sweep,
                  loss_sweep, acc, loss);
        CHECK(strstr(cli_out, aug ? "\"augment\":\"flip,crop\"" : "\"augment\":\"none\""));
        CHECK(strstr(cli_out, "\"normalize_per_channel\":true"));
    }
    /* --augment: the same curve twice, another without it */
    snprintf(args, sizeof args, CNN " --data '%s' --augment flip,crop --json", img);
    CHECK(cli_run(args) == 0);
    curve_of(cli_out, a, sizeof a);
    CHECK(cli_run(args) == 0);
    CHECK_MSG(!strcmp(a, curve_of(cli_out, b, sizeof b)), "augmented runs differ");
    snprintf(args, sizeof args, CNN " --data '%s' --json", img);
    CHECK(cli_run(args) == 0);
    CHECK(a[0] && strcmp(a, curve_of(cli_out, b, sizeof b)) != 0);
    /* --runs, --verify, plots */
    snprintf(args, sizeof args, CNN " --data '%s' --runs 2 --verify --augment crop --json", img);
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "\"runs\":2") && strstr(cli_out, "\"verify\":"));
    snprintf(args, sizeof args, "train --data '%s' --model cnn:4,8 --epochs 1", img);
    CHECK(cli_run(args) == 0);
    CHECK_MSG(strstr(cli_out, "model:     cnn:4,8 (3x8x8-4x4x4-8x2x2-8-3, ") != NULL, "%s",
              cli_out);
    if (!lrf_plot_gnuplot_available()) {
        check_skip("CNN plots", "gnuplot not installed");
        return;
    }
    snprintf(args, sizeof args, CNN " --data '%s' --plot '%s'", img, cli_path("cnn.svg"));
    CHECK(cli_run(args) == 0 && file_exists(cli_path("cnn.svg")));
}

int main(void)
{
    cli_run_init("image");
    const char *img = write_images("img.csv", 150, true, false);
    const char *stdized = write_images("std.csv", 60, true, true);
    char plain[CLI_RUN_PATH_MAX];
    snprintf(plain, sizeof plain, "%s", cli_path("plain.csv"));
    FILE *f = fopen(plain, "w");
    if (f) {
        fputs("f0,f1,f2,f3,f4,f5,f6,f7,f8,f9,label\n", f);
        for (int i = 0; i < 40; i++)
            fprintf(f, "%d,1,2,3,4,5,6,7,8,9,%d\n", i % 7, i % 2);
        fclose(f);
    }
    test_detected_and_stated(img);
    test_bad_input(img, plain, stdized);
    test_cnn_everywhere(img);
    cli_run_cleanup();
    return check_summary();
}
