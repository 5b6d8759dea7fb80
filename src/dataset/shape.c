/* The rows as images: the shape decided from the header names, the feature
 * count and the values (lrf_dataset_shape), the caller's override, and the
 * pixel-range check. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dataset/internal.h"

/* Pixel intensities: 8-bit values, or floats scaled into this interval. */
static const float PIXEL_MIN = 0.0f, PIXEL_MAX = 255.0f;

/* The feature counts that are images without any name saying so. */
static const struct {
    size_t features;
    struct lrf_image_shape shape;
    const char *why;
} KNOWN_SIZES[] = {
    {784, {1, 28, 28, LRF_LAYOUT_CHW}, "784 features: the size of MNIST's 28x28 grey images"},
    {3072,
     {3, 32, 32, LRF_LAYOUT_CHW},
     "3072 features: the size of CIFAR's 3x32x32 images, channel planes as its binary files"},
};

/* Header prefixes that number an image's values one after another. */
static const char *const PIXEL_PREFIXES[] = {"pixel", "pixels", "px", "a"};

/* Colour planes: the names of red, green and blue, short and long. */
static const char *const COLOUR_PREFIXES[2][3] = {{"r", "g", "b"}, {"red", "green", "blue"}};

static size_t isqrt(size_t n)
{
    size_t s = 0;
    while ((s + 1) * (s + 1) <= n)
        s++;
    return s;
}

/* name = PREFIX NUMBER: the prefix's length and the number; false otherwise. */
static bool split_name(const char *name, size_t *prefix_len, long *number)
{
    size_t i = 0;
    while (name[i] && !isdigit((unsigned char)name[i]))
        i++;
    if (!name[i] || strlen(name + i) > 9)
        return false;
    char *end;
    *number = strtol(name + i, &end, 10);
    *prefix_len = i;
    return *end == '\0' && i > 0;
}

static bool prefix_is(const char *name, size_t len, const char *prefix)
{
    return strlen(prefix) == len && !strncasecmp(name, prefix, len);
}

/* One prefix numbered from 0 or 1 in order (pixel0..pixel783, a0..a3071):
 * s*s of them a grey image, 3*s*s three channel planes. */
static bool shape_from_numbered(const struct lrf_dataset *ds, struct lrf_image_shape *out,
                                char *why)
{
    size_t d = ds->features, len;
    long first, k;
    const char *n0 = lrf_dataset_feature_name(ds, 0);
    if (!split_name(n0, &len, &first) || (first != 0 && first != 1))
        return false;
    bool known = false;
    for (size_t p = 0; p < sizeof PIXEL_PREFIXES / sizeof *PIXEL_PREFIXES; p++)
        known = known || prefix_is(n0, len, PIXEL_PREFIXES[p]);
    for (size_t j = 0; known && j < d; j++) {
        const char *n = lrf_dataset_feature_name(ds, j);
        size_t l;
        if (!split_name(n, &l, &k) || l != len || strncmp(n, n0, len) || k != first + (long)j)
            return false;
    }
    size_t s1 = isqrt(d), s3 = isqrt(d / 3);
    int c = s1 * s1 == d ? 1 : (d % 3 == 0 && s3 * s3 == d / 3) ? 3 : 0;
    if (!known || !c)
        return false;
    int side = (int)(c == 1 ? s1 : s3);
    *out = (struct lrf_image_shape){c, side, side, LRF_LAYOUT_CHW};
    snprintf(why, DS_SHAPE_WHY_MAX, "header %s..%s: %s %dx%d%s", n0,
             lrf_dataset_feature_name(ds, d - 1), c == 1 ? "a grey" : "3 channel planes of", side,
             side, c == 1 ? " image" : "");
    return true;
}

/* Which colour (0..2) names[j] is in table t and its number; -1 when none. */
static int colour_of(const char *name, int t, long *number)
{
    size_t len;
    if (!split_name(name, &len, number))
        return -1;
    for (int c = 0; c < 3; c++)
        if (prefix_is(name, len, COLOUR_PREFIXES[t][c]))
            return c;
    return -1;
}

/* Feature j of a 3 x k colour image in planes (r0..r[k-1], g0.., b0..) or
 * interleaved (r0,g0,b0,r1,...): its expected plane index and pixel number. */
static void colour_slot(size_t j, size_t k, bool planes, size_t *plane, size_t *pixel)
{
    *plane = planes ? j / k : j % 3;
    *pixel = planes ? j % k : j / 3;
}

/* r0.., g0.., b0.. (or red/green/blue) numbered from 0 or 1: three planes of
 * s*s pixels (chw), or interleaved (hwc). The colours may come in any order. */
static bool shape_from_colours(const struct lrf_dataset *ds, struct lrf_image_shape *out, char *why)
{
    size_t d = ds->features, k = d / 3, side = isqrt(k);
    if (d % 3 || side * side != k || k == 0)
        return false;
    for (int t = 0; t < 2; t++) {
        long first, num;
        int c0 = colour_of(lrf_dataset_feature_name(ds, 0), t, &first);
        int c1 = colour_of(lrf_dataset_feature_name(ds, 1), t, &num);
        if (c0 < 0 || c1 < 0 || (first != 0 && first != 1))
            continue;
        bool planes = c0 == c1 && k > 1, ok = true;
        int order[3] = {-1, -1, -1}; /* the colour of each plane (or position) */
        for (size_t j = 0; ok && j < d; j++) {
            size_t plane, pixel;
            colour_slot(j, k, planes, &plane, &pixel);
            int c = colour_of(lrf_dataset_feature_name(ds, j), t, &num);
            if (order[plane] < 0 && c >= 0)
                order[plane] = c;
            ok = c >= 0 && c == order[plane] && num == first + (long)pixel;
        }
        ok = ok && order[0] != order[1] && order[1] != order[2] && order[0] != order[2];
        if (!ok)
            continue;
        *out = (struct lrf_image_shape){3, (int)side, (int)side,
                                        planes ? LRF_LAYOUT_CHW : LRF_LAYOUT_HWC};
        snprintf(why, DS_SHAPE_WHY_MAX, "header %s..%s: %s of %zux%zu",
                 lrf_dataset_feature_name(ds, 0), lrf_dataset_feature_name(ds, d - 1),
                 planes ? "3 colour planes" : "interleaved colour pixels (hwc)", side, side);
        return true;
    }
    return false;
}

/* ROWxCOL names, 1x1..HxW row by row (a Kaggle MNIST export): a grey image. */
static bool shape_from_grid(const struct lrf_dataset *ds, struct lrf_image_shape *out, char *why)
{
    int h, w;
    char tail;
    const char *last = lrf_dataset_feature_name(ds, ds->features - 1);
    if (sscanf(last, "%dx%d%c", &h, &w, &tail) != 2 || h < 1 || w < 1 ||
        (size_t)h * (size_t)w != ds->features)
        return false;
    for (size_t j = 0; j < ds->features; j++) {
        int y, x;
        const char *n = lrf_dataset_feature_name(ds, j);
        if (sscanf(n, "%dx%d%c", &y, &x, &tail) != 2 ||
            (size_t)(y - 1) * (size_t)w + (size_t)x - 1 != j)
            return false;
    }
    *out = (struct lrf_image_shape){1, h, w, LRF_LAYOUT_CHW};
    snprintf(why, DS_SHAPE_WHY_MAX, "header 1x1..%s: a grey %dx%d image, row by row", last, h, w);
    return true;
}

/* Every feature a numeric column of its own (no one-hot levels, no missing
 * indicators): only such rows can be pixels. */
static bool plain_numeric(const struct lrf_dataset *ds)
{
    struct lrf_dataset_column c;
    size_t features = 0;
    for (size_t j = 0; lrf_dataset_column(ds, j, &c); j++) {
        if (c.role != LRF_COLUMN_FEATURE)
            continue;
        if (c.type != LRF_COLUMN_NUMERIC || c.indicator || c.features != 1)
            return false;
        features++;
    }
    return features == ds->features;
}

static bool shape_from_names(const struct lrf_dataset *ds, struct lrf_image_shape *out, char *why)
{
    if (!ds->has_header || ds->features < 2)
        return false;
    return shape_from_numbered(ds, out, why) || shape_from_colours(ds, out, why) ||
           shape_from_grid(ds, out, why);
}

static bool shape_from_count(const struct lrf_dataset *ds, struct lrf_image_shape *out, char *why)
{
    for (size_t i = 0; i < sizeof KNOWN_SIZES / sizeof *KNOWN_SIZES; i++)
        if (ds->features == KNOWN_SIZES[i].features) {
            *out = KNOWN_SIZES[i].shape;
            snprintf(why, DS_SHAPE_WHY_MAX, "%s", KNOWN_SIZES[i].why);
            return true;
        }
    return false;
}

void ds_decide_shape(struct lrf_dataset *ds, const struct lrf_dataset *ref)
{
    ds->shape = (struct lrf_image_shape){0, 0, 0, LRF_LAYOUT_CHW};
    if (ref && ref->features == ds->features) {
        ds->shape = ref->shape;
        snprintf(ds->shape_why, sizeof ds->shape_why, "%s", ref->shape_why);
        return;
    }
    struct lrf_image_shape s;
    char why[DS_SHAPE_WHY_MAX];
    if (!plain_numeric(ds)) {
        snprintf(ds->shape_why, sizeof ds->shape_why,
                 "some features are encoded from text or missing values");
        return;
    }
    if (!shape_from_names(ds, &s, why) && !shape_from_count(ds, &s, why)) {
        snprintf(ds->shape_why, sizeof ds->shape_why,
                 "no pixel names in the header, and %zu features is not 784 "
                 "(1x28x28) or 3072 (3x32x32)",
                 ds->features);
        return;
    }
    if (ds->vmin < PIXEL_MIN || ds->vmax > PIXEL_MAX) {
        snprintf(ds->shape_why, sizeof ds->shape_why,
                 "%.120s, but the values %g..%g are not pixel intensities "
                 "(0..255)",
                 why, (double)ds->vmin, (double)ds->vmax);
        return;
    }
    ds->shape = s;
    snprintf(ds->shape_why, sizeof ds->shape_why, "%s", why);
}

struct lrf_image_shape lrf_dataset_shape(const struct lrf_dataset *ds)
{
    return ds->shape;
}

const char *lrf_dataset_shape_reason(const struct lrf_dataset *ds)
{
    return ds->shape_why;
}

enum lrf_status lrf_dataset_set_shape(struct lrf_dataset *ds, const struct lrf_image_shape *shape,
                                      const char *why, struct lrf_error *err)
{
    const struct lrf_image_shape *s = shape;
    if (s->channels != 0 || s->height != 0 || s->width != 0) {
        if (s->channels < 1 || s->height < 1 || s->width < 1)
            return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                                 "image shape %dx%dx%d: channels, height and width must be >= 1",
                                 s->channels, s->height, s->width);
        if ((unsigned)s->layout >= LRF_LAYOUT_COUNT)
            return lrf_error_set(err, LRF_ERR_INVALID_ARG, "image layout out of range");
        long long values = (long long)s->channels * s->height * s->width;
        if (values != (long long)ds->features)
            return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                                 "image shape %dx%dx%d (channels x height x width) has %lld "
                                 "values, but the data has %zu features",
                                 s->channels, s->height, s->width, values, ds->features);
    }
    ds->shape = *s;
    snprintf(ds->shape_why, sizeof ds->shape_why, "%s", why ? why : "");
    return LRF_OK;
}

/* The file column of feature j, for messages. */
static size_t column_of_feature(const struct lrf_dataset *ds, size_t j)
{
    struct lrf_dataset_column c;
    for (size_t k = 0; lrf_dataset_column(ds, k, &c); k++)
        if (c.role == LRF_COLUMN_FEATURE && j >= c.first_feature &&
            j < c.first_feature + c.features)
            return k;
    return j;
}

enum lrf_status lrf_dataset_check_pixels(const struct lrf_dataset *ds, struct lrf_error *err)
{
    if (ds->vmin >= PIXEL_MIN && ds->vmax <= PIXEL_MAX)
        return LRF_OK;
    for (size_t j = 0; j < ds->features; j++) {
        float lo, hi;
        lrf_dataset_feature_range(ds, j, &lo, &hi);
        if (lo >= PIXEL_MIN && hi <= PIXEL_MAX)
            continue;
        return lrf_error_set_at(err, LRF_ERR_DATA, lrf_dataset_source(ds), 0, 0,
                                "column '%s' (%zu): values %g..%g, outside %g..%g (pixel "
                                "intensities: 8-bit, or floats such as [0, 1])",
                                lrf_dataset_feature_name(ds, j), column_of_feature(ds, j),
                                (double)lo, (double)hi, (double)PIXEL_MIN, (double)PIXEL_MAX);
    }
    return LRF_OK;
}
