/* Loading a CSV: read the file, probe the first two records (header and
 * label column), split the rest at line boundaries and parse the chunks on
 * all cores, then merge. The cache short-cuts all of it. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dataset/internal.h"
#include "lrf/atomic_file.h"
#include "lrf/clock.h"

struct lrf_dataset_options lrf_dataset_options_default(void)
{
    return (struct lrf_dataset_options){.label = NULL,
                                        .use_cache = true,
                                        .cache_dir = NULL,
                                        .threads = 0,
                                        .force_libcsv = false,
                                        .interrupted = NULL,
                                        .interrupt_ctx = NULL,
                                        .progress = NULL,
                                        .progress_ctx = NULL};
}

enum { PARSE_PIECE = 1 << 20 }; /* bytes parsed between two interrupt polls */

static void *parse_chunk(void *arg)
{
    struct ds_chunk *c = arg;
    for (size_t done = 0; done < c->len; done += PARSE_PIECE) {
        if (ds_interrupted(c->opt)) {
            c->interrupted = true;
            return NULL;
        }
        size_t k = c->len - done < PARSE_PIECE ? c->len - done : PARSE_PIECE;
        size_t rows = c->parser.rows;
        if (!ds_parser_feed(&c->parser, c->data + c->offset + done, k))
            return NULL;
        ds_progress(c->opt, k, c->parser.rows - rows, false);
    }
    size_t rows = c->parser.rows;
    ds_parser_finish(&c->parser);
    ds_progress(c->opt, 0, c->parser.rows - rows, false); /* a last line without a newline */
    return NULL;
}

void ds_init_chunk(struct ds_chunk *c, const struct ds_plan *pl, enum ds_parser_mode mode,
                   size_t len, const struct lrf_dataset_options *opt)
{
    /* Reserves rows up front from the sampled row length, capped by the most
     * rows the bytes can hold (a row takes 2 bytes a column). */
    ds_parser_init(&c->parser, mode, pl->ncols, 0, opt->force_libcsv);
    ds_parser_set_dialect(&c->parser, pl->ds->schema.sep, pl->ds->schema.decimal);
    if (mode == DS_MODE_DATA)
        ds_parser_set_layout(&c->parser, pl->role, pl->feat_of, pl->features);
    c->opt = opt;
    size_t most = len / (2 * pl->ncols - 1) + 1;
    size_t guess = pl->sample_row > 0 ? len / pl->sample_row : most;
    guess += guess / 4 + 256; /* rows vary in length; regrowing is the rare case */
    c->parser.reserve = guess < most ? guess : most;
    /* CELLS keeps each field's text and a NUL where its separator was: never
     * more than the chunk's bytes, so this never regrows (or fails: later). */
    if (mode == DS_MODE_CELLS && (c->parser.cells.text = malloc(len + 64)))
        c->parser.cells.text_cap = len + 64;
}

static size_t memory_line_end(void *ctx, size_t pos, size_t size)
{
    const char *data = ctx;
    const char *nl = memchr(data + pos, '\n', size - pos);
    return nl ? (size_t)(nl - data) + 1 : size;
}

/* The NUL error at offset at of data. */
static enum lrf_status nul_error(const char *name, const char *data, size_t at,
                                 struct lrf_error *err)
{
    long line = ds_count_lines(data, at) + 1;
    const char *ls = data + at;
    while (ls > data && ls[-1] != '\n')
        ls--;
    return lrf_error_set_at(err, LRF_ERR_PARSE, name, line, (long)(data + at - ls) + 1,
                            "binary data (a NUL byte): expected CSV text");
}

/* Parses data[pl->start, size) in chunks of mode on their threads. */
static enum lrf_status run_chunks(const char *name, const char *data, size_t size,
                                  const struct ds_plan *pl, enum ds_parser_mode mode, int threads,
                                  const struct lrf_dataset_options *opt, struct ds_chunk *chunks,
                                  int *n, struct lrf_error *err)
{
    size_t bounds[DS_THREADS_MAX + 1];
    *n = ds_split_lines(pl->start, size, threads, memory_line_end, (void *)data, bounds);
    for (int t = 0; t < *n; t++) {
        chunks[t].data = data;
        chunks[t].offset = bounds[t];
        chunks[t].len = bounds[t + 1] - bounds[t];
        ds_init_chunk(&chunks[t], pl, mode, chunks[t].len, opt);
    }
    ds_progress(opt, 0, 0, true);
    ds_run_parallel(chunks, sizeof chunks[0], *n, parse_chunk);
    pl->ds->threads = *n > 0 ? *n : 1;
    for (int t = 0; t < *n; t++)
        if (chunks[t].interrupted)
            return lrf_error_set_at(err, LRF_ERR_INTERRUPTED, name, 0, 0, "interrupted");
    return LRF_OK;
}

static void free_chunks(struct ds_chunk *chunks, int n)
{
    for (int t = 0; t < n; t++)
        ds_parser_free(&chunks[t].parser);
}

/* The values of an attempt that did not stand, before the next one. */
static void reset_values(struct lrf_dataset *ds)
{
    free(ds->u8);
    free(ds->f32);
    free(ds->fmin);
    free(ds->fmax);
    ds->u8 = NULL;
    ds->f32 = NULL;
    ds->fmin = ds->fmax = NULL;
    ds->rows = 0;
}

/* The fast path: every feature a number. *need_cells when a text or a
 * missing value says the general path must decide; *relabel when the label
 * rule takes the first column after all. */
static enum lrf_status parse_numeric(const char *name, const char *data, size_t size,
                                     struct ds_plan *pl, int threads,
                                     const struct lrf_dataset_options *opt, bool *need_cells,
                                     bool *relabel, struct lrf_error *err)
{
    struct ds_chunk chunks[DS_THREADS_MAX];
    memset(chunks, 0, sizeof chunks);
    int n = 0;
    struct ds_label_input in = {0};
    enum lrf_status st =
        run_chunks(name, data, size, pl, DS_MODE_DATA, threads, opt, chunks, &n, err);
    for (int t = 0; t < n; t++)
        *need_cells |= chunks[t].parser.need_cells;
    if (st == LRF_OK && !*need_cells)
        st = ds_merge(name, data, chunks, n, pl, &in, err);
    char column[96];
    ds_column_label(&pl->ds->schema, pl->ref ? pl->ref->label_index : pl->ds->label_index, column,
                    sizeof column);
    in.column = column;
    if (st == LRF_OK && !*need_cells)
        st = ds_numeric_finish(pl, &in, opt, relabel, err);
    free(in.texts);
    free(in.lines);
    free_chunks(chunks, n);
    if (*relabel || *need_cells)
        reset_values(pl->ds);
    return st;
}

/* The general path: every field kept as text, then typed and encoded. */
static enum lrf_status parse_general(const char *name, const char *data, size_t size,
                                     struct ds_plan *pl, int threads,
                                     const struct lrf_dataset_options *opt, struct lrf_error *err)
{
    struct ds_chunk chunks[DS_THREADS_MAX];
    memset(chunks, 0, sizeof chunks);
    int n = 0;
    enum lrf_status st =
        run_chunks(name, data, size, pl, DS_MODE_CELLS, threads, opt, chunks, &n, err);
    if (st == LRF_OK)
        st = ds_general_finish(name, data, chunks, n, pl, opt, err);
    free_chunks(chunks, n);
    return st;
}

/* A reference whose encoders the fast path cannot apply (categories, indicators). */
static bool needs_general(const struct lrf_dataset *ref)
{
    for (size_t j = 0; ref && j < ref->schema.ncols; j++) {
        const struct ds_column *c = &ref->schema.cols[j];
        if (c->role == LRF_COLUMN_FEATURE && (c->type != LRF_COLUMN_NUMERIC || c->indicator))
            return true;
    }
    return false;
}

enum lrf_status ds_parse_planned(const char *name, const char *data, size_t size,
                                 struct ds_plan *pl, int threads,
                                 const struct lrf_dataset_options *opt, struct lrf_error *err)
{
    bool cells = needs_general(pl->ref), relabel = false;
    enum lrf_status st = LRF_OK;
    if (!cells)
        st = parse_numeric(name, data, size, pl, threads, opt, &cells, &relabel, err);
    if (st == LRF_OK && relabel) {
        st = ds_first_label(pl, err);
        if (st == LRF_OK)
            st = parse_numeric(name, data, size, pl, threads, opt, &cells, &relabel, err);
    }
    if (st == LRF_OK && cells)
        st = parse_general(name, data, size, pl, threads, opt, err);
    return st;
}

/* The heart of loading, on text in memory; its results (and errors) define
 * what loading a file means. */
static enum lrf_status parse_text(const char *name, const char *data, size_t size,
                                  const struct ds_scan *scanned,
                                  const struct lrf_dataset_options *opt,
                                  const struct lrf_dataset *ref, struct lrf_dataset **out,
                                  struct lrf_error *err)
{
    struct ds_scan sc = scanned ? *scanned : ds_scan_text(data, size);
    if (sc.nul < size)
        return nul_error(name, data, sc.nul, err);
    size_t bom = size >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? 3 : 0;
    /* Work on the text after the BOM, so offsets and columns start there. */
    data += bom;
    size -= bom;
    size_t first_quote = sc.quote - bom; /* a BOM holds no quote; size when none */
    struct ds_plan pl;
    bool need_more;
    enum lrf_status st = ds_plan_from_head(name, data, size, true, opt, ref, &pl, &need_more, err);
    if (st != LRF_OK)
        return st;
    pl.ds->schema.bom = bom > 0;
    size_t start = pl.start, rest = size - start;
    int threads = ds_threads_for(opt);
    /* A quote may hide a newline, so only unquoted text can be split blindly. */
    bool quoted =
        first_quote < size && (first_quote >= start || memchr(data + start, '"', rest) != NULL);
    if (rest < DS_PARALLEL_MIN_BYTES || quoted)
        threads = 1;
    st = ds_parse_planned(name, data, size, &pl, threads, opt, err);
    ds_plan_free(&pl);
    if (st != LRF_OK) {
        lrf_dataset_destroy(pl.ds);
        return st;
    }
    *out = pl.ds;
    return LRF_OK;
}

enum lrf_status ds_parse_input(const char *name, const char *data, size_t size,
                               const struct ds_scan *scanned, const struct lrf_dataset_options *opt,
                               const struct lrf_dataset *ref, struct lrf_dataset **out,
                               struct lrf_error *err)
{
    if (!ds_is_gzip(data, size))
        return parse_text(name, data, size, scanned, opt, ref, out, err);
    char *text = NULL;
    size_t len = 0;
    enum lrf_status st = ds_gunzip(name, data, size, opt, &text, &len, err);
    if (st == LRF_OK)
        st = parse_text(name, text, len, NULL, opt, ref, out, err);
    free(text);
    if (st == LRF_OK)
        (*out)->schema.gzip = true;
    return st;
}

enum lrf_status lrf_dataset_parse_buffer(const char *name, const void *data, size_t size,
                                         const struct lrf_dataset_options *opt,
                                         struct lrf_dataset **out, struct lrf_error *err)
{
    struct lrf_dataset_options def = lrf_dataset_options_default();
    double t0 = lrf_clock_seconds();
    enum lrf_status st = ds_parse_input(name ? name : "<buffer>", data, size, NULL,
                                        opt ? opt : &def, NULL, out, err);
    if (st == LRF_OK) {
        (*out)->file_bytes = size;
        (*out)->parse_seconds = lrf_clock_seconds() - t0;
        ds_decide_shape(*out, NULL);
    }
    return st;
}

/* Text read into memory, parsed; the content hash noted. */
static enum lrf_status parse_read(const char *path, struct ds_read *rd,
                                  const struct lrf_dataset_options *opt,
                                  const struct lrf_dataset *ref, struct lrf_dataset **out,
                                  struct lrf_error *err)
{
    enum lrf_status st = ds_parse_input(path, rd->buf, rd->size, &rd->sc, opt, ref, out, err);
    free(rd->buf);
    if (st == LRF_OK) {
        (*out)->file_bytes = rd->size;
        (*out)->content_hash = ds_hash_final(&rd->hash, rd->size);
    }
    return st;
}

/* A regular file: streamed when large (the in-memory path decides anything
 * irregular), else read whole and parsed in memory. */
static enum lrf_status load_regular(const char *path, int fd, size_t size,
                                    const struct lrf_dataset_options *opt,
                                    const struct lrf_dataset *ref, struct lrf_dataset **out,
                                    struct lrf_error *err)
{
    if (size >= DS_PARALLEL_MIN_BYTES) {
        bool interrupted;
        *out = ds_load_streaming(path, fd, size, opt, ref, &interrupted);
        if (interrupted)
            return lrf_error_set_at(err, LRF_ERR_INTERRUPTED, path, 0, 0, "interrupted");
        if (*out) {
            (*out)->file_bytes = size;
            return LRF_OK;
        }
    }
    struct ds_read rd;
    enum lrf_status st = ds_read_whole(path, fd, size, opt, &rd, err);
    return st == LRF_OK ? parse_read(path, &rd, opt, ref, out, err) : st;
}

/* What path is, before anything opens it (a FIFO's open would block). */
static enum lrf_status check_kind(const char *path, struct stat *sb, struct lrf_error *err)
{
    if (stat(path, sb) != 0)
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    if (S_ISDIR(sb->st_mode))
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0,
                                "cannot read: %s (expected a CSV file)", strerror(EISDIR));
    if (!S_ISREG(sb->st_mode) && !S_ISFIFO(sb->st_mode))
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0,
                                "cannot read: not a regular file (expected a CSV file)");
    return LRF_OK;
}

/* Opens path without blocking and parses it; *key is its identity as read
 * and *unchanged whether it was the same after parsing. */
static enum lrf_status load_opened(const char *path, const struct lrf_dataset_options *opt,
                                   const struct lrf_dataset *ref, struct lrf_dataset **out,
                                   struct ds_source_key *key, bool *unchanged,
                                   struct lrf_error *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat sb, after;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot open: %s", strerror(e));
    }
    *key = ds_source_key_of(&sb);
    enum lrf_status st;
    if (S_ISREG(sb.st_mode)) {
        st = load_regular(path, fd, (size_t)sb.st_size, opt, ref, out, err);
    } else if (S_ISFIFO(sb.st_mode)) {
        struct ds_read rd;
        st = ds_read_stream(path, fd, opt, &rd, err);
        st = st == LRF_OK ? parse_read(path, &rd, opt, ref, out, err) : st;
        if (st == LRF_OK)
            (*out)->schema.stream = true;
    } else { /* replaced since it was looked at */
        st = lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0,
                              "cannot read: not a regular file (expected a CSV file)");
    }
    struct ds_source_key now = *key;
    if (fstat(fd, &after) == 0)
        now = ds_source_key_of(&after);
    *unchanged = S_ISREG(sb.st_mode) && ds_source_key_equal(key, &now);
    close(fd);
    return st;
}

/* A change this recent may share its timestamps with the next one. */
static bool racy(const struct ds_source_key *key)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec - key->ctime_sec < DS_RACY_SECONDS;
}

/* Standard input ("-"): read to its end, never cached. */
static enum lrf_status load_stdin(const struct lrf_dataset_options *opt,
                                  const struct lrf_dataset *ref, struct lrf_dataset **out,
                                  struct lrf_error *err)
{
    struct ds_read rd;
    enum lrf_status st = ds_read_stream(DS_STDIN_NAME, 0, opt, &rd, err);
    if (st == LRF_OK)
        st = parse_read(DS_STDIN_NAME, &rd, opt, ref, out, err);
    if (st == LRF_OK)
        (*out)->schema.stream = true;
    return st;
}

static enum lrf_status load_any(const char *path, const struct lrf_dataset_options *opt,
                                const struct lrf_dataset *ref, struct lrf_dataset **out,
                                struct lrf_error *err)
{
    struct lrf_dataset_options def = lrf_dataset_options_default();
    if (!opt)
        opt = &def;
    if (!path || !out)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "path and out must not be NULL");
    double t0 = lrf_clock_seconds();
    if (!strcmp(path, "-")) {
        enum lrf_status st = load_stdin(opt, ref, out, err);
        if (st == LRF_OK)
            (*out)->parse_seconds = lrf_clock_seconds() - t0;
        return st;
    }
    struct stat sb;
    enum lrf_status st = check_kind(path, &sb, err);
    if (st != LRF_OK)
        return st;
    char cache_path[LRF_PATH_MAX], okey[DS_OPTIONS_KEY_MAX];
    ds_options_key(opt, okey, sizeof okey);
    bool cached = opt->use_cache && !ref && S_ISREG(sb.st_mode) &&
                  lrf_dataset_cache_path(path, opt, cache_path, sizeof cache_path, NULL) == LRF_OK;
    struct ds_source_key key = ds_source_key_of(&sb);
    struct lrf_dataset *ds = NULL;
    if (cached) {
        ds_cache_clean_stale(cache_path);
        if (ds_cache_read(cache_path, path, &key, okey, &ds) == LRF_OK) {
            ds_cache_touch(cache_path);
            ds->parse_seconds = lrf_clock_seconds() - t0;
            *out = ds;
            return LRF_OK;
        }
    }
    bool unchanged = false;
    st = load_opened(path, opt, ref, &ds, &key, &unchanged, err);
    if (st != LRF_OK)
        return st;
    ds->key = key;
    ds->source_racy = racy(&key);
    ds->parse_seconds = lrf_clock_seconds() - t0;
    /* Best effort (a cache is an optimization), but an interrupt is obeyed. */
    if (cached && unchanged &&
        ds_cache_write(cache_path, okey, ds, opt, err) == LRF_ERR_INTERRUPTED) {
        lrf_dataset_destroy(ds);
        return LRF_ERR_INTERRUPTED;
    }
    lrf_error_clear(err);
    *out = ds;
    return LRF_OK;
}

/* A file or standard input, read or taken from the cache; then the decisions
 * that are not cached (the image shape). */
static enum lrf_status load(const char *path, const struct lrf_dataset_options *opt,
                            const struct lrf_dataset *ref, struct lrf_dataset **out,
                            struct lrf_error *err)
{
    enum lrf_status st = load_any(path, opt, ref, out, err);
    if (st == LRF_OK)
        ds_decide_shape(*out, ref);
    return st;
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
