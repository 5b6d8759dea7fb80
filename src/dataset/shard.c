/* Loading one shard of a CSV file: the rows of one of `count` byte ranges,
 * for data-parallel training where no process holds the whole file.
 *
 * Every shard reads the same head (the first lines: dialect, header, columns,
 * the label when a name or an option decides it) exactly as the whole-file
 * load does, then parses only its own range. The ranges are those the
 * parallel parser cuts: [start, size) in `count` equal byte pieces, each
 * ending just past a line end, so every shard computes the same cuts alone.
 * The file is mapped, not read: a shard touches the head, its own range and,
 * to number lines as the whole-file load does, the newlines before it.
 *
 * What depends on all rows (the classes above all) is decided from this
 * shard's rows; the caller reconciles the shards (lrf_dataset_shard_classes,
 * and the dist module's checks that every shard decided the rest alike). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset/internal.h"
#include "lrf/clock.h"

/* How much of the head the NUL check covers before the plan reads it. */
enum { HEAD_CHECK_BYTES = 1 << 16 };

static size_t line_end_at(void *ctx, size_t pos, size_t size)
{
    const char *data = ctx;
    const char *nl = memchr(data + pos, '\n', size - pos);
    return nl ? (size_t)(nl - data) + 1 : size;
}

/* The first NUL or quote in data[a, b) as an error about the shard. */
static enum lrf_status check_range(const char *name, const char *data, size_t a, size_t b,
                                   struct lrf_error *err)
{
    for (size_t i = a; i < b; i++) {
        if (data[i] != '\0' && data[i] != '"')
            continue;
        long line = ds_count_lines(data, i) + 1;
        if (data[i] == '\0')
            return lrf_error_set_at(err, LRF_ERR_PARSE, name, line, 0,
                                    "binary data (a NUL byte): expected CSV text");
        return lrf_error_set_at(err, LRF_ERR_UNSUPPORTED, name, line, 0,
                                "a quoted field: a file with quotes cannot be cut into shards "
                                "by bytes (a quote may hold a line break); load it whole");
    }
    return LRF_OK;
}

/* The shard's rows of text data[0, size) (after any BOM), planned from the head. */
static enum lrf_status parse_shard(const char *name, const char *data, size_t size, size_t index,
                                   size_t count, const struct lrf_dataset_options *opt,
                                   struct lrf_dataset **out, struct lrf_error *err)
{
    size_t head = size < HEAD_CHECK_BYTES ? size : HEAD_CHECK_BYTES;
    const char *nul = memchr(data, '\0', head);
    if (nul)
        return lrf_error_set_at(err, LRF_ERR_PARSE, name,
                                ds_count_lines(data, (size_t)(nul - data)) + 1, 0,
                                "binary data (a NUL byte): expected CSV text");
    struct ds_plan pl;
    bool need_more;
    enum lrf_status st = ds_plan_from_head(name, data, size, true, opt, NULL, &pl, &need_more, err);
    if (st != LRF_OK)
        return st;
    size_t bounds[DS_THREADS_MAX + 1];
    int pieces = (int)(count < DS_THREADS_MAX ? count : DS_THREADS_MAX);
    int n = ds_split_lines(pl.start, size, pieces, line_end_at, (void *)data, bounds);
    size_t a = (int)index < n ? bounds[index] : size, b = (int)index < n ? bounds[index + 1] : size;
    st = check_range(name, data, a, b, err);
    if (st == LRF_OK && a == b)
        st = lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0,
                              "shard %zu of %zu has no rows: the file has fewer data lines than "
                              "shards",
                              index + 1, count);
    if (st == LRF_OK) {
        pl.ds->shard = true;
        pl.start = a;
        int threads = b - a < DS_PARALLEL_MIN_BYTES ? 1 : ds_threads_for(opt);
        st = ds_parse_planned(name, data, b, &pl, threads, opt, err);
    }
    ds_plan_free(&pl);
    if (st != LRF_OK) {
        lrf_dataset_destroy(pl.ds);
        return st;
    }
    *out = pl.ds;
    return LRF_OK;
}

/* The mapped file's text: no gzip, the BOM skipped. */
static enum lrf_status parse_mapped(const char *path, const char *data, size_t size, size_t index,
                                    size_t count, const struct lrf_dataset_options *opt,
                                    struct lrf_dataset **out, struct lrf_error *err)
{
    if (ds_is_gzip(data, size))
        return lrf_error_set_at(err, LRF_ERR_UNSUPPORTED, path, 0, 0,
                                "a gzip-compressed file cannot be cut into shards: decompress "
                                "it first");
    size_t bom = size >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? 3 : 0;
    enum lrf_status st = parse_shard(path, data + bom, size - bom, index, count, opt, out, err);
    if (st == LRF_OK)
        (*out)->schema.bom = bom > 0;
    return st;
}

enum lrf_status lrf_dataset_load_csv_shard(const char *path, const struct lrf_dataset_options *opt,
                                           size_t index, size_t count, struct lrf_dataset **out,
                                           struct lrf_error *err)
{
    struct lrf_dataset_options def = lrf_dataset_options_default();
    if (!opt)
        opt = &def;
    if (!path || !out || count < 1 || index >= count)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "a shard needs a path, out and index < count (got %zu of %zu)", index,
                             count);
    double t0 = lrf_clock_seconds();
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot open: %s", strerror(e));
    }
    enum lrf_status st = LRF_OK;
    if (!S_ISREG(sb.st_mode))
        st = lrf_error_set_at(err, LRF_ERR_UNSUPPORTED, path, 0, 0,
                              "cannot be cut into shards: not a regular file (standard input "
                              "and pipes are read whole)");
    else if (sb.st_size == 0)
        st = lrf_error_set_at(err, LRF_ERR_DATA, path, 0, 0, "empty file: expected CSV rows");
    size_t size = (size_t)sb.st_size;
    void *map = st == LRF_OK ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    if (st == LRF_OK && map == MAP_FAILED)
        st = lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
    close(fd);
    if (st != LRF_OK)
        return st;
    st = parse_mapped(path, map, size, index, count, opt, out, err);
    munmap(map, size);
    if (st == LRF_OK) {
        (*out)->file_bytes = size;
        (*out)->parse_seconds = lrf_clock_seconds() - t0;
    }
    return st;
}

/* Class text k of the list as an integer (numeric labels). */
static bool class_value(const char *s, int64_t *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    *v = (int64_t)x;
    return errno == 0 && end != s && *end == '\0';
}

/* The index of local class k's name in names[0..n), or n. */
static size_t global_class(const struct lrf_dataset *ds, size_t k, char *const *names, size_t n)
{
    for (size_t g = 0; g < n; g++)
        if (!strcmp(ds->class_names[k], names[g]))
            return g;
    return n;
}

enum lrf_status lrf_dataset_shard_classes(struct lrf_dataset *ds, char *const *names, size_t n,
                                          struct lrf_error *err)
{
    if (ds->schema.task == LRF_TASK_REGRESSION)
        return LRF_OK;
    size_t *map = malloc((ds->classes ? ds->classes : 1) * sizeof *map);
    char **copy = calloc(n ? n : 1, sizeof *copy);
    int64_t *values = ds->labels_numeric ? malloc((n ? n : 1) * sizeof *values) : NULL;
    enum lrf_status st = map && copy && (values || !ds->labels_numeric)
                             ? LRF_OK
                             : lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for classes");
    for (size_t k = 0; st == LRF_OK && k < ds->classes; k++)
        if ((map[k] = global_class(ds, k, names, n)) == n)
            st = lrf_error_set(err, LRF_ERR_INVALID_ARG, "class '%s' is not in the list",
                               ds->class_names[k]);
    for (size_t g = 0; st == LRF_OK && g < n; g++) {
        if (!(copy[g] = ds_strdup(names[g])))
            st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for classes");
        else if (values && !class_value(names[g], &values[g]))
            st = lrf_error_set(err, LRF_ERR_INVALID_ARG, "class '%s' is not an integer", names[g]);
    }
    if (st != LRF_OK) {
        for (size_t g = 0; copy && g < n; g++)
            free(copy[g]);
        free(copy);
        free(values);
        free(map);
        return st;
    }
    for (size_t i = 0; i < ds->rows; i++)
        ds->labels[i] = (int32_t)map[ds->labels[i]];
    for (size_t k = 0; k < ds->classes; k++)
        free(ds->class_names[k]);
    free(ds->class_names);
    free(ds->class_values);
    free(map);
    ds->class_names = copy;
    ds->class_values = values;
    ds->classes = n;
    return ds_count_classes(ds) == LRF_OK
               ? LRF_OK
               : lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for classes");
}
