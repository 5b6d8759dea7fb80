/* What lrfind train and the range test's hand-off report about a training: its
 * settings and its epochs, as JSON. */
#ifndef LRF_CLI_TRAIN_REPORT_H
#define LRF_CLI_TRAIN_REPORT_H

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

#endif
