/* Reading a whole regular file into memory with parallel preads, noting
 * where its first NUL and first quote are on the way. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset/internal.h"

struct ds_scan ds_scan_text(const char *data, size_t size)
{
    const char *nul = memchr(data, '\0', size), *quote = memchr(data, '"', size);
    return (struct ds_scan){nul ? (size_t)(nul - data) : size,
                            quote ? (size_t)(quote - data) : size};
}

/* One thread's share of reading a file: its bytes, then where its first NUL
 * and first quote are, so that nothing scans the whole buffer again. */
struct read_part {
    int fd;
    char *buf;
    size_t off, len;
    int err; /* errno, or -1 when the file was shorter than expected */
    struct ds_scan sc;
};

static void *read_part_run(void *arg)
{
    struct read_part *r = arg;
    r->err = ds_pread_full(r->fd, r->buf + r->off, r->len, r->off);
    if (r->err)
        return NULL;
    struct ds_scan sc = ds_scan_text(r->buf + r->off, r->len);
    r->sc.nul = sc.nul < r->len ? r->off + sc.nul : SIZE_MAX;
    r->sc.quote = sc.quote < r->len ? r->off + sc.quote : SIZE_MAX;
    return NULL;
}

/* Opens path and checks that it is a regular file. */
static enum lrf_status open_regular(const char *path, int *fd_out, struct stat *st,
                                    struct lrf_error *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        /* e == 0: a pipe or device, whose size is unknown up front. */
        int e = fstat(fd, st) != 0 ? errno : S_ISDIR(st->st_mode) ? EISDIR : 0;
        close(fd);
        if (e == 0)
            return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0,
                                    "cannot read: not a regular file (expected a CSV file)");
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot read: %s%s", strerror(e),
                                e == EISDIR ? " (expected a CSV file)" : "");
    }
    *fd_out = fd;
    return LRF_OK;
}

/* The parts' first error, or their combined scan. */
static enum lrf_status collect_parts(const char *path, const struct read_part *parts, int n,
                                     size_t size, struct ds_scan *all, struct lrf_error *err)
{
    *all = (struct ds_scan){size, size}; /* size: none */
    for (int t = 0; t < n; t++) {
        if (parts[t].err < 0)
            return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0,
                                    "cannot read: the file changed while being read");
        if (parts[t].err > 0)
            return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot read: %s",
                                    strerror(parts[t].err));
        if (parts[t].sc.nul < all->nul)
            all->nul = parts[t].sc.nul;
        if (parts[t].sc.quote < all->quote)
            all->quote = parts[t].sc.quote;
    }
    return LRF_OK;
}

enum lrf_status ds_read_whole(const char *path, int threads, char **buf, size_t *size,
                              struct ds_scan *sc, struct stat *st, struct lrf_error *err)
{
    int fd = -1;
    enum lrf_status s = open_regular(path, &fd, st, err);
    if (s != LRF_OK)
        return s;
    size_t n = (size_t)st->st_size;
    char *b = malloc(n + 1);
    if (!b) {
        close(fd);
        return lrf_error_set_at(err, LRF_ERR_NOMEM, path, 0, 0, "out of memory reading %zu bytes",
                                n);
    }
    if (n < DS_PARALLEL_MIN_BYTES)
        threads = 1;
    struct read_part parts[DS_THREADS_MAX];
    size_t share = n / (size_t)threads;
    for (int t = 0; t < threads; t++)
        parts[t] = (struct read_part){
            fd, b, share * (size_t)t, t == threads - 1 ? n - share * (size_t)t : share, 0, {0, 0}};
    ds_run_parallel(parts, sizeof parts[0], threads, read_part_run);
    /* Anything left beyond the size fstat gave means the file is changing. */
    char extra;
    ssize_t more = pread(fd, &extra, 1, (off_t)n);
    close(fd);
    s = collect_parts(path, parts, threads, n, sc, err);
    if (s == LRF_OK && more > 0)
        s = lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0,
                             "cannot read: the file changed while being read");
    if (s != LRF_OK) {
        free(b);
        return s;
    }
    *buf = b;
    *size = n;
    return LRF_OK;
}
