/* The naive reference: the same layer list in plain double-precision loops,
 * every intermediate materialized (no fusion), kept beside the fast path so
 * that tests can check it (and check it against finite differences). Train
 * mode only (BatchNorm with batch statistics); not used for training. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

/* One layer's values: out (B, out_size); pre: linear pre-activation or
 * BatchNorm's affine output before ReLU; xhat and invstd: BatchNorm; arg:
 * max-pool argmax (input index); dout: gradient w.r.t. out. */
struct ref_layer {
    double *out, *pre, *xhat, *invstd, *dout;
    size_t *arg;
};

struct ref {
    const struct lrf_model *m;
    const double *p;
    double *g; /* NULL: no gradient */
    int B;
    double *in;   /* the input, NHWC for image models */
    double *din;  /* scratch for the input gradient of the first layer (unused) */
    size_t *args; /* the block the max-pools' argmax arrays are carved from */
    struct ref_layer L[LRF_MODEL_LAYERS_MAX];
};

static double act_f(enum lrf_activation act, double v)
{
    switch (act) {
    case LRF_ACT_RELU:
        return v > 0 ? v : 0;
    case LRF_ACT_TANH:
        return tanh(v);
    default:
        return 0.5 * v * (1 + erf(v / sqrt(2.0)));
    }
}

static double act_d(enum lrf_activation act, double v)
{
    switch (act) {
    case LRF_ACT_RELU:
        return v > 0 ? 1 : 0;
    case LRF_ACT_TANH: {
        double t = tanh(v);
        return 1 - t * t;
    }
    default:
        return 0.5 * (1 + erf(v / sqrt(2.0))) +
               v * exp(-0.5 * v * v) / sqrt(2 * 3.14159265358979323846);
    }
}

static const double *ref_input(const struct ref *r, int l)
{
    return l == 0 ? r->in : r->L[l - 1].out;
}

static double *ref_din(const struct ref *r, int l)
{
    return l == 0 ? r->din : r->L[l - 1].dout;
}

static void linear_fwd(struct ref *r, int l)
{
    const struct layer *L = &r->m->layers[l];
    const double *in = ref_input(r, l), *W = r->p + L->w_off, *bias = r->p + L->b_off;
    const int NI = L->in_size, NO = L->out_size;
    for (int b = 0; b < r->B; b++)
        for (int o = 0; o < NO; o++) {
            double s = bias[o];
            for (int i = 0; i < NI; i++)
                s += in[(size_t)b * NI + i] * W[(size_t)o * NI + i];
            r->L[l].pre[(size_t)b * NO + o] = s;
            r->L[l].out[(size_t)b * NO + o] = L->act_on ? act_f(L->act, s) : s;
        }
}

static void linear_bwd(struct ref *r, int l)
{
    const struct layer *L = &r->m->layers[l];
    const double *in = ref_input(r, l), *W = r->p + L->w_off;
    double *gW = r->g + L->w_off, *gb = r->g + L->b_off, *din = ref_din(r, l);
    const int NI = L->in_size, NO = L->out_size;
    memset(din, 0, (size_t)r->B * NI * sizeof(double));
    for (int b = 0; b < r->B; b++)
        for (int o = 0; o < NO; o++) {
            size_t k = (size_t)b * NO + o;
            double d = r->L[l].dout[k] * (L->act_on ? act_d(L->act, r->L[l].pre[k]) : 1);
            gb[o] += d;
            for (int i = 0; i < NI; i++) {
                gW[(size_t)o * NI + i] += d * in[(size_t)b * NI + i];
                din[(size_t)b * NI + i] += d * W[(size_t)o * NI + i];
            }
        }
}

/* Calls f(ctx, out_index, in_index, weight_index) for every term of a 3x3,
 * padding 1 convolution over NHWC data with (out, in, 3, 3) weights. */
typedef void (*conv_term)(struct ref *r, int l, size_t o, size_t i, size_t w);
static void conv_each(struct ref *r, int l, conv_term f)
{
    const struct layer *L = &r->m->layers[l];
    const int H = L->in_h, W = L->in_w, C = L->in_c, O = L->out_c;
    for (int b = 0; b < r->B; b++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int o = 0; o < O; o++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = y + ky - 1, ix = x + kx - 1;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                continue;
                            size_t out = (((size_t)b * H + y) * W + x) * O + o;
                            size_t in = (((size_t)b * H + iy) * W + ix) * C;
                            size_t w = ((size_t)o * C * 3 + ky) * 3 + kx;
                            for (int c = 0; c < C; c++)
                                f(r, l, out, in + c, w + (size_t)c * 9);
                        }
}

static void conv_fwd_term(struct ref *r, int l, size_t o, size_t i, size_t w)
{
    r->L[l].out[o] += r->p[r->m->layers[l].w_off + w] * ref_input(r, l)[i];
}

static void conv_bwd_term(struct ref *r, int l, size_t o, size_t i, size_t w)
{
    double d = r->L[l].dout[o];
    r->g[r->m->layers[l].w_off + w] += d * ref_input(r, l)[i];
    ref_din(r, l)[i] += d * r->p[r->m->layers[l].w_off + w];
}

static void bn_fwd(struct ref *r, int l)
{
    const struct layer *L = &r->m->layers[l];
    const int C = L->out_c;
    const size_t n = (size_t)r->B * (size_t)L->in_h * (size_t)L->in_w;
    const double *in = ref_input(r, l), *gamma = r->p + L->w_off, *beta = r->p + L->b_off;
    struct ref_layer *R = &r->L[l];
    for (int c = 0; c < C; c++) {
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++)
            mean += in[i * C + c];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
            var += (in[i * C + c] - mean) * (in[i * C + c] - mean);
        R->invstd[c] = 1 / sqrt(var / (double)n + MODEL_BN_EPS);
        for (size_t i = 0; i < n; i++) {
            size_t k = i * C + c;
            R->xhat[k] = (in[k] - mean) * R->invstd[c];
            R->pre[k] = gamma[c] * R->xhat[k] + beta[c];
            R->out[k] = R->pre[k] > 0 ? R->pre[k] : 0;
        }
    }
}

static void bn_bwd(struct ref *r, int l)
{
    const struct layer *L = &r->m->layers[l];
    const int C = L->out_c;
    const size_t n = (size_t)r->B * (size_t)L->in_h * (size_t)L->in_w;
    const double *gamma = r->p + L->w_off;
    struct ref_layer *R = &r->L[l];
    double *din = ref_din(r, l);
    for (int c = 0; c < C; c++) {
        double s_dx = 0, s_dxx = 0;
        for (size_t i = 0; i < n; i++) {
            size_t k = i * C + c;
            double dy = R->pre[k] > 0 ? R->dout[k] : 0;
            r->g[L->w_off + c] += dy * R->xhat[k];
            r->g[L->b_off + c] += dy;
            s_dx += dy * gamma[c];
            s_dxx += dy * gamma[c] * R->xhat[k];
        }
        for (size_t i = 0; i < n; i++) {
            size_t k = i * C + c;
            double dxh = (R->pre[k] > 0 ? R->dout[k] : 0) * gamma[c];
            din[k] = R->invstd[c] / (double)n * ((double)n * dxh - s_dx - R->xhat[k] * s_dxx);
        }
    }
}

static void pool_fwd(struct ref *r, int l)
{
    const struct layer *L = &r->m->layers[l];
    const int C = L->out_c, H = L->in_h, W = L->in_w, Ho = L->out_h, Wo = L->out_w;
    const double *in = ref_input(r, l);
    for (int b = 0; b < r->B; b++)
        for (int oy = 0; oy < Ho; oy++)
            for (int ox = 0; ox < Wo; ox++)
                for (int c = 0; c < C; c++) {
                    size_t o = (((size_t)b * Ho + oy) * Wo + ox) * C + c, best = 0;
                    for (int k = 0; k < 4; k++) {
                        size_t i = (((size_t)b * H + 2 * oy + k / 2) * W + 2 * ox + k % 2) * C + c;
                        if (k == 0 || in[i] > in[best])
                            best = i;
                    }
                    r->L[l].out[o] = in[best];
                    r->L[l].arg[o] = best;
                }
}

static void pool_bwd(struct ref *r, int l)
{
    const struct layer *L = &r->m->layers[l];
    double *din = ref_din(r, l);
    memset(din, 0, (size_t)r->B * (size_t)L->in_size * sizeof(double));
    for (size_t o = 0; o < (size_t)r->B * (size_t)L->out_size; o++)
        din[r->L[l].arg[o]] += r->L[l].dout[o];
}

static void avg_fwd(struct ref *r, int l, bool backward)
{
    const struct layer *L = &r->m->layers[l];
    const int C = L->in_c, HW = L->in_h * L->in_w;
    double *in = backward ? ref_din(r, l) : (double *)(void *)ref_input(r, l);
    for (int b = 0; b < r->B; b++)
        for (int c = 0; c < C; c++) {
            double s = 0;
            for (int p = 0; p < HW; p++) {
                size_t i = ((size_t)b * HW + p) * C + c;
                if (backward)
                    in[i] = r->L[l].dout[(size_t)b * C + c] / HW;
                else
                    s += in[i];
            }
            if (!backward)
                r->L[l].out[(size_t)b * C + c] = s / HW;
        }
}

static void layer_pass(struct ref *r, int l, bool backward)
{
    const struct layer *L = &r->m->layers[l];
    switch (L->kind) {
    case LRF_LAYER_LINEAR:
        backward ? linear_bwd(r, l) : linear_fwd(r, l);
        break;
    case LRF_LAYER_CONV2D:
        if (backward)
            memset(ref_din(r, l), 0, (size_t)r->B * (size_t)L->in_size * sizeof(double));
        conv_each(r, l, backward ? conv_bwd_term : conv_fwd_term);
        break;
    case LRF_LAYER_BATCHNORM:
        backward ? bn_bwd(r, l) : bn_fwd(r, l);
        break;
    case LRF_LAYER_MAXPOOL:
        backward ? pool_bwd(r, l) : pool_fwd(r, l);
        break;
    default:
        avg_fwd(r, l, backward);
        break;
    }
}

/* The loss (mean over the batch) and its gradient into the top's dout. */
static double ref_loss(struct ref *r, const struct lrf_model_batch *b)
{
    const struct lrf_model *m = r->m;
    struct ref_layer *top = &r->L[m->n_layers - 1];
    const int B = r->B, K = m->cfg.n_classes;
    double loss = 0;
    for (int i = 0; i < B; i++) {
        const double *z = top->out + (size_t)i * K;
        double *d = top->dout + (size_t)i * K;
        if (m->cfg.loss == LRF_LOSS_MSE) {
            double e = z[0] - (double)b->targets[i];
            loss += e * e;
            d[0] = 2 * e / B;
            continue;
        }
        double mx = z[0], s = 0;
        for (int j = 1; j < K; j++)
            mx = fmax(mx, z[j]);
        for (int j = 0; j < K; j++)
            s += exp(z[j] - mx);
        loss += mx + log(s) - z[b->labels[i]];
        for (int j = 0; j < K; j++)
            d[j] = (exp(z[j] - mx) / s - (j == b->labels[i] ? 1 : 0)) / B;
    }
    return loss / B;
}

/* One block for every array; the pointers of r carved from it. */
static double *ref_alloc(struct ref *r)
{
    const struct lrf_model *m = r->m;
    const size_t B = (size_t)r->B, in = (size_t)m->layers[0].in_size;
    size_t total = 2 * B * in, off = 2 * B * in;
    for (int l = 0; l < m->n_layers; l++)
        total += 5 * B * (size_t)m->layers[l].out_size + (size_t)m->layers[l].out_c;
    double *block = calloc(total, sizeof(double));
    size_t *args = calloc(total, sizeof(size_t));
    if (!block || !args) {
        free(block), free(args);
        return NULL;
    }
    r->args = args;
    r->in = block, r->din = block + B * in;
    for (int l = 0; l < m->n_layers; l++) {
        size_t a = B * (size_t)m->layers[l].out_size;
        struct ref_layer *R = &r->L[l];
        R->out = block + off, R->pre = R->out + a, R->xhat = R->pre + a, R->dout = R->xhat + a;
        R->invstd = R->dout + a;
        R->arg = args + off;
        off += 5 * a + (size_t)m->layers[l].out_c;
    }
    return block;
}

static void ref_load_input(struct ref *r, const float *x)
{
    const struct lrf_model *m = r->m;
    const struct layer *L = &m->layers[0];
    const size_t C = (size_t)L->in_c, HW = (size_t)L->in_h * (size_t)L->in_w, n = C * HW;
    bool chw = m->image && m->cfg.layout == LRF_LAYOUT_CHW;
    for (int b = 0; b < r->B; b++)
        for (size_t i = 0; i < n; i++) /* i = (pixel, channel) NHWC; chw reads the plane */
            r->in[(size_t)b * n + i] = x[(size_t)b * n + (chw ? (i % C) * HW + i / C : i)];
}

double lrf_model_reference(const struct lrf_model *m, const double *params,
                           const struct lrf_model_batch *b, double *grads)
{
    struct ref r = {.m = m, .p = params, .g = grads, .B = b->size};
    double *block = ref_alloc(&r);
    if (!block)
        return NAN;
    ref_load_input(&r, b->x);
    for (int l = 0; l < m->n_layers; l++)
        layer_pass(&r, l, false);
    double loss = ref_loss(&r, b);
    if (grads) {
        memset(grads, 0, m->n_params * sizeof(double));
        for (int l = m->n_layers - 1; l >= 0; l--)
            layer_pass(&r, l, true);
    }
    free(r.args);
    free(block);
    return loss;
}

double lrf_model_reference_loss(const struct lrf_model *m, const double *params, const float *x,
                                const int32_t *y, int batch, double *grads)
{
    struct lrf_model_batch b = {x, y, NULL, batch};
    return lrf_model_reference(m, params, &b, grads);
}
