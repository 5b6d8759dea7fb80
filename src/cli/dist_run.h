/* lrfind under mpirun (lrf/dist.h, docs/scaling.md): joining the job, the ranks'
 * shares of the work, and one voice (rank 0's) for everything printed. */
#ifndef LRF_CLI_DIST_RUN_H
#define LRF_CLI_DIST_RUN_H

#include <stdbool.h>

#include "cli/train_options.h"
#include "lrf/dist.h"

/* Before anything is printed: a rank other than 0 of a launched job writes
 * nothing (stdout and stderr go to /dev/null) unless LRF_DIST_VERBOSE=1, so
 * every message, usage errors included, appears once. Needs no MPI. */
void cli_dist_quiet_others(void);

/* Joins the job when launched (else the single process); CLI_EXIT_OK or
 * CLI_EXIT_FAILURE (printed). */
int cli_dist_begin(struct lrf_dist **out);
void cli_dist_end(struct lrf_dist *d);

/* The worst exit status of all ranks, on every rank (a collective). */
int cli_dist_agree_exit(struct lrf_dist *d, int status);

/* --threads' default under mpirun: the node's cores shared among its ranks
 * (1 when the ranks fill the cores), unless --threads was given. */
int cli_dist_threads(const struct lrf_dist *d, int threads);

/* The data of --data-parallel: rank r parses its share of --data's rows
 * (lrf_dist_load_csv), the split covers the whole file (the seed's, as one
 * process splits it), the normalization all ranks' training rows. The same
 * status on every rank. */
enum lrf_status cli_dist_data_load(struct lrf_dist *d, const struct cli_train_options *o,
                                   struct cli_train_data *data, struct lrf_error *err);

/* The rows of the whole file: the shards' total under --data-parallel. */
size_t cli_dist_rows(const struct cli_train_data *data);

#endif
