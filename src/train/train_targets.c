/* Regression in the trainer: the model learns (y - mean) / std with the mean and
 * the population std of the training rows' targets (as StandardScaler, and the
 * evaluation protocol's PyTorch grid: scripts/eval_torch_grid.py), so its MSE
 * and the range test's curve do not depend on the target's units; validation
 * errors are measured back in those units. */
#include <math.h>
#include <stdlib.h>

#include "train/train_internal.h"

/* As lrf_norm's standard scaling: a (nearly) constant target is left unscaled. */
static const double TARGET_STD_MIN = 1e-8;

/* Mean and population std of targets[rows[i]] (rows NULL: the first n), two passes
 * in double. */
static void target_stats(const float *targets, const uint32_t *rows, size_t n, double *mean,
                         double *std)
{
    double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)targets[rows ? rows[i] : i];
    *mean = n ? sum / (double)n : 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)targets[rows ? rows[i] : i] - *mean;
        ss += d * d;
    }
    *std = n ? sqrt(ss / (double)n) : 1.0;
}

enum lrf_status train_targets_init(struct lrf_trainer *t, struct lrf_error *err)
{
    t->task = lrf_dataset_task(t->data.train);
    t->y_mean = t->y_std = t->val_y_mean = NAN;
    if (t->task != LRF_TASK_REGRESSION)
        return LRF_OK;
    const float *y = lrf_dataset_targets(t->data.train);
    if (!y)
        return lrf_error_set(err, LRF_ERR_DATA, "the regression data has no targets");
    target_stats(y, t->data.train_rows, t->data.n_train, &t->y_mean, &t->y_std);
    if (!isfinite(t->y_mean) || !isfinite(t->y_std))
        return lrf_error_set(err, LRF_ERR_DATA, "the training targets are not all finite");
    if (t->y_std < TARGET_STD_MIN)
        t->y_std = 1.0;
    if (t->data.val) {
        const float *vy = lrf_dataset_targets(t->data.val);
        if (!vy || lrf_dataset_task(t->data.val) != LRF_TASK_REGRESSION)
            return lrf_error_set(err, LRF_ERR_DATA,
                                 "the validation data has no regression targets");
        double unused;
        target_stats(vy, t->data.val_rows, t->data.n_val, &t->val_y_mean, &unused);
    }
    t->t_std = malloc(t->cfg.batch_size * sizeof(float));
    t->t_raw = malloc(t->cfg.batch_size * sizeof(float));
    if (!t->t_std || !t->t_raw)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the trainer's targets");
    return LRF_OK;
}

void train_targets_free(struct lrf_trainer *t)
{
    free(t->t_std);
    free(t->t_raw);
}

/* t_std[i] = (t_raw[i] - mean) / std for i < n. */
static void standardize(struct lrf_trainer *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        t->t_std[i] = (float)(((double)t->t_raw[i] - t->y_mean) / t->y_std);
}

void train_targets_batch(struct lrf_trainer *t)
{
    size_t n;
    const uint32_t *rows = lrf_batch_iter_batch_rows(t->iter, &n);
    lrf_dataset_gather_targets(t->data.train, rows, n, t->t_raw);
    standardize(t, n);
}

void train_targets_val(struct lrf_trainer *t, size_t first, size_t n)
{
    if (t->data.val_rows) {
        lrf_dataset_gather_targets(t->data.val, t->data.val_rows + first, n, t->t_raw);
    } else {
        const float *y = lrf_dataset_targets(t->data.val) + first;
        for (size_t i = 0; i < n; i++)
            t->t_raw[i] = y[i];
    }
    standardize(t, n);
}

void train_targets_add_errors(const struct lrf_trainer *t, size_t n, struct train_eval_sums *s)
{
    const float *out = lrf_model_logits(t->model); /* (n, 1) standardized predictions */
    for (size_t i = 0; i < n; i++) {
        double pred = (double)out[i] * t->y_std + t->y_mean;
        double e = pred - (double)t->t_raw[i], d = (double)t->t_raw[i] - t->val_y_mean;
        s->sse += e * e;
        s->sst += d * d;
    }
}
