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

/* "epochs": [{epoch, train_loss, val_loss, val_accuracy, seconds, samples_per_second,
 * lr}, ...] for ep[0..n). */
void cli_train_epochs_json(struct cli_json *j, const struct lrf_train_epoch *ep, int n);

#endif
