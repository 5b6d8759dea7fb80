/* The trainer: model + optimizer + batch iterator, one training step, the
 * range test's callbacks (step, micro_step/apply, snapshot/restore, reseed,
 * eval) and evaluation on the validation set. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lrf/accumulate.h"
#include "lrf/clock.h"
#include "train/train_internal.h"

/* Decorrelates the data-order stream from the model-init stream of one seed. */
static const uint64_t ITER_SEED_MIX = 0x9E3779B97F4A7C15ull;

struct lrf_train_config lrf_train_config_default(void)
{
    struct lrf_train_config c;
    memset(&c, 0, sizeof c);
    c.model = lrf_model_config_default();
    c.optim = lrf_optim_config_default(LRF_OPTIM_SGD);
    c.optim.momentum = 0.9;
    c.batch_size = 128;
    c.accumulate = 1;
    c.eval_subset = 1024;
    return c;
}

/* Checks cfg and data; *D = features, *K = outputs: classes (the validation set's if
 * more), 1 for regression. */
static enum lrf_status check_setup(const struct lrf_train_config *cfg,
                                   const struct lrf_train_data *data, size_t *D, size_t *K,
                                   struct lrf_error *err)
{
    if (!data || !data->train)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "no training data");
    if (cfg->batch_size < 1 || cfg->batch_size > LRF_TRAIN_BATCH_MAX)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "batch size must be in 1..%d (got %zu)",
                             LRF_TRAIN_BATCH_MAX, cfg->batch_size);
    if (cfg->accumulate < 1 || cfg->accumulate > LRF_TRAIN_ACCUMULATE_MAX)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "gradient accumulation must be in 1..%d (got %zu)",
                             LRF_TRAIN_ACCUMULATE_MAX, cfg->accumulate);
    enum lrf_status st = lrf_optim_validate(&cfg->optim, err);
    if (st)
        return st;
    *D = lrf_dataset_features(data->train);
    *K =
        lrf_dataset_task(data->train) == LRF_TASK_REGRESSION ? 1 : lrf_dataset_classes(data->train);
    if (data->val && lrf_dataset_features(data->val) != *D)
        return lrf_error_set(err, LRF_ERR_DATA,
                             "validation data has %zu features, training data %zu",
                             lrf_dataset_features(data->val), *D);
    if (data->val && lrf_dataset_classes(data->val) > *K)
        *K = lrf_dataset_classes(data->val);
    if (*D > (size_t)INT32_MAX || *K > (size_t)INT32_MAX)
        return lrf_error_set(err, LRF_ERR_DATA, "too many features or classes");
    return LRF_OK;
}

/* The model, initialized from the seed, and its optimizer state. */
static enum lrf_status build_model(struct lrf_trainer *t, struct lrf_error *err)
{
    struct lrf_rng rng = lrf_rng_seeded(t->cfg.seed);
    enum lrf_status st = lrf_model_create(&t->cfg.model, &rng, &t->model, err);
    if (st)
        return st;
    for (int s = 0; s < t->cfg.model.optim_slots; s++)
        t->slots[s] = lrf_model_optim_slot(t->model, s);
    lrf_optim_reset(&t->cfg.optim, t->slots, lrf_model_optim_scalars(t->model),
                    lrf_model_n_params(t->model));
    return LRF_OK;
}

/* The shuffling batch iterator over the training rows, the batch buffers and the
 * snapshot slot: everything a step needs, allocated now. */
static enum lrf_status build_buffers(struct lrf_trainer *t, struct lrf_error *err)
{
    const struct lrf_train_config *cfg = &t->cfg;
    struct lrf_batch_config bc = lrf_batch_config_default();
    bc.batch_size = cfg->batch_size;
    bc.seed = t->iter_seed = cfg->seed ^ ITER_SEED_MIX;
    bc.shuffle = true;
    bc.drop_last = cfg->drop_last;
    bc.augment = cfg->augment;
    enum lrf_status st = lrf_batch_iter_create(t->data.train, t->data.norm, t->data.train_rows,
                                               t->data.n_train, &bc, &t->iter, err);
    if (st)
        return st;
    t->x = malloc(cfg->batch_size * t->features * sizeof(float));
    t->y = malloc(cfg->batch_size * sizeof(int32_t));
    t->snap_size = lrf_model_snapshot_size(t->model);
    t->snap = malloc(t->snap_size);
    if (!t->x || !t->y || !t->snap)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the trainer's buffers");
    return LRF_OK;
}

enum lrf_status lrf_trainer_create(const struct lrf_train_config *cfg,
                                   const struct lrf_train_data *data, struct lrf_trainer **out,
                                   struct lrf_error *err)
{
    *out = NULL;
    size_t D = 0, K = 0;
    enum lrf_status st = check_setup(cfg, data, &D, &K, err);
    if (st)
        return st;
    struct lrf_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the trainer");
    t->cfg = *cfg;
    t->data = *data;
    if (!t->data.train_rows)
        t->data.n_train = lrf_dataset_rows(data->train);
    if (data->val && !t->data.val_rows)
        t->data.n_val = lrf_dataset_rows(data->val);
    if (!data->val)
        t->data.n_val = 0;
    t->features = D;
    /* A batch larger than the training rows is all of them: size everything for that. */
    if (t->cfg.batch_size > t->data.n_train)
        t->cfg.batch_size = t->data.n_train > 0 ? t->data.n_train : 1;
    t->cfg.model.n_inputs = (int)D;
    t->cfg.model.n_classes = (int)K;
    t->cfg.model.max_batch = (int)t->cfg.batch_size;
    t->cfg.model.threads = cfg->threads; /* the model scopes it to its own calls */
    struct lrf_image_shape shape = lrf_dataset_shape(data->train);
    if (t->cfg.model.channels == 0 && shape.channels > 0) {
        t->cfg.model.channels = shape.channels, t->cfg.model.height = shape.height;
        t->cfg.model.width = shape.width, t->cfg.model.layout = shape.layout;
    }
    t->cfg.model.optim_slots = lrf_optim_state_slots(&cfg->optim);
    st = train_targets_init(t, err);
    t->cfg.model.loss = t->task == LRF_TASK_REGRESSION ? LRF_LOSS_MSE : LRF_LOSS_CROSS_ENTROPY;
    if (st == LRF_OK)
        st = build_model(t, err);
    if (st == LRF_OK)
        st = build_buffers(t, err);
    if (st == LRF_OK)
        *out = t;
    else
        lrf_trainer_destroy(t);
    return st;
}

void lrf_trainer_destroy(struct lrf_trainer *t)
{
    if (!t)
        return;
    lrf_model_destroy(t->model);
    lrf_batch_iter_destroy(t->iter);
    free(t->x);
    free(t->y);
    free(t->snap);
    train_targets_free(t);
    free(t);
}

struct lrf_model *lrf_trainer_model(struct lrf_trainer *t)
{
    return t->model;
}

enum lrf_task lrf_trainer_task(const struct lrf_trainer *t)
{
    return t->task;
}

void lrf_trainer_target_scale(const struct lrf_trainer *t, double *mean, double *std)
{
    *mean = t->y_mean;
    *std = t->y_std;
}

const struct lrf_train_config *lrf_trainer_config(const struct lrf_trainer *t)
{
    return &t->cfg;
}

long lrf_trainer_steps_per_epoch(const struct lrf_trainer *t)
{
    long batches = (long)lrf_batch_iter_batches_per_epoch(t->iter);
    long acc = (long)t->cfg.accumulate;
    long steps = (batches + acc - 1) / acc;
    return steps > 0 ? steps : 1;
}

long lrf_trainer_run_steps(const struct lrf_trainer *t, int epochs)
{
    return lrf_trainer_steps_per_epoch(t) * (epochs > 0 ? epochs : 0);
}

/* Gathers the next batch (not timed: data loading) and runs forward+backward
 * (timed). scale < 0 means "overwrite the gradient" (no accumulation). The first
 * micro-batch of an optimizer step starts the step's sample-weighted loss sum. */
static enum lrf_status forward_backward(struct lrf_trainer *t, float scale, double *loss)
{
    size_t rows = lrf_batch_iter_next(t->iter, t->x, t->y);
    if (t->task == LRF_TASK_REGRESSION)
        train_targets_batch(t);
    struct lrf_model_batch b = {t->x, t->y, t->t_std, (int)rows};
    float l = NAN;
    double t0 = lrf_clock_seconds();
    enum lrf_status st =
        lrf_model_train_batch(t->model, &b, scale < 0 ? 1.0f : scale, scale >= 0, &l, NULL);
    t->step_seconds += lrf_clock_seconds() - t0;
    *loss = l;
    if (t->micro_done == 0)
        t->step_rows = 0, t->step_loss_sum = 0;
    t->step_rows += rows;
    t->step_loss_sum += *loss * (double)rows;
    return st;
}

static void optimizer_step(struct lrf_trainer *t, double lr, double momentum)
{
    if (isnan(momentum))
        momentum = t->cfg.optim.momentum;
    double t0 = lrf_clock_seconds();
    lrf_optim_step(&t->cfg.optim, lrf_model_params(t->model), lrf_model_grads(t->model), t->slots,
                   lrf_model_optim_scalars(t->model), lrf_model_n_params(t->model), lr, momentum);
    t->step_seconds += lrf_clock_seconds() - t0;
}

enum lrf_status lrf_trainer_micro_step(void *trainer, double *loss)
{
    struct lrf_trainer *t = trainer;
    if (t->micro_done == 0)
        memset(lrf_model_grads(t->model), 0, lrf_model_n_params(t->model) * sizeof(float));
    double l;
    enum lrf_status st = forward_backward(t, 1.0f / (float)t->cfg.accumulate, &l);
    if (st)
        return st;
    t->micro_done++;
    *loss = l;
    return LRF_OK;
}

enum lrf_status lrf_trainer_apply(void *trainer, double lr, double momentum)
{
    struct lrf_trainer *t = trainer;
    if (t->micro_done == 0)
        return LRF_ERR_STATE; /* nothing accumulated */
    optimizer_step(t, lr, momentum);
    t->micro_done = 0;
    return LRF_OK;
}

enum lrf_status lrf_trainer_step(void *trainer, double lr, double momentum, double *loss)
{
    struct lrf_trainer *t = trainer;
    if (t->cfg.accumulate == 1 && t->micro_done == 0) {
        enum lrf_status st = forward_backward(t, -1.0f, loss);
        if (st)
            return st;
        optimizer_step(t, lr, momentum);
        return LRF_OK;
    }
    size_t left = t->micro_done < t->cfg.accumulate ? t->cfg.accumulate - t->micro_done : 1;
    struct lrf_accumulator acc = {t, lrf_trainer_micro_step, lrf_trainer_apply, left};
    return lrf_accumulate_step(&acc, lr, momentum, loss, NULL);
}

enum lrf_status lrf_trainer_snapshot(void *trainer)
{
    struct lrf_trainer *t = trainer;
    lrf_model_snapshot(t->model, t->snap);
    t->snap_iter = lrf_batch_iter_save(t->iter);
    t->has_snap = true;
    return LRF_OK;
}

enum lrf_status lrf_trainer_restore(void *trainer)
{
    struct lrf_trainer *t = trainer;
    if (!t->has_snap)
        return LRF_ERR_STATE;
    enum lrf_status st = lrf_model_restore(t->model, t->snap, t->snap_size, NULL);
    if (st)
        return st;
    st = lrf_batch_iter_restore(t->iter, &t->snap_iter, NULL);
    if (st)
        return st;
    /* The gradients are not part of the state between steps except while
     * accumulating; a restore in the middle of accumulation starts it over. */
    memset(lrf_model_grads(t->model), 0, lrf_model_n_params(t->model) * sizeof(float));
    t->micro_done = 0;
    return LRF_OK;
}

enum lrf_status lrf_trainer_reseed(void *trainer, size_t run)
{
    struct lrf_trainer *t = trainer;
    struct lrf_batch_state s = lrf_batch_iter_save(t->iter);
    s.epoch_rng = lrf_rng_seeded(t->iter_seed + (uint64_t)run * ITER_SEED_MIX);
    s.cursor = 0;
    return lrf_batch_iter_restore(t->iter, &s, NULL);
}

/* The sums of an evaluation over validation rows [0, n), in chunks of the batch size. */
static enum lrf_status eval_rows(struct lrf_trainer *t, size_t n, struct train_eval_sums *s,
                                 struct lrf_error *err)
{
    *s = (struct train_eval_sums){0};
    const size_t B = t->cfg.batch_size;
    for (size_t first = 0; first < n; first += B) {
        size_t rows = n - first < B ? n - first : B;
        if (t->data.val_rows)
            lrf_dataset_gather(t->data.val, t->data.norm, t->data.val_rows + first, rows, t->x,
                               t->y);
        else
            lrf_dataset_gather_range(t->data.val, t->data.norm, first, rows, t->x, t->y);
        if (t->task == LRF_TASK_REGRESSION)
            train_targets_val(t, first, rows);
        struct lrf_model_batch b = {t->x, t->y, t->t_std, (int)rows};
        struct lrf_model_eval e;
        enum lrf_status st = lrf_model_eval_batch(t->model, &b, &e, err);
        if (st)
            return st;
        s->loss_sum += e.loss_sum;
        if (t->task == LRF_TASK_REGRESSION)
            train_targets_add_errors(t, rows, s);
        else
            s->correct += e.n_correct;
    }
    return LRF_OK;
}

enum lrf_status lrf_trainer_eval_subset(void *trainer, double *val_loss)
{
    struct lrf_trainer *t = trainer;
    size_t n = t->cfg.eval_subset < t->data.n_val ? t->cfg.eval_subset : t->data.n_val;
    if (n == 0)
        return LRF_ERR_STATE;
    struct train_eval_sums s;
    enum lrf_status st = eval_rows(t, n, &s, NULL);
    *val_loss = s.loss_sum / (double)n;
    return st;
}

enum lrf_status lrf_trainer_evaluate_metrics(struct lrf_trainer *t, struct lrf_train_metrics *out,
                                             struct lrf_error *err)
{
    *out = (struct lrf_train_metrics){NAN, NAN, NAN, NAN};
    if (t->data.n_val == 0)
        return LRF_OK;
    struct train_eval_sums s;
    enum lrf_status st = eval_rows(t, t->data.n_val, &s, err);
    if (st)
        return st;
    double n = (double)t->data.n_val;
    out->loss = s.loss_sum / n;
    if (t->task == LRF_TASK_REGRESSION) {
        out->rmse = sqrt(s.sse / n);
        out->r2 = s.sst > 0 ? 1.0 - s.sse / s.sst : (double)NAN;
    } else {
        out->accuracy = (double)s.correct / n;
    }
    return LRF_OK;
}

enum lrf_status lrf_trainer_evaluate(struct lrf_trainer *t, double *loss, double *accuracy,
                                     struct lrf_error *err)
{
    struct lrf_train_metrics m;
    enum lrf_status st = lrf_trainer_evaluate_metrics(t, &m, err);
    *loss = m.loss;
    *accuracy = m.accuracy;
    return st;
}
