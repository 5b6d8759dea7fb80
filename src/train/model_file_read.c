/* Reading a model file (include/lrf/model_file.h): the whole file, checked before anything
 * in it is believed (size, magic, byte order, version, checksum, every section's bounds,
 * the sections against each other), then the model built from it; and predictions. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lrf/train.h"
#include "train/model_file_format.h"

struct lrf_model_file {
    struct lrf_model *model;
    struct lrf_dataset *encoders;
    struct lrf_norm *norm;
    enum lrf_task task;
    int batch;
    double target_mean, target_std;
    char *info;
    float *x;   /* (max_batch, n_inputs) */
    int32_t *y; /* (max_batch) */
    float *t;   /* (max_batch) standardized targets */
};

/* The sections found: payload and length per tag (NULL: absent). */
struct mf_sections {
    const unsigned char *p[MF_SECTIONS];
    uint64_t len[MF_SECTIONS];
};

static enum lrf_status bad(struct lrf_error *err, const char *path, const char *what)
{
    return lrf_error_set_at(err, LRF_ERR_DATA, path, 0, 0, "%s", what);
}

/* The whole file; its size must be what the header says. */
static enum lrf_status slurp(const char *path, unsigned char **out, size_t *size,
                             struct lrf_error *err)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int e = f ? EISDIR : errno;
        if (f)
            fclose(f);
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot open: %s", strerror(e));
    }
    *size = (size_t)sb.st_size;
    *out = malloc(*size + 1);
    bool ok = *out && fread(*out, 1, *size, f) == *size;
    fclose(f);
    if (!ok) {
        free(*out);
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot read the model file");
    }
    return LRF_OK;
}

/* Header, size and checksum: what the file claims to be. */
static enum lrf_status check_frame(const char *path, const unsigned char *b, size_t size,
                                   uint32_t *sections, struct lrf_error *err)
{
    uint32_t version, order;
    uint64_t claimed;
    if (size < sizeof MF_MAGIC || memcmp(b, MF_MAGIC, sizeof MF_MAGIC) != 0)
        return bad(err, path, "not an lrfind model file (made by lrfind train --save)");
    if (size < MF_HEADER_BYTES + MF_TRAILER_BYTES)
        return lrf_error_set_at(err, LRF_ERR_DATA, path, 0, 0,
                                "truncated: %zu bytes, not even a model file's header", size);
    memcpy(&version, b + 8, 4);
    memcpy(&order, b + 12, 4);
    memcpy(&claimed, b + 16, 8);
    memcpy(sections, b + 24, 4);
    if (order != MF_BYTE_ORDER)
        return bad(err, path,
                   "written on a machine of the other byte order; save it again on this one");
    if (version != LRF_MODEL_FILE_VERSION)
        return lrf_error_set_at(err, LRF_ERR_DATA, path, 0, 0,
                                "model file version %u; this lrfind reads version %d (%s)", version,
                                LRF_MODEL_FILE_VERSION,
                                version > LRF_MODEL_FILE_VERSION ? "a newer lrfind wrote it"
                                                                 : "an older lrfind wrote it");
    if (claimed != size)
        return lrf_error_set_at(err, LRF_ERR_DATA, path, 0, 0,
                                "%s: %zu bytes, its header says %llu",
                                size < claimed ? "truncated" : "damaged (data after its end)", size,
                                (unsigned long long)claimed);
    uint64_t sum;
    memcpy(&sum, b + size - MF_TRAILER_BYTES, 8);
    if (sum != mf_checksum(b, size - MF_TRAILER_BYTES))
        return bad(err, path, "damaged: its checksum does not match its contents");
    return LRF_OK;
}

/* The section table, every length within the file; unknown tags skipped. */
static enum lrf_status find_sections(const char *path, const unsigned char *b, size_t size,
                                     uint32_t n, struct mf_sections *s, struct lrf_error *err)
{
    memset(s, 0, sizeof *s);
    size_t at = MF_HEADER_BYTES, end = size - MF_TRAILER_BYTES;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t len;
        if (end - at < MF_SECTION_BYTES)
            return bad(err, path, "damaged: a section runs past the end");
        memcpy(&len, b + at + 8, 8);
        if (len > end - at - MF_SECTION_BYTES)
            return bad(err, path, "damaged: a section runs past the end");
        for (int t = 0; t < MF_SECTIONS; t++)
            if (!memcmp(b + at, MF_TAGS[t], 4)) {
                s->p[t] = b + at + MF_SECTION_BYTES;
                s->len[t] = len;
            }
        at += MF_SECTION_BYTES + len + (8 - len % 8) % 8;
        if (at > end)
            return bad(err, path, "damaged: a section runs past the end");
    }
    const enum mf_section required[] = {MF_CONF, MF_PARM, MF_STAT, MF_ENCD, MF_TASK};
    for (size_t k = 0; k < sizeof required / sizeof required[0]; k++)
        if (!s->p[required[k]])
            return lrf_error_set_at(err, LRF_ERR_DATA, path, 0, 0, "damaged: no %.4s section",
                                    MF_TAGS[required[k]]);
    return LRF_OK;
}

/* A count and that many floats, the count what the model expects. */
static bool floats_ok(const struct mf_sections *s, enum mf_section t, size_t want)
{
    uint64_t count;
    if (s->len[t] < 8)
        return false;
    memcpy(&count, s->p[t], 8);
    return count == want && s->len[t] == 8 + want * sizeof(float);
}

/* The model from CONF, PARM and STAT. */
static enum lrf_status build_model(const char *path, const struct mf_sections *s,
                                   const struct lrf_model_file_options *opt,
                                   struct lrf_model_file *mf, struct lrf_error *err)
{
    int32_t v[MF_CONF_INTS];
    struct lrf_model_config cfg;
    if (s->len[MF_CONF] != sizeof v)
        return bad(err, path, "damaged: the model configuration");
    memcpy(v, s->p[MF_CONF], sizeof v);
    if (!mf_config_from_ints(v, &cfg) || lrf_model_config_check(&cfg, NULL) != LRF_OK)
        return bad(err, path, "damaged: the model configuration");
    cfg.max_batch = opt && opt->max_batch > 0 ? opt->max_batch : mf->batch;
    cfg.threads = opt ? opt->threads : 0;
    struct lrf_rng rng = lrf_rng_seeded(0); /* every parameter is overwritten */
    enum lrf_status st = lrf_model_create(&cfg, &rng, &mf->model, err);
    if (st != LRF_OK)
        return st;
    size_t np = lrf_model_n_params(mf->model), ns = lrf_model_n_stats(mf->model);
    if (!floats_ok(s, MF_PARM, np) || !floats_ok(s, MF_STAT, ns))
        return bad(err, path, "damaged: the parameter count does not fit the model");
    memcpy(lrf_model_params(mf->model), s->p[MF_PARM] + 8, np * sizeof(float));
    if (ns)
        memcpy(lrf_model_stats(mf->model), s->p[MF_STAT] + 8, ns * sizeof(float));
    return LRF_OK;
}

/* TASK, NORM, ENCD and INFO, checked against the model. */
static enum lrf_status read_data_parts(const char *path, const struct mf_sections *s,
                                       struct lrf_model_file *mf, struct lrf_error *err)
{
    uint32_t task;
    memcpy(&task, s->p[MF_TASK], 4);
    memcpy(&mf->target_mean, s->p[MF_TASK] + 8, 8);
    memcpy(&mf->target_std, s->p[MF_TASK] + 16, 8);
    if (task >= LRF_TASK_COUNT || !isfinite(mf->target_mean) || !(mf->target_std > 0))
        return bad(err, path, "damaged: the task");
    mf->task = (enum lrf_task)task;
    struct lrf_error e2;
    if (lrf_dataset_encoders_load(s->p[MF_ENCD], s->len[MF_ENCD], &mf->encoders, &e2) != LRF_OK)
        return lrf_error_set_at(err, LRF_ERR_DATA, path, 0, 0, "damaged: %s", e2.message);
    const struct lrf_model_config *c = lrf_model_get_config(mf->model);
    size_t classes = lrf_dataset_classes(mf->encoders);
    if (lrf_dataset_features(mf->encoders) != (size_t)c->n_inputs ||
        (classes ? (size_t)c->n_classes != classes : c->n_classes != 1))
        return bad(err, path, "damaged: its data description does not fit the model");
    if (s->p[MF_NORM]) {
        uint32_t kind;
        uint64_t d;
        if (s->len[MF_NORM] < 16)
            return bad(err, path, "damaged: the normalization");
        memcpy(&kind, s->p[MF_NORM], 4);
        memcpy(&d, s->p[MF_NORM] + 8, 8);
        const float *arr = (const float *)(const void *)(s->p[MF_NORM] + 16);
        if (d != (uint64_t)c->n_inputs || s->len[MF_NORM] != 16 + 2 * d * sizeof(float) ||
            lrf_norm_create_from((enum lrf_normalize)kind, d, arr, arr + d, &mf->norm, NULL))
            return bad(err, path, "damaged: the normalization");
    }
    size_t n = s->p[MF_INFO] ? s->len[MF_INFO] : 0;
    mf->info = calloc(n + 1, 1);
    if (!mf->info)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    if (n)
        memcpy(mf->info, s->p[MF_INFO], n);
    return LRF_OK;
}

static enum lrf_status read_all(const char *path, const unsigned char *b, size_t size,
                                const struct lrf_model_file_options *opt, struct lrf_model_file *mf,
                                struct lrf_error *err)
{
    uint32_t n = 0;
    struct mf_sections s;
    enum lrf_status st = check_frame(path, b, size, &n, err);
    if (st == LRF_OK)
        st = find_sections(path, b, size, n, &s, err);
    if (st != LRF_OK)
        return st;
    if (s.len[MF_TASK] != MF_TASK_BYTES)
        return bad(err, path, "damaged: the task");
    uint32_t batch;
    memcpy(&batch, s.p[MF_TASK] + 4, 4);
    if (batch < 1 || batch > LRF_TRAIN_BATCH_MAX)
        return bad(err, path, "damaged: the task");
    mf->batch = (int)batch;
    st = build_model(path, &s, opt, mf, err);
    if (st == LRF_OK)
        st = read_data_parts(path, &s, mf, err);
    if (st != LRF_OK)
        return st;
    int mb = lrf_model_get_config(mf->model)->max_batch,
        d = lrf_model_get_config(mf->model)->n_inputs;
    mf->x = malloc((size_t)mb * (size_t)d * sizeof(float));
    mf->y = malloc((size_t)mb * sizeof(int32_t));
    mf->t = malloc((size_t)mb * sizeof(float));
    if (!mf->x || !mf->y || !mf->t)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    return LRF_OK;
}

enum lrf_status lrf_model_file_load(const char *path, const struct lrf_model_file_options *opt,
                                    struct lrf_model_file **out, struct lrf_error *err)
{
    if (!path || !out)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "model file: path and out are required");
    unsigned char *b = NULL;
    size_t size = 0;
    enum lrf_status st = slurp(path, &b, &size, err);
    if (st != LRF_OK)
        return st;
    struct lrf_model_file *mf = calloc(1, sizeof *mf);
    st = mf ? read_all(path, b, size, opt, mf, err)
            : lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    free(b);
    if (st != LRF_OK) {
        lrf_model_file_destroy(mf);
        return st;
    }
    *out = mf;
    return LRF_OK;
}

void lrf_model_file_destroy(struct lrf_model_file *mf)
{
    if (!mf)
        return;
    lrf_model_destroy(mf->model);
    lrf_dataset_destroy(mf->encoders);
    lrf_norm_destroy(mf->norm);
    free(mf->info);
    free(mf->x);
    free(mf->y);
    free(mf->t);
    free(mf);
}

struct lrf_model *lrf_model_file_model(struct lrf_model_file *mf)
{
    return mf->model;
}

const struct lrf_dataset *lrf_model_file_encoders(const struct lrf_model_file *mf)
{
    return mf->encoders;
}

const struct lrf_norm *lrf_model_file_norm(const struct lrf_model_file *mf)
{
    return mf->norm;
}

enum lrf_task lrf_model_file_task(const struct lrf_model_file *mf)
{
    return mf->task;
}

int lrf_model_file_batch(const struct lrf_model_file *mf)
{
    return mf->batch;
}

const char *lrf_model_file_info(const struct lrf_model_file *mf)
{
    return mf->info ? mf->info : "";
}

/* One batch's outputs: classes and probabilities, or values in target units (and their
 * squared errors against targets, the batch's own). */
static void take_outputs(struct lrf_model_file *mf, size_t first, int rows, const float *targets,
                         struct lrf_model_file_outputs *out)
{
    const float *logits = lrf_model_logits(mf->model);
    int k = lrf_model_get_config(mf->model)->n_classes;
    for (int i = 0; i < rows; i++) {
        const float *z = logits + (size_t)i * (size_t)k;
        if (mf->task == LRF_TASK_REGRESSION) {
            double v = (double)z[0] * mf->target_std + mf->target_mean;
            if (out->values)
                out->values[first + (size_t)i] = (float)v;
            double d = targets ? v - (double)targets[i] : 0.0;
            out->eval.loss_sum += d * d;
            continue;
        }
        int best = 0;
        for (int c = 1; c < k; c++)
            best = z[c] > z[best] ? c : best;
        if (out->classes)
            out->classes[first + (size_t)i] = best;
        double sum = 0;
        for (int c = 0; out->probs && c < k; c++)
            sum += exp((double)(z[c] - z[best]));
        for (int c = 0; out->probs && c < k; c++)
            out->probs[(first + (size_t)i) * (size_t)k + (size_t)c] =
                (float)(exp((double)(z[c] - z[best])) / sum);
    }
}

enum lrf_status lrf_model_file_predict(struct lrf_model_file *mf, const struct lrf_dataset *ds,
                                       const uint32_t *rows, size_t n,
                                       struct lrf_model_file_outputs *out, struct lrf_error *err)
{
    const struct lrf_model_config *c = lrf_model_get_config(mf->model);
    if (lrf_dataset_features(ds) != (size_t)c->n_inputs)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "predict: the data has %zu features, the model %d inputs",
                             lrf_dataset_features(ds), c->n_inputs);
    out->eval = (struct lrf_model_eval){0, 0};
    const size_t B = (size_t)c->max_batch;
    bool regression = mf->task == LRF_TASK_REGRESSION;
    const float *targets = lrf_dataset_targets(ds);
    if (regression && !targets)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "predict: a regression needs targets");
    float *orig = regression ? malloc(B * sizeof *orig) : NULL;
    if (regression && !orig)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    enum lrf_status st = LRF_OK;
    for (size_t first = 0; first < n && st == LRF_OK; first += B) {
        size_t m = n - first < B ? n - first : B;
        if (rows)
            lrf_dataset_gather(ds, mf->norm, rows + first, m, mf->x, mf->y);
        else
            lrf_dataset_gather_range(ds, mf->norm, first, m, mf->x, mf->y);
        for (size_t i = 0; regression && i < m; i++) { /* standardized, as in training */
            orig[i] = targets[rows ? rows[first + i] : first + i];
            mf->t[i] = (float)(((double)orig[i] - mf->target_mean) / mf->target_std);
        }
        struct lrf_model_batch batch = {mf->x, regression ? NULL : mf->y, regression ? mf->t : NULL,
                                        (int)m};
        struct lrf_model_eval e;
        st = lrf_model_eval_batch(mf->model, &batch, &e, err);
        if (st == LRF_OK && !regression) {
            out->eval.loss_sum += e.loss_sum;
            out->eval.n_correct += e.n_correct;
        }
        if (st == LRF_OK)
            take_outputs(mf, first, (int)m, orig, out);
    }
    free(orig);
    return st;
}
