/* Model lifetime: the arena (planned, then carved), PyTorch-style
 * initialization, accessors, and snapshot/restore of parameters, BatchNorm
 * running statistics and optimizer state. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

/* Sections of the arena start on a cache line (16 floats) so that OpenBLAS,
 * oneDNN and the fused loops see aligned rows. */
enum { ALIGN_BYTES = 64 };

/* Byte offsets of every section, computed before the one allocation. */
struct arena_plan {
    size_t params, grads, stats, slots[LRF_OPTIM_SLOTS_MAX], scalars, input;
    size_t out[LRF_MODEL_LAYERS_MAX], pre[LRF_MODEL_LAYERS_MAX], argmax[LRF_MODEL_LAYERS_MAX];
    size_t bnstat[LRF_MODEL_LAYERS_MAX], conv[LRF_MODEL_LAYERS_MAX];
    size_t grad[2], wtmp, chan, chan_f, scratch, total;
};

static size_t take(struct arena_plan *p, size_t bytes)
{
    size_t at = p->total;
    p->total += (bytes + ALIGN_BYTES - 1) / ALIGN_BYTES * ALIGN_BYTES;
    return at;
}

/* Sizes of the per-layer sections; also the widest channel count and conv. */
static void plan_layers(const struct lrf_model *m, struct arena_plan *p, size_t *widest_c,
                        size_t *widest_w, size_t *scratch)
{
    const size_t B = (size_t)m->cfg.max_batch, F = sizeof(float);
    for (int l = 0; l < m->n_layers; l++) {
        const struct layer *L = &m->layers[l];
        size_t act = B * (size_t)L->out_size;
        p->out[l] = L->kind == LRF_LAYER_BATCHNORM ? 0 : take(p, act * F);
        if (L->kind == LRF_LAYER_LINEAR && L->act_on && L->act == LRF_ACT_GELU)
            p->pre[l] = take(p, act * F);
        if (L->kind == LRF_LAYER_MAXPOOL)
            p->argmax[l] = take(p, act * sizeof(int32_t));
        if (L->kind == LRF_LAYER_BATCHNORM)
            p->bnstat[l] = take(p, 2 * (size_t)L->out_c * F);
        if (L->kind == LRF_LAYER_CONV2D) {
            p->conv[l] = take(p, conv_arena_bytes(L));
            *widest_w = L->n_w > *widest_w ? L->n_w : *widest_w;
            *scratch = conv_scratch_bytes(L) > *scratch ? conv_scratch_bytes(L) : *scratch;
        }
        *widest_c = (size_t)L->out_c > *widest_c ? (size_t)L->out_c : *widest_c;
    }
}

static void plan_arena(const struct lrf_model *m, struct arena_plan *p)
{
    const size_t B = (size_t)m->cfg.max_batch, F = sizeof(float);
    memset(p, 0, sizeof *p);
    p->params = take(p, m->n_params * F);
    p->grads = take(p, m->n_params * F);
    p->stats = take(p, m->n_stats * F);
    for (int s = 0; s < m->cfg.optim_slots; s++)
        p->slots[s] = take(p, m->n_params * F);
    p->scalars = take(p, LRF_OPTIM_SCALARS * sizeof(double));
    if (m->image)
        p->input = take(p, B * (size_t)m->layers[0].in_size * F);
    size_t widest_c = 1, widest_w = 0, scratch = 0;
    plan_layers(m, p, &widest_c, &widest_w, &scratch);
    size_t g = B * model_plan_grad_size(m) * F;
    p->grad[0] = take(p, g);
    p->grad[1] = take(p, g);
    p->wtmp = take(p, widest_w * F);
    p->chan = take(p, 2 * widest_c * sizeof(double));
    p->chan_f = take(p, 5 * widest_c * F);
    p->scratch = take(p, scratch);
}

static void carve(struct lrf_model *m, const struct arena_plan *p)
{
    char *base = m->arena;
#define AT(type, off) ((type *)(void *)(base + (off)))
    m->params = AT(float, p->params);
    m->grads = AT(float, p->grads);
    m->stats = AT(float, p->stats);
    for (int s = 0; s < m->cfg.optim_slots; s++)
        m->slots[s] = AT(float, p->slots[s]);
    m->scalars = AT(double, p->scalars);
    m->input = m->image ? AT(float, p->input) : NULL;
    for (int l = 0; l < m->n_layers; l++) {
        struct layer *L = &m->layers[l];
        L->out = L->kind == LRF_LAYER_BATCHNORM ? NULL : AT(float, p->out[l]);
        L->pre = p->pre[l] ? AT(float, p->pre[l]) : NULL;
        L->argmax = L->kind == LRF_LAYER_MAXPOOL ? AT(int32_t, p->argmax[l]) : NULL;
        if (L->kind == LRF_LAYER_BATCHNORM) {
            L->mean = AT(float, p->bnstat[l]);
            L->invstd = L->mean + L->out_c;
        }
    }
    m->grad_buf[0] = AT(float, p->grad[0]);
    m->grad_buf[1] = AT(float, p->grad[1]);
    m->wtmp = AT(float, p->wtmp);
    m->chan = AT(double, p->chan);
    m->chan_f = AT(float, p->chan_f);
    m->scratch = AT(void, p->scratch);
    m->scratch_bytes = p->total - p->scratch;
#undef AT
    model_plan_grad_buffers(m);
}

/* The convolutions' stream and plans (which decide their arena sizes). */
static enum lrf_status plan_convolutions(struct lrf_model *m, struct lrf_error *err)
{
    if (!m->image)
        return LRF_OK;
    dnnl_status_t s =
        m->dnnl->stream_create(&m->stream, m->dnnl->engine, dnnl_stream_default_flags);
    if (s != dnnl_success)
        return lrf_error_set(err, LRF_ERR_UNSUPPORTED, "oneDNN: no stream (status %d)", (int)s);
    enum lrf_status st = LRF_OK;
    for (int l = 0; l < m->n_layers && !st; l++)
        if (m->layers[l].kind == LRF_LAYER_CONV2D)
            st = conv_plan(m, &m->layers[l], l > 0, err);
    return st;
}

static enum lrf_status build(struct lrf_model *m, struct lrf_error *err)
{
    enum lrf_status st = plan_convolutions(m, err);
    if (st)
        return st;
    struct arena_plan p;
    plan_arena(m, &p);
    m->arena = aligned_alloc(ALIGN_BYTES, p.total);
    if (!m->arena)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the model arena (%zu bytes)",
                             p.total);
    memset(m->arena, 0, p.total);
    m->arena_bytes = p.total;
    carve(m, &p);
    for (int l = 0; l < m->n_layers && !st; l++) {
        struct layer *L = &m->layers[l];
        if (L->kind == LRF_LAYER_CONV2D)
            st = conv_bind(m, L, l == 0 ? m->input : m->layers[l - 1].out,
                           (char *)m->arena + p.conv[l], err);
    }
    return st;
}

enum lrf_status lrf_model_create(const struct lrf_model_config *cfg, struct lrf_rng *rng,
                                 struct lrf_model **out, struct lrf_error *err)
{
    *out = NULL;
    enum lrf_status st = lrf_model_config_check(cfg, err);
    if (st)
        return st;
    struct lrf_model *m = calloc(1, sizeof *m);
    if (!m)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the model");
    m->cfg = *cfg;
    model_plan_layers(m);
    /* The kernels are planned with the model's thread count (oneDNN splits the
     * work when it builds a kernel). Threads are scoped only once loaded. */
    st = model_blas_get(&m->blas, err);
    if (!st && m->image)
        st = model_dnnl_get(&m->dnnl, err);
    if (!st) {
        struct model_threads saved;
        model_threads_enter(m, &saved);
        st = build(m, err);
        model_threads_leave(m, &saved);
    }
    if (st) {
        lrf_model_destroy(m);
        return st;
    }
    lrf_model_reset(m, rng);
    *out = m;
    return LRF_OK;
}

void lrf_model_destroy(struct lrf_model *m)
{
    if (!m)
        return;
    for (int l = 0; l < m->n_layers; l++)
        conv_destroy(m->layers[l].conv);
    if (m->stream)
        m->dnnl->stream_destroy(m->stream);
    free(m->arena);
    free(m);
}

void lrf_model_reset(struct lrf_model *m, struct lrf_rng *rng)
{
    /* nn.Linear and nn.Conv2d reset_parameters: kaiming_uniform_(a=sqrt(5))
     * gives the bound gain*sqrt(3/fan_in) with gain = sqrt(2/(1+5)), i.e.
     * 1/sqrt(fan_in); the linear bias uses the same bound. BatchNorm2d: weight
     * 1, bias 0, running mean 0, running var 1. */
    for (int l = 0; l < m->n_layers; l++) {
        const struct layer *L = &m->layers[l];
        float *w = m->params + L->w_off, *b = m->params + L->b_off;
        if (L->kind == LRF_LAYER_LINEAR || L->kind == LRF_LAYER_CONV2D) {
            double bound = 1.0 / sqrt((double)L->n_w / (double)L->out_c);
            lrf_rng_fill_symmetric(rng, w, L->n_w, bound);
            lrf_rng_fill_symmetric(rng, b, L->n_b, bound);
        } else if (L->kind == LRF_LAYER_BATCHNORM) {
            float *rmean = m->stats + L->stat_off;
            for (int c = 0; c < L->out_c; c++) {
                w[c] = 1, b[c] = 0;
                rmean[c] = 0, rmean[L->out_c + c] = 1;
            }
        }
    }
    memset(m->grads, 0, m->n_params * sizeof(float));
    for (int s = 0; s < m->cfg.optim_slots; s++)
        memset(m->slots[s], 0, m->n_params * sizeof(float));
    memset(m->scalars, 0, LRF_OPTIM_SCALARS * sizeof(double));
}
