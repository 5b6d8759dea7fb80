/* Model lifetime: the arena, PyTorch-style initialization, accessors, and
 * snapshot/restore of parameters and optimizer state. */
#include <cblas.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

/* Sections of the arena start on a cache line (16 floats) so that OpenBLAS
 * and the fused loops see aligned rows. */
enum { ALIGN_BYTES = 64 };

/* Snapshot header, so that restoring a buffer from another model is refused. */
struct snapshot_header {
    uint64_t magic;
    uint64_t n_params;
    uint64_t n_slots;
};
static const uint64_t SNAPSHOT_MAGIC = 0x314c444d46524c00ull; /* "\0LRFMDL1" */

static size_t round_up(size_t bytes)
{
    return (bytes + ALIGN_BYTES - 1) / ALIGN_BYTES * ALIGN_BYTES;
}

static enum lrf_status check_config(const struct lrf_model_config *c, struct lrf_error *err)
{
    if (c->n_inputs < 1)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "n_inputs must be >= 1 (got %d)",
                             c->n_inputs);
    if (c->n_classes < 2)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "n_classes must be >= 2 (got %d)",
                             c->n_classes);
    if (c->n_hidden < 0 || c->n_hidden > LRF_MODEL_HIDDEN_MAX)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "n_hidden must be in 0..%d (got %d)",
                             LRF_MODEL_HIDDEN_MAX, c->n_hidden);
    for (int i = 0; i < c->n_hidden; i++)
        if (c->hidden[i] < 1)
            return lrf_error_set(err, LRF_ERR_INVALID_ARG, "hidden layer %d has width %d", i + 1,
                                 c->hidden[i]);
    if ((unsigned)c->activation >= LRF_ACT_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "activation out of range");
    if (c->max_batch < 1)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "max_batch must be >= 1 (got %d)",
                             c->max_batch);
    if (c->optim_slots < 0 || c->optim_slots > LRF_MODEL_OPTIM_SLOTS_MAX)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "optim_slots must be in 0..%d (got %d)",
                             LRF_MODEL_OPTIM_SLOTS_MAX, c->optim_slots);
    return LRF_OK;
}

enum lrf_status lrf_model_create(const struct lrf_model_config *cfg, struct lrf_rng *rng,
                                 struct lrf_model **out, struct lrf_error *err)
{
    *out = NULL;
    enum lrf_status st = check_config(cfg, err);
    if (st)
        return st;
    struct lrf_model *m = calloc(1, sizeof *m);
    if (!m)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the model");
    m->cfg = *cfg;
    m->n_layers = cfg->n_hidden + 1;
    size_t np = 0, widest_hidden = 1;
    double total_bytes = 0; /* in double: catches size_t overflow on silly configs */
    for (int l = 0; l < m->n_layers; l++) {
        m->in[l] = l == 0 ? cfg->n_inputs : cfg->hidden[l - 1];
        m->out[l] = l == m->n_layers - 1 ? cfg->n_classes : cfg->hidden[l];
        m->w_off[l] = np;
        np += (size_t)m->in[l] * (size_t)m->out[l];
        m->b_off[l] = np;
        np += (size_t)m->out[l];
        if (l < m->n_layers - 1 && (size_t)m->out[l] > widest_hidden)
            widest_hidden = (size_t)m->out[l];
        total_bytes += 4.0 * ((double)m->in[l] * m->out[l] + 3.0 * cfg->max_batch * m->out[l]);
    }
    m->n_params = np;
    total_bytes += 4.0 * (double)np * (2 + cfg->optim_slots);
    if (total_bytes > (double)SIZE_MAX / 4) {
        free(m);
        return lrf_error_set(err, LRF_ERR_NOMEM, "model too large (%.3g bytes)", total_bytes);
    }

    /* Plan the arena, then carve it. */
    const size_t B = (size_t)cfg->max_batch;
    size_t off = 0, o_params, o_grads, o_slots[LRF_MODEL_OPTIM_SLOTS_MAX], o_scalars;
    size_t o_act[MODEL_LAYERS_MAX], o_pre[MODEL_LAYERS_MAX], o_delta;
    const size_t pbytes = round_up(np * sizeof(float));
    o_params = off, off += pbytes;
    o_grads = off, off += pbytes;
    for (int s = 0; s < cfg->optim_slots; s++)
        o_slots[s] = off, off += pbytes;
    o_scalars = off, off += round_up(LRF_MODEL_OPTIM_SCALARS * sizeof(double));
    for (int l = 0; l < m->n_layers; l++) {
        size_t bytes = round_up(B * (size_t)m->out[l] * sizeof(float));
        o_act[l] = off, off += bytes;
        bool keep_pre = cfg->activation == LRF_ACT_GELU && l < m->n_layers - 1;
        o_pre[l] = off, off += keep_pre ? bytes : 0;
    }
    o_delta = off, off += round_up(B * widest_hidden * sizeof(float));

    m->arena = aligned_alloc(ALIGN_BYTES, off);
    if (!m->arena) {
        free(m);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the model arena (%zu bytes)",
                             off);
    }
    memset(m->arena, 0, off);
    m->arena_bytes = off;
    char *base = m->arena;
    m->params = (float *)(void *)(base + o_params);
    m->grads = (float *)(void *)(base + o_grads);
    for (int s = 0; s < cfg->optim_slots; s++)
        m->slots[s] = (float *)(void *)(base + o_slots[s]);
    m->scalars = (double *)(void *)(base + o_scalars);
    for (int l = 0; l < m->n_layers; l++) {
        m->act[l] = (float *)(void *)(base + o_act[l]);
        m->pre[l] = cfg->activation == LRF_ACT_GELU && l < m->n_layers - 1
                        ? (float *)(void *)(base + o_pre[l])
                        : m->act[l];
    }
    m->delta = (float *)(void *)(base + o_delta);
    lrf_model_reset(m, rng);
    *out = m;
    return LRF_OK;
}

void lrf_model_destroy(struct lrf_model *m)
{
    if (!m)
        return;
    free(m->arena);
    free(m);
}

void lrf_model_reset(struct lrf_model *m, struct lrf_rng *rng)
{
    /* nn.Linear.reset_parameters: kaiming_uniform_(a=sqrt(5)) gives the bound
     * gain*sqrt(3/fan_in) with gain = sqrt(2/(1+5)), i.e. 1/sqrt(fan_in); the
     * bias uses the same bound. */
    for (int l = 0; l < m->n_layers; l++) {
        double bound = 1.0 / sqrt((double)m->in[l]);
        size_t nw = (size_t)m->in[l] * (size_t)m->out[l];
        float *w = m->params + m->w_off[l], *b = m->params + m->b_off[l];
        for (size_t i = 0; i < nw; i++)
            w[i] = (float)(bound * (2.0 * lrf_rng_uniform(rng) - 1.0));
        for (int i = 0; i < m->out[l]; i++)
            b[i] = (float)(bound * (2.0 * lrf_rng_uniform(rng) - 1.0));
    }
    memset(m->grads, 0, m->n_params * sizeof(float));
    for (int s = 0; s < m->cfg.optim_slots; s++)
        memset(m->slots[s], 0, m->n_params * sizeof(float));
    memset(m->scalars, 0, LRF_MODEL_OPTIM_SCALARS * sizeof(double));
}

const struct lrf_model_config *lrf_model_get_config(const struct lrf_model *m)
{
    return &m->cfg;
}

size_t lrf_model_arena_bytes(const struct lrf_model *m)
{
    return m->arena_bytes;
}

int lrf_model_n_layers(const struct lrf_model *m)
{
    return m->n_layers;
}

size_t lrf_model_n_params(const struct lrf_model *m)
{
    return m->n_params;
}

float *lrf_model_params(struct lrf_model *m)
{
    return m->params;
}

float *lrf_model_grads(struct lrf_model *m)
{
    return m->grads;
}

size_t lrf_model_weight_offset(const struct lrf_model *m, int layer)
{
    return m->w_off[layer];
}

size_t lrf_model_bias_offset(const struct lrf_model *m, int layer)
{
    return m->b_off[layer];
}

int lrf_model_layer_in(const struct lrf_model *m, int layer)
{
    return m->in[layer];
}

int lrf_model_layer_out(const struct lrf_model *m, int layer)
{
    return m->out[layer];
}

float *lrf_model_optim_slot(struct lrf_model *m, int slot)
{
    return slot >= 0 && slot < m->cfg.optim_slots ? m->slots[slot] : NULL;
}

double *lrf_model_optim_scalars(struct lrf_model *m)
{
    return m->scalars;
}

const float *lrf_model_logits(const struct lrf_model *m)
{
    return m->act[m->n_layers - 1];
}

size_t lrf_model_snapshot_size(const struct lrf_model *m)
{
    return sizeof(struct snapshot_header) +
           m->n_params * sizeof(float) * (size_t)(1 + m->cfg.optim_slots) +
           LRF_MODEL_OPTIM_SCALARS * sizeof(double);
}

void lrf_model_snapshot(const struct lrf_model *m, void *buf)
{
    struct snapshot_header h = {SNAPSHOT_MAGIC, m->n_params, (uint64_t)m->cfg.optim_slots};
    char *p = buf;
    memcpy(p, &h, sizeof h);
    p += sizeof h;
    size_t pb = m->n_params * sizeof(float);
    memcpy(p, m->params, pb);
    p += pb;
    for (int s = 0; s < m->cfg.optim_slots; s++, p += pb)
        memcpy(p, m->slots[s], pb);
    memcpy(p, m->scalars, LRF_MODEL_OPTIM_SCALARS * sizeof(double));
}

enum lrf_status lrf_model_restore(struct lrf_model *m, const void *buf, size_t size,
                                  struct lrf_error *err)
{
    struct snapshot_header h;
    if (!buf || size != lrf_model_snapshot_size(m))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "model snapshot has %zu bytes, this model needs %zu", size,
                             lrf_model_snapshot_size(m));
    memcpy(&h, buf, sizeof h);
    if (h.magic != SNAPSHOT_MAGIC || h.n_params != m->n_params ||
        h.n_slots != (uint64_t)m->cfg.optim_slots)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "model snapshot was taken from a different model");
    const char *p = (const char *)buf + sizeof h;
    size_t pb = m->n_params * sizeof(float);
    memcpy(m->params, p, pb);
    p += pb;
    for (int s = 0; s < m->cfg.optim_slots; s++, p += pb)
        memcpy(m->slots[s], p, pb);
    memcpy(m->scalars, p, LRF_MODEL_OPTIM_SCALARS * sizeof(double));
    return LRF_OK;
}

void lrf_model_set_threads(int n)
{
    openblas_set_num_threads(n < 1 ? 1 : n);
}

int lrf_model_get_threads(void)
{
    return openblas_get_num_threads();
}
