/* A trial for the range test's regime responses (Smith's third method, 1803.09820):
 * one-cycle at a candidate max_lr for the hand-off's run length, from the trainer's
 * current state, scored on the validation rows. It is exactly
 * `lrfind train --schedule 'onecycle(max_lr=X)' --epochs E` from the same state. */
#include <math.h>
#include <stdio.h>

#include "lrf/train.h"

enum { TRIAL_SPEC_MAX = 96 };

enum lrf_status lrf_trainer_trial_run(struct lrf_trainer *t, double max_lr, long total_steps,
                                      lrf_train_progress_fn progress, void *progress_user,
                                      double *loss, double *metric, struct lrf_error *err)
{
    *loss = *metric = NAN;
    long spe = lrf_trainer_steps_per_epoch(t);
    if (!(max_lr > 0 && isfinite(max_lr)) || total_steps < 1 || spe < 1)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "trial: max_lr must be finite and > 0 and total_steps >= 1 "
                             "(got %g, %ld)",
                             max_lr, total_steps);
    long epochs = (total_steps + spe - 1) / spe;
    if (epochs > 1000000)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "trial: %ld epochs is too long", epochs);
    char spec[TRIAL_SPEC_MAX];
    snprintf(spec, sizeof spec, "onecycle(max_lr=%.17g)", max_lr);
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.base_lr = lrf_trainer_config(t)->optim.lr;
    so.run_length = epochs * spe;
    struct lrf_sched *s = NULL;
    enum lrf_status st = lrf_sched_parse(spec, &so, &s, err);
    int done = 0;
    if (st == LRF_OK)
        st = lrf_trainer_fit(t, s, (int)epochs, NULL, &done, progress, progress_user, err);
    lrf_sched_destroy(s);
    if (st == LRF_ERR_NUMERIC) { /* diverged: a result, not a failure */
        *loss = INFINITY;
        return LRF_OK;
    }
    if (st != LRF_OK)
        return st;
    st = lrf_trainer_evaluate(t, loss, metric, err);
    if (st == LRF_OK && isnan(*loss)) /* no validation rows: nothing to score */
        return lrf_error_set(err, LRF_ERR_STATE, "trial: the trainer has no validation rows");
    if (st == LRF_OK && !isfinite(*loss))
        *loss = INFINITY;
    return st;
}

enum lrf_status lrf_trainer_trial(void *trainer, double max_lr, long total_steps, double *loss,
                                  double *metric)
{
    return lrf_trainer_trial_run(trainer, max_lr, total_steps, NULL, NULL, loss, metric, NULL);
}
