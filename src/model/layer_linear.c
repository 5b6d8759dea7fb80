/* The linear layer: cblas_sgemm forward and backward, with the bias, the
 * activation and its gradient (plus the bias gradient) fused into single
 * passes over each activation matrix. Nothing here allocates. */
#include <math.h>
#include <string.h>

#include "model/model_internal.h"

static const float INV_SQRT2 = 0.70710678118654752440f;
static const float INV_SQRT_2PI = 0.39894228040143267794f;

/* a = act(a + b) in place, row by row (ReLU, tanh, or none): one pointer, so
 * that the compiler vectorizes without runtime alias checks. */
static void bias_act_inplace(bool act_on, enum lrf_activation act, float *a,
                             const float *restrict bias, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        float *ar = a + (size_t)r * (size_t)cols;
        if (!act_on) {
            for (int j = 0; j < cols; j++)
                ar[j] += bias[j];
        } else if (act == LRF_ACT_RELU) {
            /* "v < 0 ? 0 : v" keeps NaN (as torch.relu does) and vectorizes. */
            for (int j = 0; j < cols; j++) {
                float v = ar[j] + bias[j];
                ar[j] = v < 0 ? 0.0f : v;
            }
        } else {
            for (int j = 0; j < cols; j++)
                ar[j] = tanhf(ar[j] + bias[j]);
        }
    }
}

/* GELU, exact (x * Phi(x)): z += b is kept for the backward pass, a = gelu(z). */
static void bias_gelu(float *restrict z, float *restrict a, const float *restrict bias, int rows,
                      int cols)
{
    for (int r = 0; r < rows; r++) {
        float *zr = z + (size_t)r * (size_t)cols, *ar = a + (size_t)r * (size_t)cols;
        for (int j = 0; j < cols; j++) {
            float v = zr[j] + bias[j];
            zr[j] = v;
            ar[j] = 0.5f * v * (1.0f + erff(v * INV_SQRT2));
        }
    }
}

void linear_forward(const struct lrf_model *m, const struct layer *L, const float *in, int B)
{
    const float *W = m->params + L->w_off, *bias = m->params + L->b_off;
    bool gelu = L->act_on && L->act == LRF_ACT_GELU;
    float *z = gelu ? L->pre : L->out;
    /* Z (B,out) = in (B,in) * W^T (in,out) */
    m->blas->sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, L->out_size, L->in_size, 1.0f, in,
                   L->in_size, W, L->in_size, 0.0f, z, L->out_size);
    if (gelu)
        bias_gelu(L->pre, L->out, bias, B, L->out_size);
    else
        bias_act_inplace(L->act_on, L->act, L->out, bias, B, L->out_size);
}

/* In place over dz, which holds dL/da and becomes dL/dz = dL/da * act'(z)
 * (ReLU and tanh from the output a; ReLU'(0) = 0 as in PyTorch); db (+)= the
 * column sums of dL/dz. Without an activation only the sums. */
static void act_grad_bias(bool act_on, enum lrf_activation act, float *dz, const float *restrict a,
                          float *restrict db, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        size_t o = (size_t)r * (size_t)cols;
        float *d = dz + o;
        const float *restrict ar = a + o;
        if (!act_on) {
            for (int j = 0; j < cols; j++)
                db[j] += d[j];
        } else if (act == LRF_ACT_RELU) {
            for (int j = 0; j < cols; j++) {
                float g = ar[j] > 0 ? d[j] : 0.0f;
                d[j] = g;
                db[j] += g;
            }
        } else {
            for (int j = 0; j < cols; j++) {
                float g = d[j] * (1.0f - ar[j] * ar[j]);
                d[j] = g;
                db[j] += g;
            }
        }
    }
}

/* GELU: dz = da * gelu'(z) in place, with z kept by the forward pass. */
static void gelu_grad_bias(float *dz, const float *restrict z, float *restrict db, int rows,
                           int cols)
{
    for (int r = 0; r < rows; r++) {
        size_t o = (size_t)r * (size_t)cols;
        float *d = dz + o;
        const float *restrict zr = z + o;
        for (int j = 0; j < cols; j++) {
            float x = zr[j];
            float cdf = 0.5f * (1.0f + erff(x * INV_SQRT2));
            float pdf = expf(-0.5f * x * x) * INV_SQRT_2PI;
            float g = d[j] * (cdf + x * pdf);
            d[j] = g;
            db[j] += g;
        }
    }
}

void linear_backward(const struct lrf_model *m, const struct layer *L, const float *in, int B,
                     bool accumulate)
{
    float *dz = L->dout;
    float *dW = m->grads + L->w_off, *db = m->grads + L->b_off;
    const int NI = L->in_size, NO = L->out_size;
    if (!accumulate)
        memset(db, 0, (size_t)NO * sizeof(float));
    if (L->act_on && L->act == LRF_ACT_GELU)
        gelu_grad_bias(dz, L->pre, db, B, NO);
    else
        act_grad_bias(L->act_on, L->act, dz, L->out, db, B, NO);
    /* dW (out,in) = dz^T (out,B) * in (B,in) */
    m->blas->sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, NO, NI, B, 1.0f, dz, NO, in, NI,
                   accumulate ? 1.0f : 0.0f, dW, NI);
    if (!L->din)
        return; /* the network's input gradient is never needed */
    /* din (B,in) = dz (B,out) * W (out,in) */
    m->blas->sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, NI, NO, 1.0f, dz, NO,
                   m->params + L->w_off, NI, 0.0f, L->din, NI);
}
