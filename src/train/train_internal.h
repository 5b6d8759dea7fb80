/* Private state of a trainer, shared by trainer.c (steps, callbacks) and
 * train_fit.c (epochs). */
#ifndef LRF_TRAIN_INTERNAL_H
#define LRF_TRAIN_INTERNAL_H

#include "lrf/train.h"

struct lrf_trainer {
    struct lrf_train_config cfg;
    struct lrf_train_data data;
    struct lrf_model *model;
    struct lrf_batch_iter *iter;
    uint64_t iter_seed;
    size_t features;
    float *slots[LRF_OPTIM_SLOTS_MAX];
    float *x;             /* (batch_size, features) gathered batch */
    int32_t *y;           /* (batch_size) */
    size_t micro_done;    /* micro-batches accumulated since the last apply */
    size_t step_rows;     /* rows of the current (else the last) optimizer step's batches */
    double step_loss_sum; /* their losses times their rows: the step's sample-weighted sum */
    double step_seconds;  /* forward/backward/optimizer time, accumulated */
    void *snap;           /* model + optimizer snapshot */
    size_t snap_size;
    struct lrf_batch_state snap_iter;
    bool has_snap;
};

#endif
