/* Loading a CSV file in shards, one per rank, as one dataset: each rank
 * parses its byte range (lrf_dataset_load_csv_shard, the head read alike
 * everywhere), then the ranks agree: on errors (the first failing rank's, on
 * every rank), on the row numbering (each shard's first file row), on the
 * decisions (every shard must have read, typed and encoded the columns
 * alike: else an error says what differed and which options pin it), and on
 * the classes (merged and sorted as the whole-file load sorts them). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lrf/dist.h"

/* Above this share of the rows as classes the label is an identifier (as label.c). */
static const double ID_CLASS_SHARE = 0.5;
enum { ID_MIN_ROWS = 20, DESCRIBE_MAX = 1 << 20 };

/* A growing text. */
struct text {
    char *s;
    size_t len, cap;
    bool failed;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    for (int pass = 0; pass < 2 && !t->failed; pass++) {
        va_start(ap, fmt);
        int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0 || t->len + (size_t)n + 1 > DESCRIBE_MAX) {
            t->failed = true;
        } else if (t->s && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        } else {
            size_t cap = (t->len + (size_t)n + 1) * 2;
            char *q = realloc(t->s, cap);
            if (!q)
                t->failed = true;
            t->s = q ? q : t->s;
            t->cap = q ? cap : t->cap;
        }
    }
}

/* One line per decision that depends on the rows: what the shards must share. */
static void describe(const struct lrf_dataset *ds, struct text *t)
{
    add(t, "columns %zu, label column %zu '%s', task %s, %s labels, %zu features\n",
        lrf_dataset_columns(ds), lrf_dataset_label_index(ds), lrf_dataset_label_name(ds),
        lrf_task_name(lrf_dataset_task(ds)), lrf_dataset_labels_numeric(ds) ? "integer" : "text",
        lrf_dataset_features(ds));
    for (size_t j = 0; j < lrf_dataset_columns(ds); j++) {
        struct lrf_dataset_column c;
        if (!lrf_dataset_column(ds, j, &c))
            continue;
        add(t, "column '%s' (%zu): %s, %s", c.name, j, lrf_column_role_name(c.role),
            lrf_column_type_name(c.type));
        if (c.role == LRF_COLUMN_FEATURE && c.indicator)
            add(t, ", missing values imputed with %g", (double)c.fill);
        if (c.role == LRF_COLUMN_FEATURE && c.type == LRF_COLUMN_CATEGORICAL) {
            add(t, ", levels");
            for (size_t k = 0; k < c.levels; k++)
                add(t, "%s'%s'", k ? ", " : " ", lrf_dataset_column_level(ds, j, k));
        }
        add(t, "\n");
    }
}

/* The first line where rank r's description differs from rank 0's, as an error. */
static enum lrf_status compare(const char *path, const char *all, const size_t *counts, int size,
                               struct lrf_error *err)
{
    const char *mine = all;
    size_t at = counts[0];
    for (int r = 1; r < size; at += counts[r], r++) {
        const char *other = all + at;
        if (counts[r] == counts[0] && !memcmp(other, mine, counts[0]))
            continue;
        size_t i = 0;
        while (i < counts[0] && i < counts[r] && mine[i] == other[i])
            i++;
        while (i > 0 && mine[i - 1] != '\n')
            i--;
        int a = (int)(strchr(mine + i, '\n') - (mine + i)), b;
        b = (int)(strchr(other + i, '\n') - (other + i));
        return lrf_error_set_at(err, LRF_ERR_DATA, path, 0, 0,
                                "its shards were read differently: rank 0 has \"%.*s\", rank %d "
                                "\"%.*s\"; pin the decision with --label, --task, --drop or "
                                "--missing drop, or load it in one process",
                                a < 200 ? a : 200, mine + i, r, b < 200 ? b : 200, other + i);
    }
    return LRF_OK;
}

/* Every rank's decisions equal rank 0's. */
static enum lrf_status same_decisions(struct lrf_dist *d, const char *path,
                                      const struct lrf_dataset *ds, struct lrf_error *err)
{
    struct text t = {0};
    describe(ds, &t);
    enum lrf_status st =
        t.failed || !t.s ? lrf_error_set(err, LRF_ERR_NOMEM, "out of memory") : LRF_OK;
    st = lrf_dist_agree(d, st, err);
    size_t *counts = calloc((size_t)lrf_dist_size(d), sizeof *counts);
    void *all = NULL;
    if (st == LRF_OK && !counts)
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    st = lrf_dist_agree(d, st, err);
    if (st == LRF_OK)
        st = lrf_dist_allgatherv(d, t.s, t.len + 1, &all, counts, err);
    if (st == LRF_OK)
        st = compare(path, all, counts, lrf_dist_size(d), err);
    free(all);
    free(counts);
    free(t.s);
    return st;
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_integer(const void *a, const void *b)
{
    long long u = strtoll(*(char *const *)a, NULL, 10), v = strtoll(*(char *const *)b, NULL, 10);
    return (u > v) - (u < v);
}

/* The distinct names[0..n), sorted as a whole-file load sorts classes. */
static size_t sort_unique(char **names, size_t n, bool numeric)
{
    int (*cmp)(const void *, const void *) = numeric ? cmp_integer : cmp_text;
    qsort(names, n, sizeof *names, cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || cmp(&names[k - 1], &names[i]) != 0)
            names[k++] = names[i];
    return k;
}

/* The whole file's class checks (label.c's, which a shard leaves to its caller). */
static enum lrf_status check_classes(const char *path, const struct lrf_dataset *ds, size_t classes,
                                     size_t total, struct lrf_error *err)
{
    if (classes < 2)
        return lrf_error_set_at(err, LRF_ERR_DATA, path, 0, 0,
                                "a single class: every row has label '%.40s'; expected at least 2 "
                                "classes",
                                lrf_dataset_class_name(ds, 0));
    if (total >= ID_MIN_ROWS && (double)classes > ID_CLASS_SHARE * (double)total)
        return lrf_error_set_at(err, LRF_ERR_DATA, path, 0, 0,
                                "column '%s' (%zu): %zu classes in %zu rows: an identifier or a "
                                "numeric target, not a class (choose the label with --label NAME, "
                                "or --task regression)",
                                lrf_dataset_label_name(ds), lrf_dataset_label_index(ds), classes,
                                total);
    return LRF_OK;
}

/* Every shard's classes merged, sorted, and mapped onto each shard's labels. */
static enum lrf_status merge_classes(struct lrf_dist *d, const char *path, struct lrf_dataset *ds,
                                     size_t total, struct lrf_error *err)
{
    if (lrf_dataset_task(ds) != LRF_TASK_CLASSIFICATION)
        return LRF_OK;
    struct text t = {0};
    for (size_t k = 0; k < lrf_dataset_classes(ds); k++)
        add(&t, "%s%c", lrf_dataset_class_name(ds, k), '\0');
    size_t *counts = calloc((size_t)lrf_dist_size(d), sizeof *counts);
    enum lrf_status st =
        t.failed || !counts ? lrf_error_set(err, LRF_ERR_NOMEM, "out of memory") : LRF_OK;
    void *all = NULL;
    if ((st = lrf_dist_agree(d, st, err)) == LRF_OK)
        st = lrf_dist_allgatherv(d, t.s ? t.s : "", t.len, &all, counts, err);
    size_t bytes = 0, n = 0;
    for (int r = 0; st == LRF_OK && r < lrf_dist_size(d); r++)
        bytes += counts[r];
    char **names = st == LRF_OK ? malloc((bytes + 1) * sizeof *names) : NULL;
    for (size_t i = 0; names && i < bytes; i += strlen((char *)all + i) + 1)
        names[n++] = (char *)all + i;
    if (st == LRF_OK && !names)
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    if (st == LRF_OK) {
        n = sort_unique(names, n, lrf_dataset_labels_numeric(ds));
        st = lrf_dataset_shard_classes(ds, names, n, err);
    }
    st = lrf_dist_agree(d, st, err);
    if (st == LRF_OK)
        st = check_classes(path, ds, n, total, err);
    free(names);
    free(all);
    free(counts);
    free(t.s);
    return st;
}

enum lrf_status lrf_dist_load_csv(struct lrf_dist *d, const char *path,
                                  const struct lrf_dataset_options *opt, struct lrf_dataset **out,
                                  struct lrf_dist_shard *shard, struct lrf_error *err)
{
    int rank = lrf_dist_rank(d), size = lrf_dist_size(d);
    struct lrf_dataset *ds = NULL;
    *out = NULL;
    enum lrf_status st =
        lrf_dataset_load_csv_shard(path, opt, (size_t)rank, (size_t)size, &ds, err);
    if ((st = lrf_dist_agree(d, st, err)) != LRF_OK) {
        lrf_dataset_destroy(ds); /* loaded here, failed elsewhere */
        return st;
    }
    uint64_t *rows = calloc((size_t)size, sizeof *rows), mine = lrf_dataset_rows(ds);
    st = rows ? LRF_OK : lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    if ((st = lrf_dist_agree(d, st, err)) == LRF_OK)
        st = lrf_dist_allgather(d, &mine, sizeof mine, rows, err);
    *shard = (struct lrf_dist_shard){0, (size_t)mine, 0};
    for (int r = 0; st == LRF_OK && r < size; r++) {
        shard->first += r < rank ? (size_t)rows[r] : 0;
        shard->total += (size_t)rows[r];
    }
    free(rows);
    if (st == LRF_OK)
        st = same_decisions(d, path, ds, err);
    if (st == LRF_OK)
        st = merge_classes(d, path, ds, shard->total, err);
    if (st != LRF_OK) {
        lrf_dataset_destroy(ds);
        return st;
    }
    *out = ds;
    return LRF_OK;
}
