/* The convolution layer through oneDNN (the library PyTorch's CPU convolutions
 * use): 3x3, stride 1, padding 1, no bias, on NHWC activations of max_batch
 * rows. The weights stay in PyTorch's (out, in, 3, 3) layout in the parameter
 * array; each pass reorders them into the layout oneDNN's kernel chose (a few
 * microseconds), and the weight gradient back. Every buffer, the scratchpad
 * included, is in the model's arena: a pass allocates nothing.
 *
 * Why oneDNN and not im2col + OpenBLAS: measured on this machine, see
 * docs/model.md ("Convolution kernels"). */
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

struct conv_dnnl {
    const struct model_dnnl *d;
    bool need_din;
    dnnl_primitive_desc_t fwd_pd, bww_pd, bwd_pd; /* kept from plan to bind */
    dnnl_memory_desc_t src_md, dst_md, w_md;      /* w_md: PyTorch's oihw */
    const dnnl_memory_desc_t *w_fwd_md, *w_bwd_md, *dw_md;
    size_t w_fwd_bytes, w_bwd_bytes, dw_bytes; /* 0 = the plain layout is used as is */
    size_t scratch_bytes;
    dnnl_primitive_t fwd, bww, bwd, re_fwd, re_bwd, re_dw;
    dnnl_memory_t src, w, w_fwd, w_bwd, dst, ddst, dsrc, dw, dw_plain, scratch;
};

static enum lrf_status fail(struct lrf_error *err, const char *what, dnnl_status_t s)
{
    return lrf_error_set(err, LRF_ERR_UNSUPPORTED, "oneDNN: %s failed (status %d)", what, (int)s);
}

#define TRY(call, what)                                                                            \
    do {                                                                                           \
        dnnl_status_t s_ = (call);                                                                 \
        if (s_ != dnnl_success)                                                                    \
            return fail(err, what, s_);                                                            \
    } while (0)

static size_t extra_bytes(const struct model_dnnl *d, const dnnl_memory_desc_t *chosen,
                          const dnnl_memory_desc_t *plain)
{
    return d->memory_desc_equal(chosen, plain) ? 0 : d->memory_desc_get_size(chosen);
}

static size_t scratch_of(const struct model_dnnl *d, dnnl_primitive_desc_t pd)
{
    return pd ? d->memory_desc_get_size(d->primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0))
              : 0;
}

static enum lrf_status make_descs(struct conv_dnnl *c, const struct layer *L, int N,
                                  dnnl_primitive_attr_t attr, struct lrf_error *err)
{
    const struct model_dnnl *d = c->d;
    dnnl_dims_t sd = {N, L->in_c, L->in_h, L->in_w}, dd = {N, L->out_c, L->out_h, L->out_w};
    dnnl_dims_t wd = {L->out_c, L->in_c, 3, 3}, one = {1, 1}, pad = {1, 1};
    dnnl_memory_desc_t any_w;
    TRY(d->memory_desc_init_by_tag(&c->src_md, 4, sd, dnnl_f32, dnnl_nhwc), "source descriptor");
    TRY(d->memory_desc_init_by_tag(&c->dst_md, 4, dd, dnnl_f32, dnnl_nhwc), "output descriptor");
    TRY(d->memory_desc_init_by_tag(&c->w_md, 4, wd, dnnl_f32, dnnl_oihw), "weight descriptor");
    TRY(d->memory_desc_init_by_tag(&any_w, 4, wd, dnnl_f32, dnnl_format_tag_any), "weights");
    dnnl_convolution_desc_t cd;
    TRY(d->convolution_forward_desc_init(&cd, dnnl_forward_training, dnnl_convolution_direct,
                                         &c->src_md, &any_w, NULL, &c->dst_md, one, pad, pad),
        "forward convolution");
    TRY(d->primitive_desc_create(&c->fwd_pd, &cd, attr, d->engine, NULL), "forward kernel");
    TRY(d->convolution_backward_weights_desc_init(&cd, dnnl_convolution_direct, &c->src_md, &any_w,
                                                  NULL, &c->dst_md, one, pad, pad),
        "weight-gradient convolution");
    TRY(d->primitive_desc_create(&c->bww_pd, &cd, attr, d->engine, c->fwd_pd),
        "weight-gradient kernel");
    if (c->need_din) {
        TRY(d->convolution_backward_data_desc_init(&cd, dnnl_convolution_direct, &c->src_md, &any_w,
                                                   &c->dst_md, one, pad, pad),
            "input-gradient convolution");
        TRY(d->primitive_desc_create(&c->bwd_pd, &cd, attr, d->engine, c->fwd_pd),
            "input-gradient kernel");
    }
    return LRF_OK;
}

enum lrf_status conv_plan(struct lrf_model *m, struct layer *L, bool need_din,
                          struct lrf_error *err)
{
    struct conv_dnnl *c = calloc(1, sizeof *c);
    if (!c)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for a convolution");
    L->conv = c;
    c->d = m->dnnl;
    c->need_din = need_din;
    const struct model_dnnl *d = c->d;
    dnnl_primitive_attr_t attr;
    TRY(d->primitive_attr_create(&attr), "attributes");
    enum lrf_status st = LRF_OK;
    dnnl_status_t s = d->primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (s != dnnl_success)
        st = fail(err, "scratchpad mode", s);
    if (st == LRF_OK)
        st = make_descs(c, L, m->cfg.max_batch, attr, err);
    d->primitive_attr_destroy(attr);
    if (st)
        return st;
    c->w_fwd_md = d->primitive_desc_query_md(c->fwd_pd, dnnl_query_weights_md, 0);
    c->dw_md = d->primitive_desc_query_md(c->bww_pd, dnnl_query_diff_weights_md, 0);
    c->w_fwd_bytes = extra_bytes(d, c->w_fwd_md, &c->w_md);
    c->dw_bytes = extra_bytes(d, c->dw_md, &c->w_md);
    if (c->bwd_pd) {
        c->w_bwd_md = d->primitive_desc_query_md(c->bwd_pd, dnnl_query_weights_md, 0);
        c->w_bwd_bytes = extra_bytes(d, c->w_bwd_md, &c->w_md);
    }
    size_t s1 = scratch_of(d, c->fwd_pd), s2 = scratch_of(d, c->bww_pd);
    size_t s3 = scratch_of(d, c->bwd_pd);
    c->scratch_bytes = s1 > s2 ? s1 : s2;
    c->scratch_bytes = s3 > c->scratch_bytes ? s3 : c->scratch_bytes;
    return LRF_OK;
}

static size_t round64(size_t b)
{
    return (b + 63) / 64 * 64;
}

size_t conv_arena_bytes(const struct layer *L)
{
    const struct conv_dnnl *c = L->conv;
    return round64(c->w_fwd_bytes) + round64(c->w_bwd_bytes) + round64(c->dw_bytes);
}

size_t conv_scratch_bytes(const struct layer *L)
{
    return L->conv->scratch_bytes;
}

static enum lrf_status memory(const struct conv_dnnl *c, dnnl_memory_t *out,
                              const dnnl_memory_desc_t *md, void *handle, struct lrf_error *err)
{
    TRY(c->d->memory_create(out, md, c->d->engine, handle ? handle : DNNL_MEMORY_NONE),
        "memory object");
    return LRF_OK;
}

static enum lrf_status reorder(const struct conv_dnnl *c, dnnl_primitive_t *out,
                               const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                               struct lrf_error *err)
{
    dnnl_primitive_desc_t pd;
    TRY(c->d->reorder_primitive_desc_create(&pd, from, c->d->engine, to, c->d->engine, NULL),
        "weight reorder");
    dnnl_status_t s = c->d->primitive_create(out, pd);
    c->d->primitive_desc_destroy(pd);
    TRY(s, "weight reorder kernel");
    return LRF_OK;
}

/* Weights: the plain memory is the parameters; a reordered copy lives at own
 * when oneDNN chose another layout (then a reorder fills it each pass). */
static enum lrf_status bind_weights(struct lrf_model *m, const struct layer *L, char **own,
                                    struct lrf_error *err)
{
    struct conv_dnnl *c = L->conv;
    enum lrf_status st = memory(c, &c->w, &c->w_md, m->params + L->w_off, err);
    if (!st && c->w_fwd_bytes) {
        st = memory(c, &c->w_fwd, c->w_fwd_md, *own, err);
        *own += round64(c->w_fwd_bytes);
        if (!st)
            st = reorder(c, &c->re_fwd, &c->w_md, c->w_fwd_md, err);
    }
    if (!st && c->bwd_pd && c->w_bwd_bytes) {
        st = memory(c, &c->w_bwd, c->w_bwd_md, *own, err);
        *own += round64(c->w_bwd_bytes);
        if (!st)
            st = reorder(c, &c->re_bwd, &c->w_md, c->w_bwd_md, err);
    }
    /* The weight gradient lands in m->wtmp (plain), then into the gradients. */
    if (!st)
        st = memory(c, &c->dw_plain, &c->w_md, m->wtmp, err);
    if (!st && c->dw_bytes) {
        st = memory(c, &c->dw, c->dw_md, *own, err);
        *own += round64(c->dw_bytes);
        if (!st)
            st = reorder(c, &c->re_dw, c->dw_md, &c->w_md, err);
    }
    return st;
}

static enum lrf_status make_primitive(const struct conv_dnnl *c, dnnl_primitive_t *out,
                                      dnnl_primitive_desc_t pd, struct lrf_error *err)
{
    if (!pd)
        return LRF_OK;
    TRY(c->d->primitive_create(out, pd), "convolution kernel");
    return LRF_OK;
}

enum lrf_status conv_bind(struct lrf_model *m, struct layer *L, const float *in, char *own,
                          struct lrf_error *err)
{
    struct conv_dnnl *c = L->conv;
    const struct model_dnnl *d = c->d;
    enum lrf_status st = bind_weights(m, L, &own, err);
    /* oneDNN takes non-const handles; it only reads a forward source. */
    void *src;
    memcpy(&src, &in, sizeof src);
    if (!st)
        st = memory(c, &c->src, &c->src_md, src, err);
    if (!st)
        st = memory(c, &c->dst, &c->dst_md, L->out, err);
    if (!st)
        st = memory(c, &c->ddst, &c->dst_md, L->dout, err);
    if (!st && c->need_din)
        st = memory(c, &c->dsrc, &c->src_md, L->din, err);
    if (!st && c->scratch_bytes) {
        dnnl_memory_desc_t sd;
        dnnl_dims_t dims = {(dnnl_dim_t)m->scratch_bytes};
        dnnl_status_t s = d->memory_desc_init_by_tag(&sd, 1, dims, dnnl_u8, dnnl_a);
        st = s == dnnl_success ? memory(c, &c->scratch, &sd, m->scratch, err)
                               : fail(err, "scratchpad descriptor", s);
    }
    if (!st)
        st = make_primitive(c, &c->fwd, c->fwd_pd, err);
    if (!st)
        st = make_primitive(c, &c->bww, c->bww_pd, err);
    if (!st)
        st = make_primitive(c, &c->bwd, c->bwd_pd, err);
    return st;
}

void conv_destroy(struct conv_dnnl *c)
{
    if (!c)
        return;
    const struct model_dnnl *d = c->d;
    dnnl_primitive_desc_t pds[] = {c->fwd_pd, c->bww_pd, c->bwd_pd};
    dnnl_primitive_t ps[] = {c->fwd, c->bww, c->bwd, c->re_fwd, c->re_bwd, c->re_dw};
    dnnl_memory_t ms[] = {c->src,  c->w,    c->w_fwd, c->w_bwd,    c->dst,
                          c->ddst, c->dsrc, c->dw,    c->dw_plain, c->scratch};
    for (size_t i = 0; i < sizeof pds / sizeof pds[0]; i++)
        if (pds[i])
            d->primitive_desc_destroy(pds[i]);
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        if (ps[i])
            d->primitive_destroy(ps[i]);
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        if (ms[i])
            d->memory_destroy(ms[i]);
    free(c);
}

static enum lrf_status run(const struct lrf_model *m, dnnl_primitive_t p, int n,
                           const dnnl_exec_arg_t *args, const char *what, struct lrf_error *err)
{
    dnnl_status_t s = m->dnnl->primitive_execute(p, m->stream, n, args);
    return s == dnnl_success ? LRF_OK : fail(err, what, s);
}

static enum lrf_status run_reorder(const struct lrf_model *m, dnnl_primitive_t p,
                                   dnnl_memory_t from, dnnl_memory_t to, struct lrf_error *err)
{
    dnnl_exec_arg_t a[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    return run(m, p, 2, a, "weight reorder", err);
}

enum lrf_status conv_forward(struct lrf_model *m, const struct layer *L, struct lrf_error *err)
{
    const struct conv_dnnl *c = L->conv;
    enum lrf_status st = LRF_OK;
    if (c->re_fwd)
        st = run_reorder(m, c->re_fwd, c->w, c->w_fwd, err);
    dnnl_exec_arg_t a[] = {{DNNL_ARG_SRC, c->src},
                           {DNNL_ARG_WEIGHTS, c->re_fwd ? c->w_fwd : c->w},
                           {DNNL_ARG_DST, c->dst},
                           {DNNL_ARG_SCRATCHPAD, c->scratch}};
    if (!st)
        st = run(m, c->fwd, c->scratch ? 4 : 3, a, "forward convolution", err);
    m->dnnl->stream_wait(m->stream);
    return st;
}

enum lrf_status conv_backward(struct lrf_model *m, const struct layer *L, bool accumulate,
                              struct lrf_error *err)
{
    const struct conv_dnnl *c = L->conv;
    dnnl_memory_t dw = c->re_dw ? c->dw : c->dw_plain;
    dnnl_exec_arg_t a[] = {{DNNL_ARG_SRC, c->src},
                           {DNNL_ARG_DIFF_DST, c->ddst},
                           {DNNL_ARG_DIFF_WEIGHTS, dw},
                           {DNNL_ARG_SCRATCHPAD, c->scratch}};
    enum lrf_status st = run(m, c->bww, c->scratch ? 4 : 3, a, "weight-gradient convolution", err);
    if (!st && c->re_dw)
        st = run_reorder(m, c->re_dw, c->dw, c->dw_plain, err);
    if (!st && c->bwd) {
        if (c->re_bwd)
            st = run_reorder(m, c->re_bwd, c->w, c->w_bwd, err);
        dnnl_exec_arg_t b[] = {{DNNL_ARG_DIFF_DST, c->ddst},
                               {DNNL_ARG_WEIGHTS, c->re_bwd ? c->w_bwd : c->w},
                               {DNNL_ARG_DIFF_SRC, c->dsrc},
                               {DNNL_ARG_SCRATCHPAD, c->scratch}};
        if (!st)
            st = run(m, c->bwd, c->scratch ? 4 : 3, b, "input-gradient convolution", err);
    }
    m->dnnl->stream_wait(m->stream);
    float *g = m->grads + L->w_off;
    const float *t = m->wtmp;
    if (accumulate)
        for (size_t i = 0; i < L->n_w; i++)
            g[i] += t[i];
    else
        memcpy(g, t, L->n_w * sizeof(float));
    return st;
}
