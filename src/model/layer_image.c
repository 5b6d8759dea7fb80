/* The image layers besides the convolution, over NHWC activations: the input
 * copy, BatchNorm + ReLU + 2x2 max-pool as one pass forward and one backward
 * (the normalized activation is never stored), and global average pooling.
 *
 * PyTorch 1.13's CPU kernels (aten/src/ATen/native/Normalization.cpp,
 * batch_norm_kernel.cpp, DilatedMaxPool2d.cpp) are the specification: train
 * mode normalizes with the batch mean and biased variance, output =
 * x * (invstd * weight) + (bias - mean * invstd * weight); the running mean and
 * the unbiased variance are blended in with momentum 0.1; max-pool picks the
 * first maximum of each window. Convolutions run on max_batch rows (oneDNN's
 * primitives have a fixed shape), so the rows past the batch of everything a
 * convolution reads are kept at zero: a stale NaN there would reach the weight
 * gradient as 0 * NaN. */
#include <math.h>
#include <string.h>

#include "model/model_internal.h"

/* Pixels per float partial sum before it is added to a double. */
enum { CHUNK = 32 };

static void zero_rows(float *a, int B, int max_batch, size_t row)
{
    if (B < max_batch)
        memset(a + (size_t)B * row, 0, (size_t)(max_batch - B) * row * sizeof(float));
}

void image_input(const struct lrf_model *m, const float *x, int B)
{
    const struct layer *L = &m->layers[0];
    const size_t C = (size_t)L->in_c, HW = (size_t)L->in_h * (size_t)L->in_w;
    const size_t row = C * HW;
    if (m->cfg.layout == LRF_LAYOUT_HWC) {
        memcpy(m->input, x, (size_t)B * row * sizeof(float));
    } else {
        for (int b = 0; b < B; b++) {
            const float *src = x + (size_t)b * row;
            float *dst = m->input + (size_t)b * row;
            for (size_t p = 0; p < HW; p++)
                for (size_t c = 0; c < C; c++)
                    dst[p * C + c] = src[c * HW + p];
        }
    }
    zero_rows(m->input, B, m->cfg.max_batch, row);
}

/* Per-channel sums of (z - shift) and its square over n pixels, shifted by the
 * first pixel so that the variance does not cancel when the mean is large.
 * acc: 3*C floats of scratch. */
static void channel_moments(const float *z, size_t n, int C, double *s1, double *s2,
                            float *restrict acc)
{
    float *restrict a1 = acc, *restrict a2 = acc + C, *restrict shift = acc + 2 * C;
    memcpy(shift, z, (size_t)C * sizeof(float));
    for (int c = 0; c < C; c++)
        s1[c] = s2[c] = 0;
    for (size_t p0 = 0; p0 < n; p0 += CHUNK) {
        size_t p1 = p0 + CHUNK < n ? p0 + CHUNK : n;
        memset(acc, 0, 2 * (size_t)C * sizeof(float));
        for (size_t p = p0; p < p1; p++) {
            const float *restrict zp = z + p * (size_t)C;
            for (int c = 0; c < C; c++) {
                float d = zp[c] - shift[c];
                a1[c] += d;
                a2[c] += d * d;
            }
        }
        for (int c = 0; c < C; c++) {
            s1[c] += (double)a1[c];
            s2[c] += (double)a2[c];
        }
    }
}

/* Train mode: batch statistics into bn->mean/invstd, running statistics
 * updated; eval mode: the running statistics. Then the per-channel affine map
 * of BatchNorm into scale/shift. */
static void bn_affine(struct lrf_model *m, struct layer *bn, const float *z, int B, bool train,
                      float *scale, float *shift)
{
    const int C = bn->out_c;
    const float *gamma = m->params + bn->w_off, *beta = m->params + bn->b_off;
    float *rmean = m->stats + bn->stat_off, *rvar = rmean + C;
    if (train) {
        const size_t n = (size_t)B * (size_t)bn->in_h * (size_t)bn->in_w;
        double *s1 = m->chan, *s2 = m->chan + C;
        channel_moments(z, n, C, s1, s2, m->chan_f);
        for (int c = 0; c < C; c++) {
            double d = s1[c] / (double)n, var = (s2[c] - s1[c] * d) / (double)n;
            double mean = (double)z[c] + d;
            var = var > 0 ? var : 0;
            bn->mean[c] = (float)mean;
            bn->invstd[c] = (float)(1.0 / sqrt(var + MODEL_BN_EPS));
            double unbiased = var * (double)n / (double)(n - 1);
            rmean[c] =
                (float)(MODEL_BN_MOMENTUM * mean + (1 - MODEL_BN_MOMENTUM) * (double)rmean[c]);
            rvar[c] =
                (float)(MODEL_BN_MOMENTUM * unbiased + (1 - MODEL_BN_MOMENTUM) * (double)rvar[c]);
        }
    }
    for (int c = 0; c < C; c++) {
        float mean = train ? bn->mean[c] : rmean[c];
        float invstd = train ? bn->invstd[c] : (float)(1.0 / sqrt((double)rvar[c] + MODEL_BN_EPS));
        scale[c] = invstd * gamma[c];
        shift[c] = beta[c] - mean * scale[c];
    }
}

/* One output row of the pool: per pixel and channel, the first maximum of the
 * 2x2 window of relu(z * scale + shift) and its position (0..3, row-major). A
 * NaN wins, as in PyTorch ("val > max || isnan(val)"). */
static void pool_row(const float *z0, const float *z1, int Wo, int C, const float *restrict scale,
                     const float *restrict shift, float *restrict out, int32_t *restrict arg)
{
    for (int ox = 0; ox < Wo; ox++) {
        const float *restrict p0 = z0 + (size_t)(2 * ox) * (size_t)C, *restrict p1 = p0 + C;
        const float *restrict q0 = z1 + (size_t)(2 * ox) * (size_t)C, *restrict q1 = q0 + C;
        float *restrict o = out + (size_t)ox * (size_t)C;
        int32_t *restrict a = arg + (size_t)ox * (size_t)C;
        for (int c = 0; c < C; c++) {
            float v0 = p0[c] * scale[c] + shift[c], v1 = p1[c] * scale[c] + shift[c];
            float v2 = q0[c] * scale[c] + shift[c], v3 = q1[c] * scale[c] + shift[c];
            float best = v0;
            int k = 0;
            int t = (v1 > best) | (v1 != v1);
            best = t ? v1 : best, k = t ? 1 : k;
            t = (v2 > best) | (v2 != v2);
            best = t ? v2 : best, k = t ? 2 : k;
            t = (v3 > best) | (v3 != v3);
            best = t ? v3 : best, k = t ? 3 : k;
            o[c] = best < 0 ? 0.0f : best; /* ReLU commutes with max; keeps NaN */
            a[c] = k;
        }
    }
}

void bn_pool_forward(struct lrf_model *m, struct layer *bn, struct layer *pool, const float *z,
                     int B, bool train)
{
    const int C = bn->out_c, H = bn->in_h, W = bn->in_w, Ho = pool->out_h, Wo = pool->out_w;
    float *scale = m->chan_f + 3 * (size_t)C, *shift = scale + C;
    bn_affine(m, bn, z, B, train, scale, shift);
    const size_t row = (size_t)W * (size_t)C, orow = (size_t)Wo * (size_t)C;
    for (int b = 0; b < B; b++)
        for (int oy = 0; oy < Ho; oy++) {
            const float *z0 = z + ((size_t)b * (size_t)H + 2 * (size_t)oy) * row;
            size_t o = ((size_t)b * (size_t)Ho + (size_t)oy) * orow;
            pool_row(z0, z0 + row, Wo, C, scale, shift, pool->out + o, pool->argmax + o);
        }
    zero_rows(pool->out, B, m->cfg.max_batch, (size_t)pool->out_size);
}

/* Pass A of the backward: per channel, the sum of dy and of dy * (z - mean)
 * over the positions the pool routed a gradient to (dy is zero elsewhere):
 * dy = dP where the pooled output is positive (ReLU), at the window's argmax. */
static void bn_pool_sums(const struct lrf_model *m, const struct layer *bn,
                         const struct layer *pool, const float *z, int B, double *sdy, double *sdot)
{
    const int C = bn->out_c, W = bn->in_w;
    const size_t row = (size_t)W * (size_t)C, n = (size_t)B * (size_t)pool->out_h;
    float *restrict a1 = m->chan_f, *restrict a2 = m->chan_f + C;
    for (int c = 0; c < C; c++)
        sdy[c] = sdot[c] = 0;
    for (size_t r = 0; r < n; r++) { /* pooled rows (b, oy) */
        size_t b = r / (size_t)pool->out_h, oy = r % (size_t)pool->out_h;
        const float *zr = z + (b * (size_t)bn->in_h + 2 * oy) * row; /* conv rows 2oy, 2oy+1 */
        memset(a1, 0, 2 * (size_t)C * sizeof(float));
        for (int ox = 0; ox < pool->out_w; ox++) {
            size_t o = (r * (size_t)pool->out_w + (size_t)ox) * (size_t)C;
            const float *P = pool->out + o, *dP = pool->dout + o;
            const int32_t *am = pool->argmax + o;
            const float *zw = zr + (size_t)(2 * ox) * (size_t)C;
            for (int c = 0; c < C; c++) {
                float d = dP[c];
                float g = P[c] > 0 ? d : 0.0f;
                size_t at = (size_t)(am[c] >> 1) * row + (size_t)(am[c] & 1) * (size_t)C;
                a1[c] += g;
                a2[c] += g * (zw[at + (size_t)c] - bn->mean[c]);
            }
        }
        for (int c = 0; c < C; c++) {
            sdy[c] += (double)a1[c];
            sdot[c] += (double)a2[c];
        }
    }
}

/* Per-channel constants of dx = (dy - gm - (z - mean) * k) * w (PyTorch's
 * batch_norm_backward), and the weight and bias gradients. */
static void bn_grad_coefs(struct lrf_model *m, const struct layer *bn, size_t n, bool accumulate,
                          float *gm, float *k, float *w)
{
    const int C = bn->out_c;
    const double *sdy = m->chan, *sdot = m->chan + C;
    float *dgamma = m->grads + bn->w_off, *dbeta = m->grads + bn->b_off;
    const float *gamma = m->params + bn->w_off;
    for (int c = 0; c < C; c++) {
        double invstd = bn->invstd[c];
        float dg = (float)(sdot[c] * invstd), db = (float)sdy[c];
        dgamma[c] = accumulate ? dgamma[c] + dg : dg;
        dbeta[c] = accumulate ? dbeta[c] + db : db;
        gm[c] = (float)(sdy[c] / (double)n);
        k[c] = (float)(sdot[c] * invstd * invstd / (double)n);
        w[c] = (float)(invstd * (double)gamma[c]);
    }
}

/* dx over one row of conv pixels [x0, x1): dy from the pooled row (or zero). */
static void bn_dx_row(const float *zr, float *dxr, int x0, int x1, int C, int pos_row,
                      const float *P, const float *dP, const int32_t *am,
                      const float *restrict mean, const float *restrict gm, const float *restrict k,
                      const float *restrict w)
{
    for (int x = x0; x < x1; x++) {
        const float *restrict zp = zr + (size_t)x * (size_t)C;
        float *restrict dx = dxr + (size_t)x * (size_t)C;
        if (!P) {
            for (int c = 0; c < C; c++)
                dx[c] = (0.0f - gm[c] - (zp[c] - mean[c]) * k[c]) * w[c];
            continue;
        }
        size_t o = (size_t)(x / 2) * (size_t)C;
        const float *restrict Po = P + o, *restrict dPo = dP + o;
        const int32_t *restrict amo = am + o;
        const int32_t pos = pos_row * 2 + (x & 1);
        for (int c = 0; c < C; c++) {
            float d = dPo[c]; /* loaded unconditionally so that the selects vectorize */
            float g = Po[c] > 0 ? d : 0.0f;
            float dy = amo[c] == pos ? g : 0.0f;
            dx[c] = (dy - gm[c] - (zp[c] - mean[c]) * k[c]) * w[c];
        }
    }
}

void bn_pool_backward(struct lrf_model *m, const struct layer *bn, const struct layer *pool,
                      const float *z, int B, bool accumulate)
{
    const int C = bn->out_c, H = bn->in_h, W = bn->in_w, Ho = pool->out_h, Wo = pool->out_w;
    const size_t n = (size_t)B * (size_t)H * (size_t)W, row = (size_t)W * (size_t)C;
    bn_pool_sums(m, bn, pool, z, B, m->chan, m->chan + C);
    float *gm = m->chan_f + 2 * (size_t)C, *k = gm + C, *w = k + C;
    bn_grad_coefs(m, bn, n, accumulate, gm, k, w);
    for (int b = 0; b < B; b++)
        for (int y = 0; y < H; y++) {
            size_t r = (size_t)b * (size_t)H + (size_t)y;
            const float *zr = z + r * row;
            float *dxr = bn->din + r * row;
            const float *P = NULL, *dP = NULL;
            const int32_t *am = NULL;
            if (y < 2 * Ho) {
                size_t o = ((size_t)b * (size_t)Ho + (size_t)(y / 2)) * (size_t)Wo * (size_t)C;
                P = pool->out + o, dP = pool->dout + o, am = pool->argmax + o;
            }
            int x1 = P ? 2 * Wo : 0;
            bn_dx_row(zr, dxr, 0, x1, C, y & 1, P, dP, am, bn->mean, gm, k, w);
            bn_dx_row(zr, dxr, x1, W, C, 0, NULL, NULL, NULL, bn->mean, gm, k, w);
        }
    zero_rows(bn->din, B, m->cfg.max_batch, (size_t)bn->in_size);
}

void avgpool_forward(const struct layer *L, const float *in, int B)
{
    const int C = L->in_c, HW = L->in_h * L->in_w;
    for (int b = 0; b < B; b++) {
        float *restrict o = L->out + (size_t)b * (size_t)C;
        const float *restrict x = in + (size_t)b * (size_t)HW * (size_t)C;
        memset(o, 0, (size_t)C * sizeof(float));
        for (int p = 0; p < HW; p++)
            for (int c = 0; c < C; c++)
                o[c] += x[(size_t)p * (size_t)C + (size_t)c];
        for (int c = 0; c < C; c++)
            o[c] /= (float)HW;
    }
}

void avgpool_backward(const struct layer *L, int B)
{
    const int C = L->in_c, HW = L->in_h * L->in_w;
    for (int b = 0; b < B; b++) {
        const float *restrict g = L->dout + (size_t)b * (size_t)C;
        float *restrict d = L->din + (size_t)b * (size_t)HW * (size_t)C;
        for (int p = 0; p < HW; p++)
            for (int c = 0; c < C; c++) /* PyTorch: grad / kh / kw */
                d[(size_t)p * (size_t)C + (size_t)c] = g[c] / (float)L->in_h / (float)L->in_w;
    }
}
