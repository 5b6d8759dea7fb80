/* The model file (issue 15 item 7): a trained model saved and read back predicts exactly
 * what the trainer's own evaluation computed (loss and accuracy, bit for bit) — an MLP on a
 * CSV with categories and missing values, re-encoded from the file with the saved encoders,
 * and a CNN whose BatchNorm running statistics must come along; every way a file can be
 * wrong is a clear error: not a model file, truncated, longer than it says, another version,
 * the other byte order, a damaged byte, sections that disagree. Saving is atomic. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dataset_files.h"
#include "lrf/model_file.h"
#include "lrf/train.h"
#include "train/model_file_format.h"

static char tmpdir[] = "/tmp/lrf_test_model_file_XXXXXX";

static const char *path_in(const char *name)
{
    return path_under(tmpdir, name);
}

/* A trained model with its data, as lrfind train leaves it. */
struct trained {
    struct lrf_dataset *ds;
    struct lrf_split split;
    struct lrf_norm *norm;
    struct lrf_trainer *t;
    double loss, acc;
};

static bool train(struct trained *tr, struct lrf_dataset *ds, const struct lrf_train_config *cfg,
                  int epochs)
{
    memset(tr, 0, sizeof *tr);
    tr->ds = ds;
    struct lrf_error err;
    if (lrf_dataset_split(ds, 0.25, 1, &tr->split, &err) != LRF_OK ||
        lrf_norm_create(ds, tr->split.train, tr->split.n_train, LRF_NORMALIZE_STANDARD, &tr->norm,
                        &err) != LRF_OK) {
        CHECK_MSG(0, "%s", err.message);
        return false;
    }
    struct lrf_train_data d = {
        ds, tr->split.train, tr->split.n_train, ds, tr->split.val, tr->split.n_val, tr->norm};
    struct lrf_sched *s = NULL;
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.run_length = 1000;
    bool ok = lrf_trainer_create(cfg, &d, &tr->t, &err) == LRF_OK &&
              lrf_sched_parse("onecycle(max_lr=0.1)", &so, &s, &err) == LRF_OK &&
              lrf_trainer_fit(tr->t, s, epochs, NULL, NULL, NULL, NULL, &err) == LRF_OK &&
              lrf_trainer_evaluate(tr->t, &tr->loss, &tr->acc, &err) == LRF_OK;
    lrf_sched_destroy(s);
    CHECK_MSG(ok, "%s", err.message);
    return ok;
}

static void untrain(struct trained *tr)
{
    lrf_trainer_destroy(tr->t);
    lrf_norm_destroy(tr->norm);
    lrf_split_free(&tr->split);
    lrf_dataset_destroy(tr->ds);
}

static enum lrf_status save(const struct trained *tr, const char *path, struct lrf_error *err)
{
    struct lrf_model_file_parts p = {.model = lrf_trainer_model(tr->t),
                                     .train = tr->ds,
                                     .norm = tr->norm,
                                     .target_std = 1,
                                     .batch = (int)lrf_trainer_config(tr->t)->batch_size,
                                     .info = "test"};
    return lrf_model_file_save(path, &p, err);
}

/* Predicts the validation rows of data through a saved file; checks them against the
 * trainer's evaluation, exactly. */
static void check_predictions(const struct trained *tr, const char *path,
                              const struct lrf_dataset *data)
{
    struct lrf_model_file *mf = NULL;
    struct lrf_error err;
    struct lrf_model_file_options mo = {.threads = 1, .max_batch = 0};
    CHECK_MSG(lrf_model_file_load(path, &mo, &mf, &err) == LRF_OK, "%s", err.message);
    if (!mf)
        return;
    size_t n = tr->split.n_val, k = lrf_dataset_classes(tr->ds);
    struct lrf_model_file_outputs o = {
        malloc(n * sizeof(int32_t)), malloc(n * k * sizeof(float)), NULL, {0, 0}};
    CHECK(lrf_model_file_predict(mf, data, tr->split.val, n, &o, &err) == LRF_OK);
    CHECK_MSG(o.eval.loss_sum / (double)n == tr->loss, "loss %.17g, trainer %.17g",
              o.eval.loss_sum / (double)n, tr->loss);
    CHECK_MSG((double)o.eval.n_correct / (double)n == tr->acc, "accuracy %.17g, trainer %.17g",
              (double)o.eval.n_correct / (double)n, tr->acc);
    long agree = 0;
    for (size_t i = 0; i < n; i++) {
        agree += o.classes[i] == lrf_dataset_labels(data)[tr->split.val[i]];
        double sum = 0;
        for (size_t c = 0; c < k; c++)
            sum += (double)o.probs[i * k + c];
        CHECK_CLOSE(sum, 1.0, 1e-5, 0);
    }
    CHECK(agree == o.eval.n_correct);
    CHECK(!strcmp(lrf_model_file_info(mf), "test"));
    free(o.classes);
    free(o.probs);
    lrf_model_file_destroy(mf);
}

static void test_mlp_round_trip(void)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    char csv[600];
    snprintf(csv, sizeof csv, "%s/dataset/penguins_r.csv", LRF_FIXTURES_DIR);
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_load_csv(csv, &o, &ds, &err) == LRF_OK);
    struct lrf_train_config cfg = lrf_train_config_default();
    lrf_model_parse_spec("mlp:32,16", &cfg.model, NULL);
    cfg.batch_size = 64;
    cfg.threads = 1;
    struct trained tr;
    if (!ds || !train(&tr, ds, &cfg, 3))
        return;
    const char *path = path_in("pen.lrf");
    CHECK_MSG(save(&tr, path, &err) == LRF_OK, "%s", err.message);
    check_predictions(&tr, path, tr.ds);
    /* The rows re-read from the CSV with the saved encoders (categories, fill values). */
    struct lrf_model_file *mf = NULL;
    CHECK(lrf_model_file_load(path, NULL, &mf, &err) == LRF_OK);
    struct lrf_dataset *again = NULL;
    bool labelled = false;
    CHECK(mf && lrf_dataset_load_features_like(csv, lrf_model_file_encoders(mf), &o, &again,
                                               &labelled, &err) == LRF_OK);
    CHECK(labelled && again && lrf_dataset_rows(again) == lrf_dataset_rows(ds));
    lrf_model_file_destroy(mf);
    if (again)
        check_predictions(&tr, path, again);
    lrf_dataset_destroy(again);
    untrain(&tr);
}

/* 8x8 images, 2 classes (a bright square in one half or the other). */
static struct lrf_dataset *images(void)
{
    const char *path = path_in("img.csv");
    FILE *f = fopen(path, "wb");
    fputs("label", f);
    for (int j = 0; j < 64; j++)
        fprintf(f, ",p%d", j);
    fputc('\n', f);
    for (int i = 0; i < 200; i++) {
        int k = i % 2;
        fprintf(f, "%d", k);
        for (int j = 0; j < 64; j++)
            fprintf(f, ",%d", ((j % 8 < 4) == (k == 0) ? 150 : 20) + (i * 7 + j * 13) % 50);
        fputc('\n', f);
    }
    fclose(f);
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *ds = NULL;
    CHECK(lrf_dataset_load_csv(path, &o, &ds, NULL) == LRF_OK);
    return ds;
}

static void test_cnn_round_trip(void)
{
    struct lrf_train_config cfg = lrf_train_config_default();
    CHECK(lrf_model_parse_spec("cnn:4,8", &cfg.model, NULL) == LRF_OK);
    cfg.model.channels = 1;
    cfg.model.height = cfg.model.width = 8;
    cfg.batch_size = 32;
    cfg.threads = 1;
    struct trained tr;
    struct lrf_dataset *ds = images();
    if (!ds || !train(&tr, ds, &cfg, 2))
        return;
    struct lrf_model *m = lrf_trainer_model(tr.t);
    CHECK(lrf_model_n_stats(m) == 2 * (4 + 8) && lrf_model_stats(m)[0] != 0.0f);
    const char *path = path_in("cnn.lrf");
    struct lrf_error err;
    CHECK_MSG(save(&tr, path, &err) == LRF_OK, "%s", err.message);
    check_predictions(&tr, path, tr.ds);
    untrain(&tr);
}

/* The bytes of a saved file, for damaging. */
static unsigned char *read_bytes(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) != 0)
        return NULL;
    *size = (size_t)sb.st_size;
    unsigned char *b = malloc(*size + 64);
    if (b && fread(b, 1, *size, f) != *size) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

/* Loads bytes as a model file: its status, the message containing want. */
static void expect_refused(const char *what, const void *b, size_t n, const char *want)
{
    const char *path = path_in("bad.lrf");
    write_bytes(path, b, n);
    struct lrf_model_file *mf = NULL;
    struct lrf_error err;
    lrf_error_clear(&err);
    enum lrf_status st = lrf_model_file_load(path, NULL, &mf, &err);
    CHECK_MSG(st == LRF_ERR_DATA && !mf && strstr(err.message, want) && !strcmp(err.file, path),
              "%s: status %d, '%s' (want '%s')", what, st, err.message, want);
    lrf_model_file_destroy(mf);
}

/* Rewrites the checksum after a deliberate change, so that the change itself is seen. */
static void reseal(unsigned char *b, size_t n)
{
    uint64_t sum = mf_checksum(b, n - 8);
    memcpy(b + n - 8, &sum, 8);
}

/* Atomic: a failed save leaves nothing, a good one replaces the old file whole; parts that
 * do not fit each other are refused before anything is written. */
static void check_atomic_save(const struct trained *t)
{
    struct lrf_error err;
    CHECK(save(t, path_in("no/such/dir/m.lrf"), &err) == LRF_ERR_IO);
    write_bytes(path_in("over.lrf"), "old", 3);
    CHECK(save(t, path_in("over.lrf"), &err) == LRF_OK);
    struct lrf_model_file *mf = NULL;
    CHECK(lrf_model_file_load(path_in("over.lrf"), NULL, &mf, &err) == LRF_OK);
    lrf_model_file_destroy(mf);
    CHECK(count_dir_entries(tmpdir, ".tmp") == 0);
    struct lrf_model_file_parts p = {.model = lrf_trainer_model(t->t), .train = NULL};
    CHECK(lrf_model_file_save(path_in("x.lrf"), &p, &err) == LRF_ERR_INVALID_ARG);
}

static void test_bad_files(void)
{
    struct lrf_dataset *ds = images();
    struct lrf_train_config cfg = lrf_train_config_default();
    lrf_model_parse_spec("mlp:8", &cfg.model, NULL);
    cfg.batch_size = 50;
    struct trained tr;
    if (!ds || !train(&tr, ds, &cfg, 1))
        return;
    const char *good = path_in("good.lrf");
    struct lrf_error err;
    CHECK(save(&tr, good, &err) == LRF_OK);
    size_t n = 0;
    unsigned char *b = read_bytes(good, &n);
    if (!b)
        return;
    expect_refused("a CSV", "label,a\n1,2\n", 12, "not an lrfind model file");
    expect_refused("empty", "", 0, "not an lrfind model file");
    expect_refused("the header only", b, 40, "truncated: 40 bytes");
    char want[64];
    snprintf(want, sizeof want, "truncated: %zu bytes, its header says %zu", n - 100, n);
    expect_refused("truncated", b, n - 100, want);
    memset(b + n, 0, 8);
    expect_refused("longer", b, n + 8, "damaged (data after its end)");
    uint32_t v = 2;
    memcpy(b + 8, &v, 4);
    reseal(b, n);
    expect_refused("version 2", b, n, "model file version 2; this lrfind reads version 1");
    v = 1;
    memcpy(b + 8, &v, 4);
    uint32_t swapped = 0x04030201u;
    memcpy(b + 12, &swapped, 4);
    reseal(b, n);
    expect_refused("big-endian", b, n, "other byte order");
    memcpy(b + 12, &MF_BYTE_ORDER, 4);
    reseal(b, n);
    b[n / 2] ^= 0x10; /* a parameter's bit */
    expect_refused("a flipped bit", b, n, "checksum");
    b[n / 2] ^= 0x10;
    /* Sections that disagree: one parameter more declared than the model has. */
    unsigned char *parm = NULL;
    for (size_t at = MF_HEADER_BYTES; at + 16 < n && !parm; at += 8)
        parm = !memcmp(b + at, "PARM", 4) ? b + at : NULL;
    CHECK(parm != NULL);
    if (parm) {
        uint64_t count;
        memcpy(&count, parm + 16, 8);
        count++;
        memcpy(parm + 16, &count, 8);
        reseal(b, n);
        expect_refused("a wrong count", b, n, "parameter count");
    }
    free(b);

    check_atomic_save(&tr);
    untrain(&tr);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_mlp_round_trip();
    test_cnn_round_trip();
    test_bad_files();
    remove_tree(tmpdir);
    return check_summary();
}
