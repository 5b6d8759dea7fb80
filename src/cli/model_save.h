/* lrfind train --save MODEL.lrf: the trained model with everything a prediction needs
 * (lrf/model_file.h), for lrfind predict. */
#ifndef LRF_CLI_MODEL_SAVE_H
#define LRF_CLI_MODEL_SAVE_H

#include "cli/train_options.h"
#include "lrf/train.h"

/* Writes path atomically from the trainer's model and the data's encoders and
 * normalization; info says how it was trained (kept in the file). */
enum lrf_status cli_save_model(const char *path, struct lrf_trainer *t,
                               const struct cli_train_data *d, const char *info,
                               struct lrf_error *err);

#endif
