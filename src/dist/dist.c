/* The communicator and its collectives: MPI when this build has it and a
 * launcher started the process, else the single process (rank 0 of 1). */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lrf/dist.h"

#ifdef LRF_MPI
#include <mpi.h>
#endif

struct lrf_dist {
    int rank, size, local_size;
    bool joined; /* this process called MPI_Init */
#ifdef LRF_MPI
    MPI_Comm comm;
#endif
};

bool lrf_dist_compiled(void)
{
#ifdef LRF_MPI
    return true;
#else
    return false;
#endif
}

bool lrf_dist_launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return true;
    return false;
}

int lrf_dist_rank(const struct lrf_dist *d)
{
    return d ? d->rank : 0;
}

int lrf_dist_size(const struct lrf_dist *d)
{
    return d ? d->size : 1;
}

int lrf_dist_local_size(const struct lrf_dist *d)
{
    return d ? d->local_size : 1;
}

void lrf_dist_share(size_t n, int rank, int size, size_t *first, size_t *count)
{
    size_t s = size > 0 ? (size_t)size : 1, r = rank > 0 ? (size_t)rank : 0;
    size_t base = n / s, extra = n % s;
    *first = r * base + (r < extra ? r : extra);
    *count = base + (r < extra ? 1 : 0);
}

/* Whether the collectives talk to other processes. */
static bool multi(const struct lrf_dist *d)
{
    return d && d->joined && d->size > 1;
}

/* The element types and reductions of the collectives. */
enum elem { ELEM_F32, ELEM_F64, ELEM_U64 };
enum op { OP_SUM, OP_MIN, OP_MAX };

#ifdef LRF_MPI

/* MPI counts are ints: large arrays go in pieces of this many elements. */
enum { PIECE = 1 << 28 };

static enum lrf_status mpi_error(struct lrf_error *err, const char *what, int code)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "error %d", code);
    return lrf_error_set(err, LRF_ERR_IO, "%s failed: %s", what, text);
}

/* Joins the job the launcher started: the communicator, rank, size, ranks per node. */
static enum lrf_status join(struct lrf_dist *d, int *argc, char ***argv, struct lrf_error *err)
{
    int inited = 0, provided = 0;
    if (MPI_Initialized(&inited) != MPI_SUCCESS || inited)
        return LRF_OK; /* someone else owns MPI here: stay a single process */
    /* A rank waiting in a collective yields its core (see lrf/dist.h). */
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
    int rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS)
        return lrf_error_set(err, LRF_ERR_IO, "MPI_Init failed (code %d)", rc);
    d->joined = true;
    MPI_Comm_dup(MPI_COMM_WORLD, &d->comm);
    MPI_Comm_set_errhandler(d->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(d->comm, &d->rank);
    MPI_Comm_size(d->comm, &d->size);
    MPI_Comm node;
    if (MPI_Comm_split_type(d->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &d->local_size);
        MPI_Comm_free(&node);
    }
    return LRF_OK;
}

static void leave(struct lrf_dist *d)
{
    if (d->joined) {
        MPI_Comm_free(&d->comm);
        MPI_Finalize();
    }
}

static void abort_job(struct lrf_dist *d, int code)
{
    if (d && d->joined)
        MPI_Abort(d->comm, code);
}

static MPI_Datatype mpi_type(enum elem e)
{
    return e == ELEM_F32 ? MPI_FLOAT : e == ELEM_F64 ? MPI_DOUBLE : MPI_UINT64_T;
}

static MPI_Op mpi_op(enum op o)
{
    return o == OP_SUM ? MPI_SUM : o == OP_MIN ? MPI_MIN : MPI_MAX;
}

static enum lrf_status mpi_allreduce(struct lrf_dist *d, void *x, size_t n, size_t size,
                                     enum elem e, enum op o, struct lrf_error *err)
{
    char *p = x;
    for (size_t done = 0; done < n; done += PIECE) {
        int k = (int)(n - done < PIECE ? n - done : PIECE);
        int rc = MPI_Allreduce(MPI_IN_PLACE, p + done * size, k, mpi_type(e), mpi_op(o), d->comm);
        if (rc != MPI_SUCCESS)
            return mpi_error(err, "MPI_Allreduce", rc);
    }
    return LRF_OK;
}

static enum lrf_status mpi_broadcast(struct lrf_dist *d, void *buf, size_t bytes, int root,
                                     struct lrf_error *err)
{
    char *p = buf;
    for (size_t done = 0; done < bytes; done += PIECE) {
        int k = (int)(bytes - done < PIECE ? bytes - done : PIECE);
        int rc = MPI_Bcast(p + done, k, MPI_BYTE, root, d->comm);
        if (rc != MPI_SUCCESS)
            return mpi_error(err, "MPI_Bcast", rc);
    }
    return LRF_OK;
}

/* root < 0: every rank receives (allgather). */
static enum lrf_status mpi_gather(struct lrf_dist *d, const void *send, size_t bytes, void *recv,
                                  int root, struct lrf_error *err)
{
    int n = (int)bytes;
    int rc = root < 0 ? MPI_Allgather(send, n, MPI_BYTE, recv, n, MPI_BYTE, d->comm)
                      : MPI_Gather(send, n, MPI_BYTE, recv, n, MPI_BYTE, root, d->comm);
    return rc == MPI_SUCCESS ? LRF_OK
                             : mpi_error(err, root < 0 ? "MPI_Allgather" : "MPI_Gather", rc);
}

static enum lrf_status mpi_allgatherv(struct lrf_dist *d, const void *send, size_t bytes,
                                      void *recv, const size_t *counts, struct lrf_error *err)
{
    int *icounts = malloc((size_t)d->size * sizeof *icounts);
    int *displs = malloc((size_t)d->size * sizeof *displs);
    enum lrf_status st = LRF_OK;
    if (!icounts || !displs) {
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for a gather");
    } else {
        size_t at = 0;
        for (int r = 0; r < d->size; r++) {
            icounts[r] = (int)counts[r];
            displs[r] = (int)at;
            at += counts[r];
        }
        int rc =
            MPI_Allgatherv(send, (int)bytes, MPI_BYTE, recv, icounts, displs, MPI_BYTE, d->comm);
        if (rc != MPI_SUCCESS)
            st = mpi_error(err, "MPI_Allgatherv", rc);
    }
    free(icounts);
    free(displs);
    return st;
}

#else /* no MPI in this build: only the single process exists */

static enum lrf_status join(struct lrf_dist *d, int *argc, char ***argv, struct lrf_error *err)
{
    (void)d, (void)argc, (void)argv, (void)err;
    return LRF_OK;
}
static void leave(struct lrf_dist *d)
{
    (void)d;
}
static void abort_job(struct lrf_dist *d, int code)
{
    (void)d, (void)code;
}
static enum lrf_status mpi_allreduce(struct lrf_dist *d, void *x, size_t n, size_t size,
                                     enum elem e, enum op o, struct lrf_error *err)
{
    (void)d, (void)x, (void)n, (void)size, (void)e, (void)o;
    return lrf_error_set(err, LRF_ERR_UNSUPPORTED, "built without MPI");
}
static enum lrf_status mpi_broadcast(struct lrf_dist *d, void *buf, size_t bytes, int root,
                                     struct lrf_error *err)
{
    (void)d, (void)buf, (void)bytes, (void)root;
    return lrf_error_set(err, LRF_ERR_UNSUPPORTED, "built without MPI");
}
static enum lrf_status mpi_gather(struct lrf_dist *d, const void *send, size_t bytes, void *recv,
                                  int root, struct lrf_error *err)
{
    (void)d, (void)send, (void)bytes, (void)recv, (void)root;
    return lrf_error_set(err, LRF_ERR_UNSUPPORTED, "built without MPI");
}
static enum lrf_status mpi_allgatherv(struct lrf_dist *d, const void *send, size_t bytes,
                                      void *recv, const size_t *counts, struct lrf_error *err)
{
    (void)d, (void)send, (void)bytes, (void)recv, (void)counts;
    return lrf_error_set(err, LRF_ERR_UNSUPPORTED, "built without MPI");
}

#endif

/* ---- the same for both worlds: the single process copies or does nothing ---- */

enum lrf_status lrf_dist_init(int *argc, char ***argv, struct lrf_dist **out, struct lrf_error *err)
{
    struct lrf_dist *d = calloc(1, sizeof *d);
    if (!d)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the communicator");
    d->size = d->local_size = 1;
    enum lrf_status st = lrf_dist_launched() ? join(d, argc, argv, err) : LRF_OK;
    if (st) {
        free(d);
        return st;
    }
    *out = d;
    return LRF_OK;
}

void lrf_dist_finalize(struct lrf_dist *d)
{
    if (!d)
        return;
    leave(d);
    free(d);
}

_Noreturn void lrf_dist_abort(struct lrf_dist *d, int code)
{
    abort_job(d, code);
    exit(code);
}

static enum lrf_status allreduce(struct lrf_dist *d, void *x, size_t n, size_t size, enum elem e,
                                 enum op o, struct lrf_error *err)
{
    return multi(d) ? mpi_allreduce(d, x, n, size, e, o, err) : LRF_OK;
}

enum lrf_status lrf_dist_allreduce_f32(struct lrf_dist *d, float *x, size_t n,
                                       struct lrf_error *err)
{
    return allreduce(d, x, n, sizeof *x, ELEM_F32, OP_SUM, err);
}

enum lrf_status lrf_dist_allreduce_f64(struct lrf_dist *d, double *x, size_t n,
                                       struct lrf_error *err)
{
    return allreduce(d, x, n, sizeof *x, ELEM_F64, OP_SUM, err);
}

enum lrf_status lrf_dist_allreduce_u64(struct lrf_dist *d, uint64_t *x, size_t n,
                                       struct lrf_error *err)
{
    return allreduce(d, x, n, sizeof *x, ELEM_U64, OP_SUM, err);
}

enum lrf_status lrf_dist_allreduce_min_u64(struct lrf_dist *d, uint64_t *x, size_t n,
                                           struct lrf_error *err)
{
    return allreduce(d, x, n, sizeof *x, ELEM_U64, OP_MIN, err);
}

enum lrf_status lrf_dist_allreduce_max_u64(struct lrf_dist *d, uint64_t *x, size_t n,
                                           struct lrf_error *err)
{
    return allreduce(d, x, n, sizeof *x, ELEM_U64, OP_MAX, err);
}

enum lrf_status lrf_dist_allreduce_max_f64(struct lrf_dist *d, double *x, size_t n,
                                           struct lrf_error *err)
{
    return allreduce(d, x, n, sizeof *x, ELEM_F64, OP_MAX, err);
}

enum lrf_status lrf_dist_broadcast(struct lrf_dist *d, void *buf, size_t bytes, int root,
                                   struct lrf_error *err)
{
    return multi(d) ? mpi_broadcast(d, buf, bytes, root, err) : LRF_OK;
}

static enum lrf_status gather(struct lrf_dist *d, const void *send, size_t bytes, void *recv,
                              int root, struct lrf_error *err)
{
    if (!multi(d)) {
        if (recv && bytes)
            memmove(recv, send, bytes);
        return LRF_OK;
    }
    if (bytes > (size_t)INT_MAX / (size_t)d->size)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "a gather of %zu bytes per rank is too large", bytes);
    return mpi_gather(d, send, bytes, recv, root, err);
}

enum lrf_status lrf_dist_gather(struct lrf_dist *d, const void *send, size_t bytes, void *recv,
                                int root, struct lrf_error *err)
{
    return gather(d, send, bytes, lrf_dist_rank(d) == root ? recv : NULL, root < 0 ? 0 : root, err);
}

enum lrf_status lrf_dist_allgather(struct lrf_dist *d, const void *send, size_t bytes, void *recv,
                                   struct lrf_error *err)
{
    return gather(d, send, bytes, recv, -1, err);
}

enum lrf_status lrf_dist_allgatherv(struct lrf_dist *d, const void *send, size_t bytes, void **recv,
                                    size_t *counts, struct lrf_error *err)
{
    *recv = NULL;
    int size = lrf_dist_size(d);
    uint64_t *all = calloc((size_t)size, sizeof *all), mine = bytes;
    if (!all)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for a gather");
    enum lrf_status st = lrf_dist_allgather(d, &mine, sizeof mine, all, err);
    size_t total = 0;
    for (int r = 0; st == LRF_OK && r < size; r++)
        total += (counts[r] = (size_t)all[r]);
    free(all);
    if (st == LRF_OK && total > (size_t)INT_MAX)
        st = lrf_error_set(err, LRF_ERR_INVALID_ARG, "a gather of %zu bytes is too large", total);
    if (st == LRF_OK && !(*recv = malloc(total ? total : 1)))
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for a gather of %zu bytes", total);
    if (st == LRF_OK && !multi(d))
        memcpy(*recv, send, bytes);
    else if (st == LRF_OK)
        st = mpi_allgatherv(d, send, bytes, *recv, counts, err);
    if (st) {
        free(*recv);
        *recv = NULL;
    }
    return st;
}
