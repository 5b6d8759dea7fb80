#define _XOPEN_SOURCE 700 /* realpath */
#include "lrf/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A device or FIFO is written through a buffer this large, so that the usual output
 * (a curve, a plot) reaches it in the one write at commit, whose errno (ENOSPC, EPIPE)
 * commit reports. */
enum { STREAM_BUFFER = 1 << 20 };

/* What a writer does with a target. */
enum target_kind { TARGET_REPLACE, TARGET_STREAM, TARGET_STDOUT };

/* The target behind path: its kind, the path to write (a symlink resolved), and the
 * mode of a regular file it replaces (0 when it is new). */
struct target {
    enum target_kind kind;
    char path[LRF_PATH_MAX];
    mode_t mode;
};

static enum lrf_status refuse(struct lrf_error *err, const char *path, const char *why)
{
    return lrf_error_set_at(err, LRF_ERR_INVALID_ARG, path, 0, 0, "%s", why);
}

/* Classifies path by what it is now (symlinks followed to their final target). */
static enum lrf_status classify(const char *path, struct target *t, struct lrf_error *err)
{
    memset(t, 0, sizeof *t);
    if (!path || !path[0])
        return refuse(err, path ? path : "", "empty output path");
    if (!strcmp(path, "-")) {
        t->kind = TARGET_STDOUT;
        snprintf(t->path, sizeof t->path, "%s", "-");
        return LRF_OK;
    }
    if (strlen(path) >= sizeof t->path - 16)
        return refuse(err, path, "path too long");
    struct stat st;
    if (lstat(path, &st) != 0) {
        snprintf(t->path, sizeof t->path, "%s", path); /* missing: created */
        return LRF_OK;
    }
    if (S_ISLNK(st.st_mode)) {
        char resolved[PATH_MAX];
        if (!realpath(path, resolved) || stat(resolved, &st) != 0)
            return refuse(err, path, "not writing through a dangling symlink");
        if (strlen(resolved) >= sizeof t->path - 16)
            return refuse(err, path, "path too long");
        snprintf(t->path, sizeof t->path, "%s", resolved);
    } else {
        snprintf(t->path, sizeof t->path, "%s", path);
    }
    if (S_ISREG(st.st_mode)) {
        t->mode = st.st_mode & 07777;
        return LRF_OK;
    }
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
        t->kind = TARGET_STREAM;
        return LRF_OK;
    }
    return refuse(err, path,
                  S_ISDIR(st.st_mode) ? "is a directory"
                                      : "not a regular file, character device or FIFO");
}

enum lrf_status lrf_output_check(const char *path, struct lrf_error *err)
{
    struct target t;
    enum lrf_status st = classify(path, &t, err);
    if (st != LRF_OK || t.kind != TARGET_REPLACE)
        return st;
    /* A file to create or replace: its directory must exist. */
    char dir[LRF_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", t.path);
    struct stat ds;
    if (stat(dirname(dir), &ds) != 0 || !S_ISDIR(ds.st_mode))
        return refuse(err, path, "no such directory");
    return LRF_OK;
}

static enum lrf_status open_temp(struct lrf_atomic_file *af, mode_t mode, struct lrf_error *err)
{
    int n = snprintf(af->tmp_path, sizeof af->tmp_path, "%s.tmp.XXXXXX", af->path);
    int fd = n > 0 && (size_t)n < sizeof af->tmp_path ? mkstemp(af->tmp_path) : -1;
    if (fd < 0) {
        int e = errno;
        af->tmp_path[0] = '\0';
        return lrf_error_set_at(err, LRF_ERR_IO, af->path, 0, 0, "cannot create: %s", strerror(e));
    }
    /* mkstemp makes 0600 files; a new output gets the usual umask-based mode, a
     * replaced one keeps its own. */
    if (!mode) {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    fchmod(fd, mode);
    af->fp = fdopen(fd, "w");
    if (!af->fp) {
        int e = errno;
        close(fd);
        unlink(af->tmp_path);
        af->tmp_path[0] = '\0';
        return lrf_error_set_at(err, LRF_ERR_IO, af->path, 0, 0, "cannot open: %s", strerror(e));
    }
    return LRF_OK;
}

/* A device or FIFO, opened as it is: never created, never truncated, never renamed. */
static enum lrf_status open_stream(struct lrf_atomic_file *af, struct lrf_error *err)
{
    int fd = open(af->path, O_WRONLY | O_NOCTTY);
    FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!fp) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return lrf_error_set_at(err, LRF_ERR_IO, af->path, 0, 0, "cannot open: %s", strerror(e));
    }
    setvbuf(fp, NULL, _IOFBF, STREAM_BUFFER);
    af->fp = fp;
    return LRF_OK;
}

enum lrf_status lrf_atomic_open(struct lrf_atomic_file *af, const char *path, struct lrf_error *err)
{
    memset(af, 0, sizeof *af);
    struct target t;
    enum lrf_status st = classify(path, &t, err);
    if (st != LRF_OK)
        return st;
    snprintf(af->path, sizeof af->path, "%s", t.path);
    af->stream = t.kind != TARGET_REPLACE;
    if (t.kind == TARGET_STDOUT) {
        af->fp = stdout;
        return LRF_OK;
    }
    return t.kind == TARGET_STREAM ? open_stream(af, err) : open_temp(af, t.mode, err);
}

/* Flushes and closes af->fp (standard output: flushes only); 0 or the errno. An error
 * during the writes before (ferror) is reported with the errno it left, if any. */
static int finish_writing(struct lrf_atomic_file *af)
{
    int e = ferror(af->fp) ? (errno ? errno : EIO) : 0;
    if (fflush(af->fp) != 0 && !e)
        e = errno;
    if (af->fp != stdout && fclose(af->fp) != 0 && !e)
        e = errno;
    af->fp = NULL;
    return e;
}

enum lrf_status lrf_atomic_commit(struct lrf_atomic_file *af, struct lrf_error *err)
{
    if (!af->fp)
        return lrf_error_set_at(err, LRF_ERR_STATE, af->path, 0, 0, "file is not open");
    int e = finish_writing(af);
    const char *what = "write failed";
    if (!e && !af->stream && rename(af->tmp_path, af->path) != 0) {
        e = errno;
        what = "cannot rename into place";
    }
    if (af->tmp_path[0] && e)
        unlink(af->tmp_path);
    af->tmp_path[0] = '\0';
    if (e)
        return lrf_error_set_at(err, LRF_ERR_IO, af->path, 0, 0, "%s: %s", what, strerror(e));
    return LRF_OK;
}

void lrf_atomic_abort(struct lrf_atomic_file *af)
{
    if (af->fp) {
        if (af->fp != stdout)
            fclose(af->fp);
        af->fp = NULL;
    }
    if (af->tmp_path[0]) {
        unlink(af->tmp_path);
        af->tmp_path[0] = '\0';
    }
}
