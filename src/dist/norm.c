/* Normalization over rows that several ranks hold: lrf_norm_create_reduced
 * (src/dataset/batch.c) computes the statistics, each rank over its rows, and
 * the ranks' allreduces combine them between its passes. */
#include "lrf/dist.h"

static enum lrf_status sum_u64(void *d, uint64_t *x, size_t n, struct lrf_error *err)
{
    return lrf_dist_allreduce_u64(d, x, n, err);
}

static enum lrf_status sum_f64(void *d, double *x, size_t n, struct lrf_error *err)
{
    return lrf_dist_allreduce_f64(d, x, n, err);
}

static enum lrf_status max_f64(void *d, double *x, size_t n, struct lrf_error *err)
{
    return lrf_dist_allreduce_max_f64(d, x, n, err);
}

enum lrf_status lrf_dist_norm_create(struct lrf_dist *d, const struct lrf_dataset *ds,
                                     const uint32_t *rows, size_t n, enum lrf_normalize kind,
                                     bool per_channel, struct lrf_norm **out, struct lrf_error *err)
{
    /* A rank without rows may pass (NULL, 0): none here, where NULL alone means all. */
    static const uint32_t no_rows[1];
    struct lrf_norm_reducer reducer = {d, sum_u64, sum_f64, max_f64};
    return lrf_norm_create_reduced(ds, rows || n ? rows : no_rows, n, kind, per_channel, &reducer,
                                   out, err);
}
