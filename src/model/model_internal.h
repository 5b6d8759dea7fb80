/* Private layout of struct lrf_model, shared by the model's source files.
 *
 * Activations of image layers are stored NHWC: (batch, height, width, channels),
 * channels innermost, so that BatchNorm, ReLU and pooling run over contiguous
 * channel vectors and oneDNN's convolutions read and write them in place.
 * Flat layers (linear, the pooled vector) are (batch, features). */
#ifndef LRF_MODEL_INTERNAL_H
#define LRF_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "lrf/model.h"
#include "model/backend.h"

/* PyTorch's BatchNorm2d defaults, pinned by the CNN's definition. */
#define MODEL_BN_EPS 1e-5
#define MODEL_BN_MOMENTUM 0.1

struct conv_dnnl; /* model/conv_dnnl.c */

struct layer {
    enum lrf_layer_kind kind;
    bool act_on; /* linear: a hidden layer with its activation; batchnorm: ReLU */
    enum lrf_activation act;
    int in_c, in_h, in_w, out_c, out_h, out_w;
    int in_size, out_size;  /* features per sample */
    size_t w_off, n_w;      /* into params/grads */
    size_t b_off, n_b;      /* linear bias, batchnorm bias (its weight is at w_off) */
    size_t stat_off;        /* batchnorm: running mean at stats + stat_off, var after it */
    float *out;             /* (max_batch, out_size); NULL for batchnorm (fused, see below) */
    float *pre;             /* linear + GELU: the pre-activation, (max_batch, out_size) */
    int32_t *argmax;        /* maxpool: window position 0..3 of each output */
    float *mean, *invstd;   /* batchnorm: batch statistics of the last train pass (C) */
    float *dout, *din;      /* gradient w.r.t. the output / the input (planned buffers) */
    struct conv_dnnl *conv; /* conv2d: oneDNN primitives */
};

/* BatchNorm is always followed by its ReLU and a max-pool (the CNN block); the
 * three run as one pass over the convolution's output (model/layer_image.c):
 * the layer list keeps them apart for shapes, parameters and introspection. */

struct lrf_model {
    struct lrf_model_config cfg;
    const struct model_blas *blas;
    const struct model_dnnl *dnnl; /* NULL for models without convolutions */
    dnnl_stream_t stream;
    int n_layers;
    struct layer layers[LRF_MODEL_LAYERS_MAX];
    size_t n_params, n_stats;
    bool image; /* the first layer is a convolution: the input is copied to NHWC */

    void *arena; /* the only allocation of data; everything below points into it */
    size_t arena_bytes;
    float *params;                     /* (n_params) */
    float *grads;                      /* (n_params) */
    float *stats;                      /* (n_stats) BatchNorm running mean/var */
    float *slots[LRF_OPTIM_SLOTS_MAX]; /* (n_params) each */
    double *scalars;                   /* (LRF_OPTIM_SCALARS) */
    float *input;                      /* image models: (max_batch, H, W, C) */
    float *grad_buf[2];                /* ping-pong gradient buffers */
    float *wtmp;                       /* a convolution's weight gradient, PyTorch layout */
    double *chan;                      /* per-channel double scratch (2 x widest C) */
    float *chan_f;                     /* per-channel float scratch (5 x widest C) */
    void *scratch;                     /* oneDNN's scratchpad */
    size_t scratch_bytes;
};

/* model_plan.c: the layer list, shapes and parameter offsets of m->cfg. */
void model_plan_layers(struct lrf_model *m);
/* The widest activation (features per sample) a gradient buffer must hold. */
size_t model_plan_grad_size(const struct lrf_model *m);
/* Points every layer's dout/din at the two gradient buffers, from the top. */
void model_plan_grad_buffers(struct lrf_model *m);

/* model_threads.c: cfg.threads applied around each call, then restored. */
struct model_threads {
    int blas, omp; /* previous values; 0 = untouched */
};
void model_threads_enter(const struct lrf_model *m, struct model_threads *saved);
void model_threads_leave(const struct lrf_model *m, const struct model_threads *saved);

/* layer_linear.c */
void linear_forward(const struct lrf_model *m, const struct layer *L, const float *in, int B);
void linear_backward(const struct lrf_model *m, const struct layer *L, const float *in, int B,
                     bool accumulate);

/* layer_image.c (B rows; rows B..max_batch-1 of what convolutions read are zeroed) */
void image_input(const struct lrf_model *m, const float *x, int B);
void bn_pool_forward(struct lrf_model *m, struct layer *bn, struct layer *pool, const float *z,
                     int B, bool train);
void bn_pool_backward(struct lrf_model *m, const struct layer *bn, const struct layer *pool,
                      const float *z, int B, bool accumulate);
void avgpool_forward(const struct layer *L, const float *in, int B);
void avgpool_backward(const struct layer *L, int B);

/* conv_dnnl.c: plan (descriptors and sizes) before the arena, bind after it. */
enum lrf_status conv_plan(struct lrf_model *m, struct layer *L, bool need_din,
                          struct lrf_error *err);
/* Bytes of the layer's own arena buffers (reordered weights and gradient). */
size_t conv_arena_bytes(const struct layer *L);
size_t conv_scratch_bytes(const struct layer *L);
enum lrf_status conv_bind(struct lrf_model *m, struct layer *L, const float *in, char *own,
                          struct lrf_error *err);
void conv_destroy(struct conv_dnnl *c);
enum lrf_status conv_forward(struct lrf_model *m, const struct layer *L, struct lrf_error *err);
enum lrf_status conv_backward(struct lrf_model *m, const struct layer *L, bool accumulate,
                              struct lrf_error *err);

/* model_pass.c: a train pass whose backward stops at layer stop (its input
 * gradient included when stop > 0); 0 is the full pass. For tests. */
enum lrf_status model_train_pass(struct lrf_model *m, const struct lrf_model_batch *b, float scale,
                                 bool accumulate, int stop, float *loss, struct lrf_error *err);

#endif
