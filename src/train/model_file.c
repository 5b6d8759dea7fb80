/* Writing a model file (include/lrf/model_file.h): the sections built in memory, the
 * checksum over them, then one atomic write. */
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

/* A growing buffer; bad after a failed allocation. */
struct mf_buf {
    unsigned char *p;
    size_t len, cap;
    bool bad;
};

static void put(struct mf_buf *b, const void *data, size_t n)
{
    if (b->bad || n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->bad = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    if (data)
        memcpy(b->p + b->len, data, n);
    else
        memset(b->p + b->len, 0, n);
    b->len += n;
}

static void put_u32(struct mf_buf *b, uint32_t v)
{
    put(b, &v, sizeof v);
}

static void put_u64(struct mf_buf *b, uint64_t v)
{
    put(b, &v, sizeof v);
}

/* One section: its tag, length and payload parts, padded to 8 bytes. */
static void put_section(struct mf_buf *b, enum mf_section s, const void *a, size_t na,
                        const void *c, size_t nc)
{
    put(b, MF_TAGS[s], 4);
    put_u32(b, 0);
    put_u64(b, na + nc);
    put(b, a, na);
    put(b, c, nc);
    put(b, NULL, (8 - (na + nc) % 8) % 8);
}

/* A section of a count and count floats (PARM, STAT). */
static void put_floats(struct mf_buf *b, enum mf_section s, const float *v, size_t n)
{
    uint64_t count = n;
    put_section(b, s, &count, sizeof count, v, n * sizeof(float));
}

static void put_norm(struct mf_buf *b, const struct lrf_norm *norm)
{
    size_t d = lrf_norm_features(norm);
    struct {
        uint32_t kind, zero;
        uint64_t features;
    } head = {(uint32_t)lrf_norm_kind(norm), 0, d};
    float *arrays = malloc(2 * d * sizeof(float) + 1);
    if (!arrays) {
        b->bad = true;
        return;
    }
    memcpy(arrays, lrf_norm_shift(norm), d * sizeof(float));
    memcpy(arrays + d, lrf_norm_scale(norm), d * sizeof(float));
    put_section(b, MF_NORM, &head, sizeof head, arrays, 2 * d * sizeof(float));
    free(arrays);
}

static void put_task(struct mf_buf *b, const struct lrf_model_file_parts *p)
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

/* The whole file in memory. */
static enum lrf_status build(const struct lrf_model_file_parts *p, struct mf_buf *b,
                             struct lrf_error *err)
{
    void *enc = NULL;
    size_t enc_size = 0;
    enum lrf_status st = lrf_dataset_encoders_save(p->train, &enc, &enc_size, err);
    if (st != LRF_OK)
        return st;
    int32_t conf[MF_CONF_INTS];
    mf_config_to_ints(lrf_model_get_config(p->model), conf);
    uint32_t sections = p->norm ? 7 : 6;
    put(b, MF_MAGIC, sizeof MF_MAGIC);
    put_u32(b, LRF_MODEL_FILE_VERSION);
    put_u32(b, MF_BYTE_ORDER);
    put_u64(b, 0); /* the file size, below */
    put_u32(b, sections);
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
    free(enc);
    if (b->bad)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory writing the model file");
    uint64_t size = b->len + MF_TRAILER_BYTES;
    memcpy(b->p + 16, &size, sizeof size);
    put_u64(b, mf_checksum(b->p, b->len));
    return b->bad ? lrf_error_set(err, LRF_ERR_NOMEM, "out of memory writing the model file")
                  : LRF_OK;
}

enum lrf_status lrf_model_file_save(const char *path, const struct lrf_model_file_parts *parts,
                                    struct lrf_error *err)
{
    enum lrf_status st = check_parts(parts, err);
    struct mf_buf b = {0};
    if (st == LRF_OK)
        st = build(parts, &b, err);
    struct lrf_atomic_file af;
    if (st == LRF_OK)
        st = lrf_atomic_open(&af, path, err);
    if (st == LRF_OK) {
        if (fwrite(b.p, 1, b.len, af.fp) != b.len) {
            lrf_atomic_abort(&af);
            st = lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot write the model file");
        } else {
            st = lrf_atomic_commit(&af, err);
        }
    }
    free(b.p);
    return st;
}
