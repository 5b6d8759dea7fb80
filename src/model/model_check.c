/* Checks of a model configuration, before anything is loaded or allocated:
 * ranges, the loss against the outputs, and the input shape against the
 * features and the CNN's pooling. Messages name the numbers. */
#include <stdio.h>

#include "lrf/model.h"

static enum lrf_status check_ranges(const struct lrf_model_config *c, struct lrf_error *err)
{
    if ((unsigned)c->arch >= LRF_ARCH_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "model architecture out of range");
    if ((unsigned)c->loss >= LRF_LOSS_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "loss kind out of range");
    if ((unsigned)c->layout >= LRF_LAYOUT_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "input layout out of range");
    if ((unsigned)c->activation >= LRF_ACT_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "activation out of range");
    if (c->n_inputs < 1)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "n_inputs must be >= 1 (got %d)",
                             c->n_inputs);
    if (c->loss == LRF_LOSS_MSE && c->n_classes != 1)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "the MSE loss has one output: n_classes must be 1 (got %d)",
                             c->n_classes);
    if (c->loss == LRF_LOSS_CROSS_ENTROPY && c->n_classes < 2)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "n_classes must be >= 2 (got %d)",
                             c->n_classes);
    int min_hidden = c->arch == LRF_ARCH_CNN ? 1 : 0;
    if (c->n_hidden < min_hidden || c->n_hidden > LRF_MODEL_HIDDEN_MAX)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "n_hidden must be in %d..%d (got %d)",
                             min_hidden, LRF_MODEL_HIDDEN_MAX, c->n_hidden);
    for (int i = 0; i < c->n_hidden; i++)
        if (c->hidden[i] < 1)
            return lrf_error_set(err, LRF_ERR_INVALID_ARG, "hidden layer %d has width %d", i + 1,
                                 c->hidden[i]);
    if (c->max_batch < 1)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "max_batch must be >= 1 (got %d)",
                             c->max_batch);
    if (c->optim_slots < 0 || c->optim_slots > LRF_OPTIM_SLOTS_MAX)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "optim_slots must be in 0..%d (got %d)",
                             LRF_OPTIM_SLOTS_MAX, c->optim_slots);
    if (c->threads < 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "threads must be >= 0 (got %d)", c->threads);
    return LRF_OK;
}

static enum lrf_status check_shape(const struct lrf_model_config *c, struct lrf_error *err)
{
    char spec[128];
    lrf_model_format_spec(c, spec, sizeof spec);
    bool shaped = c->channels || c->height || c->width;
    if (!shaped) {
        if (c->arch == LRF_ARCH_CNN)
            return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                                 "model %s needs the input's shape (channels, height, width); "
                                 "none is set for the %d features",
                                 spec, c->n_inputs);
        return LRF_OK;
    }
    if (c->channels < 1 || c->height < 1 || c->width < 1)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "input shape %dx%dx%d: channels, height and width must be >= 1",
                             c->channels, c->height, c->width);
    long long values = (long long)c->channels * c->height * c->width;
    if (values != c->n_inputs)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "input shape %dx%dx%d (channels x height x width) has %lld values, "
                             "but there are %d features",
                             c->channels, c->height, c->width, values, c->n_inputs);
    if (c->arch == LRF_ARCH_CNN) {
        long long need = 1LL << c->n_hidden;
        if (c->height < need || c->width < need)
            return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                                 "a %dx%d image is too small for %s: its %d max-pooling layers "
                                 "halve it %d times, so height and width must be >= %lld",
                                 c->height, c->width, spec, c->n_hidden, c->n_hidden, need);
    }
    return LRF_OK;
}

enum lrf_status lrf_model_config_check(const struct lrf_model_config *cfg, struct lrf_error *err)
{
    if (!cfg)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "model config is NULL");
    enum lrf_status st = check_ranges(cfg, err);
    return st ? st : check_shape(cfg, err);
}
