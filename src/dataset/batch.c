/* Splits, normalization and batches: everything that turns stored rows into
 * the float batches a model consumes. Nothing here allocates after create. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

/* A feature whose spread is below this is constant: dividing by it would
 * blow noise up, so it is left unscaled (as the issue specifies). */
static const double NORM_MIN_SPREAD = 1e-8;

/* Up to 2^24 rows, n*sumsq and sum^2 of uint8 values (<= 2^48 * 255^2) fit in 64 bits. */
static const size_t EXACT_VARIANCE_ROWS = (size_t)1 << 24;

/* ---- split -------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

enum lrf_status lrf_dataset_split(const struct lrf_dataset *ds, double val_fraction, uint64_t seed,
                                  struct lrf_split *out, struct lrf_error *err)
{
    memset(out, 0, sizeof *out);
    if (!(val_fraction >= 0.0 && val_fraction < 1.0))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "val_fraction must be in [0, 1), got %g",
                             val_fraction);
    size_t n = ds->rows;
    size_t n_val = (size_t)floor(val_fraction * (double)n + 0.5);
    if (n_val >= n)
        n_val = n - 1;
    if (val_fraction > 0.0 && n_val == 0)
        n_val = n > 1 ? 1 : 0;
    uint32_t *all = malloc((n ? n : 1) * sizeof *all);
    uint32_t *val = malloc((n_val ? n_val : 1) * sizeof *val);
    if (!all || !val) {
        free(all);
        free(val);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the split");
    }
    for (size_t i = 0; i < n; i++)
        all[i] = (uint32_t)i;
    struct lrf_rng rng = lrf_rng_seeded(seed);
    lrf_rng_shuffle_u32(&rng, all, n);
    memcpy(val, all + (n - n_val), n_val * sizeof *val);
    qsort(all, n - n_val, sizeof *all, cmp_u32);
    qsort(val, n_val, sizeof *val, cmp_u32);
    out->train = all;
    out->n_train = n - n_val;
    out->val = val;
    out->n_val = n_val;
    return LRF_OK;
}

void lrf_split_free(struct lrf_split *split)
{
    if (!split)
        return;
    free(split->train);
    free(split->val);
    memset(split, 0, sizeof *split);
}

/* ---- normalization ------------------------------------------------------ */

struct lrf_norm {
    enum lrf_normalize kind;
    size_t features;
    bool per_channel;
    float *shift; /* (D) */
    float *scale; /* (D) */
};

const char *lrf_normalize_name(enum lrf_normalize kind)
{
    switch (kind) {
    case LRF_NORMALIZE_STANDARD:
        return "standard";
    case LRF_NORMALIZE_MINMAX:
        return "minmax";
    case LRF_NORMALIZE_NONE:
        return "none";
    default:
        return "unknown";
    }
}

enum lrf_status lrf_normalize_parse(const char *text, enum lrf_normalize *out,
                                    struct lrf_error *err)
{
    for (int k = 0; k < LRF_NORMALIZE_COUNT; k++)
        if (text && !strcmp(text, lrf_normalize_name((enum lrf_normalize)k))) {
            *out = (enum lrf_normalize)k;
            return LRF_OK;
        }
    return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                         "normalize: expected standard, minmax or none, got '%s'",
                         text ? text : "(null)");
}

static inline float value_at(const struct lrf_dataset *ds, size_t row, size_t j)
{
    return ds->storage == LRF_STORAGE_UINT8 ? (float)ds->u8[row * ds->features + j]
                                            : ds->f32[row * ds->features + j];
}

/* Per-feature mean (a) and population variance (b) of uint8 data: integer sums
 * are exact and one branch-free pass vectorizes, where the float path below
 * needs two passes in double. */
static void moments_u8(const struct lrf_dataset *ds, const uint32_t *rows, size_t n, double *a,
                       double *b, uint64_t *sum, uint64_t *sumsq)
{
    size_t d = ds->features;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *v = ds->u8 + (size_t)(rows ? rows[i] : i) * d;
        for (size_t j = 0; j < d; j++) {
            uint64_t x = v[j];
            sum[j] += x;
            sumsq[j] += x * x;
        }
    }
    double nn = (double)n;
    for (size_t j = 0; j < d; j++) {
        a[j] = (double)sum[j] / nn;
        if (n <= EXACT_VARIANCE_ROWS) /* n*sumsq - sum^2 = n^2 variance, exactly */
            b[j] = (double)(n * sumsq[j] - sum[j] * sum[j]) / (nn * nn);
        else
            b[j] = fmax(0.0, ((double)sumsq[j] - (double)sum[j] * a[j]) / nn);
    }
}

/* The same for float32 data: two passes (mean, then squared deviations) in
 * double, stable for features with a large offset and a small spread. */
static void moments_f32(const struct lrf_dataset *ds, const uint32_t *rows, size_t n, double *a,
                        double *b)
{
    size_t d = ds->features;
    for (size_t i = 0; i < n; i++) {
        const float *v = ds->f32 + (size_t)(rows ? rows[i] : i) * d;
        for (size_t j = 0; j < d; j++)
            a[j] += (double)v[j];
    }
    for (size_t j = 0; j < d; j++)
        a[j] /= (double)n;
    for (size_t i = 0; i < n; i++) {
        const float *v = ds->f32 + (size_t)(rows ? rows[i] : i) * d;
        for (size_t j = 0; j < d; j++) {
            double dv = (double)v[j] - a[j];
            b[j] += dv * dv;
        }
    }
    for (size_t j = 0; j < d; j++)
        b[j] /= (double)n;
}

/* shift = mean, scale = 1/std (population std, as numpy's default). */
static void fit_standard(const struct lrf_dataset *ds, const uint32_t *rows, size_t n,
                         struct lrf_norm *nm, double *a, double *b, uint64_t *sums)
{
    size_t d = ds->features;
    if (ds->storage == LRF_STORAGE_UINT8)
        moments_u8(ds, rows, n, a, b, sums, sums + d);
    else
        moments_f32(ds, rows, n, a, b);
    for (size_t j = 0; j < d; j++) {
        double sd = sqrt(b[j]);
        nm->shift[j] = (float)a[j];
        nm->scale[j] = (float)(1.0 / (sd < NORM_MIN_SPREAD ? 1.0 : sd));
    }
}

/* shift = min, scale = 1/(max - min). */
static void fit_minmax(const struct lrf_dataset *ds, const uint32_t *rows, size_t n,
                       struct lrf_norm *nm, double *a, double *b)
{
    size_t d = ds->features;
    for (size_t j = 0; j < d; j++) {
        a[j] = INFINITY;
        b[j] = -INFINITY;
    }
    for (size_t i = 0; i < n; i++) {
        size_t r = rows ? rows[i] : i;
        for (size_t j = 0; j < d; j++) {
            double v = (double)value_at(ds, r, j);
            a[j] = v < a[j] ? v : a[j];
            b[j] = v > b[j] ? v : b[j];
        }
    }
    for (size_t j = 0; j < d; j++) {
        double range = b[j] - a[j];
        nm->shift[j] = (float)a[j];
        nm->scale[j] = (float)(1.0 / (range < NORM_MIN_SPREAD ? 1.0 : range));
    }
}

/* A categorical column's one-hot levels stay 0/1, as scikit-learn's pipeline leaves
 * OneHotEncoder's output unscaled: standardizing a level that a few rows have would
 * turn its 1 into ~1/sqrt(share), an input far larger than any other, which the
 * model then fits to those rows. A missing indicator is scaled with the numbers, as
 * SimpleImputer(add_indicator=True) followed by StandardScaler does. */
static void keep_one_hot(const struct lrf_dataset *ds, struct lrf_norm *nm)
{
    struct lrf_dataset_column c;
    for (size_t k = 0; lrf_dataset_column(ds, k, &c); k++) {
        if (c.role != LRF_COLUMN_FEATURE || c.type != LRF_COLUMN_CATEGORICAL)
            continue;
        for (size_t j = c.first_feature; j < c.first_feature + c.features && j < nm->features;
             j++) {
            nm->shift[j] = 0.0f;
            nm->scale[j] = 1.0f;
        }
    }
}

/* Per channel of an image: the features' statistics (a, b: mean and population
 * variance, or min and max) combined over each channel's pixels, which all have
 * the same count of rows: the mean of the means, and the mean of the variances
 * plus the variance of the means (the exact pooled variance). */
static void fit_channels(const struct lrf_image_shape *shape, struct lrf_norm *nm, const double *a,
                         const double *b)
{
    size_t d = nm->features, pixels = d / (size_t)shape->channels;
    for (int c = 0; c < shape->channels; c++) {
        double lo = INFINITY, hi = -INFINITY, mean = 0, var = 0;
        for (int y = 0; y < shape->height; y++)
            for (int x = 0; x < shape->width; x++) {
                size_t j = (size_t)lrf_image_index(shape, c, y, x);
                mean += a[j];
                lo = fmin(lo, a[j]);
                hi = fmax(hi, b[j]);
            }
        mean /= (double)pixels;
        for (int y = 0; y < shape->height; y++)
            for (int x = 0; x < shape->width; x++) {
                size_t j = (size_t)lrf_image_index(shape, c, y, x);
                var += b[j] + (a[j] - mean) * (a[j] - mean);
            }
        var /= (double)pixels;
        double shift = nm->kind == LRF_NORMALIZE_STANDARD ? mean : lo;
        double spread = nm->kind == LRF_NORMALIZE_STANDARD ? sqrt(var) : hi - lo;
        for (int y = 0; y < shape->height; y++)
            for (int x = 0; x < shape->width; x++) {
                size_t j = (size_t)lrf_image_index(shape, c, y, x);
                nm->shift[j] = (float)shift;
                nm->scale[j] = (float)(1.0 / (spread < NORM_MIN_SPREAD ? 1.0 : spread));
            }
    }
}

/* lrf_norm_create, and per channel of shape when it is not NULL. */
static enum lrf_status norm_create(const struct lrf_dataset *ds, const uint32_t *rows, size_t n,
                                   enum lrf_normalize kind, const struct lrf_image_shape *shape,
                                   struct lrf_norm **out, struct lrf_error *err)
{
    if ((unsigned)kind >= LRF_NORMALIZE_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "normalize: unknown kind %d", (int)kind);
    if (!rows)
        n = ds->rows;
    if (n == 0 && kind != LRF_NORMALIZE_NONE)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "normalize: no rows to compute it from");
    size_t d = ds->features;
    struct lrf_norm *nm = calloc(1, sizeof *nm);
    double *a = calloc(d, sizeof *a), *b = calloc(d, sizeof *b);
    uint64_t *sums = calloc(2 * d, sizeof *sums);
    if (nm) {
        nm->shift = calloc(d, sizeof(float));
        nm->scale = malloc(d * sizeof(float));
    }
    bool ok = nm && a && b && sums && nm->shift && nm->scale;
    if (ok) {
        nm->kind = kind;
        nm->features = d;
        for (size_t j = 0; j < d; j++)
            nm->scale[j] = 1.0f;
        if (kind == LRF_NORMALIZE_STANDARD)
            fit_standard(ds, rows, n, nm, a, b, sums);
        else if (kind == LRF_NORMALIZE_MINMAX)
            fit_minmax(ds, rows, n, nm, a, b);
        keep_one_hot(ds, nm); /* images have no one-hot levels: no effect on channels */
        nm->per_channel = shape != NULL;
        if (shape && kind != LRF_NORMALIZE_NONE)
            fit_channels(shape, nm, a, b);
    }
    free(sums);
    free(a);
    free(b);
    if (!ok) {
        lrf_norm_destroy(nm);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for normalization");
    }
    *out = nm;
    return LRF_OK;
}

enum lrf_status lrf_norm_create_from(enum lrf_normalize kind, size_t features, const float *shift,
                                     const float *scale, struct lrf_norm **out,
                                     struct lrf_error *err)
{
    if ((unsigned)kind >= LRF_NORMALIZE_COUNT || features == 0 || !shift || !scale)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "normalize: a kind, features > 0, shift and scale are required");
    struct lrf_norm *nm = calloc(1, sizeof *nm);
    if (nm) {
        nm->shift = malloc(features * sizeof(float));
        nm->scale = malloc(features * sizeof(float));
    }
    if (!nm || !nm->shift || !nm->scale) {
        lrf_norm_destroy(nm);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    }
    nm->kind = kind;
    nm->features = features;
    memcpy(nm->shift, shift, features * sizeof(float));
    memcpy(nm->scale, scale, features * sizeof(float));
    *out = nm;
    return LRF_OK;
}

enum lrf_status lrf_norm_create(const struct lrf_dataset *ds, const uint32_t *rows, size_t n,
                                enum lrf_normalize kind, struct lrf_norm **out,
                                struct lrf_error *err)
{
    return norm_create(ds, rows, n, kind, NULL, out, err);
}

enum lrf_status lrf_norm_create_per_channel(const struct lrf_dataset *ds, const uint32_t *rows,
                                            size_t n, enum lrf_normalize kind,
                                            struct lrf_norm **out, struct lrf_error *err)
{
    if (ds->shape.channels < 1)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "per-channel normalization needs images: the rows have no image "
                             "shape (%s)",
                             ds->shape_why);
    return norm_create(ds, rows, n, kind, &ds->shape, out, err);
}

void lrf_norm_destroy(struct lrf_norm *norm)
{
    if (!norm)
        return;
    free(norm->shift);
    free(norm->scale);
    free(norm);
}

enum lrf_normalize lrf_norm_kind(const struct lrf_norm *norm)
{
    return norm->kind;
}

size_t lrf_norm_features(const struct lrf_norm *norm)
{
    return norm->features;
}

bool lrf_norm_per_channel(const struct lrf_norm *norm)
{
    return norm->per_channel;
}

const float *lrf_norm_shift(const struct lrf_norm *norm)
{
    return norm->shift;
}

const float *lrf_norm_scale(const struct lrf_norm *norm)
{
    return norm->scale;
}

/* ---- gathering ---------------------------------------------------------- */

static inline void gather_row(const struct lrf_dataset *ds, const struct lrf_norm *norm, size_t r,
                              float *x)
{
    size_t d = ds->features;
    if (ds->storage == LRF_STORAGE_UINT8) {
        const uint8_t *s = ds->u8 + r * d;
        if (norm && norm->kind != LRF_NORMALIZE_NONE)
            for (size_t j = 0; j < d; j++)
                x[j] = ((float)s[j] - norm->shift[j]) * norm->scale[j];
        else
            for (size_t j = 0; j < d; j++)
                x[j] = (float)s[j];
    } else {
        const float *s = ds->f32 + r * d;
        if (norm && norm->kind != LRF_NORMALIZE_NONE)
            for (size_t j = 0; j < d; j++)
                x[j] = (s[j] - norm->shift[j]) * norm->scale[j];
        else
            memcpy(x, s, d * sizeof(float));
    }
}

void lrf_dataset_gather(const struct lrf_dataset *ds, const struct lrf_norm *norm,
                        const uint32_t *rows, size_t n, float *x, int32_t *y)
{
    for (size_t i = 0; i < n; i++) {
        gather_row(ds, norm, rows[i], x + i * ds->features);
        if (y)
            y[i] = ds->labels[rows[i]];
    }
}

void lrf_dataset_gather_targets(const struct lrf_dataset *ds, const uint32_t *rows, size_t n,
                                float *t)
{
    for (size_t i = 0; i < n; i++)
        t[i] = ds->targets ? ds->targets[rows[i]] : 0.0f;
}

void lrf_dataset_gather_range(const struct lrf_dataset *ds, const struct lrf_norm *norm,
                              size_t first, size_t n, float *x, int32_t *y)
{
    for (size_t i = 0; i < n; i++) {
        gather_row(ds, norm, first + i, x + i * ds->features);
        if (y)
            y[i] = ds->labels[first + i];
    }
}

/* ---- batch iterator ----------------------------------------------------- */

struct lrf_batch_iter {
    const struct lrf_dataset *ds;
    const struct lrf_norm *norm;
    struct lrf_batch_config cfg;
    struct ds_augment augment; /* used when cfg.augment */
    uint32_t *rows;            /* (n) the subset in the caller's order */
    uint32_t *order;           /* (n) the current epoch's order */
    size_t n;
    struct lrf_batch_state state;
    struct lrf_rng rng;        /* draws the next epoch's order */
    size_t last_first, last_n; /* the batch last returned: order[first, first + n) */
};

struct lrf_batch_config lrf_batch_config_default(void)
{
    return (struct lrf_batch_config){
        .batch_size = 128, .seed = 0, .shuffle = true, .drop_last = true};
}

/* Each epoch's order is the subset shuffled from a saved RNG state, so an
 * epoch can be rebuilt from (epoch_rng) alone: that is what makes the state a
 * small value. */
static void begin_epoch(struct lrf_batch_iter *it, struct lrf_rng epoch_rng)
{
    it->state.epoch_rng = epoch_rng;
    it->state.cursor = 0;
    memcpy(it->order, it->rows, it->n * sizeof *it->order);
    it->rng = epoch_rng;
    if (it->cfg.shuffle)
        lrf_rng_shuffle_u32(&it->rng, it->order, it->n);
}

enum lrf_status lrf_batch_iter_create(const struct lrf_dataset *ds, const struct lrf_norm *norm,
                                      const uint32_t *rows, size_t n,
                                      const struct lrf_batch_config *cfg,
                                      struct lrf_batch_iter **out, struct lrf_error *err)
{
    struct lrf_batch_config c = cfg ? *cfg : lrf_batch_config_default();
    if (!rows)
        n = ds->rows;
    if (c.batch_size < 1)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "batch_size must be >= 1");
    if (n < 1 || (c.drop_last && n < c.batch_size))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "batch_size %zu is larger than the %zu rows to iterate", c.batch_size,
                             n);
    if (norm && norm->features != ds->features)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "normalization has %zu features, the dataset %zu", norm->features,
                             ds->features);
    if (n > UINT32_MAX)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "too many rows (%zu)", n);
    if (c.augment & ~(unsigned)LRF_AUGMENT_ALL)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "unknown augmentation flags 0x%x",
                             c.augment);
    if (c.augment && ds->shape.channels < 1)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "augmentation needs images: the rows have no image shape (%s)",
                             ds->shape_why);
    struct lrf_batch_iter *it = calloc(1, sizeof *it);
    if (it) {
        it->rows = malloc(n * sizeof *it->rows);
        it->order = malloc(n * sizeof *it->order);
        it->augment = (struct ds_augment){ds, norm, ds->shape, c.augment, NULL};
        if (c.augment)
            it->augment.scratch = malloc(ds->features * sizeof(float));
    }
    if (!it || !it->rows || !it->order || (c.augment && !it->augment.scratch)) {
        lrf_batch_iter_destroy(it);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the batch iterator");
    }
    it->ds = ds;
    it->norm = norm;
    it->cfg = c;
    it->n = n;
    for (size_t i = 0; i < n; i++) {
        it->rows[i] = rows ? rows[i] : (uint32_t)i;
        if (it->rows[i] >= ds->rows) {
            lrf_batch_iter_destroy(it);
            return lrf_error_set(err, LRF_ERR_INVALID_ARG, "row index %zu out of range",
                                 (size_t)(rows ? rows[i] : i));
        }
    }
    begin_epoch(it, lrf_rng_seeded(c.seed));
    it->state.epoch = 0;
    *out = it;
    return LRF_OK;
}

void lrf_batch_iter_destroy(struct lrf_batch_iter *it)
{
    if (!it)
        return;
    free(it->rows);
    free(it->order);
    free(it->augment.scratch);
    free(it);
}

/* The augmentation draws of the batch starting at state->cursor: a function of
 * the state alone, so that restoring the state replays them and a new
 * epoch_rng (a new epoch, a reseeded run) changes them. */
static struct lrf_rng augment_rng(const struct lrf_batch_state *state)
{
    static const uint64_t MIX[5] = {0x9E3779B97F4A7C15ull, 0xBF58476D1CE4E5B9ull,
                                    0x94D049BB133111EBull, 0xD6E8FEB86659FD93ull,
                                    0xA0761D6478BD642Full};
    uint64_t h = (uint64_t)state->cursor * MIX[4];
    for (int i = 0; i < 4; i++)
        h ^= state->epoch_rng.s[i] * MIX[i] + (h << 6) + (h >> 2);
    return lrf_rng_seeded(h);
}

size_t lrf_batch_iter_next(struct lrf_batch_iter *it, float *x, int32_t *y)
{
    size_t b = it->cfg.batch_size;
    size_t left = it->n - it->state.cursor;
    if (left == 0 || (it->cfg.drop_last && left < b)) {
        uint64_t epoch = it->state.epoch + 1;
        begin_epoch(it, it->rng);
        it->state.epoch = epoch;
        left = it->n;
    }
    size_t k = left < b ? left : b;
    if (it->cfg.augment) {
        struct lrf_rng rng = augment_rng(&it->state);
        ds_gather_augmented(&it->augment, it->order + it->state.cursor, k, x, y, &rng);
    } else {
        lrf_dataset_gather(it->ds, it->norm, it->order + it->state.cursor, k, x, y);
    }
    it->last_first = it->state.cursor;
    it->last_n = k;
    it->state.cursor += k;
    return k;
}

uint64_t lrf_batch_iter_epoch(const struct lrf_batch_iter *it)
{
    return it->state.epoch;
}

size_t lrf_batch_iter_batches_per_epoch(const struct lrf_batch_iter *it)
{
    size_t b = it->cfg.batch_size;
    return it->cfg.drop_last ? it->n / b : (it->n + b - 1) / b;
}

const uint32_t *lrf_batch_iter_batch_rows(const struct lrf_batch_iter *it, size_t *n)
{
    *n = it->last_n;
    return it->order + it->last_first;
}

size_t lrf_batch_iter_rows(const struct lrf_batch_iter *it)
{
    return it->n;
}

struct lrf_batch_state lrf_batch_iter_save(const struct lrf_batch_iter *it)
{
    return it->state;
}

enum lrf_status lrf_batch_iter_restore(struct lrf_batch_iter *it,
                                       const struct lrf_batch_state *state, struct lrf_error *err)
{
    if (state->cursor > it->n)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "batch state cursor %zu beyond the %zu rows",
                             state->cursor, it->n);
    /* Same epoch: the order (and the RNG after drawing it) are already right. */
    if (memcmp(&state->epoch_rng, &it->state.epoch_rng, sizeof state->epoch_rng) != 0)
        begin_epoch(it, state->epoch_rng);
    it->state = *state;
    return LRF_OK;
}
