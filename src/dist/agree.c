/* The error protocol's agreement: the lowest failing rank's error, on every
 * rank, or LRF_OK everywhere. Built on the collectives alone, so it is the
 * same for MPI and the single process. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lrf/dist.h"

/* Appends " (rank R of N, host H)" to the message: where it happened is part of
 * what the user needs when only one rank saw the problem. */
static void say_where(struct lrf_error *e, int rank, int size)
{
    char host[64] = "?";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    size_t len = strlen(e->message);
    snprintf(e->message + len, sizeof e->message - len, " (rank %d of %d, host %s)", rank, size,
             host);
}

enum lrf_status lrf_dist_agree(struct lrf_dist *d, enum lrf_status st, struct lrf_error *err)
{
    int rank = lrf_dist_rank(d), size = lrf_dist_size(d);
    if (size == 1)
        return st;
    uint64_t first = st != LRF_OK ? (uint64_t)rank : (uint64_t)size;
    struct lrf_error e;
    if (lrf_dist_allreduce_min_u64(d, &first, 1, &e) != LRF_OK)
        lrf_dist_abort(d, 1);
    if (first == (uint64_t)size)
        return LRF_OK;
    lrf_error_clear(&e);
    if (first == (uint64_t)rank) {
        if (err && err->message[0])
            e = *err;
        else
            lrf_error_set(&e, st, "%s", lrf_status_str(st));
        e.status = st;
        if (rank != 0)
            say_where(&e, rank, size);
    }
    struct lrf_error ignored;
    if (lrf_dist_broadcast(d, &e, sizeof e, (int)first, &ignored) != LRF_OK)
        lrf_dist_abort(d, 1);
    e.message[sizeof e.message - 1] = e.file[sizeof e.file - 1] = '\0';
    if (err)
        *err = e;
    return e.status != LRF_OK ? e.status : LRF_ERR_STATE;
}
