/* Writing a model file (include/lrf/model_file.h): the sections built in memory, the
 * checksum over them, then one atomic write. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lrf/atomic_file.h"
#include "train/model_file_format.h"

void mf_config_to_ints(const struct lrf_model_config *c, int32_t *v)
{
    int k = 0;
    v[k++] = c->n_inputs;
    v[k++] = c->n_classes;
    v[k++] = c->n_hidden;
    for (int i = 0; i < LRF_MODEL_HIDDEN_MAX; i++)
        v[k++] = c->hidden[i];
    v[k++] = (int32_t)c->activation;
    v[k++] = (int32_t)c->arch;
    v[k++] = c->channels;
    v[k++] = c->height;
    v[k++] = c->width;
    v[k++] = (int32_t)c->layout;
    v[k++] = (int32_t)c->loss;
}

bool mf_config_from_ints(const int32_t *v, struct lrf_model_config *c)
{
    int k = 0;
    *c = lrf_model_config_default();
    c->n_inputs = v[k++];
    c->n_classes = v[k++];
    c->n_hidden = v[k++];
    for (int i = 0; i < LRF_MODEL_HIDDEN_MAX; i++)
        c->hidden[i] = v[k++];
    int32_t act = v[k++], arch = v[k++];
    c->channels = v[k++];
    c->height = v[k++];
    c->width = v[k++];
    int32_t layout = v[k++], loss = v[k++];
    if (act < 0 || act >= LRF_ACT_COUNT || arch < 0 || arch >= LRF_ARCH_COUNT || layout < 0 ||
        layout >= LRF_LAYOUT_COUNT || loss < 0 || loss >= LRF_LOSS_COUNT)
        return false;
    c->activation = (enum lrf_activation)act;
    c->arch = (enum lrf_model_arch)arch;
    c->layout = (enum lrf_layout)layout;
    c->loss = (enum lrf_loss)loss;
    return true;
}

static void put(FILE *b, const void *data, size_t n)
{
    static const unsigned char zeros[8];
    for (size_t done = 0; !data && done < n; done += sizeof zeros) /* padding */
        fwrite(zeros, 1, n - done < sizeof zeros ? n - done : sizeof zeros, b);
    if (data && n)
        fwrite(data, 1, n, b);
}

static void put_u32(FILE *b, uint32_t v)
{
    put(b, &v, sizeof v);
}

static void put_u64(FILE *b, uint64_t v)
{
    put(b, &v, sizeof v);
}

/* One section: its tag, length and payload parts, padded to 8 bytes. */
static void put_section(FILE *b, enum mf_section s, const void *a, size_t na, const void *c,
                        size_t nc)
{
    put(b, MF_TAGS[s], 4);
    put_u32(b, 0);
    put_u64(b, na + nc);
    put(b, a, na);
    put(b, c, nc);
    put(b, NULL, (8 - (na + nc) % 8) % 8);
}

/* A section of a count and count floats (PARM, STAT). */
static void put_floats(FILE *b, enum mf_section s, const float *v, size_t n)
{
    uint64_t count = n;
    put_section(b, s, &count, sizeof count, v, n * sizeof(float));
}

static void put_norm(FILE *b, const struct lrf_norm *norm)
{
    size_t d = lrf_norm_features(norm), arrays = 2 * d * sizeof(float);
    struct {
        uint32_t kind, zero;
        uint64_t features;
    } head = {(uint32_t)lrf_norm_kind(norm), 0, d};
    put(b, MF_TAGS[MF_NORM], 4); /* put_section, with a third part */
    put_u32(b, 0);
    put_u64(b, sizeof head + arrays);
    put(b, &head, sizeof head);
    put(b, lrf_norm_shift(norm), d * sizeof(float));
    put(b, lrf_norm_scale(norm), d * sizeof(float));
    put(b, NULL, (8 - (sizeof head + arrays) % 8) % 8);
}

static void put_task(FILE *b, const struct lrf_model_file_parts *p)
{
    unsigned char t[MF_TASK_BYTES];
    uint32_t task = (uint32_t)lrf_dataset_task(p->train),
             batch = (uint32_t)(p->batch ? p->batch : 128);
    double mean = p->target_mean, std = p->target_std ? p->target_std : 1.0;
    memcpy(t, &task, 4);
    memcpy(t + 4, &batch, 4);
    memcpy(t + 8, &mean, 8);
    memcpy(t + 16, &std, 8);
    put_section(b, MF_TASK, t, sizeof t, NULL, 0);
}

static enum lrf_status check_parts(const struct lrf_model_file_parts *p, struct lrf_error *err)
{
    if (!p || !p->model || !p->train)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "model file: model and train are required");
    const struct lrf_model_config *c = lrf_model_get_config(p->model);
    size_t classes = lrf_dataset_classes(p->train);
    if ((size_t)c->n_inputs != lrf_dataset_features(p->train) ||
        (p->norm && lrf_norm_features(p->norm) != (size_t)c->n_inputs))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "model file: the model has %d inputs, the data %zu features",
                             c->n_inputs, lrf_dataset_features(p->train));
    if (classes ? (size_t)c->n_classes != classes : c->n_classes != 1)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "model file: the model has %d outputs for %zu classes", c->n_classes,
                             classes);
    if (p->batch < 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "model file: batch must be >= 0");
    return LRF_OK;
}

/* The sections, written to b (a stream into memory). */
static void write_sections(FILE *b, const struct lrf_model_file_parts *p, const void *enc,
                           size_t enc_size)
{
    int32_t conf[MF_CONF_INTS];
    mf_config_to_ints(lrf_model_get_config(p->model), conf);
    put(b, MF_MAGIC, sizeof MF_MAGIC);
    put_u32(b, LRF_MODEL_FILE_VERSION);
    put_u32(b, MF_BYTE_ORDER);
    put_u64(b, 0);               /* the file size, patched in when known */
    put_u32(b, p->norm ? 7 : 6); /* sections */
    put(b, NULL, MF_HEADER_BYTES - 28);
    put_section(b, MF_CONF, conf, sizeof conf, NULL, 0);
    put_floats(b, MF_PARM, lrf_model_params(p->model), lrf_model_n_params(p->model));
    put_floats(b, MF_STAT, lrf_model_stats(p->model), lrf_model_n_stats(p->model));
    if (p->norm)
        put_norm(b, p->norm);
    put_section(b, MF_ENCD, enc, enc_size, NULL, 0);
    put_task(b, p);
    const char *info = p->info ? p->info : "";
    put_section(b, MF_INFO, info, strlen(info) + 1, NULL, 0);
}

/* The whole file in memory: *out (size *n) with its size and checksum. */
static enum lrf_status build(const struct lrf_model_file_parts *p, unsigned char **out, size_t *n,
                             struct lrf_error *err)
{
    void *enc = NULL;
    size_t enc_size = 0;
    enum lrf_status st = lrf_dataset_encoders_save(p->train, &enc, &enc_size, err);
    if (st != LRF_OK)
        return st;
    char *mem = NULL;
    size_t len = 0;
    FILE *b = open_memstream(&mem, &len);
    if (b)
        write_sections(b, p, enc, enc_size);
    bool ok = b && !ferror(b);
    ok = (b && fclose(b) == 0) && ok;
    free(enc);
    unsigned char *file = ok ? realloc(mem, len + MF_TRAILER_BYTES) : NULL;
    if (!file) {
        free(mem);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory writing the model file");
    }
    uint64_t size = len + MF_TRAILER_BYTES, sum;
    memcpy(file + 16, &size, sizeof size);
    sum = mf_checksum(file, len);
    memcpy(file + len, &sum, sizeof sum);
    *out = file;
    *n = (size_t)size;
    return LRF_OK;
}

enum lrf_status lrf_model_file_save(const char *path, const struct lrf_model_file_parts *parts,
                                    struct lrf_error *err)
{
    enum lrf_status st = check_parts(parts, err);
    unsigned char *file = NULL;
    size_t size = 0;
    if (st == LRF_OK)
        st = build(parts, &file, &size, err);
    struct lrf_atomic_file af;
    if (st == LRF_OK)
        st = lrf_atomic_open(&af, path, err);
    if (st == LRF_OK) {
        if (fwrite(file, 1, size, af.fp) != size) {
            lrf_atomic_abort(&af);
            st = lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot write the model file");
        } else {
            st = lrf_atomic_commit(&af, err);
        }
    }
    free(file);
    return st;
}
