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

/* The sweep's state: the grid and, per run, the losses, points and stop reason. */
struct sweep {
    const struct lrf_finder_config *cfg;
    const struct lrf_finder_callbacks *cb;
    void *observer;                 /* progress and interrupted get this */
    double *grid;                   /* (N) */
    double *loss, *train;           /* (K, N), NaN where not reached */
    size_t *run_n;                  /* (K) */
    enum lrf_finder_stop *run_stop; /* (K) */
    size_t runs_done;
};

static void sweep_free(struct sweep *s)
{
    free(s->grid);
    free(s->loss);
    free(s->train);
    free(s->run_n);
    free(s->run_stop);
}

static enum lrf_status sweep_init(struct sweep *s, const struct lrf_finder_config *cfg,
                                  const struct lrf_finder_callbacks *cb, struct lrf_error *err)
{
    size_t N = cfg->num_iter, K = cfg->runs;
    *s = (struct sweep){.cfg = cfg, .cb = cb, .observer = cb->observer ? cb->observer : cb->user};
    s->grid = malloc(N * sizeof *s->grid);
    s->loss = malloc(K * N * sizeof *s->loss);
    s->train = malloc(K * N * sizeof *s->train);
    s->run_n = calloc(K, sizeof *s->run_n);
    s->run_stop = calloc(K, sizeof *s->run_stop);
    if (!s->grid || !s->loss || !s->train || !s->run_n || !s->run_stop) {
        sweep_free(s);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for %zu x %zu sweep points", K, N);
    }
    for (size_t k = 0; k < N; k++)
        s->grid[k] = lrf_finder_grid_lr(cfg, k);
    for (size_t i = 0; i < K * N; i++)
        s->loss[i] = s->train[i] = NAN;
    return LRF_OK;
}

/* One rung at lr: batches_per_rung optimizer steps (*train = their mean loss), then
 * the validation loss when asked (*val; else the training loss). */
static enum lrf_status rung(const struct sweep *s, double lr, double *train, double *val,
                            const char **which)
{
    const struct lrf_finder_config *cfg = s->cfg;
    enum lrf_status st = LRF_OK;
    double sum = 0;
    *which = "step";
    for (size_t b = 0; b < cfg->batches_per_rung && st == LRF_OK; b++) {
        double l = NAN;
        st = one_step(cfg, s->cb, lr, &l, which);
        sum += l;
    }
    *train = *val = sum / (double)cfg->batches_per_rung;
    if (st == LRF_OK && cfg->val_loss) {
        *which = "eval";
        st = s->cb->eval(s->cb->user, val);
    }
    return st;
}

/* Run r over the grid until its end, divergence or a non-finite loss (LRF_OK), or a
 * callback failure or interruption (that status, with err filled). */
static enum lrf_status run_grid(struct sweep *s, size_t r, struct lrf_error *err)
{
    const struct lrf_finder_config *cfg = s->cfg;
    const struct lrf_finder_callbacks *cb = s->cb;
    size_t N = cfg->num_iter;
    struct finder_smoother sm;
    finder_smoother_init(&sm, cfg);
    s->run_stop[r] = LRF_FINDER_STOP_END;
    for (size_t k = 0; k < N; k++) {
        if (cb->interrupted && cb->interrupted(s->observer)) {
            s->run_stop[r] = LRF_FINDER_STOP_INTERRUPTED;
            return lrf_error_set(err, LRF_ERR_INTERRUPTED, "interrupted at run %zu, rung %zu", r,
                                 k);
        }
        double lr = s->grid[k], t, v;
        const char *which;
        enum lrf_status st = rung(s, lr, &t, &v, &which);
        if (st != LRF_OK) {
            s->run_stop[r] = stop_for(st);
            return lrf_error_set(err, st, "%s callback failed at run %zu, rung %zu (lr=%g): %s",
                                 which, r, k, lr, lrf_status_str(st));
        }
        s->loss[r * N + k] = v;
        s->train[r * N + k] = t;
        s->run_n[r] = k + 1;
        bool div;
        double smoothed = finder_smoother_push(&sm, v, &div);
        if (cb->progress) {
            struct lrf_finder_progress p = {r, cfg->runs, k, N, lr, v, smoothed};
            cb->progress(s->observer, &p);
        }
        if (cfg->stop_on_nonfinite && !(isfinite(v) && isfinite(t))) {
            s->run_stop[r] = LRF_FINDER_STOP_NONFINITE;
            break;
        }
        if (div) {
            s->run_stop[r] = LRF_FINDER_STOP_DIVERGED;
            break;
        }
    }
    return LRF_OK;
}

/* Every run, each after a restore and reseed (runs >= 1). Returns what ended them
 * early (a partial result follows), LRF_OK when all ran; *lost when a restore failed
 * and the client's state is unknown (no result). */
static enum lrf_status run_all(struct sweep *s, bool *lost, struct lrf_error *err)
{
    const struct lrf_finder_callbacks *cb = s->cb;
    *lost = false;
    for (size_t r = 0; r < s->cfg->runs; r++) {
        s->runs_done = r + 1;
        enum lrf_status st = LRF_OK;
        if (cb->share && !cb->share->mine(cb->share->ctx, r))
            continue; /* another process runs it */
        if (r > 0 && (st = cb->restore(cb->user)) != LRF_OK) {
            *lost = true;
            return lrf_error_set(err, st, "restore callback failed before run %zu: %s", r,
                                 lrf_status_str(st));
        }
        if (r > 0 && cb->reseed && (st = cb->reseed(cb->user, r)) != LRF_OK) {
            s->run_stop[r] = stop_for(st);
            return lrf_error_set(err, st, "reseed callback failed for run %zu: %s", r,
                                 lrf_status_str(st));
        }
        if ((st = run_grid(s, r, err)) != LRF_OK)
            return st;
    }
    return LRF_OK;
}

/* The other processes' runs (cb->share): every run's data, and the status they agree on. */
static enum lrf_status share_runs(struct sweep *s, enum lrf_status early, struct lrf_error *err)
{
    const struct lrf_finder_share *sh = s->cb->share;
    struct lrf_finder_runs runs = {s->cfg->runs, s->cfg->num_iter, s->loss,
                                   s->train,     s->run_n,         s->run_stop};
    enum lrf_status st = sh->exchange(sh->ctx, &runs, early, err);
    s->runs_done = s->cfg->runs;
    return st;
}

/* The result of the runs done; err keeps the early stop's message unless building fails. */
static enum lrf_status sweep_result(const struct sweep *s, struct lrf_finder_result **out,
                                    struct lrf_error *err)
{
    size_t maxn = 0;
    for (size_t r = 0; r < s->runs_done; r++)
        maxn = s->run_n[r] > maxn ? s->run_n[r] : maxn;
    struct finder_runs in = {s->cfg->num_iter, s->grid,  s->runs_done, s->loss,
                             s->train,         s->run_n, s->run_stop,  (long)maxn - 1};
    struct lrf_error build_err;
    enum lrf_status st = finder_result_build(s->cfg, &in, out, &build_err);
    if (st != LRF_OK && err)
        *err = build_err;
    return st;
}

/* The trials (Smith's third method) on result R, each from the restored state, and the
 * restore after the last. An interruption or a failed trial ends them: R keeps the
 * sweep's answer (LRF_ERR_INTERRUPTED / the trial's status, err filled); a failed
 * restore is reported as such (the client's state is unknown). */
static enum lrf_status run_trials(const struct sweep *s, struct lrf_finder_result *R, bool *lost,
                                  struct lrf_error *err)
{
    const struct lrf_finder_callbacks *cb = s->cb;
    double lr[LRF_FINDER_TRIALS_MAX];
    size_t n = finder_trial_candidates(R, s->cfg, lr);
    enum lrf_status st = LRF_OK;
    size_t k = 0;
    for (; k < n && st == LRF_OK; k++) {
        if (cb->interrupted && cb->interrupted(s->observer)) {
            st = lrf_error_set(err, LRF_ERR_INTERRUPTED, "interrupted before trial %zu", k);
            break;
        }
        if (cb->restore && (st = cb->restore(cb->user)) != LRF_OK) {
            *lost = true;
            return lrf_error_set(err, st, "restore callback failed before trial %zu", k);
        }
        struct lrf_finder_trial *t = &R->trial[k];
        *t = (struct lrf_finder_trial){.max_lr = lr[k], .loss = NAN, .metric = NAN};
        st = cb->trial(cb->user, lr[k], s->cfg->total_steps, &t->loss, &t->metric);
        t->diverged = !isfinite(t->loss);
        if (st != LRF_OK)
            lrf_error_set(err, st, "trial callback failed at max_lr %g: %s", lr[k],
                          lrf_status_str(st));
    }
    enum lrf_status rst = cb->restore ? cb->restore(cb->user) : LRF_OK;
    if (rst != LRF_OK) {
        *lost = true;
        return lrf_error_set(err, rst, "restore callback failed after the trials");
    }
    if (st != LRF_OK)
        return st; /* the sweep's answer stands */
    R->n_trials = n;
    finder_trials_choose(R, s->cfg);
    finder_result_refresh(R, s->cfg);
    return LRF_OK;
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
    struct sweep s;
    if (st != LRF_OK || (st = sweep_init(&s, cfg, cb, err)) != LRF_OK)
        return st;
    if (cb->snapshot && (st = cb->snapshot(cb->user)) != LRF_OK) {
        lrf_error_set(err, st, "snapshot callback failed: %s", lrf_status_str(st));
        sweep_free(&s);
        return st;
    }
    bool lost;
    enum lrf_status early = run_all(&s, &lost, err); /* a partial result unless lost */
    if (cb->share) { /* also when lost: the other processes wait for this one */
        enum lrf_status shared = share_runs(&s, early, err);
        early = lost ? early : shared;
    }
    if (lost) {
        st = early;
    } else if (cb->restore && (st = cb->restore(cb->user)) != LRF_OK) {
        lrf_error_set(err, st, "restore callback failed after the sweep: %s", lrf_status_str(st));
    } else {
        st = sweep_result(&s, out, err);
        if (st == LRF_OK)
            st = early;
        if (st == LRF_OK && finder_trials_wanted(*out, cfg, cb->trial && cb->restore))
            st = run_trials(&s, *out, &lost, err);
        if (lost) { /* a restore failed: the client's state is unknown, no result */
            lrf_finder_result_destroy(*out);
            *out = NULL;
        }
    }
    sweep_free(&s);
    return st;
}
