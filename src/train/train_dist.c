/* Data-parallel training: every rank draws the same global batch (the batch
 * iterator runs over the whole file's row numbers with the same seed on every
 * rank), runs forward and backward on the rows of it that it holds, scaled by
 * their share of the batch, and the sums over the ranks are exactly the
 * gradient and loss of the global batch (up to the order of float sums). A
 * batch is thus split by where its rows live, not evenly: a batch of any size
 * works, and a rank holding none of a batch's rows contributes zeros.
 *
 * Every call here is a collective: each one ends with an allreduce that also
 * carries the ranks' statuses, so an error on one rank is every rank's (and
 * its message is agreed on) before the next collective. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lrf/clock.h"
#include "train/train_internal.h"

enum lrf_status train_dist_check(const struct lrf_train_config *cfg,
                                 const struct lrf_train_data *data, struct lrf_error *err)
{
    int size = lrf_dist_size(data->dist);
    if (!data->train_rows || (data->val && (data->val != data->train || !data->val_rows)))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "data-parallel training needs the rows of the whole file, split "
                             "(train_rows, and val_rows of the same file)");
    if (cfg->batch_size < (size_t)size)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "batch %zu is smaller than the %d ranks: every rank needs rows of a "
                             "batch (use --batch >= %d, or fewer ranks)",
                             cfg->batch_size, size, size);
    if (lrf_dataset_task(data->train) == LRF_TASK_REGRESSION)
        return lrf_error_set(err, LRF_ERR_UNSUPPORTED,
                             "data-parallel training learns class labels only (a regression "
                             "target needs the whole file's target scaling): run in one process");
    if (data->shard.first + data->shard.rows > data->shard.total)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "the shard lies outside the file");
    return LRF_OK;
}

/* The rows of rows[0..n) (file row numbers) this rank holds, as its own. */
static size_t local_rows(const struct lrf_trainer *t, const uint32_t *rows, size_t n, uint32_t *out)
{
    size_t first = t->data.shard.first, end = first + t->data.shard.rows, m = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i] >= first && rows[i] < end)
            out[m++] = (uint32_t)(rows[i] - first);
    return m;
}

/* Sums v[0..n) over the ranks; a rank whose st failed makes every rank fail with the
 * first failing rank's error (v's last entry carries the failures). */
static enum lrf_status reduce_sums(struct lrf_trainer *t, double *v, size_t n, enum lrf_status st,
                                   struct lrf_error *err)
{
    v[n - 1] = st != LRF_OK;
    if (lrf_dist_allreduce_f64(t->data.dist, v, n, err) != LRF_OK)
        lrf_dist_abort(t->data.dist, 1); /* the job has lost a rank: nothing to agree on */
    return v[n - 1] > 0 ? lrf_dist_agree(t->data.dist, st, err) : LRF_OK;
}

enum lrf_status train_dist_forward_backward(struct lrf_trainer *t, float scale, double *loss,
                                            size_t *rows)
{
    lrf_batch_iter_next(t->iter, NULL, NULL);
    size_t k = 0;
    const uint32_t *batch = lrf_batch_iter_batch_rows(t->iter, &k);
    size_t m = local_rows(t, batch, k, t->local);
    lrf_dataset_gather(t->data.train, t->data.norm, t->local, m, t->x, t->y);
    double t0 = lrf_clock_seconds();
    if (scale < 0) /* this step's first batch: overwrite */
        memset(lrf_model_grads(t->model), 0, lrf_model_n_params(t->model) * sizeof(float));
    float l = 0.0f, share = (scale < 0 ? 1.0f : scale) * (float)m / (float)k;
    enum lrf_status st = LRF_OK;
    if (m > 0)
        st = lrf_model_forward_backward_acc(t->model, t->x, t->y, (int)m, share, &l, NULL);
    double sums[3] = {m > 0 ? (double)l * (double)m : 0.0, (double)m, 0.0};
    st = reduce_sums(t, sums, 3, st, NULL);
    t->step_seconds += lrf_clock_seconds() - t0;
    *rows = k;
    *loss = sums[1] > 0 ? sums[0] / sums[1] : (double)NAN;
    return st;
}

void train_dist_reduce(struct lrf_trainer *t)
{
    struct lrf_dist *d = t->data.dist;
    enum lrf_status st =
        lrf_dist_allreduce_f32(d, lrf_model_grads(t->model), lrf_model_n_params(t->model), NULL);
    size_t n = lrf_model_n_stats(t->model);
    float *stats = lrf_model_stats(t->model), size = (float)lrf_dist_size(d);
    if (st == LRF_OK && n > 0)
        st = lrf_dist_allreduce_f32(d, stats, n, NULL);
    for (size_t i = 0; i < n; i++)
        stats[i] /= size;
    if (st != LRF_OK)
        lrf_dist_abort(d, 1);
}

enum lrf_status train_dist_eval_rows(struct lrf_trainer *t, size_t n, struct train_eval_sums *s,
                                     struct lrf_error *err)
{
    const size_t B = t->cfg.batch_size;
    double sums[3] = {0.0, 0.0, 0.0};
    enum lrf_status st = LRF_OK;
    for (size_t first = 0; first < n && st == LRF_OK; first += B) {
        size_t rows = n - first < B ? n - first : B;
        size_t m = local_rows(t, t->data.val_rows + first, rows, t->local);
        if (m == 0)
            continue;
        lrf_dataset_gather(t->data.val, t->data.norm, t->local, m, t->x, t->y);
        double ls;
        long nc;
        st = lrf_model_evaluate(t->model, t->x, t->y, (int)m, &ls, &nc, err);
        sums[0] += ls;
        sums[1] += (double)nc;
    }
    st = reduce_sums(t, sums, 3, st, err);
    *s = (struct train_eval_sums){.loss_sum = sums[0], .correct = (long)sums[1]};
    return st;
}
