/* Augmentation of training images as a batch is gathered: the CIFAR recipe's
 * transforms.RandomCrop(size, padding=4) then RandomHorizontalFlip(), drawn
 * per sample from an RNG the caller derives from the iterator's state. */
#include <string.h>

#include "dataset/internal.h"

/* RandomCrop's padding: the image moves by up to this many pixels each way. */
enum { CROP_PAD = 4 };

static const struct {
    unsigned flags;
    const char *name;
} AUGMENT_NAMES[] = {
    {LRF_AUGMENT_NONE, "none"},
    {LRF_AUGMENT_FLIP, "flip"},
    {LRF_AUGMENT_CROP, "crop"},
    {LRF_AUGMENT_ALL, "flip,crop"},
};

const char *lrf_augment_name(unsigned augment)
{
    for (size_t i = 0; i < sizeof AUGMENT_NAMES / sizeof *AUGMENT_NAMES; i++)
        if (AUGMENT_NAMES[i].flags == augment)
            return AUGMENT_NAMES[i].name;
    return "unknown";
}

enum lrf_status lrf_augment_parse(const char *text, unsigned *out, struct lrf_error *err)
{
    unsigned flags = 0;
    const char *p = text ? text : "";
    if (!strcmp(p, "none")) {
        *out = LRF_AUGMENT_NONE;
        return LRF_OK;
    }
    while (*p) {
        size_t len = strcspn(p, ",");
        unsigned f = len == 4 && !strncmp(p, "flip", 4)   ? LRF_AUGMENT_FLIP
                     : len == 4 && !strncmp(p, "crop", 4) ? LRF_AUGMENT_CROP
                                                          : 0;
        if (!f || (flags & f))
            break;
        flags |= f;
        p += len;
        if (*p == ',' && p[1] == '\0')
            break;
        p += *p == ',';
    }
    if (*p || !flags)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "expected flip, crop, flip,crop or none, got '%s'",
                             text ? text : "(null)");
    *out = flags;
    return LRF_OK;
}

/* dst = src shifted by (dy, dx) and mirrored when flip (dst[y][x] =
 * src[y + dy][W-1-x + dx], or src[y + dy][x + dx]), 0 outside src. */
static void transform(const struct lrf_image_shape *s, const float *src, float *dst, int dy, int dx,
                      bool flip)
{
    for (int c = 0; c < s->channels; c++)
        for (int y = 0; y < s->height; y++) {
            int ys = y + dy;
            for (int x = 0; x < s->width; x++) {
                int xs = (flip ? s->width - 1 - x : x) + dx;
                bool in = ys >= 0 && ys < s->height && xs >= 0 && xs < s->width;
                dst[lrf_image_index(s, c, y, x)] = in ? src[lrf_image_index(s, c, ys, xs)] : 0.0f;
            }
        }
}

void ds_gather_augmented(const struct ds_augment *a, const uint32_t *rows, size_t n, float *x,
                         int32_t *y, struct lrf_rng *rng)
{
    const struct lrf_dataset *ds = a->ds;
    size_t d = ds->features;
    const float *shift = a->norm ? lrf_norm_shift(a->norm) : NULL;
    const float *scale = a->norm ? lrf_norm_scale(a->norm) : NULL;
    bool normalize = a->norm && lrf_norm_kind(a->norm) != LRF_NORMALIZE_NONE;
    for (size_t i = 0; i < n; i++) {
        /* The raw image moves (padding is a raw 0, black), then it is normalized. */
        lrf_dataset_gather(ds, NULL, rows + i, 1, a->scratch, y ? y + i : NULL);
        int dy = 0, dx = 0;
        if (a->flags & LRF_AUGMENT_CROP) {
            dy = (int)lrf_rng_below(rng, 2 * CROP_PAD + 1) - CROP_PAD;
            dx = (int)lrf_rng_below(rng, 2 * CROP_PAD + 1) - CROP_PAD;
        }
        bool flip = (a->flags & LRF_AUGMENT_FLIP) && lrf_rng_uniform(rng) < 0.5;
        float *row = x + i * d;
        transform(&a->shape, a->scratch, row, dy, dx, flip);
        if (normalize)
            for (size_t j = 0; j < d; j++)
                row[j] = (row[j] - shift[j]) * scale[j];
    }
}
