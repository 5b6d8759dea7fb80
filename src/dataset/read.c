/* Reading input into memory: a regular file with parallel preads (noting
 * where its first NUL and first quote are, and hashing its bytes, on the
 * way), or a pipe read to its end while polling for an interrupt. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset/internal.h"

enum {
    READ_BLOCK = 1 << 20, /* bytes read between two interrupt polls */
    PIPE_WAIT_MS = 100,   /* longest wait for a pipe's data between polls */
    READ_INTERRUPTED = -2,
};

bool ds_interrupted(const struct lrf_dataset_options *opt)
{
    return opt && opt->interrupted && opt->interrupted(opt->interrupt_ctx);
}

void ds_progress(const struct lrf_dataset_options *opt, size_t bytes, size_t rows, bool restart)
{
    if (opt && opt->progress)
        opt->progress(opt->progress_ctx, bytes, rows, restart);
}

struct ds_scan ds_scan_text(const char *data, size_t size)
{
    const char *nul = memchr(data, '\0', size), *quote = memchr(data, '"', size);
    return (struct ds_scan){nul ? (size_t)(nul - data) : size,
                            quote ? (size_t)(quote - data) : size};
}

/* One thread's share of reading a file: its bytes, their hash, and where its
 * first NUL and first quote are, so that nothing scans the buffer again. */
struct read_part {
    int fd;
    char *buf;
    size_t off, len;
    const struct lrf_dataset_options *opt;
    int err; /* errno, -1 when the file was shorter than expected, READ_INTERRUPTED */
    struct ds_scan sc;
    struct ds_hash hash;
};

static void *read_part_run(void *arg)
{
    struct read_part *r = arg;
    ds_hash_init(&r->hash);
    for (size_t done = 0; done < r->len && !r->err;) {
        size_t k = r->len - done < READ_BLOCK ? r->len - done : READ_BLOCK;
        if (ds_interrupted(r->opt)) {
            r->err = READ_INTERRUPTED;
            return NULL;
        }
        r->err = ds_pread_full(r->fd, r->buf + r->off + done, k, r->off + done);
        ds_hash_update(&r->hash, r->buf + r->off + done, k, r->off + done);
        done += k;
    }
    if (r->err)
        return NULL;
    struct ds_scan sc = ds_scan_text(r->buf + r->off, r->len);
    r->sc.nul = sc.nul < r->len ? r->off + sc.nul : SIZE_MAX;
    r->sc.quote = sc.quote < r->len ? r->off + sc.quote : SIZE_MAX;
    return NULL;
}

/* The parts' first error, or their combined scan and hash. */
static enum lrf_status collect_parts(const char *path, const struct read_part *parts, int n,
                                     size_t size, struct ds_scan *all, struct ds_hash *hash,
                                     struct lrf_error *err)
{
    *all = (struct ds_scan){size, size}; /* size: none */
    ds_hash_init(hash);
    for (int t = 0; t < n; t++) {
        if (parts[t].err == READ_INTERRUPTED)
            return lrf_error_set_at(err, LRF_ERR_INTERRUPTED, path, 0, 0, "interrupted");
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
        ds_hash_merge(hash, &parts[t].hash);
    }
    return LRF_OK;
}

enum lrf_status ds_read_whole(const char *path, int fd, size_t n,
                              const struct lrf_dataset_options *opt, struct ds_read *out,
                              struct lrf_error *err)
{
    char *b = malloc(n + 1);
    if (!b)
        return lrf_error_set_at(err, LRF_ERR_NOMEM, path, 0, 0, "out of memory reading %zu bytes",
                                n);
    int threads = n < DS_PARALLEL_MIN_BYTES ? 1 : ds_threads_for(opt);
    struct read_part parts[DS_THREADS_MAX];
    size_t share = n / (size_t)threads;
    for (int t = 0; t < threads; t++)
        parts[t] = (struct read_part){.fd = fd,
                                      .buf = b,
                                      .off = share * (size_t)t,
                                      .len = t == threads - 1 ? n - share * (size_t)t : share,
                                      .opt = opt};
    ds_run_parallel(parts, sizeof parts[0], threads, read_part_run);
    /* Anything left beyond the size fstat gave means the file is changing. */
    char extra;
    ssize_t more = pread(fd, &extra, 1, (off_t)n);
    enum lrf_status s = collect_parts(path, parts, threads, n, &out->sc, &out->hash, err);
    if (s == LRF_OK && more > 0)
        s = lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0,
                             "cannot read: the file changed while being read");
    if (s != LRF_OK) {
        free(b);
        return s;
    }
    out->buf = b;
    out->size = n;
    return LRF_OK;
}

/* Waits (polling for an interrupt) until fd has data or its writer is gone:
 * 1 when read() may be called, 0 when interrupted, -1 on error. */
static int wait_readable(int fd, const struct lrf_dataset_options *opt)
{
    for (;;) {
        if (ds_interrupted(opt))
            return 0;
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll(&pfd, 1, PIPE_WAIT_MS);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r > 0)
            return 1;
    }
}

enum lrf_status ds_read_stream(const char *name, int fd, const struct lrf_dataset_options *opt,
                               struct ds_read *out, struct lrf_error *err)
{
    size_t len = 0, cap = 1 << 16;
    char *b = malloc(cap);
    enum lrf_status st = b ? LRF_OK : lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    while (st == LRF_OK) {
        int w = wait_readable(fd, opt);
        if (w <= 0) {
            st = w == 0 ? lrf_error_set_at(err, LRF_ERR_INTERRUPTED, name, 0, 0, "interrupted")
                        : lrf_error_set_at(err, LRF_ERR_IO, name, 0, 0, "cannot read: %s",
                                           strerror(errno));
            break;
        }
        if (len + READ_BLOCK + 1 > cap) {
            char *q = realloc(b, cap * 2 > len + READ_BLOCK + 1 ? cap * 2 : len + READ_BLOCK + 1);
            if (!q) {
                st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory reading %s", name);
                break;
            }
            b = q;
            cap = cap * 2 > len + READ_BLOCK + 1 ? cap * 2 : len + READ_BLOCK + 1;
        }
        ssize_t n = read(fd, b + len, READ_BLOCK);
        if (n == 0)
            break; /* the writer closed it */
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            st = lrf_error_set_at(err, LRF_ERR_IO, name, 0, 0, "cannot read: %s", strerror(errno));
        len += n > 0 ? (size_t)n : 0;
    }
    if (st != LRF_OK) {
        free(b);
        return st;
    }
    out->buf = b;
    out->size = len;
    out->sc = ds_scan_text(b, len);
    ds_hash_init(&out->hash);
    return LRF_OK;
}
