/* Private layout of struct lrf_model, shared by the model's source files. */
#ifndef LRF_MODEL_INTERNAL_H
#define LRF_MODEL_INTERNAL_H

#include "lrf/model.h"

enum { MODEL_LAYERS_MAX = LRF_MODEL_HIDDEN_MAX + 1 };

struct lrf_model {
    struct lrf_model_config cfg;
    int n_layers;
    int in[MODEL_LAYERS_MAX], out[MODEL_LAYERS_MAX];
    size_t w_off[MODEL_LAYERS_MAX], b_off[MODEL_LAYERS_MAX]; /* into params/grads */
    size_t n_params;

    void *arena; /* the only allocation; everything below points into it */
    size_t arena_bytes;
    float *params;                           /* (n_params) */
    float *grads;                            /* (n_params) */
    float *slots[LRF_MODEL_OPTIM_SLOTS_MAX]; /* (n_params) each */
    double *scalars;                         /* (LRF_MODEL_OPTIM_SCALARS) */
    /* Activations for max_batch rows. act[l] is layer l's output (B, out[l]);
     * act[n_layers-1] holds the logits and then the loss gradient.
     * pre[l] is the pre-activation (B, out[l]), kept only for GELU. */
    float *act[MODEL_LAYERS_MAX];
    float *pre[MODEL_LAYERS_MAX];
    float *delta; /* (B, widest hidden layer): gradient w.r.t. a hidden layer's output */
};

#endif
