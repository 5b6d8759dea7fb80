/* Image shapes: how the C*H*W values of one row are ordered. One definition
 * shared by the dataset (shape detection, per-channel statistics, augmentation)
 * and the model (its input). */
#ifndef LRF_IMAGE_H
#define LRF_IMAGE_H

#include <stdbool.h>

#include "lrf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the n_inputs = C*H*W floats of one sample are ordered. */
enum lrf_layout {
    LRF_LAYOUT_CHW = 0, /* channel planes, x[c][y][x] (PyTorch, CIFAR binary, OpenML) */
    LRF_LAYOUT_HWC = 1, /* interleaved pixels, x[y][x][c] (image files, NumPy HWC) */
    LRF_LAYOUT_COUNT
};

/* "chw" or "hwc"; parse returns LRF_ERR_INVALID_ARG for anything else. */
const char *lrf_layout_name(enum lrf_layout layout);
enum lrf_status lrf_layout_parse(const char *text, enum lrf_layout *out, struct lrf_error *err);

/* An image's shape; channels == 0 (all zero) means "not an image". */
struct lrf_image_shape {
    int channels, height, width;
    enum lrf_layout layout;
};

/* Index of value (c, y, x) in a row of this shape. */
static inline long lrf_image_index(const struct lrf_image_shape *s, int c, int y, int x)
{
    return s->layout == LRF_LAYOUT_CHW ? ((long)c * s->height + y) * s->width + x
                                       : ((long)y * s->width + x) * s->channels + c;
}

/* Parses "C,H,W" (each 1..65535, e.g. "3,32,32") or "none" (all zero). */
enum lrf_status lrf_image_shape_parse(const char *text, struct lrf_image_shape *out,
                                      struct lrf_error *err);

#ifdef __cplusplus
}
#endif

#endif
