/* The pass driver: forward through the layer list, the loss (softmax
 * cross-entropy or mean squared error) and its gradient, backward down the
 * list. Nothing here allocates. */
#include <math.h>
#include <string.h>

#include "model/model_internal.h"

static const float *layer_input(const struct lrf_model *m, int l, const float *x)
{
    if (l == 0)
        return m->image ? m->input : x;
    const struct layer *p = &m->layers[l - 1];
    return p->out;
}

static enum lrf_status forward(struct lrf_model *m, const float *x, int B, bool train,
                               struct lrf_error *err)
{
    if (m->image)
        image_input(m, x, B);
    for (int l = 0; l < m->n_layers; l++) {
        struct layer *L = &m->layers[l];
        const float *in = layer_input(m, l, x);
        enum lrf_status st;
        switch (L->kind) {
        case LRF_LAYER_LINEAR:
            linear_forward(m, L, in, B);
            break;
        case LRF_LAYER_CONV2D:
            if ((st = conv_forward(m, L, err)) != LRF_OK)
                return st;
            break;
        case LRF_LAYER_BATCHNORM: /* with its ReLU and the max-pool after it */
            bn_pool_forward(m, L, L + 1, in, B, train);
            l++;
            break;
        default:
            avgpool_forward(L, in, B);
            break;
        }
    }
    return LRF_OK;
}

/* Down to layer stop; a max-pool's input gradient is never materialized (its
 * BatchNorm's is), so stopping at a pool stops at the BatchNorm below it. */
static enum lrf_status backward(struct lrf_model *m, const float *x, int B, bool accumulate,
                                int stop, struct lrf_error *err)
{
    for (int l = m->n_layers - 1; l >= stop; l--) {
        struct layer *L = &m->layers[l];
        enum lrf_status st = LRF_OK;
        switch (L->kind) {
        case LRF_LAYER_LINEAR:
            linear_backward(m, L, layer_input(m, l, x), B, accumulate);
            break;
        case LRF_LAYER_CONV2D:
            st = conv_backward(m, L, accumulate, err);
            break;
        case LRF_LAYER_MAXPOOL: /* and the BatchNorm + ReLU before it */
            bn_pool_backward(m, L - 1, L, layer_input(m, l - 1, x), B, accumulate);
            l--;
            break;
        default:
            avgpool_backward(L, B);
            break;
        }
        if (st)
            return st;
    }
    return LRF_OK;
}

/* Cross-entropy rows: adds nothing to the logits (the bias is in the layer),
 * returns the summed loss via a stable log-sum-exp; with grad != NULL writes
 * scale * (softmax - onehot) there. */
static double xent(const float *logits, const int32_t *y, int B, int C, float *grad, float scale,
                   long *n_correct)
{
    double total = 0;
    long correct = 0;
    for (int r = 0; r < B; r++) {
        const float *z = logits + (size_t)r * (size_t)C;
        float mx = -INFINITY;
        int arg = 0;
        for (int j = 0; j < C; j++)
            if (z[j] > mx) {
                mx = z[j];
                arg = j;
            }
        correct += arg == y[r];
        float sum = 0;
        for (int j = 0; j < C; j++)
            sum += expf(z[j] - mx);
        total += (double)(mx + logf(sum) - z[y[r]]);
        if (grad) {
            float inv = 1.0f / sum, *g = grad + (size_t)r * (size_t)C;
            for (int j = 0; j < C; j++)
                g[j] = scale * (expf(z[j] - mx) * inv - (j == y[r] ? 1.0f : 0.0f));
        }
    }
    if (n_correct)
        *n_correct = correct;
    return total;
}

/* Squared error summed over the batch (one output); grad = scale * 2 (z - t). */
static double sq_err(const float *z, const float *t, int B, float *grad, float scale)
{
    double total = 0;
    for (int r = 0; r < B; r++) {
        float d = z[r] - t[r];
        total += (double)(d * d);
        if (grad)
            grad[r] = scale * 2.0f * d;
    }
    return total;
}

/* The loss of the last forward (summed); grad (scale / B per sample) if wanted. */
static double loss(const struct lrf_model *m, const struct lrf_model_batch *b, float scale,
                   bool want_grad, long *n_correct)
{
    const struct layer *top = &m->layers[m->n_layers - 1];
    float *g = want_grad ? top->dout : NULL;
    float s = scale / (float)b->size;
    if (m->cfg.loss == LRF_LOSS_MSE) {
        if (n_correct)
            *n_correct = 0;
        return sq_err(top->out, b->targets, b->size, g, s);
    }
    return xent(top->out, b->labels, b->size, m->cfg.n_classes, g, s, n_correct);
}

static enum lrf_status check_batch(const struct lrf_model *m, const struct lrf_model_batch *b,
                                   struct lrf_error *err)
{
    const int B = b->size;
    if (B < 1 || B > m->cfg.max_batch)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "batch size %d outside 1..%d", B,
                             m->cfg.max_batch);
    if (!b->x)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "batch without inputs");
    if (m->cfg.loss == LRF_LOSS_MSE) {
        if (!b->targets)
            return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                                 "the MSE loss needs float targets (batch.targets)");
        return LRF_OK;
    }
    if (!b->labels)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "the cross-entropy loss needs class labels (batch.labels)");
    for (int r = 0; r < B; r++)
        if (b->labels[r] < 0 || b->labels[r] >= m->cfg.n_classes)
            return lrf_error_set(err, LRF_ERR_DATA, "label %d of sample %d outside 0..%d",
                                 (int)b->labels[r], r, m->cfg.n_classes - 1);
    return LRF_OK;
}

enum lrf_status model_train_pass(struct lrf_model *m, const struct lrf_model_batch *b, float scale,
                                 bool accumulate, int stop, float *loss_out, struct lrf_error *err)
{
    enum lrf_status st = check_batch(m, b, err);
    if (st)
        return st;
    struct model_threads saved;
    model_threads_enter(m, &saved);
    st = forward(m, b->x, b->size, true, err);
    if (!st) {
        *loss_out = (float)(loss(m, b, scale, true, NULL) / b->size);
        st = backward(m, b->x, b->size, accumulate, stop, err);
    }
    model_threads_leave(m, &saved);
    return st;
}

enum lrf_status lrf_model_train_batch(struct lrf_model *m, const struct lrf_model_batch *b,
                                      float scale, bool accumulate, float *loss,
                                      struct lrf_error *err)
{
    return model_train_pass(m, b, scale, accumulate, 0, loss, err);
}

enum lrf_status lrf_model_eval_batch(struct lrf_model *m, const struct lrf_model_batch *b,
                                     struct lrf_model_eval *out, struct lrf_error *err)
{
    enum lrf_status st = check_batch(m, b, err);
    if (st)
        return st;
    struct model_threads saved;
    model_threads_enter(m, &saved);
    st = forward(m, b->x, b->size, false, err);
    if (!st)
        out->loss_sum = loss(m, b, 1.0f, false, &out->n_correct);
    model_threads_leave(m, &saved);
    return st;
}

enum lrf_status lrf_model_forward_backward(struct lrf_model *m, const float *x, const int32_t *y,
                                           int batch, float *loss, struct lrf_error *err)
{
    struct lrf_model_batch b = {x, y, NULL, batch};
    return lrf_model_train_batch(m, &b, 1.0f, false, loss, err);
}

enum lrf_status lrf_model_forward_backward_acc(struct lrf_model *m, const float *x,
                                               const int32_t *y, int batch, float scale,
                                               float *loss, struct lrf_error *err)
{
    struct lrf_model_batch b = {x, y, NULL, batch};
    return lrf_model_train_batch(m, &b, scale, true, loss, err);
}

enum lrf_status lrf_model_evaluate(struct lrf_model *m, const float *x, const int32_t *y, int batch,
                                   double *loss_sum, long *n_correct, struct lrf_error *err)
{
    struct lrf_model_batch b = {x, y, NULL, batch};
    struct lrf_model_eval e;
    enum lrf_status st = lrf_model_eval_batch(m, &b, &e, err);
    if (!st) {
        *loss_sum = e.loss_sum;
        if (n_correct)
            *n_correct = e.n_correct;
    }
    return st;
}
