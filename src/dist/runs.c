/* The range test's K runs spread over the ranks (struct lrf_finder_share):
 * run r on rank r % size, then every run's data summed into every rank: each
 * entry is the value of the one rank that ran it plus zeros, so the sum is
 * that value exactly (NaN and infinities included). */
#include <math.h>
#include <stdlib.h>

#include "lrf/dist.h"

static bool mine(void *ctx, size_t run)
{
    const struct lrf_dist *d = ctx;
    return run % (size_t)lrf_dist_size(d) == (size_t)lrf_dist_rank(d);
}

static enum lrf_status exchange(void *ctx, struct lrf_finder_runs *runs, enum lrf_status st,
                                struct lrf_error *err)
{
    struct lrf_dist *d = ctx;
    if ((st = lrf_dist_agree(d, st, err)) != LRF_OK)
        return st;
    size_t K = runs->runs, N = runs->num_iter;
    uint64_t *counts = malloc(2 * K * sizeof *counts);
    st = lrf_dist_agree(d, counts ? LRF_OK : lrf_error_set(err, LRF_ERR_NOMEM, "out of memory"),
                        err);
    if (st != LRF_OK) {
        free(counts);
        return st;
    }
    for (size_t r = 0; r < K; r++) {
        bool own = mine(d, r);
        for (size_t k = 0; !own && k < N; k++)
            runs->loss[r * N + k] = runs->train[r * N + k] = 0.0;
        counts[r] = own ? runs->run_n[r] : 0;
        counts[K + r] = own ? (uint64_t)runs->run_stop[r] : 0;
    }
    st = lrf_dist_allreduce_f64(d, runs->loss, K * N, err);
    if (st == LRF_OK)
        st = lrf_dist_allreduce_f64(d, runs->train, K * N, err);
    if (st == LRF_OK)
        st = lrf_dist_allreduce_u64(d, counts, 2 * K, err);
    for (size_t r = 0; st == LRF_OK && r < K; r++) {
        runs->run_n[r] = (size_t)counts[r];
        runs->run_stop[r] = (enum lrf_finder_stop)counts[K + r];
    }
    free(counts);
    return st;
}

struct lrf_finder_share lrf_dist_finder_share(struct lrf_dist *d)
{
    return (struct lrf_finder_share){d, mine, exchange};
}
