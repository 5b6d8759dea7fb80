/* Output files that appear whole or not at all: write to a temporary name in
 * the target's directory, then rename over the target on commit. */
#ifndef LRF_ATOMIC_FILE_H
#define LRF_ATOMIC_FILE_H

#include <stdio.h>

#include "lrf/status.h"

enum { LRF_PATH_MAX = 4096 };

struct lrf_atomic_file {
    FILE *fp; /* write here between open and commit/abort */
    char path[LRF_PATH_MAX];
    char tmp_path[LRF_PATH_MAX];
};

/* Creates a unique temporary file beside path and opens it for writing. */
enum lrf_status lrf_atomic_open(struct lrf_atomic_file *af, const char *path,
                                struct lrf_error *err);

/* Flushes, closes and renames the temporary file to the target path; on any
 * failure the temporary file is removed and the target left untouched. */
enum lrf_status lrf_atomic_commit(struct lrf_atomic_file *af, struct lrf_error *err);

/* Closes and removes the temporary file; safe to call after commit or twice. */
void lrf_atomic_abort(struct lrf_atomic_file *af);

#endif
