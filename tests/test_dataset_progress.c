/* The loader's progress observer (issue 15 item 9): whatever path a file takes (streamed in
 * parallel, in memory, the general path for text values, a relabelling second pass, gzip),
 * the last pass's bytes add up to the input after its header and its rows to the rows
 * loaded; calls from several threads are safe to sum with atomics; a cache hit reports
 * nothing. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dataset_files.h"
#include "lrf/dataset.h"

static char tmpdir[] = "/tmp/lrf_test_progress_XXXXXX";
static char cache_dir[600];

struct counts {
    atomic_size_t bytes, rows, calls, restarts;
};

static void on_progress(void *ctx, size_t bytes, size_t rows, bool restart)
{
    struct counts *c = ctx;
    atomic_fetch_add(&c->calls, 1);
    if (restart) {
        atomic_fetch_add(&c->restarts, 1);
        atomic_store(&c->bytes, 0);
        atomic_store(&c->rows, 0);
        return;
    }
    atomic_fetch_add(&c->bytes, bytes);
    atomic_fetch_add(&c->rows, rows);
}

/* Writes rows of numbers (text: a text column; no_newline: the last row ends the file). */
static const char *write_csv(const char *name, size_t rows, bool text, bool no_newline,
                             size_t *header_len)
{
    static char path[640];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    const char *header = text ? "a,b,c,d,colour,label\n" : "a,b,c,d,label\n";
    fputs(header, f);
    *header_len = strlen(header);
    for (size_t i = 0; i < rows; i++) {
        unsigned h = (unsigned)(i * 2654435761u);
        fprintf(f, "%u.%02u,%u,%u,%u,", h % 1000, h % 97, (h >> 8) % 256, (h >> 16) % 50, h % 7);
        if (text)
            fprintf(f, "\"%s\",", h % 3 == 0 ? "red" : h % 3 == 1 ? "green" : "blue");
        fprintf(f, "%u%s", (h >> 4) % 3, i + 1 == rows && no_newline ? "" : "\n");
    }
    fclose(f);
    return path;
}

static size_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (size_t)sb.st_size : 0;
}

/* Loads path and checks the last pass's sums; returns the dataset's rows. */
static void check_load(const char *what, const char *path, size_t header_len, size_t rows,
                       int threads, bool cache)
{
    struct counts c;
    atomic_init(&c.bytes, 0);
    atomic_init(&c.rows, 0);
    atomic_init(&c.calls, 0);
    atomic_init(&c.restarts, 0);
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.cache_dir = cache_dir;
    o.use_cache = cache;
    o.threads = threads;
    o.progress = on_progress;
    o.progress_ctx = &c;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    enum lrf_status st = lrf_dataset_load_csv(path, &o, &ds, &err);
    CHECK_MSG(st == LRF_OK, "%s: %s", what, err.message);
    CHECK_MSG(ds && lrf_dataset_rows(ds) == rows, "%s: %zu rows", what,
              ds ? lrf_dataset_rows(ds) : 0);
    if (ds && lrf_dataset_from_cache(ds)) {
        CHECK_MSG(atomic_load(&c.calls) == 0, "%s: a cache hit reported progress", what);
    } else {
        size_t want = file_size(path) - header_len;
        CHECK_MSG(atomic_load(&c.restarts) >= 1, "%s: no pass announced", what);
        CHECK_MSG(atomic_load(&c.bytes) == want, "%s: %zu bytes, want %zu", what,
                  (size_t)atomic_load(&c.bytes), want);
        CHECK_MSG(atomic_load(&c.rows) == rows, "%s: %zu rows reported, want %zu", what,
                  (size_t)atomic_load(&c.rows), rows);
        CHECK_MSG(atomic_load(&c.calls) > 2, "%s: %zu calls", what, (size_t)atomic_load(&c.calls));
    }
    lrf_dataset_destroy(ds);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(cache_dir, sizeof cache_dir, "%s/cache", tmpdir);
    size_t header;
    /* ~3 MB of numbers: streamed in blocks by each thread. */
    const char *big = write_csv("big.csv", 120000, false, false, &header);
    check_load("streamed, 2 threads", big, header, 120000, 2, false);
    check_load("streamed, 1 thread", big, header, 120000, 1, true);
    check_load("cache hit", big, header, 120000, 2, true);
    /* Small, in memory, the last row without a newline. */
    const char *small = write_csv("small.csv", 500, false, true, &header);
    check_load("in memory", small, header, 500, 2, false);
    /* A quoted text column: the general path (and the streamed attempt before it). */
    const char *text = write_csv("text.csv", 60000, true, false, &header);
    check_load("general path", text, header, 60000, 2, false);
    remove_tree(tmpdir);
    return check_summary();
}
