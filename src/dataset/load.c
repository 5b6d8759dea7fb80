/* Loading a CSV: read the file, probe the first two records (header and
 * label column), split the rest at line boundaries and parse the chunks on
 * all cores, then merge. The cache short-cuts all of it. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset/internal.h"
#include "lrf/atomic_file.h"
#include "lrf/clock.h"

enum {
    THREADS_MAX = 64,
    /* Below this a second thread costs more than it saves. */
    PARALLEL_MIN_BYTES = 1 << 20,
};

struct lrf_dataset_options lrf_dataset_options_default(void)
{
    return (struct lrf_dataset_options){
        .label = NULL, .use_cache = true, .cache_dir = NULL, .threads = 0, .force_libcsv = false};
}

static void *parse_chunk(void *arg)
{
    struct ds_chunk *c = arg;
    if (ds_parser_feed(&c->parser, c->data + c->offset, c->len))
        ds_parser_finish(&c->parser);
    return NULL;
}

static int online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : (int)n;
}

static int threads_for(const struct lrf_dataset_options *opt)
{
    int t = opt->threads > 0 ? opt->threads : online_cores();
    return t > THREADS_MAX ? THREADS_MAX : t;
}

/* The heart of loading, shared by files and buffers. */
/* Where the first NUL and the first quote are (size when none): found while
 * reading, in parallel, or by parse_text itself. */
struct scan {
    size_t nul, quote;
};

static struct scan scan_text(const char *data, size_t size)
{
    const char *nul = memchr(data, '\0', size), *quote = memchr(data, '"', size);
    return (struct scan){nul ? (size_t)(nul - data) : size, quote ? (size_t)(quote - data) : size};
}

/* What the first records tell: the dataset shell (columns, label, names),
 * where the data rows start, and a sample row length. */
struct setup {
    struct lrf_dataset *ds;
    size_t start; /* offset of the first data row (after the BOM) */
    size_t ncols;
    size_t sample_row;
};

/* Probes data[0..size) (the text after any BOM). When it is only a prefix of
 * the input (whole false) and does not hold two records, sets *need_more
 * and returns LRF_OK with no dataset. */
static enum lrf_status setup_from_head(const char *name, const char *data, size_t size, bool whole,
                                       const struct lrf_dataset_options *opt,
                                       const struct lrf_dataset *ref, struct setup *out,
                                       bool *need_more, struct lrf_error *err)
{
    memset(out, 0, sizeof *out);
    *need_more = false;
    struct ds_parser probe;
    ds_parser_init(&probe, DS_MODE_PROBE, 0, 0, true);
    if (ds_parser_feed(&probe, data, size) && whole)
        ds_parser_finish(&probe);
    if (!probe.done && !probe.failed && !whole) {
        ds_parser_free(&probe);
        *need_more = true;
        return LRF_OK;
    }
    enum lrf_status st = LRF_OK;
    struct lrf_dataset *ds = NULL;
    const struct ds_record *r1 = &probe.probe[0];
    const struct ds_record *r2 = probe.nprobe > 1 ? &probe.probe[1] : NULL;
    size_t ncols = r1->nfields;
    if (probe.failed) {
        st = lrf_error_set_at(err, probe.status, name, probe.err_line, probe.err_col, "%s",
                              probe.err_msg);
        goto done;
    }
    if (probe.nprobe == 0) {
        st = lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0, "empty file: expected CSV rows");
        goto done;
    }
    if (ncols < 2) {
        st = lrf_error_set_at(err, LRF_ERR_DATA, name, r1->line, 1,
                              "expected at least 2 columns (features and a label), found 1");
        goto done;
    }
    bool header = ds_detect_header(r1, r2);
    ds = ds_alloc();
    if (!ds) {
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
        goto done;
    }
    ds->has_header = header;
    ds->columns_in_file = ncols;
    ds->features = ncols - 1;
    st = ds_resolve_label(name, header ? r1 : NULL, ncols, opt->label, &ds->label_index, err);
    if (st != LRF_OK)
        goto done;
    if (ref && (ref->features != ds->features || ref->label_index != ds->label_index)) {
        st = lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0,
                              "incompatible with the training data: %zu features with the label "
                              "in column %zu, expected %zu features with the label in column %zu",
                              ds->features, ds->label_index, ref->features, ref->label_index);
        goto done;
    }
    if (ds_set_names(ds, header ? r1 : NULL) != LRF_OK || !(ds->source = ds_strdup(name))) {
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
        goto done;
    }
    out->ds = ds;
    out->start = header ? r1->end : 0;
    out->ncols = ncols;
    /* The length of one data row, to size the chunks' buffers. */
    out->sample_row = header ? (r2 ? r2->end - r1->end : 0) : r1->end;
done:
    ds_parser_free(&probe);
    if (st != LRF_OK)
        lrf_dataset_destroy(ds);
    return st;
}

/* Reserves rows up front from the sampled row length, capped by the most
 * rows the bytes can hold (a row takes 2 bytes a column). */
static void init_chunk_parser(struct ds_chunk *c, const struct setup *su, size_t len,
                              const struct lrf_dataset_options *opt)
{
    ds_parser_init(&c->parser, DS_MODE_DATA, su->ncols, su->ds->label_index, opt->force_libcsv);
    size_t most = len / (2 * su->ncols - 1) + 1;
    size_t guess = su->sample_row > 0 ? len / su->sample_row : most;
    guess += guess / 4 + 256; /* rows vary in length; regrowing is the rare case */
    c->parser.reserve = guess < most ? guess : most;
}

/* Runs fn on every chunk, chunk 0 on this thread and the others on their own. */
static void run_chunks(struct ds_chunk *chunks, int nchunks, void *(*fn)(void *))
{
    pthread_t tid[THREADS_MAX];
    bool started[THREADS_MAX] = {false};
    for (int t = 1; t < nchunks; t++)
        started[t] = pthread_create(&tid[t], NULL, fn, &chunks[t]) == 0;
    if (nchunks > 0)
        fn(&chunks[0]);
    for (int t = 1; t < nchunks; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            fn(&chunks[t]); /* no thread to be had: do it here */
    }
}

/* The heart of loading, on text in memory; its results (and errors) define
 * what loading a file means. */
static enum lrf_status parse_text(const char *name, const char *data, size_t size,
                                  const struct scan *scanned, const struct lrf_dataset_options *opt,
                                  const struct lrf_dataset *ref, struct lrf_dataset **out,
                                  struct lrf_error *err)
{
    struct scan sc = scanned ? *scanned : scan_text(data, size);
    const char *nul = sc.nul < size ? data + sc.nul : NULL;
    if (nul) {
        size_t at = (size_t)(nul - data);
        long line = ds_count_lines(data, at) + 1;
        const char *ls = at ? data + at : data;
        while (ls > data && ls[-1] != '\n')
            ls--;
        return lrf_error_set_at(err, LRF_ERR_PARSE, name, line, (long)(nul - ls) + 1,
                                "binary data (a NUL byte): expected CSV text");
    }
    size_t bom = size >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? 3 : 0;
    /* Work on the text after the BOM, so offsets and columns start there. */
    data += bom;
    size -= bom;
    size_t first_quote = sc.quote - bom; /* a BOM holds no quote; size when none */
    struct setup su;
    bool need_more;
    enum lrf_status st = setup_from_head(name, data, size, true, opt, ref, &su, &need_more, err);
    if (st != LRF_OK)
        return st;
    struct lrf_dataset *ds = su.ds;
    size_t start = su.start, rest = size - start;
    int threads = threads_for(opt);
    /* A quote may hide a newline, so only unquoted text can be split blindly. */
    bool quoted =
        first_quote < size && (first_quote >= start || memchr(data + start, '"', rest) != NULL);
    if (rest < PARALLEL_MIN_BYTES || quoted)
        threads = 1;
    struct ds_chunk *chunks = calloc((size_t)threads, sizeof *chunks);
    int nchunks = 0;
    if (!chunks) {
        lrf_dataset_destroy(ds);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    }
    size_t pos = start;
    for (int t = 0; t < threads && pos < size; t++) {
        size_t end = t == threads - 1 ? size : start + rest / (size_t)threads * (size_t)(t + 1);
        if (end < pos)
            end = pos;
        if (end < size) {
            const char *nl = memchr(data + end, '\n', size - end);
            end = nl ? (size_t)(nl - data) + 1 : size;
        }
        chunks[nchunks].data = data;
        chunks[nchunks].offset = pos;
        chunks[nchunks].len = end - pos;
        init_chunk_parser(&chunks[nchunks], &su, end - pos, opt);
        nchunks++;
        pos = end;
    }
    run_chunks(chunks, nchunks, parse_chunk);
    ds->threads = nchunks > 0 ? nchunks : 1;
    st = ds_merge(name, data, chunks, nchunks, ref, ds, err);
    for (int t = 0; t < nchunks; t++)
        ds_parser_free(&chunks[t].parser);
    free(chunks);
    if (st != LRF_OK) {
        lrf_dataset_destroy(ds);
        return st;
    }
    *out = ds;
    return LRF_OK;
}

enum lrf_status lrf_dataset_parse_buffer(const char *name, const void *data, size_t size,
                                         const struct lrf_dataset_options *opt,
                                         struct lrf_dataset **out, struct lrf_error *err)
{
    struct lrf_dataset_options def = lrf_dataset_options_default();
    double t0 = lrf_clock_seconds();
    enum lrf_status st =
        parse_text(name ? name : "<buffer>", data, size, NULL, opt ? opt : &def, NULL, out, err);
    if (st == LRF_OK) {
        (*out)->file_bytes = size;
        (*out)->parse_seconds = lrf_clock_seconds() - t0;
    }
    return st;
}

/* One thread's share of reading a file: its bytes, then where its first NUL
 * and first quote are, so that nothing scans the whole buffer again. */
struct read_part {
    int fd;
    char *buf;
    size_t off, len;
    int err; /* errno, or -1 when the file was shorter than expected */
    struct scan sc;
};

static void *read_part_run(void *arg)
{
    struct read_part *r = arg;
    size_t done = 0;
    while (done < r->len) {
        ssize_t n = pread(r->fd, r->buf + r->off + done, r->len - done, (off_t)(r->off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            r->err = n < 0 ? errno : -1;
            return NULL;
        }
        done += (size_t)n;
    }
    struct scan sc = scan_text(r->buf + r->off, r->len);
    r->sc.nul = sc.nul < r->len ? r->off + sc.nul : SIZE_MAX;
    r->sc.quote = sc.quote < r->len ? r->off + sc.quote : SIZE_MAX;
    return NULL;
}

/* Reads a whole regular file with `threads` parallel preads (the copy and the
 * page faults of a large buffer are a good part of loading time). */
static enum lrf_status read_whole(const char *path, int threads, char **buf, size_t *size,
                                  struct scan *sc, struct stat *st, struct lrf_error *err)
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
    size_t n = (size_t)st->st_size;
    char *b = malloc(n + 1);
    if (!b) {
        close(fd);
        return lrf_error_set_at(err, LRF_ERR_NOMEM, path, 0, 0, "out of memory reading %zu bytes",
                                n);
    }
    if (n < PARALLEL_MIN_BYTES)
        threads = 1;
    struct read_part parts[THREADS_MAX];
    pthread_t tid[THREADS_MAX];
    bool started[THREADS_MAX] = {false};
    for (int t = 0; t < threads; t++)
        parts[t] = (struct read_part){fd,
                                      b,
                                      n / (size_t)threads * (size_t)t,
                                      t == threads - 1 ? n - n / (size_t)threads * (size_t)t
                                                       : n / (size_t)threads,
                                      0,
                                      {0, 0}};
    for (int t = 1; t < threads; t++)
        started[t] = pthread_create(&tid[t], NULL, read_part_run, &parts[t]) == 0;
    read_part_run(&parts[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            read_part_run(&parts[t]);
    }
    /* Anything left beyond the size fstat gave means the file is changing. */
    char extra;
    ssize_t more = pread(fd, &extra, 1, (off_t)n);
    close(fd);
    struct scan all = {n, n}; /* n: none */
    for (int t = 0; t < threads; t++) {
        if (parts[t].err) {
            free(b);
            if (parts[t].err < 0)
                return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0,
                                        "cannot read: the file changed while being read");
            return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot read: %s",
                                    strerror(parts[t].err));
        }
        if (parts[t].sc.nul < all.nul)
            all.nul = parts[t].sc.nul;
        if (parts[t].sc.quote < all.quote)
            all.quote = parts[t].sc.quote;
    }
    if (more > 0) {
        free(b);
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0,
                                "cannot read: the file changed while being read");
    }
    *buf = b;
    *size = n;
    *sc = all;
    return LRF_OK;
}

/* ---- streaming a large file ---------------------------------------------
 * The usual case, a well-formed file, is read by each thread in 1 MiB blocks
 * into its own small buffer and fed straight to its parser: no buffer the
 * size of the file, no page faults for it, and reading overlaps parsing. Any
 * irregularity (a parse or label error, a NUL, a quote in a parallel chunk, a
 * read problem) abandons the attempt and the in-memory path (parse_text)
 * decides, so results and messages are the same either way. */

enum { STREAM_BLOCK = 1 << 20, HEAD_FIRST = 1 << 16 };

struct stream_io {
    int fd;
    size_t begin, end; /* file offsets */
    struct ds_chunk *chunk;
    bool bad;
};

static bool pread_full(int fd, char *buf, size_t len, size_t off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += (size_t)n;
    }
    return true;
}

static void *stream_chunk(void *arg)
{
    struct stream_io *io = arg;
    char *buf = malloc(STREAM_BLOCK);
    io->bad = buf == NULL;
    for (size_t off = io->begin; off < io->end && !io->bad;) {
        size_t k = io->end - off < STREAM_BLOCK ? io->end - off : STREAM_BLOCK;
        io->bad = !pread_full(io->fd, buf, k, off) || memchr(buf, '\0', k) != NULL ||
                  !ds_parser_feed(&io->chunk->parser, buf, k);
        off += k;
    }
    if (!io->bad)
        io->bad = !ds_parser_finish(&io->chunk->parser);
    free(buf);
    return NULL;
}

/* Offset just past the first '\n' at or after pos (size when none). */
static size_t find_line_end(int fd, size_t pos, size_t size)
{
    char win[4096];
    while (pos < size) {
        size_t k = size - pos < sizeof win ? size - pos : sizeof win;
        if (!pread_full(fd, win, k, pos))
            return size;
        const char *nl = memchr(win, '\n', k);
        if (nl)
            return pos + (size_t)(nl - win) + 1;
        pos += k;
    }
    return size;
}

/* Returns the dataset, or NULL when the in-memory path must decide. */
static struct lrf_dataset *load_streaming(const char *path, int fd, size_t size,
                                          const struct lrf_dataset_options *opt,
                                          const struct lrf_dataset *ref)
{
    struct setup su = {0};
    size_t bom = 0;
    char *head = NULL;
    for (size_t cap = HEAD_FIRST;; cap *= 4) {
        size_t want = cap < size ? cap : size;
        char *h = realloc(head, want ? want : 1);
        if (!h || !pread_full(fd, h, want, 0) || memchr(h, '\0', want)) {
            free(h ? h : head);
            return NULL;
        }
        head = h;
        bom = want >= 3 && !memcmp(head, "\xEF\xBB\xBF", 3) ? 3 : 0;
        bool need_more;
        if (setup_from_head(path, head + bom, want - bom, want == size, opt, ref, &su, &need_more,
                            NULL) != LRF_OK ||
            (need_more && want == size)) {
            free(head);
            return NULL;
        }
        if (!need_more)
            break;
    }
    free(head);
    struct lrf_dataset *ds = su.ds;
    size_t start = bom + su.start, rest = size - start;
    int threads = threads_for(opt);
    if (rest < PARALLEL_MIN_BYTES)
        threads = 1;
    struct ds_chunk *chunks = calloc((size_t)threads, sizeof *chunks);
    struct stream_io *io = calloc((size_t)threads, sizeof *io);
    int n = 0;
    bool ok = chunks && io;
    for (size_t pos = start; ok && n < threads && pos < size; n++) {
        size_t end = n == threads - 1 ? size : start + rest / (size_t)threads * (size_t)(n + 1);
        end = end < pos ? pos : end;
        if (end < size)
            end = find_line_end(fd, end, size);
        chunks[n].offset = pos - bom;
        chunks[n].len = end - pos;
        init_chunk_parser(&chunks[n], &su, end - pos, opt);
        io[n] = (struct stream_io){fd, pos, end, &chunks[n], false};
        pos = end;
    }
    if (ok) {
        pthread_t tid[THREADS_MAX];
        bool started[THREADS_MAX] = {false};
        for (int t = 1; t < n; t++)
            started[t] = pthread_create(&tid[t], NULL, stream_chunk, &io[t]) == 0;
        if (n > 0)
            stream_chunk(&io[0]);
        for (int t = 1; t < n; t++) {
            if (started[t])
                pthread_join(tid[t], NULL);
            else
                stream_chunk(&io[t]);
        }
        for (int t = 0; t < n; t++)
            /* A quote in a parallel chunk may have hidden a newline at its start. */
            ok &= !io[t].bad && !(n > 1 && chunks[t].parser.use_libcsv);
    }
    if (ok) {
        ds->threads = n > 0 ? n : 1;
        ok = ds_merge(path, NULL, chunks, n, ref, ds, NULL) == LRF_OK;
    }
    for (int t = 0; chunks && t < n; t++)
        ds_parser_free(&chunks[t].parser);
    free(chunks);
    free(io);
    if (!ok) {
        lrf_dataset_destroy(ds);
        return NULL;
    }
    return ds;
}

static enum lrf_status load(const char *path, const struct lrf_dataset_options *opt,
                            const struct lrf_dataset *ref, struct lrf_dataset **out,
                            struct lrf_error *err)
{
    struct lrf_dataset_options def = lrf_dataset_options_default();
    if (!opt)
        opt = &def;
    if (!path || !out)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "path and out must not be NULL");
    double t0 = lrf_clock_seconds();
    struct stat sb;
    char cache_path[LRF_PATH_MAX];
    bool cached = opt->use_cache && !ref &&
                  lrf_dataset_cache_path(path, opt, cache_path, sizeof cache_path, NULL) == LRF_OK;
    if (cached && stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
        struct lrf_dataset *ds;
        if (ds_cache_read(cache_path, path, (size_t)sb.st_size, (long long)sb.st_mtim.tv_sec,
                          sb.st_mtim.tv_nsec, opt->label, &ds) == LRF_OK) {
            ds->parse_seconds = lrf_clock_seconds() - t0;
            *out = ds;
            return LRF_OK;
        }
    }
    struct lrf_dataset *ds = NULL;
    int fd = open(path, O_RDONLY);
    if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
        (size_t)sb.st_size >= PARALLEL_MIN_BYTES)
        ds = load_streaming(path, fd, (size_t)sb.st_size, opt, ref);
    if (fd >= 0)
        close(fd);
    if (ds) {
        ds->file_bytes = (size_t)sb.st_size;
        ds->parse_seconds = lrf_clock_seconds() - t0;
        if (cached)
            ds_cache_write(cache_path, path, ds->file_bytes, (long long)sb.st_mtim.tv_sec,
                           sb.st_mtim.tv_nsec, opt->label, ds, NULL);
        *out = ds;
        return LRF_OK;
    }
    char *buf = NULL;
    size_t size = 0;
    struct scan sc;
    enum lrf_status st = read_whole(path, threads_for(opt), &buf, &size, &sc, &sb, err);
    if (st != LRF_OK)
        return st;
    st = parse_text(path, buf, size, &sc, opt, ref, &ds, err);
    free(buf);
    if (st != LRF_OK)
        return st;
    ds->file_bytes = size;
    ds->parse_seconds = lrf_clock_seconds() - t0;
    if (cached)
        ds_cache_write(cache_path, path, size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
                       opt->label, ds, NULL); /* best effort: a cache is an optimization */
    *out = ds;
    return LRF_OK;
}

enum lrf_status lrf_dataset_load_csv(const char *path, const struct lrf_dataset_options *opt,
                                     struct lrf_dataset **out, struct lrf_error *err)
{
    return load(path, opt, NULL, out, err);
}

enum lrf_status lrf_dataset_load_csv_like(const char *path, const struct lrf_dataset *ref,
                                          const struct lrf_dataset_options *opt,
                                          struct lrf_dataset **out, struct lrf_error *err)
{
    if (!ref)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "ref must not be NULL");
    struct lrf_dataset_options o = opt ? *opt : lrf_dataset_options_default();
    /* The same column as in the reference, whatever its name in this file. */
    char idx[32];
    snprintf(idx, sizeof idx, "%zu", ref->label_index);
    o.label = idx;
    return load(path, &o, ref, out, err);
}
