/* lrfind train --save (see model_save.h). */
#include "cli/model_save.h"

#include "lrf/model_file.h"

enum lrf_status cli_save_model(const char *path, struct lrf_trainer *t,
                               const struct cli_train_data *d, const char *info,
                               struct lrf_error *err)
{
    /* The trainer evaluates in batches of its batch size; predictions reproduce it. */
    struct lrf_model_file_parts parts = {
        .model = lrf_trainer_model(t),
        .train = d->train,
        .norm = d->norm,
        .target_mean = 0.0, /* classification: none */
        .target_std = 1.0,
        .batch = (int)lrf_trainer_config(t)->batch_size,
        .info = info,
    };
    if (lrf_trainer_task(t) == LRF_TASK_REGRESSION) /* the targets' standardization */
        lrf_trainer_target_scale(t, &parts.target_mean, &parts.target_std);
    return lrf_model_file_save(path, &parts, err);
}
