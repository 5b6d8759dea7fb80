/* The built-in model: a multilayer perceptron with softmax cross-entropy.
 *
 * One arena, allocated by lrf_model_create, holds everything a training step
 * touches: parameters, gradients, the optimizer's state arrays and scalars,
 * and the activations of the largest batch. A step never allocates.
 *
 * Parameters are one flat float array, layer by layer, each layer's weight
 * (out, in) row-major as in PyTorch's nn.Linear, then its bias (out). The
 * gradients use the same layout, so an optimizer can treat both as flat
 * arrays. Matrix products go through cblas_sgemm; results are deterministic
 * for a given seed and OpenBLAS thread count. */
#ifndef LRF_MODEL_H
#define LRF_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "lrf/rng.h"
#include "lrf/status.h"

enum lrf_activation {
    LRF_ACT_RELU = 0,
    LRF_ACT_GELU = 1, /* exact erf form, PyTorch's default */
    LRF_ACT_TANH = 2,
    LRF_ACT_COUNT
};

enum {
    LRF_MODEL_HIDDEN_MAX = 16,     /* hidden layers */
    LRF_MODEL_OPTIM_SLOTS_MAX = 4, /* optimizer state arrays of n_params floats */
    LRF_MODEL_OPTIM_SCALARS = 8    /* optimizer scalars (step count, flags) */
};

struct lrf_model_config {
    int n_inputs;  /* features per sample; must be set (> 0) */
    int n_classes; /* outputs; must be set (>= 2) */
    int n_hidden;  /* number of hidden layers, 0..LRF_MODEL_HIDDEN_MAX */
    int hidden[LRF_MODEL_HIDDEN_MAX];
    enum lrf_activation activation;
    int max_batch;   /* largest batch forward/backward/evaluate will see */
    int optim_slots; /* state arrays to reserve for the optimizer (lrf_optim_state_slots) */
};

/* mlp:512,256 with ReLU, max_batch 128, no optimizer slots; inputs and classes unset (0). */
struct lrf_model_config lrf_model_config_default(void);

/* Parses a model SPEC into cfg's hidden layers and activation, leaving the other
 * fields alone: "mlp" (= mlp:512,256), "mlp:512,256", "mlp:1024,512:gelu",
 * "mlp:256:tanh", "linear" (no hidden layer). */
enum lrf_status lrf_model_parse_spec(const char *spec, struct lrf_model_config *cfg,
                                     struct lrf_error *err);

/* Writes the canonical SPEC of cfg ("mlp:512,256" or "mlp:512,256:gelu") into buf. */
void lrf_model_format_spec(const struct lrf_model_config *cfg, char *buf, size_t size);

const char *lrf_activation_name(enum lrf_activation act);

struct lrf_model;

/* Allocates the arena and initializes the parameters as PyTorch's nn.Linear does
 * (weights and biases ~ U(-1/sqrt(fan_in), +1/sqrt(fan_in))) from rng, layer by
 * layer, weight then bias; optimizer state is zeroed. */
enum lrf_status lrf_model_create(const struct lrf_model_config *cfg, struct lrf_rng *rng,
                                 struct lrf_model **out, struct lrf_error *err);
void lrf_model_destroy(struct lrf_model *m);

/* Re-draws the parameters from rng (as create does) and zeroes optimizer state. */
void lrf_model_reset(struct lrf_model *m, struct lrf_rng *rng);

const struct lrf_model_config *lrf_model_get_config(const struct lrf_model *m);

/* Bytes of the arena (everything the model owns besides the small handle). */
size_t lrf_model_arena_bytes(const struct lrf_model *m);

/* Layers are numbered 0..n_layers-1 (n_hidden + 1 of them). */
int lrf_model_n_layers(const struct lrf_model *m);
size_t lrf_model_n_params(const struct lrf_model *m);
float *lrf_model_params(struct lrf_model *m); /* (n_params) */
float *lrf_model_grads(struct lrf_model *m);  /* (n_params), same layout */
/* Offsets into params/grads of a layer's weight (out,in) and bias (out); fan sizes. */
size_t lrf_model_weight_offset(const struct lrf_model *m, int layer);
size_t lrf_model_bias_offset(const struct lrf_model *m, int layer);
int lrf_model_layer_in(const struct lrf_model *m, int layer);
int lrf_model_layer_out(const struct lrf_model *m, int layer);

/* The optimizer's state: slot i is (n_params) floats, i < cfg.optim_slots;
 * the scalars are LRF_MODEL_OPTIM_SCALARS doubles. Both live in the arena so
 * that a snapshot covers them. */
float *lrf_model_optim_slot(struct lrf_model *m, int slot);
double *lrf_model_optim_scalars(struct lrf_model *m);

/* One forward and backward pass on x (batch, n_inputs) with labels y (batch) in
 * [0, n_classes): writes the mean cross-entropy to *loss and overwrites the
 * gradients. 1 <= batch <= max_batch. A non-finite loss is returned as is (the
 * range test needs to see it), not as an error. */
enum lrf_status lrf_model_forward_backward(struct lrf_model *m, const float *x, const int32_t *y,
                                           int batch, float *loss, struct lrf_error *err);

/* As lrf_model_forward_backward, but adds scale * (this batch's gradient) to the
 * existing gradients instead of overwriting them (gradient accumulation). */
enum lrf_status lrf_model_forward_backward_acc(struct lrf_model *m, const float *x,
                                               const int32_t *y, int batch, float scale,
                                               float *loss, struct lrf_error *err);

/* Forward only: the summed (not mean) cross-entropy over the batch in double and
 * the number of samples whose arg-max logit equals the label (ties: lowest index). */
enum lrf_status lrf_model_evaluate(struct lrf_model *m, const float *x, const int32_t *y, int batch,
                                   double *loss_sum, long *n_correct, struct lrf_error *err);

/* The logits (batch, n_classes) of the last lrf_model_evaluate (after a
 * forward_backward the same buffer holds the loss gradient). */
const float *lrf_model_logits(const struct lrf_model *m);

/* Parameters plus optimizer state (slots and scalars), bit for bit. */
size_t lrf_model_snapshot_size(const struct lrf_model *m);
void lrf_model_snapshot(const struct lrf_model *m, void *buf);
/* buf must come from lrf_model_snapshot of a model with the same config. */
enum lrf_status lrf_model_restore(struct lrf_model *m, const void *buf, size_t size,
                                  struct lrf_error *err);

/* Reference implementation in plain double-precision loops, for tests: the
 * mean cross-entropy of the model at params (n_params doubles, the model's
 * layout) and, if grads is not NULL, its gradient. Allocates scratch memory;
 * returns NaN if that fails. */
double lrf_model_reference_loss(const struct lrf_model *m, const double *params, const float *x,
                                const int32_t *y, int batch, double *grads);

/* Sets the OpenBLAS thread count for the whole process (n >= 1). */
void lrf_model_set_threads(int n);
int lrf_model_get_threads(void);

#endif
