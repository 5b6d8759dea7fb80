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
    /* Regression (train_targets.c); task is the training dataset's. */
    enum lrf_task task;
    double y_mean, y_std; /* the training rows' targets: the model sees (y - mean) / std */
    double val_y_mean;    /* the validation targets' mean: R^2's baseline */
    float *t_std;         /* (batch_size) standardized targets of the gathered batch */
    float *t_raw;         /* (batch_size) the same in the target's units */
};

/* Regression's part of a trainer (nothing for classification): the target
 * statistics and buffers (at create), each batch's standardized targets, and the
 * error sums of an evaluation. */
enum lrf_status train_targets_init(struct lrf_trainer *t, struct lrf_error *err);
void train_targets_free(struct lrf_trainer *t);
/* The targets of the batch lrf_batch_iter_next last returned, into t->t_std. */
void train_targets_batch(struct lrf_trainer *t);
/* Validation rows [first, first + n) into t->t_raw and t->t_std. */
void train_targets_val(struct lrf_trainer *t, size_t first, size_t n);

/* An evaluation's sums over validation rows. */
struct train_eval_sums {
    double loss_sum; /* summed loss */
    long correct;    /* classification */
    double sse, sst; /* regression, in target units: squared errors, squared deviations
                        from the validation targets' mean */
};
/* Adds the model's last evaluated batch of n rows (targets in t->t_raw) to s. */
void train_targets_add_errors(const struct lrf_trainer *t, size_t n, struct train_eval_sums *s);

#endif
