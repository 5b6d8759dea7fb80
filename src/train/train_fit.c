/* Epochs of (gather batch -> optimizer step -> schedule step), with the
 * validation set evaluated after each epoch. */
#include <math.h>

#include "lrf/clock.h"
#include "train/train_internal.h"

/* The lr and momentum for the next optimizer step: the schedule's current
 * values (momentum NaN = not driven: the optimizer's own). */
static void current_values(const struct lrf_trainer *t, const struct lrf_sched *sched, double *lr,
                           double *momentum)
{
    *lr = t->cfg.optim.lr;
    *momentum = NAN;
    if (sched)
        lrf_sched_current(sched, lr, momentum);
    if (isnan(*momentum))
        *momentum = t->cfg.optim.momentum;
}

/* A schedule must be evaluable for the whole run (a plateau is fed per epoch). */
static enum lrf_status check_run_length(const struct lrf_trainer *t, struct lrf_sched *sched,
                                        int epochs, struct lrf_error *err)
{
    if (epochs < 1)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "epochs must be >= 1 (got %d)", epochs);
    if (!sched || lrf_sched_needs_metric(sched))
        return LRF_OK;
    long steps = lrf_trainer_steps_per_epoch(t);
    long max = lrf_sched_max_step(sched), need = steps * epochs;
    if (max >= 0 && max < need)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "the schedule ends after %ld steps but the run has %ld "
                             "(%d epochs of %ld steps)",
                             max, need, epochs, steps);
    return LRF_OK;
}

/* What one epoch's training passes on beyond the epoch record. */
struct epoch_run {
    struct lrf_sched *sched;
    bool per_epoch_metric; /* plateau: stepped once per epoch with the val loss */
    lrf_train_progress_fn progress;
    void *progress_user;
};

/* The optimizer steps of epoch e (0-based) into ep: LRF_ERR_INTERRUPTED when progress
 * asked to stop. */
static enum lrf_status train_epoch(struct lrf_trainer *t, const struct epoch_run *run, int e,
                                   struct lrf_train_epoch *ep, struct lrf_error *err)
{
    const long steps = lrf_trainer_steps_per_epoch(t);
    double loss_sum = 0;
    for (long s = 0; s < steps; s++) {
        double lr, mom, l;
        current_values(t, run->sched, &lr, &mom);
        enum lrf_status st = lrf_trainer_step(t, lr, mom, &l);
        if (st)
            return lrf_error_set(err, st, "training step %ld of epoch %d failed", s + 1, e + 1);
        /* Sample-weighted: a short last batch counts for its rows. */
        ep->samples += (long)t->step_rows;
        loss_sum += t->step_loss_sum;
        double loss = t->step_loss_sum / (double)t->step_rows;
        if (!isfinite(loss)) /* as the range test does: nothing after it means anything */
            return lrf_error_set(err, LRF_ERR_NUMERIC,
                                 "the training loss became %s at step %ld of epoch %d (lr %g): "
                                 "the run diverged; lower the lr",
                                 isnan(loss) ? "NaN" : "infinite", s + 1, e + 1, lr);
        ep->lr = lr;
        ep->momentum = mom;
        if (run->sched && !run->per_epoch_metric && (st = lrf_sched_step(run->sched, NAN, err)))
            return st;
        if (run->progress && run->progress(run->progress_user, e + 1, s + 1, steps, loss))
            return LRF_ERR_INTERRUPTED;
    }
    ep->train_loss = ep->samples ? loss_sum / (double)ep->samples : (double)NAN;
    return LRF_OK;
}

enum lrf_status lrf_trainer_fit(struct lrf_trainer *t, struct lrf_sched *sched, int epochs,
                                struct lrf_train_epoch *out, int *done,
                                lrf_train_progress_fn progress, void *progress_user,
                                struct lrf_error *err)
{
    if (done)
        *done = 0;
    enum lrf_status st = check_run_length(t, sched, epochs, err);
    if (st)
        return st;
    struct epoch_run run = {sched, sched && lrf_sched_needs_metric(sched), progress, progress_user};
    for (int e = 0; e < epochs; e++) {
        struct lrf_train_epoch ep = {0};
        ep.epoch = e + 1;
        double t0 = lrf_clock_seconds();
        t->step_seconds = 0;
        if ((st = train_epoch(t, &run, e, &ep, err)))
            return st;
        ep.seconds = lrf_clock_seconds() - t0;
        ep.step_seconds = t->step_seconds;
        ep.samples_per_second =
            ep.step_seconds > 0 ? (double)ep.samples / ep.step_seconds : (double)NAN;
        struct lrf_train_metrics m;
        st = lrf_trainer_evaluate_metrics(t, &m, err);
        if (st)
            return st;
        ep.val_loss = m.loss;
        ep.val_accuracy = m.accuracy;
        ep.val_rmse = m.rmse;
        ep.val_r2 = m.r2;
        if (run.per_epoch_metric && (st = lrf_sched_step(sched, ep.val_loss, err)))
            return st;
        if (out)
            out[e] = ep;
        if (done)
            *done = e + 1;
    }
    return LRF_OK;
}
