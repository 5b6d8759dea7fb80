/* The communicator and the error protocol, at any size: alone (ctest's plain
 * run: the single process), and as an MPI job (tests/mpi.cmake runs it under
 * mpirun -np 2 and -np 3). Every rank checks; rank 0 prints the summary of
 * all ranks' checks, and every rank exits non-zero when any failed. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "dist_check.h"
#include "lrf/dist.h"

/* lrf_dist_share: even shares, the first n % size one longer, covering [0, n). */
static void test_share(void)
{
    size_t first, count;
    lrf_dist_share(10, 0, 3, &first, &count);
    CHECK(first == 0 && count == 4);
    lrf_dist_share(10, 1, 3, &first, &count);
    CHECK(first == 4 && count == 3);
    lrf_dist_share(10, 2, 3, &first, &count);
    CHECK(first == 7 && count == 3);
    lrf_dist_share(2, 2, 3, &first, &count);
    CHECK(first == 2 && count == 0);
    for (int size = 1; size <= 7; size++) {
        size_t next = 0;
        for (int r = 0; r < size; r++) {
            lrf_dist_share(23, r, size, &first, &count);
            CHECK(first == next);
            next = first + count;
        }
        CHECK(next == 23);
    }
}

static void test_collectives(struct lrf_dist *d)
{
    int rank = lrf_dist_rank(d), size = lrf_dist_size(d);
    struct lrf_error err;
    /* Integers in float sum exactly whatever the order of the sum. */
    float x[1000];
    for (int i = 0; i < 1000; i++)
        x[i] = (float)(i + rank);
    CHECK(lrf_dist_allreduce_f32(d, x, 1000, &err) == LRF_OK);
    int bad = 0;
    for (int i = 0; i < 1000; i++)
        bad += x[i] != (float)(size * i + size * (size - 1) / 2);
    CHECK_MSG(bad == 0, "%d sums wrong", bad);
    double y[2] = {0.5, (double)rank};
    CHECK(lrf_dist_allreduce_f64(d, y, 2, &err) == LRF_OK);
    CHECK(y[0] == 0.5 * size && y[1] == size * (size - 1) / 2.0);
    uint64_t lo = (uint64_t)rank + 5, hi = lo, sum = lo;
    CHECK(lrf_dist_allreduce_min_u64(d, &lo, 1, &err) == LRF_OK && lo == 5);
    CHECK(lrf_dist_allreduce_max_u64(d, &hi, 1, &err) == LRF_OK && hi == (uint64_t)size + 4);
    CHECK(lrf_dist_allreduce_u64(d, &sum, 1, &err) == LRF_OK &&
          sum == (uint64_t)(5 * size + size * (size - 1) / 2));
    char msg[32] = "";
    if (rank == size - 1)
        snprintf(msg, sizeof msg, "from %d", rank);
    CHECK(lrf_dist_broadcast(d, msg, sizeof msg, size - 1, &err) == LRF_OK);
    char want[32];
    snprintf(want, sizeof want, "from %d", size - 1);
    CHECK_STR(msg, want);
}

static void test_gathers(struct lrf_dist *d)
{
    int rank = lrf_dist_rank(d), size = lrf_dist_size(d);
    struct lrf_error err;
    int32_t mine[2] = {rank, -rank}, *all = calloc((size_t)size * 2, sizeof *all);
    CHECK(lrf_dist_gather(d, mine, sizeof mine, rank == 0 ? all : NULL, 0, &err) == LRF_OK);
    for (int r = 0; rank == 0 && r < size; r++)
        CHECK(all[2 * r] == r && all[2 * r + 1] == -r);
    memset(all, 0, (size_t)size * sizeof mine);
    CHECK(lrf_dist_allgather(d, mine, sizeof mine, all, &err) == LRF_OK);
    for (int r = 0; r < size; r++)
        CHECK(all[2 * r] == r && all[2 * r + 1] == -r);
    free(all);
    /* Rank r sends r bytes of value r (rank 0: nothing). */
    unsigned char text[8];
    memset(text, rank, sizeof text);
    void *got = NULL;
    size_t *counts = calloc((size_t)size, sizeof *counts);
    CHECK(lrf_dist_allgatherv(d, text, (size_t)rank, &got, counts, &err) == LRF_OK);
    const unsigned char *p = got;
    for (int r = 0; got && r < size; r++) {
        CHECK(counts[r] == (size_t)r);
        for (int i = 0; i < r; i++)
            CHECK(*p++ == (unsigned char)r);
    }
    free(got);
    free(counts);
}

/* Every rank gets the lowest failing rank's error; nobody waits. */
static void test_agree(struct lrf_dist *d)
{
    int rank = lrf_dist_rank(d), size = lrf_dist_size(d);
    struct lrf_error err;
    lrf_error_clear(&err);
    CHECK(lrf_dist_agree(d, LRF_OK, &err) == LRF_OK);
    /* The last rank fails with an input error; the others are fine. */
    enum lrf_status st = LRF_OK;
    if (rank == size - 1)
        st = lrf_error_set_at(&err, LRF_ERR_PARSE, "data.csv", 57, 3, "column 'x' (2): bad");
    st = lrf_dist_agree(d, st, &err);
    CHECK(st == LRF_ERR_PARSE);
    CHECK_STR(err.file, "data.csv");
    CHECK(err.line == 57 && err.col == 3);
    CHECK(!strncmp(err.message, "column 'x' (2): bad", 19));
    if (size > 1)
        CHECK(strstr(err.message, "(rank ") != NULL);
    /* Two ranks fail: the lower one's error wins everywhere. */
    lrf_error_clear(&err);
    st = LRF_OK;
    if (rank >= size - 2)
        st = lrf_error_set(&err, rank == size - 1 ? LRF_ERR_IO : LRF_ERR_DATA, "rank %d", rank);
    st = lrf_dist_agree(d, st, &err);
    CHECK(st == (size == 1 ? LRF_ERR_IO : LRF_ERR_DATA));
    char want[32];
    snprintf(want, sizeof want, "rank %d", size > 1 ? size - 2 : 0);
    CHECK(!strncmp(err.message, want, strlen(want)));
    /* A failure without an error struct still says what it was. */
    st = lrf_dist_agree(d, rank == 0 ? LRF_ERR_NOMEM : LRF_OK, NULL);
    CHECK(st == LRF_ERR_NOMEM);
}

int main(int argc, char **argv)
{
    struct lrf_dist *d = dist_check_begin(&argc, &argv, "dist", NULL, 0);
    if (!d)
        return 1;
    if (!lrf_dist_launched())
        CHECK(lrf_dist_size(d) == 1 && lrf_dist_rank(d) == 0);
    CHECK(lrf_dist_rank(NULL) == 0 && lrf_dist_size(NULL) == 1);
    test_share();
    test_collectives(d);
    test_gathers(d);
    test_agree(d);
    return dist_check_end(d, NULL);
}
