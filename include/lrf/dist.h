/* Several processes working as one (Open MPI): rank and size, a communicator
 * handle, the collectives lrfind needs (sum of a flat float array in place,
 * broadcast, gathers) and an error protocol that ends every rank together.
 *
 * One library for both worlds: built without MPI (LRF_MPI off), or started
 * without a launcher (no mpirun), a communicator is a single process, rank 0
 * of 1, and every collective is a copy or nothing. lrf_dist_init joins the MPI
 * job only when a launcher started this process (mpirun sets
 * OMPI_COMM_WORLD_SIZE; PMI/PMIx launchers PMI_SIZE or PMIX_RANK).
 *
 * The error protocol. A collective that some ranks reach and others do not
 * hangs the job, so an error on one rank must not simply return: every rank
 * passes its status to lrf_dist_agree at the same point (after work that may
 * fail, before the next collective), and all of them get the first failing
 * rank's error back, which rank 0 reports while every rank leaves with the
 * same exit status. Where a rank cannot reach the agreement (an exit in the
 * middle of a step), lrf_dist_abort ends the whole job. The library never
 * prints: the caller says why before it aborts. */
#ifndef LRF_DIST_H
#define LRF_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrf/dataset.h"
#include "lrf/finder.h"
#include "lrf/status.h"

#ifdef __cplusplus
#define LRF_NORETURN [[noreturn]]
extern "C" {
#else
#define LRF_NORETURN _Noreturn
#endif

struct lrf_dist; /* opaque: one communicator */

/* True when this build has MPI (LRF_MPI); without it every communicator is a
 * single process. */
bool lrf_dist_compiled(void);

/* True when a launcher started this process as part of a job (its environment
 * says so); lrf_dist_init then joins the job. */
bool lrf_dist_launched(void);

/* The communicator of all processes of the job, or a single process (above).
 * Call once per process, before starting threads; argc/argv may be NULL. MPI
 * is initialized for MPI_THREAD_FUNNELED (only the calling thread talks), its
 * errors return instead of aborting (LRF_ERR_IO with MPI's message). Before
 * joining it sets OMPI_MCA_mpi_yield_when_idle=1 in the environment unless it
 * is set: a rank waiting in a collective yields its core instead of spinning,
 * which costs microseconds on an idle node and saves a step's time on a busy
 * one (measured: data-parallel on a shared 2-core machine, 2336 -> 5185
 * samples/s). */
enum lrf_status lrf_dist_init(int *argc, char ***argv, struct lrf_dist **out,
                              struct lrf_error *err);
/* Leaves the job (MPI_Finalize when init joined one); NULL is a no-op. */
void lrf_dist_finalize(struct lrf_dist *d);

/* 0-based rank and number of ranks; NULL counts as the single process. */
int lrf_dist_rank(const struct lrf_dist *d);
int lrf_dist_size(const struct lrf_dist *d);
/* Ranks on this node (MPI's shared-memory split; 1 for a single process). */
int lrf_dist_local_size(const struct lrf_dist *d);

/* Sums x[0..n) over all ranks, in place on every rank (MPI_Allreduce). The
 * order of the sum is MPI's (fixed for a given size and n, not rank order). */
enum lrf_status lrf_dist_allreduce_f32(struct lrf_dist *d, float *x, size_t n,
                                       struct lrf_error *err);
enum lrf_status lrf_dist_allreduce_f64(struct lrf_dist *d, double *x, size_t n,
                                       struct lrf_error *err);
/* Sum, minimum and maximum of 64-bit counts, in place on every rank. */
enum lrf_status lrf_dist_allreduce_u64(struct lrf_dist *d, uint64_t *x, size_t n,
                                       struct lrf_error *err);
enum lrf_status lrf_dist_allreduce_min_u64(struct lrf_dist *d, uint64_t *x, size_t n,
                                           struct lrf_error *err);
enum lrf_status lrf_dist_allreduce_max_u64(struct lrf_dist *d, uint64_t *x, size_t n,
                                           struct lrf_error *err);

enum lrf_status lrf_dist_allreduce_max_f64(struct lrf_dist *d, double *x, size_t n,
                                           struct lrf_error *err);

/* Copies root's buf[0..bytes) into every rank's buf. */
enum lrf_status lrf_dist_broadcast(struct lrf_dist *d, void *buf, size_t bytes, int root,
                                   struct lrf_error *err);

/* Every rank's send[0..bytes) (the same bytes on all ranks) into recv on root
 * (size * bytes, rank order; recv is ignored elsewhere and may be NULL), or on
 * every rank (allgather). */
enum lrf_status lrf_dist_gather(struct lrf_dist *d, const void *send, size_t bytes, void *recv,
                                int root, struct lrf_error *err);
enum lrf_status lrf_dist_allgather(struct lrf_dist *d, const void *send, size_t bytes, void *recv,
                                   struct lrf_error *err);
/* Every rank's send[0..bytes) (any length per rank) to every rank: *recv is
 * malloc'ed (free()) and holds them in rank order, counts[0..size) their
 * lengths (the caller's array). */
enum lrf_status lrf_dist_allgatherv(struct lrf_dist *d, const void *send, size_t bytes, void **recv,
                                    size_t *counts, struct lrf_error *err);

/* The error protocol's agreement, a collective: each rank gives its status st
 * and err (its error when st != LRF_OK). Returns LRF_OK on every rank when all
 * were LRF_OK; else the status of the lowest failing rank on every rank, with
 * *err its error (message and input position; the message says which rank
 * when it is not rank 0). err may be NULL. A failure of the agreement itself
 * ends the job (lrf_dist_abort): no rank may be left waiting. */
enum lrf_status lrf_dist_agree(struct lrf_dist *d, enum lrf_status st, struct lrf_error *err);

/* The last resort: ends every rank of the job now with exit status code
 * (MPI_Abort). A single process just exits. */
LRF_NORETURN void lrf_dist_abort(struct lrf_dist *d, int code);

/* ---- data: one shard of a file per rank ---------------------------------- */

/* Where a rank's rows are in the whole file. */
struct lrf_dist_shard {
    size_t first; /* file row (0-based, among the data rows) of the rank's row 0 */
    size_t rows;  /* the rank's rows */
    size_t total; /* rows of the whole file */
};

/* Rank r loads shard r of size (lrf_dataset_load_csv_shard: every rank reads the
 * same head, then its own byte range of the rows) and the ranks agree, so that
 * the shards are one dataset: the same status on every rank (the first failing
 * rank's error); the same decisions (columns, label, task, types, levels,
 * imputed values: when a shard's own rows decided otherwise, an error names
 * the difference and the options that pin it); the classes merged from every
 * shard and sorted as a whole-file load sorts them, each shard's labels mapped
 * onto them, and the whole file's class checks. *shard says where the rank's
 * rows are. A collective. */
enum lrf_status lrf_dist_load_csv(struct lrf_dist *d, const char *path,
                                  const struct lrf_dataset_options *opt, struct lrf_dataset **out,
                                  struct lrf_dist_shard *shard, struct lrf_error *err);

/* The normalization lrf_norm_create (per_channel: lrf_norm_create_per_channel)
 * computes over the rows of all ranks: rows (n of them, indices into this rank's
 * ds) here, the others' there. Standard
 * scaling of uint8 data is exact (integer sums), so equal bit for bit; of
 * float data the double sums differ from one process's only in their order. */
enum lrf_status lrf_dist_norm_create(struct lrf_dist *d, const struct lrf_dataset *ds,
                                     const uint32_t *rows, size_t n, enum lrf_normalize kind,
                                     bool per_channel, struct lrf_norm **out,
                                     struct lrf_error *err);

/* ---- independent work --------------------------------------------------- */

/* The range test's runs spread over the ranks (lrf_finder_callbacks.share): run r
 * on rank r % size, every run's data then on every rank, so each rank's result is
 * the one a single process running all runs gets. Every rank calls lrf_finder_run
 * with the same configuration and seeds. */
struct lrf_finder_share lrf_dist_finder_share(struct lrf_dist *d);

/* The rows [*first, *first + *count) of rank's share of n items split as
 * evenly as possible over size ranks (the first n % size ranks get one more). */
void lrf_dist_share(size_t n, int rank, int size, size_t *first, size_t *count);

#ifdef __cplusplus
}
#endif

#endif
