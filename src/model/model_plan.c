/* The layer list of a configuration: MLP and CNN as two ways of filling the
 * same list, with every layer's shapes and parameter offsets, and the plan of
 * which gradient buffer each layer reads and writes. */
#include <string.h>

#include "model/model_internal.h"

/* Appends a layer whose input is the previous layer's output (or the model's
 * input) and returns it for the caller to set its output shape. */
static struct layer *push(struct lrf_model *m, enum lrf_layer_kind kind)
{
    struct layer *L = &m->layers[m->n_layers];
    memset(L, 0, sizeof *L);
    L->kind = kind;
    if (m->n_layers == 0) {
        const struct lrf_model_config *c = &m->cfg;
        bool shaped = c->arch == LRF_ARCH_CNN;
        L->in_c = shaped ? c->channels : c->n_inputs;
        L->in_h = shaped ? c->height : 1;
        L->in_w = shaped ? c->width : 1;
    } else {
        const struct layer *p = L - 1;
        L->in_c = p->out_c, L->in_h = p->out_h, L->in_w = p->out_w;
    }
    L->out_c = L->in_c, L->out_h = L->in_h, L->out_w = L->in_w;
    m->n_layers++;
    return L;
}

static void push_linear(struct lrf_model *m, int out, bool act_on)
{
    struct layer *L = push(m, LRF_LAYER_LINEAR);
    int in = L->in_c * L->in_h * L->in_w;
    L->in_c = in, L->in_h = L->in_w = 1;
    L->out_c = out, L->out_h = L->out_w = 1;
    L->act_on = act_on;
    L->act = m->cfg.activation;
    L->w_off = m->n_params, L->n_w = (size_t)in * (size_t)out;
    L->b_off = L->w_off + L->n_w, L->n_b = (size_t)out;
    m->n_params = L->b_off + L->n_b;
}

/* Conv2d(c, w, 3, padding=1, bias=False) BatchNorm2d(w) ReLU MaxPool2d(2). */
static void push_block(struct lrf_model *m, int width)
{
    struct layer *conv = push(m, LRF_LAYER_CONV2D);
    conv->out_c = width;
    conv->w_off = m->n_params, conv->n_w = (size_t)width * (size_t)conv->in_c * 9;
    m->n_params += conv->n_w;

    struct layer *bn = push(m, LRF_LAYER_BATCHNORM);
    bn->act_on = true;
    bn->act = LRF_ACT_RELU;
    bn->w_off = m->n_params, bn->n_w = (size_t)width;
    bn->b_off = bn->w_off + bn->n_w, bn->n_b = (size_t)width;
    m->n_params = bn->b_off + bn->n_b;
    bn->stat_off = m->n_stats;
    m->n_stats += 2 * (size_t)width;

    struct layer *pool = push(m, LRF_LAYER_MAXPOOL);
    pool->out_h = pool->in_h / 2; /* floor, as MaxPool2d(2) */
    pool->out_w = pool->in_w / 2;
}

void model_plan_layers(struct lrf_model *m)
{
    const struct lrf_model_config *c = &m->cfg;
    m->n_layers = 0;
    m->n_params = m->n_stats = 0;
    if (c->arch == LRF_ARCH_CNN) {
        for (int i = 0; i < c->n_hidden; i++)
            push_block(m, c->hidden[i]);
        struct layer *gap = push(m, LRF_LAYER_AVGPOOL);
        gap->out_h = gap->out_w = 1;
    } else {
        for (int i = 0; i < c->n_hidden; i++)
            push_linear(m, c->hidden[i], true);
    }
    push_linear(m, c->n_classes, false);
    for (int l = 0; l < m->n_layers; l++) {
        struct layer *L = &m->layers[l];
        L->in_size = L->in_c * L->in_h * L->in_w;
        L->out_size = L->out_c * L->out_h * L->out_w;
    }
    m->image = m->layers[0].kind == LRF_LAYER_CONV2D;
}

size_t model_plan_grad_size(const struct lrf_model *m)
{
    size_t widest = 1;
    for (int l = 0; l < m->n_layers; l++) {
        const struct layer *L = &m->layers[l];
        if ((size_t)L->out_size > widest)
            widest = (size_t)L->out_size;
        if (l > 0 && (size_t)L->in_size > widest)
            widest = (size_t)L->in_size;
    }
    return widest;
}

/* From the loss down: a layer's output gradient is the buffer its successor
 * wrote its input gradient into; it writes its own input gradient into the
 * other buffer. A batchnorm and its pool are one step (dP in, dZ out). */
void model_plan_grad_buffers(struct lrf_model *m)
{
    float *cur = m->grad_buf[0];
    for (int l = m->n_layers - 1; l >= 0; l--) {
        struct layer *L = &m->layers[l];
        float *other = cur == m->grad_buf[0] ? m->grad_buf[1] : m->grad_buf[0];
        L->dout = cur;
        L->din = l > 0 ? other : NULL;
        if (L->kind == LRF_LAYER_MAXPOOL) {
            struct layer *bn = L - 1;
            bn->dout = NULL; /* the pool's gradient goes straight to the BatchNorm's input */
            bn->din = other;
            L->din = NULL;
            l--;
        }
        cur = other;
    }
}
