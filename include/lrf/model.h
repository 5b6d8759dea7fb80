/* The built-in models: a list of layers (linear, conv2d, batchnorm, max-pool,
 * global average pool; activations fused into the layer before them) with a
 * cross-entropy or mean-squared-error loss. An MLP and a CNN are two
 * configurations of the same list:
 *
 *   mlp:512,256   Linear(D,512) ReLU  Linear(512,256) ReLU  Linear(256,K)
 *   cnn:32,64,128 per width w: Conv2d(c,w,3,padding=1,bias=False) BatchNorm2d(w)
 *                 ReLU MaxPool2d(2); then global average pooling, Linear(w,K)
 *
 * One arena, allocated by lrf_model_create, holds everything a training step
 * touches: parameters, gradients, BatchNorm running statistics, the optimizer's
 * state arrays and scalars, the activations of the largest batch and the
 * kernels' scratch memory. A step never allocates.
 *
 * Parameters are one flat float array in PyTorch's order and layouts (what
 * torch.cat([p.flatten() for p in model.parameters()]) gives): a linear layer's
 * weight (out, in) then bias (out); a convolution's weight (out, in, 3, 3);
 * a BatchNorm's weight (C) then bias (C). Gradients use the same layout, so an
 * optimizer treats both as flat arrays.
 *
 * Kernels: matrix products through OpenBLAS's cblas_sgemm, convolutions through
 * oneDNN. Both libraries are loaded (dlopen) by the first lrf_model_create, so a
 * program that never creates a model never starts their threads. Results are
 * deterministic for a given seed and thread count.
 *
 * Driving the CNN from a trainer (see also docs/model.md):
 *   cfg.arch = LRF_ARCH_CNN (lrf_model_parse_spec("cnn", &cfg, &err)), and the
 *   input shape cfg.channels/height/width with cfg.layout: each row of x holds
 *   channels*height*width floats, channel-planar (LRF_LAYOUT_CHW, as PyTorch and
 *   CIFAR's files) or pixel-interleaved (LRF_LAYOUT_HWC). n_inputs must equal
 *   the product. Normalize per channel before calling (the model does not).
 *   Training calls (forward_backward, train_batch) run BatchNorm in train mode
 *   (batch statistics; running statistics updated); evaluate/eval_batch run it
 *   in eval mode (running statistics). Both are in the snapshot.
 * For regression: cfg.loss = LRF_LOSS_MSE, n_classes = 1, and batches carry
 *   float targets (struct lrf_model_batch.targets); the loss is the mean
 *   squared error over the batch (torch.nn.MSELoss()). Standardize the targets
 *   in the trainer; the model sees them as given. */
#ifndef LRF_MODEL_H
#define LRF_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrf/image.h" /* enum lrf_layout */
#include "lrf/optim.h"
#include "lrf/rng.h"
#include "lrf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum lrf_activation {
    LRF_ACT_RELU = 0,
    LRF_ACT_GELU = 1, /* exact erf form, PyTorch's default */
    LRF_ACT_TANH = 2,
    LRF_ACT_COUNT
};

enum lrf_model_arch {
    LRF_ARCH_MLP = 0, /* hidden[] are the widths of the hidden linear layers ("linear": none) */
    LRF_ARCH_CNN = 1, /* hidden[] are the widths (channels) of the conv blocks; ReLU only */
    LRF_ARCH_COUNT
};

enum lrf_loss {
    LRF_LOSS_CROSS_ENTROPY = 0, /* softmax cross-entropy over n_classes, int32 labels */
    LRF_LOSS_MSE = 1,           /* mean squared error, n_classes = 1 output, float targets */
    LRF_LOSS_COUNT
};

enum lrf_layer_kind {
    LRF_LAYER_LINEAR = 0,
    LRF_LAYER_CONV2D = 1,    /* 3x3, stride 1, padding 1, no bias */
    LRF_LAYER_BATCHNORM = 2, /* BatchNorm2d, eps 1e-5, momentum 0.1, affine */
    LRF_LAYER_MAXPOOL = 3,   /* 2x2, stride 2, floor */
    LRF_LAYER_AVGPOOL = 4,   /* global average pooling: (C,H,W) -> C */
    LRF_LAYER_KIND_COUNT
};

enum {
    LRF_MODEL_HIDDEN_MAX = 16, /* hidden layers (MLP) or conv blocks (CNN) */
    LRF_MODEL_LAYERS_MAX = 3 * LRF_MODEL_HIDDEN_MAX + 2
};

struct lrf_model_config {
    int n_inputs;  /* features per sample; must be set (> 0) */
    int n_classes; /* outputs: classes (>= 2) for cross-entropy, 1 for MSE */
    int n_hidden;  /* hidden layers / conv blocks, 0..LRF_MODEL_HIDDEN_MAX (CNN: >= 1) */
    int hidden[LRF_MODEL_HIDDEN_MAX];
    enum lrf_activation activation; /* MLP only; the CNN uses ReLU */
    int max_batch;                  /* largest batch forward/backward/evaluate will see */
    int optim_slots; /* state arrays to reserve for the optimizer (lrf_optim_state_slots) */
    enum lrf_model_arch arch;
    /* Input image shape; all 0 = none. Required by the CNN; an MLP accepts and
     * checks it. channels*height*width must equal n_inputs. */
    int channels, height, width;
    enum lrf_layout layout;
    enum lrf_loss loss;
    /* Most threads the model's kernels use (OpenBLAS and oneDNN's OpenMP): the
     * model sets them for the duration of each of its calls and restores the
     * previous values after. 0 = leave the libraries' own defaults
     * (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, else all cores). */
    int threads;
};

/* mlp:512,256 with ReLU, cross-entropy, max_batch 128, no optimizer slots, no
 * shape, threads 0; inputs and classes unset (0). */
struct lrf_model_config lrf_model_config_default(void);

/* Parses a model SPEC into cfg's arch, hidden layers and activation, leaving the
 * other fields alone: "mlp" (= mlp:512,256), "mlp:512,256", "mlp:1024,512:gelu",
 * "mlp:256:tanh", "linear" (no hidden layer), "cnn" (= cnn:32,64,128),
 * "cnn:16,32". */
enum lrf_status lrf_model_parse_spec(const char *spec, struct lrf_model_config *cfg,
                                     struct lrf_error *err);

/* Writes the canonical SPEC of cfg ("mlp:512,256", "mlp:512,256:gelu", "linear",
 * "cnn:32,64,128") into buf. */
void lrf_model_format_spec(const struct lrf_model_config *cfg, char *buf, size_t size);

const char *lrf_activation_name(enum lrf_activation act);
const char *lrf_layer_kind_name(enum lrf_layer_kind kind); /* "linear", "conv2d", ... */
const char *lrf_loss_name(enum lrf_loss loss);             /* "cross_entropy", "mse" */

/* Checks cfg as lrf_model_create does (shape against n_inputs, image large
 * enough for the pooling, ranges), without loading any library. */
enum lrf_status lrf_model_config_check(const struct lrf_model_config *cfg, struct lrf_error *err);

struct lrf_model;

/* Checks cfg, loads the kernel libraries on first use, allocates the arena and
 * initializes the parameters as PyTorch does (linear and conv weights and linear
 * biases ~ U(-1/sqrt(fan_in), +1/sqrt(fan_in)) drawn from rng layer by layer,
 * weight then bias; BatchNorm weight 1, bias 0, running mean 0, running var 1);
 * optimizer state is zeroed. LRF_ERR_UNSUPPORTED when a library cannot be
 * loaded (the message names it). */
enum lrf_status lrf_model_create(const struct lrf_model_config *cfg, struct lrf_rng *rng,
                                 struct lrf_model **out, struct lrf_error *err);
void lrf_model_destroy(struct lrf_model *m);

/* Starts loading the kernel libraries a model like cfg needs (OpenBLAS; oneDNN too for
 * a CNN; cfg NULL: OpenBLAS) on a background thread and returns at once, so that the
 * loading (dynamic linking, OpenBLAS starting its threads: ~10 ms) overlaps the
 * caller's own work, such as reading the data, instead of delaying the first
 * lrf_model_create, which waits for it to finish. Optional, and harmless to call more
 * than once; a library that fails to load is reported by lrf_model_create as without
 * it. */
void lrf_model_preload(const struct lrf_model_config *cfg);

/* Re-draws the parameters from rng (as create does), resets the BatchNorm
 * running statistics and zeroes optimizer state. */
void lrf_model_reset(struct lrf_model *m, struct lrf_rng *rng);

const struct lrf_model_config *lrf_model_get_config(const struct lrf_model *m);

/* Bytes of the arena (everything the model owns besides the small handle and
 * the compiled oneDNN kernels). */
size_t lrf_model_arena_bytes(const struct lrf_model *m);

/* The layer list, 0..n_layers-1 (MLP: n_hidden + 1 linear layers). */
struct lrf_layer_info {
    enum lrf_layer_kind kind;
    bool has_activation;            /* linear (hidden) and batchnorm: followed by one */
    enum lrf_activation activation; /* which, when has_activation */
    int in_c, in_h, in_w;           /* input shape; flat layers: (features, 1, 1) */
    int out_c, out_h, out_w;
    size_t weight_offset, n_weight; /* into params/grads; n_weight 0 = none */
    size_t bias_offset, n_bias;     /* n_bias 0 = none */
};
int lrf_model_n_layers(const struct lrf_model *m);
void lrf_model_layer_info(const struct lrf_model *m, int layer, struct lrf_layer_info *out);
/* in_c*in_h*in_w and out_c*out_h*out_w of a layer: features per sample. */
int lrf_model_layer_in(const struct lrf_model *m, int layer);
int lrf_model_layer_out(const struct lrf_model *m, int layer);

size_t lrf_model_n_params(const struct lrf_model *m);
float *lrf_model_params(struct lrf_model *m); /* (n_params) */
float *lrf_model_grads(struct lrf_model *m);  /* (n_params), same layout */

/* BatchNorm running statistics, per BatchNorm layer in order: running_mean (C)
 * then running_var (C), as PyTorch's buffers. n_stats is 0 without BatchNorm. */
size_t lrf_model_n_stats(const struct lrf_model *m);
float *lrf_model_stats(struct lrf_model *m);

/* The optimizer's state: slot i is (n_params) floats, i < cfg.optim_slots;
 * the scalars are LRF_OPTIM_SCALARS doubles. Both live in the arena so that a
 * snapshot covers them. */
float *lrf_model_optim_slot(struct lrf_model *m, int slot);
double *lrf_model_optim_scalars(struct lrf_model *m);

/* One batch: x (size, n_inputs) row-major; labels (size) in [0, n_classes) for
 * cross-entropy, targets (size) for MSE (the other may be NULL). */
struct lrf_model_batch {
    const float *x;
    const int32_t *labels;
    const float *targets;
    int size; /* 1..max_batch */
};

/* One forward and backward pass in train mode: *loss = the mean loss of the
 * batch; the gradients are overwritten with scale * its gradient, or (accumulate)
 * that is added to them (gradient accumulation; zero them first). Updates the
 * BatchNorm running statistics. A non-finite loss is returned as is (the range
 * test needs to see it), not as an error. */
enum lrf_status lrf_model_train_batch(struct lrf_model *m, const struct lrf_model_batch *b,
                                      float scale, bool accumulate, float *loss,
                                      struct lrf_error *err);

struct lrf_model_eval {
    double loss_sum; /* summed (not mean) loss: cross-entropy or squared error, in double */
    long n_correct;  /* cross-entropy: samples whose arg-max logit is the label (ties: lowest) */
};
/* Forward only, in eval mode (running statistics). */
enum lrf_status lrf_model_eval_batch(struct lrf_model *m, const struct lrf_model_batch *b,
                                     struct lrf_model_eval *out, struct lrf_error *err);

/* Cross-entropy shorthands of train_batch / eval_batch with labels y:
 * forward_backward overwrites the gradients (scale 1), _acc adds scale times
 * them, evaluate returns the summed loss and the correct count. */
enum lrf_status lrf_model_forward_backward(struct lrf_model *m, const float *x, const int32_t *y,
                                           int batch, float *loss, struct lrf_error *err);
enum lrf_status lrf_model_forward_backward_acc(struct lrf_model *m, const float *x,
                                               const int32_t *y, int batch, float scale,
                                               float *loss, struct lrf_error *err);
enum lrf_status lrf_model_evaluate(struct lrf_model *m, const float *x, const int32_t *y, int batch,
                                   double *loss_sum, long *n_correct, struct lrf_error *err);

/* The outputs (batch, n_classes) of the last pass (train or eval). */
const float *lrf_model_logits(const struct lrf_model *m);

/* Parameters, BatchNorm running statistics and optimizer state (slots and
 * scalars), bit for bit. */
size_t lrf_model_snapshot_size(const struct lrf_model *m);
void lrf_model_snapshot(const struct lrf_model *m, void *buf);
/* buf must come from lrf_model_snapshot of a model with the same config. */
enum lrf_status lrf_model_restore(struct lrf_model *m, const void *buf, size_t size,
                                  struct lrf_error *err);

/* Reference implementation in plain double-precision loops, for tests: the
 * mean loss of the model at params (n_params doubles, the model's layout) on
 * batch b in train mode (BatchNorm with batch statistics) and, if grads is not
 * NULL, its gradient. Allocates scratch memory; returns NaN if that fails. */
double lrf_model_reference(const struct lrf_model *m, const double *params,
                           const struct lrf_model_batch *b, double *grads);
/* The cross-entropy shorthand of lrf_model_reference. */
double lrf_model_reference_loss(const struct lrf_model *m, const double *params, const float *x,
                                const int32_t *y, int batch, double *grads);

/* Sets OpenBLAS's thread count for the whole process (n >= 1), loading OpenBLAS
 * if needed. Prefer cfg.threads, which is scoped to the model's calls; this stays
 * for callers that have not moved to it. */
void lrf_model_set_threads(int n);
/* OpenBLAS's current thread count (loads OpenBLAS if needed; 1 if it cannot). */
int lrf_model_get_threads(void);

#ifdef __cplusplus
}
#endif

#endif
