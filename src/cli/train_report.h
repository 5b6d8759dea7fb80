/* What lrfind train and the range test's hand-off report about a training: its
 * settings and its epochs, as JSON. */
#ifndef LRF_CLI_TRAIN_REPORT_H
#define LRF_CLI_TRAIN_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/json.h"
#include "cli/train_options.h"
#include "lrf/train.h"

/* The training settings that ran, as fields of the open object: optimizer, lr,
 * momentum, weight_decay, batch (batch_requested too when --batch was capped to the
 * training rows), accumulate, seed, val_split (null when a --val file or the built-in
 * test part validates), normalize. */
void cli_train_config_json(struct cli_json *j, const struct cli_train_options *o,
                           const struct lrf_train_config *c);

/* " (--batch N capped to the training rows)" when it was, else "". */
const char *cli_batch_note(const struct cli_train_options *o, const struct lrf_train_config *c,
                           char *buf, size_t size);

/* "epochs": [{epoch, train_loss, val_loss, val_accuracy (classification) or val_rmse and
 * val_r2 (regression), seconds, samples_per_second, lr}, ...] for ep[0..n). */
void cli_train_epochs_json(struct cli_json *j, enum lrf_task task, const struct lrf_train_epoch *ep,
                           int n);

/* The validation metrics of the task as fields: val_accuracy, or val_rmse and val_r2. */
void cli_train_metrics_json(struct cli_json *j, enum lrf_task task,
                            const struct lrf_train_epoch *e);

/* The validation metrics of the task as text, the words joined by sep ('_' or ' '):
 * "val_accuracy 0.9123", or "val_rmse 3.1234  val_r2 0.8712". Returns buf. */
const char *cli_train_metrics_text(enum lrf_task task, const struct lrf_train_epoch *e, char sep,
                                   char *buf, size_t size);

/* The trainer's loss as the reports name it: "cross-entropy", or for regression
 * "MSE of the standardized target (mean M, std S)". Returns buf. */
const char *cli_train_loss_text(const struct lrf_trainer *t, char *buf, size_t size);

/* The one epoch line of every training report (lrfind train, the range test's --train):
 * "epoch 2/3  train_loss 0.6193  val_loss 0.6032  val_accuracy 0.7647  0.02 s  18627
 * samples/s" (regression: val_rmse and val_r2), after indent. */
void cli_train_print_epoch(FILE *fp, const char *indent, enum lrf_task task,
                           const struct lrf_train_epoch *e, int epochs);

/* Watches validation accuracy for a collapse to chance: the accuracy of always predicting
 * the validation rows' most frequent class. */
struct cli_chance_watch {
    double chance; /* NaN: nothing to watch (no validation rows, regression) */
    double best;   /* best validation accuracy so far */
    bool warned;
};
void cli_chance_watch_init(struct cli_chance_watch *w, const struct lrf_train_data *d);
/* After epoch e of epochs: warns once on stderr when the accuracy is at chance level (within
 * CLI_CHANCE_MARGIN) after an earlier epoch was clearly above it, or still at the last. */
void cli_chance_watch_epoch(struct cli_chance_watch *w, const struct lrf_train_epoch *e,
                            int epochs);

#endif
