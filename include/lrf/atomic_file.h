/* Output files that appear whole or not at all, decided by what the target is (as
 * coreutils does):
 *   - a regular file or a missing path: written to a temporary file beside it, then
 *     renamed over it on commit (an existing file keeps its permission bits);
 *   - a character device, a FIFO, or "-" (standard output): written straight to it,
 *     since a device or a pipe cannot be replaced (and must not be, even as root); write
 *     errors such as ENOSPC on /dev/full are reported by commit;
 *   - a symlink: written through it. The link's final target is handled as above
 *     (replaced atomically beside the target, the link kept); a dangling link is refused.
 *   - a directory, a block device or a socket: refused.
 * lrf_output_check answers the same question before any work, so that a command can
 * refuse a bad output path before it spends minutes computing what goes into it. */
#ifndef LRF_ATOMIC_FILE_H
#define LRF_ATOMIC_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "lrf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { LRF_PATH_MAX = 4096 };

struct lrf_atomic_file {
    FILE *fp;                    /* write here between open and commit/abort */
    char path[LRF_PATH_MAX];     /* the file written (a symlink's resolved target) */
    char tmp_path[LRF_PATH_MAX]; /* "" when writing straight to path */
    bool stream;                 /* a device, FIFO or standard output: no temporary file */
};

/* Whether path can be written as an output (see the top of this file), without
 * touching it: LRF_OK, or LRF_ERR_INVALID_ARG with a message saying why not (an empty
 * path, a directory, a dangling symlink, a block device or socket, or a parent that is
 * not an existing directory). The message does not repeat the path. */
enum lrf_status lrf_output_check(const char *path, struct lrf_error *err);

/* Opens path for writing as its type says: a temporary file beside it (or beside a
 * symlink's target), or the device/FIFO/standard output itself. Errors: LRF_ERR_IO
 * (cannot create or open), LRF_ERR_INVALID_ARG (a type that is refused). */
enum lrf_status lrf_atomic_open(struct lrf_atomic_file *af, const char *path,
                                struct lrf_error *err);

/* Flushes and closes (standard output is flushed, not closed); renames the temporary
 * file over the target. On any failure (e.g. ENOSPC) the error names the target, a
 * temporary file is removed and a replaced target is left untouched. */
enum lrf_status lrf_atomic_commit(struct lrf_atomic_file *af, struct lrf_error *err);

/* Closes and removes the temporary file; safe to call after commit or twice. What was
 * already written to a device or FIFO stays written. */
void lrf_atomic_abort(struct lrf_atomic_file *af);

#ifdef __cplusplus
}
#endif

#endif
