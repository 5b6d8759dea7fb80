/* The progress bar of loading a large CSV (bytes, rows/s) on stderr, fed by the dataset
 * loader's progress observer from its threads (lrf_dataset_options.progress). */
#ifndef LRF_CLI_LOAD_PROGRESS_H
#define LRF_CLI_LOAD_PROGRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/progress.h"
#include "lrf/dataset.h"

struct cli_load_progress {
    struct cli_progress bar; /* in MiB of the file */
    char title[64];
    atomic_size_t bytes, rows; /* this pass's */
    atomic_flag drawing;       /* held by the thread that draws */
    double pass_start;         /* of this pass, for rows/s */
};

/* A bar for loading path when enabled (a terminal); wires itself into opt. */
void cli_load_progress_start(struct cli_load_progress *p, bool enabled, const char *path,
                             struct lrf_dataset_options *opt);
/* Clears the bar after the load (and detaches it from opt). */
void cli_load_progress_done(struct cli_load_progress *p, struct lrf_dataset_options *opt);

#endif
