/* The frame of a test that runs alone and as an MPI job (tests/mpi.cmake): the
 * communicator and a temporary directory every rank shares, then the summary
 * of all ranks' checks, printed by rank 0; every rank exits non-zero when any
 * rank failed. Include after check.h, with _POSIX_C_SOURCE 200809L defined. */
#ifndef LRF_TEST_DIST_CHECK_H
#define LRF_TEST_DIST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dataset_files.h"
#include "lrf/dist.h"

/* Joins the job; *dir (size bytes, may be NULL) is rank 0's new temporary
 * directory named after name, on every rank. NULL when init failed. */
static inline struct lrf_dist *dist_check_begin(int *argc, char ***argv, const char *name,
                                                char *dir, size_t size)
{
    struct lrf_dist *d = NULL;
    struct lrf_error err;
    if (lrf_dist_init(argc, argv, &d, &err) != LRF_OK) {
        fprintf(stderr, "lrf_dist_init: %s\n", err.message);
        return NULL;
    }
    if (dir && lrf_dist_rank(d) == 0) {
        snprintf(dir, size, "/tmp/lrf_%s_XXXXXX", name);
        if (!mkdtemp(dir))
            dir[0] = '\0';
    }
    if (dir)
        lrf_dist_broadcast(d, dir, size, 0, &err);
    return d;
}

/* The summary of every rank's checks; removes dir; the exit status. */
static inline int dist_check_end(struct lrf_dist *d, const char *dir)
{
    uint64_t counts[2] = {(uint64_t)check_passed, (uint64_t)check_failed};
    if (lrf_dist_allreduce_u64(d, counts, 2, NULL) != LRF_OK)
        counts[1]++;
    if (lrf_dist_rank(d) == 0) {
        if (dir && dir[0])
            remove_tree(dir);
        printf("%d rank%s\n%llu passed, %llu failed\n", lrf_dist_size(d),
               lrf_dist_size(d) == 1 ? "" : "s", (unsigned long long)counts[0],
               (unsigned long long)counts[1]);
    }
    lrf_dist_finalize(d);
    return counts[1] ? 1 : 0;
}

#endif
