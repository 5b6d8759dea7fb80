/* `--lr auto` where no range test was asked for: lrfind train runs one first (the range
 * test's defaults, on the trainer it is about to train) when --lr is auto or the --schedule
 * SPEC needs a suggestion (max_lr=auto, or an lr key left out: 'onecycle'). The finder
 * restores the model, so the training that follows starts from the same state as the range
 * test's own --train. What auto means:
 *   - lr keys of a SPEC (max_lr, cyclic's max_lr): the suggested max_lr; cyclic's base_lr
 *     left out: the report's cyclic lower bound (a quarter of it);
 *   - --lr auto, the optimizer's own lr (constant training, schedules that scale it such as
 *     cosine or step): the report's "cosine" lr, a third of the suggestion, the lr for a
 *     schedule that starts at its peak without a warm-up.
 * Every value as printed (3 significant digits), so the printed command reproduces the run. */
#ifndef LRF_CLI_TRAIN_AUTO_H
#define LRF_CLI_TRAIN_AUTO_H

#include <stdbool.h>

#include "cli/progress.h"
#include "lrf/finder.h"
#include "lrf/train.h"

struct cli_auto_lr {
    bool ran;
    double max_lr, cyclic_base_lr, cosine_lr;
    const char *rule; /* the recommended rule's name */
    long steps;       /* the sweep's */
    double seconds;
};

/* The range test's callbacks with the trainer t as the client (its step, snapshot,
 * restore, reseed; eval and the regimes' trial when with_eval: it has validation rows),
 * bar (when not NULL) as the progress observer and Ctrl-C as the interrupt: one
 * definition for the range test and for --lr auto. */
struct lrf_finder_callbacks cli_trainer_callbacks(struct lrf_trainer *t, bool with_eval,
                                                  struct cli_progress *bar);

/* The finder's trial callback for the built-in trainer (user = the trainer):
 * lrf_trainer_trial that also stops on Ctrl-C. */
enum lrf_status cli_trainer_trial(void *trainer, double max_lr, long total_steps, double *loss,
                                  double *metric);

/* The trials' automatic budget: about half a minute of one core. Their cost is known
 * before they run (candidates x run length x batch x the model's multiply-adds), so the
 * choice is the same on every machine. */
#define CLI_TRIAL_FLOPS_MAX 2e12

/* The parts of the finder's config that come from the trainer: its batches per epoch
 * (the regimes) and the n_val rows its trials score on; with cfg->trials auto, trials
 * that would cost more than CLI_TRIAL_FLOPS_MAX are turned off. Returns their cost in
 * floating-point operations (set cfg->total_steps first). */
double cli_trainer_finder_config(struct lrf_finder_config *cfg, struct lrf_trainer *t,
                                 size_t n_val);

/* True when spec (NULL = none) parses only with a range test's suggestion. */
bool cli_spec_needs_suggestion(const char *spec);

/* Runs the range test on t for a hand-off of run_steps optimizer steps (the schedules'
 * length), with its regimes and, on n_val > 0 validation rows, its trials: the answer of
 * the range test's own --train. CLI_EXIT_OK with *out filled; else the exit code, the
 * error printed (no suggestion: the finder's advice). optional (lrfind train's default
 * schedule, not asked for): no suggestion is a warning, CLI_EXIT_OK with out->ran false. */
int cli_train_auto_lr(struct lrf_trainer *t, long run_steps, size_t n_val, bool progress,
                      bool optional, struct cli_auto_lr *out);

#endif
