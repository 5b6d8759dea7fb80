/* The fast path: forward and backward through cblas_sgemm, with the bias,
 * the activation and its gradient (plus the bias gradient) fused into single
 * passes over each activation matrix, and a fused, stable softmax
 * cross-entropy. Nothing here allocates. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "model/model_internal.h"

static const float INV_SQRT2 = 0.70710678118654752440f;
static const float INV_SQRT_2PI = 0.39894228040143267794f;

/* a = act(a + b) in place, row by row (ReLU, tanh): one pointer, so that the
 * compiler vectorizes without runtime alias checks. */
static void bias_act_inplace(enum lrf_activation act, float *a, const float *restrict bias,
                             int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        float *ar = a + (size_t)r * (size_t)cols;
        if (act == LRF_ACT_RELU) {
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

/* In place for ReLU and tanh: az holds the activation output and becomes
 * dL/dz = dL/da * act'(z); db (+)= column sums of dL/dz. ReLU'(0) = 0 as in
 * PyTorch. */
static void act_grad_bias_inplace(enum lrf_activation act, const float *restrict da, float *az,
                                  float *restrict db, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        size_t o = (size_t)r * (size_t)cols;
        const float *restrict dar = da + o;
        float *azr = az + o;
        if (act == LRF_ACT_RELU) {
            for (int j = 0; j < cols; j++) {
                float d = dar[j]; /* loaded unconditionally so the select vectorizes */
                float g = azr[j] > 0 ? d : 0.0f;
                azr[j] = g;
                db[j] += g;
            }
        } else {
            for (int j = 0; j < cols; j++) {
                float g = dar[j] * (1.0f - azr[j] * azr[j]);
                azr[j] = g;
                db[j] += g;
            }
        }
    }
}

/* GELU: dz = da * gelu'(z), with z kept by the forward pass. */
static void gelu_grad_bias(const float *restrict da, float *restrict dz, const float *restrict z,
                           float *restrict db, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        size_t o = (size_t)r * (size_t)cols;
        for (int j = 0; j < cols; j++) {
            float x = z[o + (size_t)j];
            float cdf = 0.5f * (1.0f + erff(x * INV_SQRT2));
            float pdf = expf(-0.5f * x * x) * INV_SQRT_2PI;
            float g = da[o + (size_t)j] * (cdf + x * pdf);
            dz[o + (size_t)j] = g;
            db[j] += g;
        }
    }
}

/* Forward through every layer; the last layer's output (logits, without bias
 * yet) is left in act[n_layers-1]; returns nothing. */
static void forward_hidden(struct lrf_model *m, const float *x, int B)
{
    const float *in = x;
    for (int l = 0; l < m->n_layers; l++) {
        const float *W = m->params + m->w_off[l];
        /* Z (B,out) = in (B,in) * W^T (in,out) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, m->out[l], m->in[l], 1.0f, in,
                    m->in[l], W, m->in[l], 0.0f, m->pre[l], m->out[l]);
        if (l == m->n_layers - 1)
            break;
        if (m->cfg.activation == LRF_ACT_GELU)
            bias_gelu(m->pre[l], m->act[l], m->params + m->b_off[l], B, m->out[l]);
        else
            bias_act_inplace(m->cfg.activation, m->act[l], m->params + m->b_off[l], B, m->out[l]);
        in = m->act[l];
    }
}

/* Adds the bias to the logits row by row and returns the cross-entropy of each
 * row via a stable log-sum-exp. With dlogits != NULL the rows are replaced by
 * scale * (softmax - onehot). Returns the summed loss in double. */
static double softmax_xent(float *logits, const float *bias, const int32_t *y, int B, int C,
                           float scale, int want_grad, long *n_correct)
{
    double total = 0;
    long correct = 0;
    for (int r = 0; r < B; r++) {
        float *z = logits + (size_t)r * (size_t)C;
        float mx = -INFINITY;
        int arg = 0;
        for (int j = 0; j < C; j++) {
            z[j] += bias[j];
            if (z[j] > mx) {
                mx = z[j];
                arg = j;
            }
        }
        correct += arg == y[r];
        float sum = 0;
        for (int j = 0; j < C; j++)
            sum += expf(z[j] - mx);
        float lse = mx + logf(sum);
        total += (double)(lse - z[y[r]]);
        if (want_grad) {
            float inv = 1.0f / sum;
            for (int j = 0; j < C; j++)
                z[j] = scale * (expf(z[j] - mx) * inv - (j == y[r] ? 1.0f : 0.0f));
        }
    }
    if (n_correct)
        *n_correct = correct;
    return total;
}

static enum lrf_status check_batch(const struct lrf_model *m, const int32_t *y, int B,
                                   struct lrf_error *err)
{
    if (B < 1 || B > m->cfg.max_batch)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "batch size %d outside 1..%d", B,
                             m->cfg.max_batch);
    for (int r = 0; r < B; r++)
        if (y[r] < 0 || y[r] >= m->cfg.n_classes)
            return lrf_error_set(err, LRF_ERR_DATA, "label %d of sample %d outside 0..%d",
                                 (int)y[r], r, m->cfg.n_classes - 1);
    return LRF_OK;
}

static enum lrf_status pass(struct lrf_model *m, const float *x, const int32_t *y, int B,
                            float scale, int accumulate, float *loss, struct lrf_error *err)
{
    enum lrf_status st = check_batch(m, y, B, err);
    if (st)
        return st;
    const int L = m->n_layers, C = m->cfg.n_classes;
    forward_hidden(m, x, B);
    float *dz = m->act[L - 1];
    double total =
        softmax_xent(dz, m->params + m->b_off[L - 1], y, B, C, scale / (float)B, 1, NULL);
    *loss = (float)(total / B);

    const float beta = accumulate ? 1.0f : 0.0f;
    for (int l = L - 1; l >= 0; l--) {
        const float *in = l == 0 ? x : m->act[l - 1];
        float *dW = m->grads + m->w_off[l], *db = m->grads + m->b_off[l];
        if (l == L - 1) { /* the output layer's bias gradient: column sums of dz */
            if (!accumulate)
                memset(db, 0, (size_t)C * sizeof(float));
            for (int r = 0; r < B; r++)
                for (int j = 0; j < C; j++)
                    db[j] += dz[(size_t)r * (size_t)C + (size_t)j];
        }
        /* dW (out,in) = dz^T (out,B) * in (B,in) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m->out[l], m->in[l], B, 1.0f, dz,
                    m->out[l], in, m->in[l], beta, dW, m->in[l]);
        if (l == 0)
            break; /* the input gradient is never needed */
        /* da (B,in) = dz (B,out) * W (out,in) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, m->in[l], m->out[l], 1.0f, dz,
                    m->out[l], m->params + m->w_off[l], m->in[l], 0.0f, m->delta, m->in[l]);
        /* dz of layer l-1 overwrites its activation, which is no longer needed. */
        float *db_prev = m->grads + m->b_off[l - 1];
        if (!accumulate)
            memset(db_prev, 0, (size_t)m->in[l] * sizeof(float));
        if (m->cfg.activation == LRF_ACT_GELU)
            gelu_grad_bias(m->delta, m->act[l - 1], m->pre[l - 1], db_prev, B, m->in[l]);
        else
            act_grad_bias_inplace(m->cfg.activation, m->delta, m->act[l - 1], db_prev, B, m->in[l]);
        dz = m->act[l - 1];
    }
    return LRF_OK;
}

enum lrf_status lrf_model_forward_backward(struct lrf_model *m, const float *x, const int32_t *y,
                                           int batch, float *loss, struct lrf_error *err)
{
    return pass(m, x, y, batch, 1.0f, 0, loss, err);
}

enum lrf_status lrf_model_forward_backward_acc(struct lrf_model *m, const float *x,
                                               const int32_t *y, int batch, float scale,
                                               float *loss, struct lrf_error *err)
{
    return pass(m, x, y, batch, scale, 1, loss, err);
}

enum lrf_status lrf_model_evaluate(struct lrf_model *m, const float *x, const int32_t *y, int batch,
                                   double *loss_sum, long *n_correct, struct lrf_error *err)
{
    enum lrf_status st = check_batch(m, y, batch, err);
    if (st)
        return st;
    const int L = m->n_layers;
    forward_hidden(m, x, batch);
    *loss_sum = softmax_xent(m->act[L - 1], m->params + m->b_off[L - 1], y, batch, m->cfg.n_classes,
                             1.0f, 0, n_correct);
    return LRF_OK;
}
