/* Accessors of struct lrf_model, and snapshot/restore: parameters, BatchNorm
 * running statistics and optimizer state, bit for bit. */
#include <string.h>

#include "model/model_internal.h"

/* Snapshot header, so that restoring a buffer from another model is refused. */
struct snapshot_header {
    uint64_t magic;
    uint64_t n_params;
    uint64_t n_stats;
    uint64_t n_slots;
};
static const uint64_t SNAPSHOT_MAGIC = 0x324c444d46524c00ull; /* "\0LRFMDL2" */

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

void lrf_model_layer_info(const struct lrf_model *m, int layer, struct lrf_layer_info *out)
{
    const struct layer *L = &m->layers[layer];
    memset(out, 0, sizeof *out);
    out->kind = L->kind;
    out->has_activation = L->act_on;
    out->activation = L->act;
    out->in_c = L->in_c, out->in_h = L->in_h, out->in_w = L->in_w;
    out->out_c = L->out_c, out->out_h = L->out_h, out->out_w = L->out_w;
    out->weight_offset = L->w_off, out->n_weight = L->n_w;
    out->bias_offset = L->b_off, out->n_bias = L->n_b;
}

int lrf_model_layer_in(const struct lrf_model *m, int layer)
{
    return m->layers[layer].in_size;
}

int lrf_model_layer_out(const struct lrf_model *m, int layer)
{
    return m->layers[layer].out_size;
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

size_t lrf_model_n_stats(const struct lrf_model *m)
{
    return m->n_stats;
}

float *lrf_model_stats(struct lrf_model *m)
{
    return m->stats;
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
    return m->layers[m->n_layers - 1].out;
}

size_t lrf_model_snapshot_size(const struct lrf_model *m)
{
    return sizeof(struct snapshot_header) +
           (m->n_params * (size_t)(1 + m->cfg.optim_slots) + m->n_stats) * sizeof(float) +
           LRF_OPTIM_SCALARS * sizeof(double);
}

void lrf_model_snapshot(const struct lrf_model *m, void *buf)
{
    struct snapshot_header h = {SNAPSHOT_MAGIC, m->n_params, m->n_stats,
                                (uint64_t)m->cfg.optim_slots};
    char *p = buf;
    memcpy(p, &h, sizeof h);
    p += sizeof h;
    size_t pb = m->n_params * sizeof(float);
    memcpy(p, m->params, pb);
    p += pb;
    memcpy(p, m->stats, m->n_stats * sizeof(float));
    p += m->n_stats * sizeof(float);
    for (int s = 0; s < m->cfg.optim_slots; s++, p += pb)
        memcpy(p, m->slots[s], pb);
    memcpy(p, m->scalars, LRF_OPTIM_SCALARS * sizeof(double));
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
    if (h.magic != SNAPSHOT_MAGIC || h.n_params != m->n_params || h.n_stats != m->n_stats ||
        h.n_slots != (uint64_t)m->cfg.optim_slots)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "model snapshot was taken from a different model");
    const char *p = (const char *)buf + sizeof h;
    size_t pb = m->n_params * sizeof(float);
    memcpy(m->params, p, pb);
    p += pb;
    memcpy(m->stats, p, m->n_stats * sizeof(float));
    p += m->n_stats * sizeof(float);
    for (int s = 0; s < m->cfg.optim_slots; s++, p += pb)
        memcpy(m->slots[s], p, pb);
    memcpy(m->scalars, p, LRF_OPTIM_SCALARS * sizeof(double));
    return LRF_OK;
}

void lrf_model_set_threads(int n)
{
    const struct model_blas *b;
    if (model_blas_get(&b, NULL) == LRF_OK)
        b->set_num_threads(n < 1 ? 1 : n);
}

int lrf_model_get_threads(void)
{
    const struct model_blas *b;
    return model_blas_get(&b, NULL) == LRF_OK ? b->get_num_threads() : 1;
}
