/* The model the range test and `lrfind train` use for the loaded data: --model,
 * else the CNN for images (PLAN.md "The CNN"), else the MLP; and the checks that
 * it fits the data, as usage errors naming the numbers before any training. */
#include <stdio.h>
#include <string.h>

#include "cli/train_options.h"

/* What the default CNN is; images smaller than its pooling get the MLP instead. */
#define DEFAULT_IMAGE_MODEL "cnn"

static const char *data_name(const struct cli_train_options *o)
{
    return o->data ? o->data : "builtin:train";
}

bool cli_train_model_uses_images(const struct cli_train_data *d)
{
    return d->model.arch == LRF_ARCH_CNN;
}

/* --model, else the CNN when the rows are images large enough for it, else the
 * MLP; d->model_why says why when it was not --model. */
static void choose(const struct cli_train_options *o, struct cli_train_data *d)
{
    struct lrf_image_shape s = lrf_dataset_shape(d->train);
    d->model = o->model;
    d->model_why[0] = '\0';
    if (o->model_set || s.channels == 0)
        return;
    struct lrf_model_config cnn = o->model;
    lrf_model_parse_spec(DEFAULT_IMAGE_MODEL, &cnn, NULL);
    char spec[128];
    lrf_model_format_spec(&cnn, spec, sizeof spec);
    long need = 1L << cnn.n_hidden;
    if (s.height < need || s.width < need) {
        snprintf(d->model_why, sizeof d->model_why,
                 "the default: %dx%d images are too small for %s, whose %d poolings need %ldx%ld",
                 s.height, s.width, spec, cnn.n_hidden, need, need);
        return;
    }
    d->model = cnn;
    snprintf(d->model_why, sizeof d->model_why,
             "the default for %dx%dx%d images; --model mlp "
             "for the MLP",
             s.channels, s.height, s.width);
}

/* The rows' values are pixel intensities when the rows are read as images (the
 * CNN, --augment) or said to be (--shape), unless --normalize none says they are
 * already normalized. */
static enum lrf_status check_pixels(const struct cli_train_options *o,
                                    const struct cli_train_data *d, struct lrf_error *err)
{
    bool images = cli_train_model_uses_images(d) || o->augment ||
                  (o->image.shape_set && o->image.shape.channels);
    if (!images || o->normalize == LRF_NORMALIZE_NONE)
        return LRF_OK;
    const struct lrf_dataset *sets[2] = {d->train, d->val};
    for (int i = 0; i < 2; i++) {
        struct lrf_error e;
        if (!sets[i] || lrf_dataset_check_pixels(sets[i], &e) == LRF_OK)
            continue;
        char where[LRF_ERROR_MESSAGE_MAX + LRF_ERROR_FILE_MAX + 8];
        lrf_error_format(&e, where, sizeof where);
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "%.700s; images need pixel values: if these are already "
                             "normalized, say so with --normalize none",
                             where);
    }
    return LRF_OK;
}

enum lrf_status cli_train_model_decide(const struct cli_train_options *o, struct cli_train_data *d,
                                       struct lrf_error *err)
{
    choose(o, d);
    struct lrf_image_shape s = lrf_dataset_shape(d->train);
    char spec[128];
    lrf_model_format_spec(&d->model, spec, sizeof spec);
    if (cli_train_model_uses_images(d) && s.channels == 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "%s: --model %s needs images, and the %zu features are not: %s; "
                             "give their shape with --shape C,H,W",
                             data_name(o), spec, lrf_dataset_features(d->train),
                             lrf_dataset_shape_reason(d->train));
    if (o->augment && s.channels == 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "%s: --augment %s needs images, and the %zu features are not: %s; "
                             "give their shape with --shape C,H,W",
                             data_name(o), lrf_augment_name(o->augment),
                             lrf_dataset_features(d->train), lrf_dataset_shape_reason(d->train));
    if (s.channels) {
        d->model.channels = s.channels, d->model.height = s.height, d->model.width = s.width;
        d->model.layout = s.layout;
    }
    /* The model's own checks of shape and pooling, with stand-ins for what the
     * trainer fills in later (outputs, batch, optimizer). */
    struct lrf_model_config c = d->model;
    struct lrf_error e;
    c.n_inputs = (int)lrf_dataset_features(d->train);
    c.n_classes = 2, c.loss = LRF_LOSS_CROSS_ENTROPY, c.max_batch = 1, c.optim_slots = 0;
    if (lrf_model_config_check(&c, &e) != LRF_OK)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "%s: --model %s: %s", data_name(o), spec,
                             e.message);
    return check_pixels(o, d, err);
}
