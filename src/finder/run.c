/* The sweep engine: K runs over the lr grid from one snapshot, each rung being
 * batches_per_rung optimizer steps (each of accumulate micro-batches), optional
 * validation loss, online smoothing and stop rules, interruption, and a restore on
 * every exit path once the snapshot exists. */
#include <math.h>
#include <stdlib.h>

#include "finder/finder_internal.h"
#include "lrf/accumulate.h"

static enum lrf_status check_callbacks(const struct lrf_finder_config *cfg,
                                       const struct lrf_finder_callbacks *cb, struct lrf_error *err)
{
    if (!cb)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "callbacks are NULL");
    bool micro = cb->micro_step && cb->apply;
    if (!cb->step && !micro)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "callbacks: need step (or micro_step and apply)");
    if (cfg->accumulate > 1 && !micro)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "accumulate > 1 needs the micro_step and apply callbacks");
    if (!cb->snapshot != !cb->restore)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "callbacks: snapshot and restore must be given together");
    if (cfg->runs > 1 && !cb->restore)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "runs > 1 needs the snapshot and restore callbacks");
    if (cfg->val_loss && !cb->eval)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "val_loss needs the eval callback");
    return LRF_OK;
}

/* One optimizer step at lr: either the client's step or accumulate micro-steps + apply. */
static enum lrf_status one_step(const struct lrf_finder_config *cfg,
                                const struct lrf_finder_callbacks *cb, double lr, double *loss,
                                const char **which)
{
    if (cb->step && cfg->accumulate == 1) {
        *which = "step";
        return cb->step(cb->user, lr, cfg->momentum, loss);
    }
    struct lrf_accumulator acc = {cb->user, cb->micro_step, cb->apply, cfg->accumulate};
    return lrf_accumulate_step(&acc, lr, cfg->momentum, loss, which);
}

static enum lrf_finder_stop stop_for(enum lrf_status st)
{
    return st == LRF_ERR_INTERRUPTED ? LRF_FINDER_STOP_INTERRUPTED : LRF_FINDER_STOP_CALLBACK_ERROR;
}

enum lrf_status lrf_finder_run(const struct lrf_finder_config *cfg,
                               const struct lrf_finder_callbacks *cb,
                               struct lrf_finder_result **out, struct lrf_error *err)
{
    if (!out)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    enum lrf_status st = lrf_finder_config_check(cfg, err);
    if (st == LRF_OK)
        st = check_callbacks(cfg, cb, err);
    if (st != LRF_OK)
        return st;
    size_t N = cfg->num_iter, K = cfg->runs;
    double *grid = malloc(N * sizeof *grid);
    double *loss = malloc(K * N * sizeof *loss);
    double *train = malloc(K * N * sizeof *train);
    size_t *run_n = calloc(K, sizeof *run_n);
    enum lrf_finder_stop *run_stop = calloc(K, sizeof *run_stop);
    if (!grid || !loss || !train || !run_n || !run_stop) {
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for %zu x %zu sweep points", K, N);
        goto done;
    }
    for (size_t k = 0; k < N; k++)
        grid[k] = lrf_finder_grid_lr(cfg, k);
    for (size_t i = 0; i < K * N; i++)
        loss[i] = train[i] = NAN;
    if (cb->snapshot && (st = cb->snapshot(cb->user)) != LRF_OK) {
        lrf_error_set(err, st, "snapshot callback failed: %s", lrf_status_str(st));
        goto done;
    }

    void *observer = cb->observer ? cb->observer : cb->user;
    size_t runs_done = 0;
    enum lrf_status fail = LRF_OK; /* a callback failure or interruption: partial result */
    for (size_t r = 0; r < K && fail == LRF_OK; r++) {
        runs_done = r + 1;
        run_stop[r] = LRF_FINDER_STOP_END;
        if (r > 0) {
            if ((st = cb->restore(cb->user)) != LRF_OK) {
                lrf_error_set(err, st, "restore callback failed before run %zu: %s", r,
                              lrf_status_str(st));
                goto done; /* the state is unknown: no result */
            }
            if (cb->reseed && (fail = cb->reseed(cb->user, r)) != LRF_OK) {
                run_stop[r] = stop_for(fail);
                lrf_error_set(err, fail, "reseed callback failed for run %zu: %s", r,
                              lrf_status_str(fail));
                break;
            }
        }
        struct finder_smoother sm;
        finder_smoother_init(&sm, cfg);
        double *L = loss + r * N, *T = train + r * N;
        for (size_t k = 0; k < N; k++) {
            if (cb->interrupted && cb->interrupted(observer)) {
                run_stop[r] = LRF_FINDER_STOP_INTERRUPTED;
                fail = lrf_error_set(err, LRF_ERR_INTERRUPTED, "interrupted at run %zu, rung %zu",
                                     r, k);
                break;
            }
            double lr = grid[k], sum = 0, v;
            const char *which = "step";
            for (size_t b = 0; b < cfg->batches_per_rung && fail == LRF_OK; b++) {
                double l = NAN;
                fail = one_step(cfg, cb, lr, &l, &which);
                sum += l;
            }
            double t = sum / (double)cfg->batches_per_rung;
            v = t;
            if (fail == LRF_OK && cfg->val_loss) {
                which = "eval";
                fail = cb->eval(cb->user, &v);
            }
            if (fail != LRF_OK) {
                run_stop[r] = stop_for(fail);
                lrf_error_set(err, fail, "%s callback failed at run %zu, rung %zu (lr=%g): %s",
                              which, r, k, lr, lrf_status_str(fail));
                break;
            }
            L[k] = v;
            T[k] = t;
            run_n[r] = k + 1;
            bool div;
            double s = finder_smoother_push(&sm, v, &div);
            if (cb->progress) {
                struct lrf_finder_progress p = {r, K, k, N, lr, v, s};
                cb->progress(observer, &p);
            }
            if (cfg->stop_on_nonfinite && !(isfinite(v) && isfinite(t))) {
                run_stop[r] = LRF_FINDER_STOP_NONFINITE;
                break;
            }
            if (div) {
                run_stop[r] = LRF_FINDER_STOP_DIVERGED;
                break;
            }
        }
    }
    if (cb->restore && (st = cb->restore(cb->user)) != LRF_OK) {
        lrf_error_set(err, st, "restore callback failed after the sweep: %s", lrf_status_str(st));
        goto done;
    }
    size_t maxn = 0;
    for (size_t r = 0; r < runs_done; r++)
        maxn = run_n[r] > maxn ? run_n[r] : maxn;
    struct lrf_error build_err;
    st = finder_result_build(cfg, N, grid, runs_done, loss, train, run_n, run_stop, (long)maxn - 1,
                             out, &build_err);
    if (st != LRF_OK) {
        if (err)
            *err = build_err;
    } else {
        st = fail;
    }
done:
    free(grid);
    free(loss);
    free(train);
    free(run_n);
    free(run_stop);
    return st;
}
