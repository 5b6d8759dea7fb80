/* lrfind train's range test for --lr auto and SPECs that need a suggestion. */
#include "cli/train_auto.h"

#include <math.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "lrf/clock.h"
#include "lrf/finder.h"
#include "lrf/interrupt.h"
#include "lrf/sched.h"

/* Long enough that no schedule's own lengths conflict with it when a SPEC is probed. */
enum { PROBE_RUN_LENGTH = 1000000 };

static bool parses(const char *spec, double auto_lr)
{
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.run_length = PROBE_RUN_LENGTH;
    so.auto_lr = auto_lr;
    struct lrf_sched *s = NULL;
    enum lrf_status st = lrf_sched_parse(spec, &so, &s, NULL);
    lrf_sched_destroy(s);
    return st == LRF_OK;
}

bool cli_spec_needs_suggestion(const char *spec)
{
    /* A stand-in suggestion makes the difference: the SPEC needs one. Any other error is
     * the SPEC's own, reported when it is parsed for the run. */
    return spec && !parses(spec, NAN) && parses(spec, 1.0);
}

/* The finder's progress observer: a sweep's bar over every run's steps. */
static void on_progress(void *bar, const struct lrf_finder_progress *p)
{
    size_t done = p->run * p->num_iter + p->iter + 1;
    char label[96];
    snprintf(label, sizeof label, "lr %.2e loss %.4g", p->lr, p->loss);
    cli_progress_update(bar, (long)done, label);
}

static bool stop_on_interrupt(void *user, int epoch, long step, long steps_per_epoch, double loss)
{
    (void)user, (void)epoch, (void)step, (void)steps_per_epoch, (void)loss;
    return lrf_interrupt_requested();
}

enum lrf_status cli_trainer_trial(void *trainer, double max_lr, long total_steps, double *loss,
                                  double *metric)
{
    return lrf_trainer_trial_run(trainer, max_lr, total_steps, stop_on_interrupt, NULL, loss,
                                 metric, NULL);
}

/* Multiply-adds of one sample's forward pass: the linear and convolution layers. */
static double macs_per_sample(struct lrf_model *m)
{
    double macs = 0;
    for (int l = 0; l < lrf_model_n_layers(m); l++) {
        struct lrf_layer_info li;
        lrf_model_layer_info(m, l, &li);
        if (li.kind == LRF_LAYER_LINEAR)
            macs += (double)li.n_weight;
        else if (li.kind == LRF_LAYER_CONV2D)
            macs += (double)li.n_weight * li.out_h * li.out_w;
    }
    return macs;
}

double cli_trainer_finder_config(struct lrf_finder_config *cfg, struct lrf_trainer *t, size_t n_val)
{
    /* The trainer takes whole optimizer steps (it accumulates), one batch each. */
    cfg->batches_per_epoch = (size_t)lrf_trainer_steps_per_epoch(t);
    cfg->trial_rows = n_val; /* the trials score on the validation rows */
    const struct lrf_train_config *tc = lrf_trainer_config(t);
    /* Forward and backward: about 3 passes of 2 operations per multiply-add. */
    double flops = 6.0 * macs_per_sample(lrf_trainer_model(t)) * (double)tc->batch_size *
                   (double)tc->accumulate * (double)cfg->total_steps *
                   (double)cfg->regime.trial_candidates;
    if (cfg->trials == LRF_FINDER_TRIALS_AUTO && flops > CLI_TRIAL_FLOPS_MAX)
        cfg->trials = LRF_FINDER_TRIALS_OFF;
    return flops;
}

struct lrf_finder_callbacks cli_trainer_callbacks(struct lrf_trainer *t, bool with_eval,
                                                  struct cli_progress *bar)
{
    /* --accumulate lives in the trainer: its step accumulates (lrf_accumulate_step), so
     * the finder takes whole optimizer steps and keeps its own accumulate at 1. */
    return (struct lrf_finder_callbacks){
        .user = t,
        .step = lrf_trainer_step,
        .snapshot = lrf_trainer_snapshot,
        .restore = lrf_trainer_restore,
        .reseed = lrf_trainer_reseed,
        .eval = with_eval ? lrf_trainer_eval_subset : NULL,
        .trial = with_eval ? cli_trainer_trial : NULL,
        .observer = bar,
        .progress = bar ? on_progress : NULL,
        .interrupted = lrf_interrupt_poll,
    };
}

int cli_train_auto_lr(struct lrf_trainer *t, long run_steps, size_t n_val, bool progress,
                      bool optional, struct cli_auto_lr *out)
{
    struct lrf_finder_config cfg = lrf_finder_config_default();
    cfg.total_steps = run_steps;
    cli_trainer_finder_config(&cfg, t, n_val);
    struct cli_progress bar;
    cli_progress_init(&bar, progress, "range test (--lr auto)", (long)cfg.num_iter);
    struct lrf_finder_callbacks cb = cli_trainer_callbacks(t, n_val > 0, progress ? &bar : NULL);
    struct lrf_finder_result *r = NULL;
    struct lrf_error err;
    double t0 = lrf_clock_seconds();
    enum lrf_status st = lrf_finder_run(&cfg, &cb, &r, &err);
    cli_progress_done(&bar);
    int status = CLI_EXIT_OK;
    if (st == LRF_ERR_INTERRUPTED) {
        cli_errorf("interrupted during the range test for --lr auto");
        status = CLI_EXIT_FAILURE;
    } else if (st != LRF_OK) {
        status = cli_fail(&err);
    } else if (!(isfinite(r->one_cycle_max_lr) && r->one_cycle_max_lr > 0)) {
        cli_errorf("%s: the range test found no learning rate (%s rule)%s%s%s",
                   optional ? "warning: the default one-cycle" : "--lr auto",
                   lrf_finder_rule_name(r->recommended), r->advice[0] ? ": " : "", r->advice,
                   optional ? " Training at the constant --lr instead (--lr L or --schedule SPEC "
                              "chooses)."
                            : "");
        *out = (struct cli_auto_lr){.ran = false};
        status = optional ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    } else {
        *out = (struct cli_auto_lr){.ran = true,
                                    .max_lr = cli_lr_shown(r->one_cycle_max_lr),
                                    .cyclic_base_lr = cli_lr_shown(r->cyclic_base_lr),
                                    .cosine_lr = cli_lr_shown(r->cosine_lr),
                                    .rule = lrf_finder_rule_name(r->recommended),
                                    .steps = (long)r->n,
                                    .seconds = lrf_clock_seconds() - t0};
    }
    lrf_finder_result_destroy(r);
    return status;
}
