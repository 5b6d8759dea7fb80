/* Normalization over rows that several ranks hold: the sums lrf_norm_create
 * forms (src/dataset/batch.c), each rank over its rows, added across ranks,
 * then the same formulas. */
#include <math.h>
#include <stdlib.h>

#include "lrf/dist.h"

/* As batch.c: up to 2^24 rows, n*sumsq - sum^2 of uint8 values is exact in 64 bits. */
static const uint64_t EXACT_VARIANCE_ROWS = (uint64_t)1 << 24;

static double value_at(const struct lrf_dataset *ds, size_t row, size_t j)
{
    size_t d = lrf_dataset_features(ds);
    const uint8_t *u = lrf_dataset_data_u8(ds);
    return u ? (double)u[row * d + j] : (double)lrf_dataset_data_f32(ds)[row * d + j];
}

/* Mean (a) and population variance (b) of uint8 values: integer sums, exact. */
static enum lrf_status moments_u8(struct lrf_dist *d, const struct lrf_dataset *ds,
                                  const uint32_t *rows, size_t n, uint64_t total, double *a,
                                  double *b, struct lrf_error *err)
{
    size_t f = lrf_dataset_features(ds);
    uint64_t *s = calloc(2 * f + 1, sizeof *s);
    if (!s)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for normalization");
    const uint8_t *u = lrf_dataset_data_u8(ds);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < f; j++) {
            uint64_t x = u[(size_t)rows[i] * f + j];
            s[j] += x;
            s[f + j] += x * x;
        }
    enum lrf_status st = lrf_dist_allreduce_u64(d, s, 2 * f, err);
    double nn = (double)total;
    for (size_t j = 0; st == LRF_OK && j < f; j++) {
        a[j] = (double)s[j] / nn;
        if (total <= EXACT_VARIANCE_ROWS)
            b[j] = (double)(total * s[f + j] - s[j] * s[j]) / (nn * nn);
        else
            b[j] = fmax(0.0, ((double)s[f + j] - (double)s[j] * a[j]) / nn);
    }
    free(s);
    return st;
}

/* The same for any values: two passes in double (mean, squared deviations). */
static enum lrf_status moments_f64(struct lrf_dist *d, const struct lrf_dataset *ds,
                                   const uint32_t *rows, size_t n, uint64_t total, double *a,
                                   double *b, struct lrf_error *err)
{
    size_t f = lrf_dataset_features(ds);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < f; j++)
            a[j] += value_at(ds, rows[i], j);
    enum lrf_status st = lrf_dist_allreduce_f64(d, a, f, err);
    for (size_t j = 0; j < f; j++)
        a[j] /= (double)total;
    for (size_t i = 0; st == LRF_OK && i < n; i++)
        for (size_t j = 0; j < f; j++) {
            double dv = value_at(ds, rows[i], j) - a[j];
            b[j] += dv * dv;
        }
    if (st == LRF_OK)
        st = lrf_dist_allreduce_f64(d, b, f, err);
    for (size_t j = 0; j < f; j++)
        b[j] /= (double)total;
    return st;
}

/* a = minimum, b = maximum (as maxima of -x and x). */
static enum lrf_status extremes(struct lrf_dist *d, const struct lrf_dataset *ds,
                                const uint32_t *rows, size_t n, double *a, double *b,
                                struct lrf_error *err)
{
    size_t f = lrf_dataset_features(ds);
    for (size_t j = 0; j < f; j++)
        a[j] = b[j] = -INFINITY;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < f; j++) {
            double v = value_at(ds, rows[i], j);
            a[j] = -v > a[j] ? -v : a[j];
            b[j] = v > b[j] ? v : b[j];
        }
    enum lrf_status st = lrf_dist_allreduce_max_f64(d, a, f, err);
    if (st == LRF_OK)
        st = lrf_dist_allreduce_max_f64(d, b, f, err);
    for (size_t j = 0; j < f; j++)
        a[j] = -a[j];
    return st;
}

/* The moments (standard) or extremes (minmax) over every rank's rows. */
static enum lrf_status fit(struct lrf_dist *d, const struct lrf_dataset *ds, const uint32_t *rows,
                           size_t n, enum lrf_normalize kind, double *a, double *b,
                           struct lrf_error *err)
{
    uint64_t facts[2] = {n, lrf_dataset_storage(ds) == LRF_STORAGE_FLOAT32};
    enum lrf_status st = lrf_dist_allreduce_u64(d, facts, 2, err);
    if (st == LRF_OK && facts[0] == 0)
        st = lrf_error_set(err, LRF_ERR_INVALID_ARG, "normalize: no rows to compute it from");
    if (st != LRF_OK)
        return st;
    if (kind == LRF_NORMALIZE_MINMAX)
        return extremes(d, ds, rows, n, a, b, err);
    /* One rank with float values: the whole file is float, as one process sees it. */
    return facts[1] ? moments_f64(d, ds, rows, n, facts[0], a, b, err)
                    : moments_u8(d, ds, rows, n, facts[0], a, b, err);
}

enum lrf_status lrf_dist_norm_create(struct lrf_dist *d, const struct lrf_dataset *ds,
                                     const uint32_t *rows, size_t n, enum lrf_normalize kind,
                                     bool per_channel, struct lrf_norm **out, struct lrf_error *err)
{
    size_t f = lrf_dataset_features(ds);
    if (kind == LRF_NORMALIZE_NONE)
        return lrf_norm_create_from(kind, f, NULL, NULL, out, err);
    double *a = calloc(f + 1, sizeof *a), *b = calloc(f + 1, sizeof *b);
    enum lrf_status st = a && b
                             ? fit(d, ds, rows, n, kind, a, b, err)
                             : lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for normalization");
    if (st == LRF_OK) /* the same rules as one process's (one-hot levels, channels) */
        st = lrf_norm_create_from_stats(ds, kind, a, b, per_channel, out, err);
    free(a);
    free(b);
    return st;
}
