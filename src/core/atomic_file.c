#define _POSIX_C_SOURCE 200809L
#include "lrf/atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum lrf_status lrf_atomic_open(struct lrf_atomic_file *af, const char *path, struct lrf_error *err)
{
    memset(af, 0, sizeof *af);
    int n = snprintf(af->tmp_path, sizeof af->tmp_path, "%s.tmp.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof af->tmp_path)
        return lrf_error_set_at(err, LRF_ERR_INVALID_ARG, path, 0, 0, "path too long");
    snprintf(af->path, sizeof af->path, "%s", path);
    int fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        int e = errno;
        af->tmp_path[0] = '\0';
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot create: %s", strerror(e));
    }
    /* mkstemp makes 0600 files; outputs should get the usual umask-based mode. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    af->fp = fdopen(fd, "w");
    if (!af->fp) {
        int e = errno;
        close(fd);
        unlink(af->tmp_path);
        af->tmp_path[0] = '\0';
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot open: %s", strerror(e));
    }
    return LRF_OK;
}

enum lrf_status lrf_atomic_commit(struct lrf_atomic_file *af, struct lrf_error *err)
{
    if (!af->fp)
        return lrf_error_set_at(err, LRF_ERR_STATE, af->path, 0, 0, "file is not open");
    int failed = ferror(af->fp) != 0;
    failed |= fflush(af->fp) != 0;
    int e = errno;
    failed |= fclose(af->fp) != 0;
    af->fp = NULL;
    if (failed) {
        unlink(af->tmp_path);
        af->tmp_path[0] = '\0';
        return lrf_error_set_at(err, LRF_ERR_IO, af->path, 0, 0, "write failed: %s", strerror(e));
    }
    if (rename(af->tmp_path, af->path) != 0) {
        e = errno;
        unlink(af->tmp_path);
        af->tmp_path[0] = '\0';
        return lrf_error_set_at(err, LRF_ERR_IO, af->path, 0, 0, "cannot rename into place: %s",
                                strerror(e));
    }
    af->tmp_path[0] = '\0';
    return LRF_OK;
}

void lrf_atomic_abort(struct lrf_atomic_file *af)
{
    if (af->fp) {
        fclose(af->fp);
        af->fp = NULL;
    }
    if (af->tmp_path[0]) {
        unlink(af->tmp_path);
        af->tmp_path[0] = '\0';
    }
}
