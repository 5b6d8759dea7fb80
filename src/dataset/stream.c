/* Streaming a large file: the usual case, a well-formed file, is read by each
 * thread in 1 MiB blocks into its own small buffer and fed straight to its
 * parser: no buffer the size of the file, no page faults for it, and reading
 * overlaps parsing. Any irregularity (a parse or label error, a NUL, a quote
 * in a parallel chunk, a read problem) abandons the attempt and the in-memory
 * path (load.c) decides, so results and messages are the same either way. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

enum { STREAM_BLOCK = 1 << 20, HEAD_FIRST = 1 << 16 };

struct stream_io {
    int fd;
    size_t begin, end; /* file offsets */
    struct ds_chunk *chunk;
    struct ds_hash hash; /* of bytes begin..end */
    bool bad;
};

static void *stream_chunk(void *arg)
{
    struct stream_io *io = arg;
    char *buf = malloc(STREAM_BLOCK);
    io->bad = buf == NULL;
    ds_hash_init(&io->hash);
    for (size_t off = io->begin; off < io->end && !io->bad;) {
        size_t k = io->end - off < STREAM_BLOCK ? io->end - off : STREAM_BLOCK;
        if (ds_interrupted(io->chunk->opt)) {
            io->bad = io->chunk->interrupted = true;
            break;
        }
        io->bad = ds_pread_full(io->fd, buf, k, off) != 0 || memchr(buf, '\0', k) != NULL;
        if (!io->bad)
            ds_hash_update(&io->hash, buf, k, off);
        size_t rows = io->chunk->parser.rows;
        io->bad = io->bad || !ds_parser_feed(&io->chunk->parser, buf, k);
        ds_progress(io->chunk->opt, k, io->chunk->parser.rows - rows, false);
        off += k;
    }
    size_t rows = io->chunk->parser.rows;
    if (!io->bad)
        io->bad = !ds_parser_finish(&io->chunk->parser);
    ds_progress(io->chunk->opt, 0, io->chunk->parser.rows - rows, false);
    free(buf);
    return NULL;
}

/* Offset just past the first '\n' at or after pos (size when none). */
static size_t file_line_end(void *ctx, size_t pos, size_t size)
{
    int fd = *(const int *)ctx;
    char win[4096];
    while (pos < size) {
        size_t k = size - pos < sizeof win ? size - pos : sizeof win;
        if (ds_pread_full(fd, win, k, pos) != 0)
            return size;
        const char *nl = memchr(win, '\n', k);
        if (nl)
            return pos + (size_t)(nl - win) + 1;
        pos += k;
    }
    return size;
}

/* Reads ever larger heads of the file until the first records are complete;
 * false when the in-memory path must decide. *bom is the BOM's length. */
static bool plan_from_file_head(const char *path, int fd, size_t size,
                                const struct lrf_dataset_options *opt,
                                const struct lrf_dataset *ref, struct ds_plan *pl, size_t *bom,
                                struct ds_hash *hash)
{
    char *head = NULL;
    for (size_t cap = HEAD_FIRST;; cap *= 4) {
        size_t want = cap < size ? cap : size;
        char *h = realloc(head, want ? want : 1);
        if (!h || ds_pread_full(fd, h, want, 0) != 0 || memchr(h, '\0', want) ||
            ds_is_gzip(h, want)) {
            free(h ? h : head);
            return false;
        }
        head = h;
        *bom = want >= 3 && !memcmp(head, "\xEF\xBB\xBF", 3) ? 3 : 0;
        bool need_more;
        if (ds_plan_from_head(path, head + *bom, want - *bom, want == size, opt, ref, pl,
                              &need_more, NULL) != LRF_OK ||
            (need_more && want == size)) {
            free(head);
            return false;
        }
        if (!need_more)
            break;
    }
    pl->ds->schema.bom = *bom > 0;
    ds_hash_update(hash, head, *bom + pl->start, 0); /* the chunks hash the rest */
    free(head);
    return true;
}

/* Parses the chunks of [start, size) on their threads; false on any trouble. */
static bool stream_chunks(int fd, size_t size, size_t bom, const struct ds_plan *pl,
                          const struct lrf_dataset_options *opt, struct ds_chunk *chunks,
                          struct stream_io *io, int *nchunks)
{
    size_t start = bom + pl->start;
    int threads = ds_threads_for(opt);
    if (size - start < DS_PARALLEL_MIN_BYTES)
        threads = 1;
    size_t bounds[DS_THREADS_MAX + 1];
    int n = ds_split_lines(start, size, threads, file_line_end, &fd, bounds);
    for (int t = 0; t < n; t++) {
        chunks[t].offset = bounds[t] - bom;
        chunks[t].len = bounds[t + 1] - bounds[t];
        ds_init_chunk(&chunks[t], pl, DS_MODE_DATA, chunks[t].len, opt);
        io[t] = (struct stream_io){
            .fd = fd, .begin = bounds[t], .end = bounds[t + 1], .chunk = &chunks[t]};
    }
    *nchunks = n;
    ds_progress(opt, 0, 0, true);
    ds_run_parallel(io, sizeof io[0], n, stream_chunk);
    bool ok = true;
    for (int t = 0; t < n; t++)
        /* A quote in a parallel chunk may have hidden a newline at its start. */
        ok &= !io[t].bad && !(n > 1 && chunks[t].parser.use_libcsv);
    return ok;
}

/* The whole file's hash from the head's and the chunks'. */
static uint64_t merged_hash(struct ds_hash head, const struct stream_io *io, int n, size_t size)
{
    for (int t = 0; t < n; t++)
        ds_hash_merge(&head, &io[t].hash);
    return ds_hash_final(&head, size);
}

/* One streamed pass over the rows with the plan as it is; *relabel when the
 * label rule moves the label. */
static bool stream_pass(const char *path, int fd, size_t size, size_t bom, struct ds_plan *pl,
                        const struct lrf_dataset_options *opt, struct ds_hash head, bool *relabel,
                        bool *interrupted)
{
    struct ds_chunk *chunks = calloc(DS_THREADS_MAX, sizeof *chunks);
    struct stream_io *io = calloc(DS_THREADS_MAX, sizeof *io);
    int n = 0;
    bool ok = chunks && io && stream_chunks(fd, size, bom, pl, opt, chunks, io, &n);
    for (int t = 0; chunks && t < n; t++)
        *interrupted |= chunks[t].interrupted;
    struct ds_label_input in = {0};
    if (ok) {
        pl->ds->threads = n > 0 ? n : 1;
        pl->ds->content_hash = merged_hash(head, io, n, size);
        ok = ds_merge(path, NULL, chunks, n, pl, &in, NULL) == LRF_OK;
    }
    in.column = "";
    ok = ok && ds_numeric_finish(pl, &in, opt, relabel, NULL) == LRF_OK;
    free(in.texts);
    free(in.lines);
    for (int t = 0; chunks && t < n; t++)
        ds_parser_free(&chunks[t].parser);
    free(chunks);
    free(io);
    return ok;
}

struct lrf_dataset *ds_load_streaming(const char *path, int fd, size_t size,
                                      const struct lrf_dataset_options *opt,
                                      const struct lrf_dataset *ref, bool *interrupted)
{
    struct ds_plan pl;
    size_t bom = 0;
    struct ds_hash head;
    ds_hash_init(&head);
    *interrupted = false;
    if (!plan_from_file_head(path, fd, size, opt, ref, &pl, &bom, &head))
        return NULL;
    bool relabel = false;
    bool ok = stream_pass(path, fd, size, bom, &pl, opt, head, &relabel, interrupted);
    if (ok && relabel) {
        free(pl.ds->u8);
        free(pl.ds->f32);
        pl.ds->u8 = NULL;
        pl.ds->f32 = NULL;
        ok = ds_first_label(&pl, NULL) == LRF_OK &&
             stream_pass(path, fd, size, bom, &pl, opt, head, &relabel, interrupted);
    }
    ds_plan_free(&pl);
    if (!ok || relabel) {
        lrf_dataset_destroy(pl.ds);
        return NULL;
    }
    return pl.ds;
}
