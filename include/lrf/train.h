/* Training the built-in model: a trainer owns the model (with its optimizer
 * state), a batch iterator over the training rows and a fixed validation set,
 * and runs epochs of (gather batch -> step -> schedule step) with evaluation.
 *
 * The task is the training dataset's (lrf_dataset_task). Classification trains
 * with cross-entropy over the classes and reports accuracy. Regression trains one
 * output with the mean squared error on targets standardized with the training
 * rows' mean and std, (y - mean) / std (population std; below 1e-8 taken as 1),
 * so every loss the trainer reports (training, validation, the range test's) is
 * that standardized MSE; the validation RMSE and R^2 are in the target's own units.
 *
 * The same trainer is the range test's client: lrf_trainer_step and friends
 * have exactly the callback signatures of struct lrf_finder_callbacks
 * (include/lrf/finder.h), with the trainer as the user pointer:
 *
 *     struct lrf_finder_callbacks cb = {
 *         .user = trainer, .step = lrf_trainer_step,
 *         .micro_step = lrf_trainer_micro_step, .apply = lrf_trainer_apply,
 *         .snapshot = lrf_trainer_snapshot, .restore = lrf_trainer_restore,
 *         .reseed = lrf_trainer_reseed, .eval = lrf_trainer_eval_subset };
 *
 * A complete program (3 epochs of one-cycle on the built-in data), compiled with the
 * project: examples/train_onecycle.c.
 */
#ifndef LRF_TRAIN_H
#define LRF_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrf/dataset.h"
#include "lrf/dist.h"
#include "lrf/model.h"
#include "lrf/optim.h"
#include "lrf/sched.h"
#include "lrf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest batch and gradient accumulation a trainer accepts. */
enum { LRF_TRAIN_BATCH_MAX = 1 << 20, LRF_TRAIN_ACCUMULATE_MAX = 4096 };

struct lrf_train_config {
    /* Architecture, hidden layers and activation; n_inputs, n_classes, loss (the
     * task's) and max_batch are filled in from the data and batch_size, optim_slots
     * from optim, threads from threads, and the input shape (channels, height, width,
     * layout) from the training data's lrf_dataset_shape when it has none. */
    struct lrf_model_config model;
    struct lrf_optim_config optim; /* lr and momentum: used when no schedule drives them */
    size_t batch_size; /* 128; more than the training rows is capped to them (buffers, the
                          model's max batch and lrf_trainer_config say the capped size) */
    size_t accumulate; /* micro-batches per optimizer step (1) */
    uint64_t seed;     /* model init and data order (0) */
    /* Most threads the model's kernels use, passed to it as lrf_model_config.threads:
     * the model sets OpenBLAS's (process-wide) and OpenMP's counts for the duration of
     * each of its calls and puts the caller's back, so trainers in concurrent threads
     * must agree on it; 0 = the libraries' own defaults (all online cores unless
     * OPENBLAS_NUM_THREADS / OMP_NUM_THREADS say otherwise). */
    int threads;
    bool drop_last;     /* skip a short last batch per epoch (false, as PyTorch) */
    unsigned augment;   /* LRF_AUGMENT_* of the training batches (none; needs images) */
    size_t eval_subset; /* validation rows used by lrf_trainer_eval_subset (1024) */
};

/* mlp:512,256 ReLU, SGD lr 0.01 momentum 0.9, batch 128, seed 0. */
struct lrf_train_config lrf_train_config_default(void);

/* The data a trainer borrows (all must outlive it). norm (may be NULL) applies
 * to both sets; train_rows/val_rows NULL mean all rows of their dataset; val
 * may be NULL (no validation: evaluations report NaN). */
struct lrf_train_data {
    const struct lrf_dataset *train;
    const uint32_t *train_rows;
    size_t n_train;
    const struct lrf_dataset *val;
    const uint32_t *val_rows;
    size_t n_val;
    const struct lrf_norm *norm;
    /* Data-parallel training over the ranks of dist (lrf/dist.h); NULL = this process
     * alone. train holds rows [shard.first, shard.first + shard.rows) of a file of
     * shard.total rows (lrf_dist_load_csv), the other ranks the rest; train_rows and
     * val_rows (required, val == train) are indices into the whole file, the same on
     * every rank, and norm covers all ranks' rows (lrf_dist_norm_create). Every step
     * takes the global batch one process would take; each rank runs the rows of it
     * that it holds, the gradients and losses are summed over the ranks (allreduce),
     * and every rank takes the same optimizer step. BatchNorm normalizes with each
     * rank's own rows of the batch; the running statistics are averaged over the
     * ranks after each step. Every trainer call is then a collective. */
    struct lrf_dist *dist;
    struct lrf_dist_shard shard;
};

struct lrf_trainer;

/* Builds the model (initialized from seed), the optimizer state, the batch
 * iterator and every buffer; nothing is allocated after this. */
enum lrf_status lrf_trainer_create(const struct lrf_train_config *cfg,
                                   const struct lrf_train_data *data, struct lrf_trainer **out,
                                   struct lrf_error *err);
void lrf_trainer_destroy(struct lrf_trainer *t);

struct lrf_model *lrf_trainer_model(struct lrf_trainer *t);
/* LRF_TASK_CLASSIFICATION or LRF_TASK_REGRESSION: the training dataset's task. */
enum lrf_task lrf_trainer_task(const struct lrf_trainer *t);
/* Regression: the training rows' target mean and std the model's targets are
 * standardized with (NaN, NaN for classification). */
void lrf_trainer_target_scale(const struct lrf_trainer *t, double *mean, double *std);
const struct lrf_train_config *lrf_trainer_config(const struct lrf_trainer *t);
/* Optimizer steps per epoch (batches / accumulate, rounded up) and for a run. */
long lrf_trainer_steps_per_epoch(const struct lrf_trainer *t);
long lrf_trainer_run_steps(const struct lrf_trainer *t, int epochs);

/* ---- the range test's callbacks (user = the trainer) ---------------------- */

/* One optimizer step at lr on the next batch (cfg.accumulate micro-batches,
 * gradients averaged, through lrf_accumulate_step: lrf/accumulate.h); *loss = the
 * raw training loss (their mean). momentum is SGD/RMSprop momentum or Adam beta1;
 * NaN = the optimizer's configured value. After lrf_trainer_micro_step calls it
 * completes that accumulation (at least one more micro-batch) and *loss is the mean
 * of the micro-batches it ran. */
enum lrf_status lrf_trainer_step(void *trainer, double lr, double momentum, double *loss);
/* Forward+backward of the next batch, adding 1/cfg.accumulate of its gradient. */
enum lrf_status lrf_trainer_micro_step(void *trainer, double *loss);
/* The optimizer step on the accumulated gradient, then zeroes it. */
enum lrf_status lrf_trainer_apply(void *trainer, double lr, double momentum);
/* Saves / brings back model, optimizer state and data order, bit for bit (one
 * internal slot, preallocated). restore before snapshot is LRF_ERR_STATE. */
enum lrf_status lrf_trainer_snapshot(void *trainer);
enum lrf_status lrf_trainer_restore(void *trainer);
/* A different data order for range-test run r (deterministic in seed and r). */
enum lrf_status lrf_trainer_reseed(void *trainer, size_t run);
/* Mean loss on the first cfg.eval_subset validation rows (fixed); LRF_ERR_STATE
 * without validation data. Changes nothing but scratch buffers. */
enum lrf_status lrf_trainer_eval_subset(void *trainer, double *val_loss);

/* The finder's trial callback (Smith's third method; lrf_finder_callbacks.trial): one-cycle
 * at max_lr (PyTorch OneCycleLR defaults, base lr cfg.optim.lr) for total_steps rounded up
 * to whole epochs, from the trainer's current state (the finder restores it first), then
 * *loss and *metric = the validation loss and accuracy. A run whose training loss turns
 * NaN/Inf is a result: *loss = Inf, LRF_OK. Needs validation rows (LRF_ERR_STATE). */
enum lrf_status lrf_trainer_trial(void *trainer, double max_lr, long total_steps, double *loss,
                                  double *metric);

/* ---- evaluation and epochs ------------------------------------------------ */

/* What an evaluation over the whole validation set found; every field NaN without
 * validation data, and those of the other task NaN. */
struct lrf_train_metrics {
    double loss;     /* mean loss: cross-entropy, or the standardized targets' MSE */
    double accuracy; /* classification: in [0, 1] */
    double rmse;     /* regression: root mean squared error, in the target's units */
    double r2;       /* regression: 1 - SSE / SST, SST around the validation targets'
                        own mean (scikit-learn's r2_score); NaN when they are all equal */
};
enum lrf_status lrf_trainer_evaluate_metrics(struct lrf_trainer *t, struct lrf_train_metrics *out,
                                             struct lrf_error *err);
/* Its loss and accuracy alone (the accuracy NaN for regression). */
enum lrf_status lrf_trainer_evaluate(struct lrf_trainer *t, double *loss, double *accuracy,
                                     struct lrf_error *err);

struct lrf_train_epoch {
    int epoch;                 /* 1-based */
    double train_loss;         /* sample-weighted mean of the epoch's batch losses */
    double val_loss;           /* NaN without validation data */
    double val_accuracy;       /* in [0, 1]; NaN without validation data or for regression */
    double val_rmse, val_r2;   /* regression (lrf_train_metrics); NaN otherwise */
    double seconds;            /* wall time of the epoch's training (batches + steps) */
    double step_seconds;       /* forward, backward and optimizer only */
    double samples_per_second; /* training samples / step_seconds */
    long samples;
    double lr, momentum; /* the values used by the epoch's last step */
};

/* Called after every optimizer step (for a progress bar); return true to stop. */
typedef bool (*lrf_train_progress_fn)(void *user, int epoch, long step, long steps_per_epoch,
                                      double loss);

/* Trains for epochs: each optimizer step takes lr (and momentum, when the
 * schedule drives it) from sched at its current step and then steps sched once
 * (sched NULL: constant cfg.optim.lr). Fills out[0..epochs) (may be NULL).
 * sched must be evaluable for lrf_trainer_run_steps(t, epochs) steps; a
 * plateau schedule is fed the validation loss once per epoch instead.
 * Returns LRF_ERR_INTERRUPTED if progress asked to stop, and LRF_ERR_NUMERIC at the
 * first step whose training loss is NaN or infinite (the run diverged); in both cases
 * out holds the finished epochs and *done counts them. */
enum lrf_status lrf_trainer_fit(struct lrf_trainer *t, struct lrf_sched *sched, int epochs,
                                struct lrf_train_epoch *out, int *done,
                                lrf_train_progress_fn progress, void *progress_user,
                                struct lrf_error *err);

/* lrf_trainer_trial with a progress callback (a bar, Ctrl-C: LRF_ERR_INTERRUPTED) and
 * the error's message. */
enum lrf_status lrf_trainer_trial_run(struct lrf_trainer *t, double max_lr, long total_steps,
                                      lrf_train_progress_fn progress, void *progress_user,
                                      double *loss, double *metric, struct lrf_error *err);

#ifdef __cplusplus
}
#endif

#endif
