/* Merging parsed chunks into one dataset: storage, the label mapping and the
 * statistics. Everything here is in file order, so the result does not depend
 * on how the input was split. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

long ds_count_lines(const char *data, size_t end)
{
    long n = 0;
    if (!data) /* streamed input: the caller redoes a failed load in memory */
        return 0;
    for (const char *q = data, *e = data + end; (q = memchr(q, '\n', (size_t)(e - q))); q++)
        n++;
    return n;
}

char *ds_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* 0: an integer (also "3.0"), 1: a number that is not an integer, 2: text. */
static int classify_label(const char *s, int64_t *v)
{
    const char *q = s;
    if (*q == '-' || *q == '+')
        q++;
    if (*q >= '0' && *q <= '9') {
        int64_t x = 0;
        const char *d = q;
        while (*q >= '0' && *q <= '9' && q - d < 18)
            x = x * 10 + (*q++ - '0');
        if (*q == '\0') {
            *v = s[0] == '-' ? -x : x;
            return 0;
        }
    }
    float f;
    if (ds_parse_number(s, strlen(s), &f) != 0)
        return 2;
    if (f == (float)(int64_t)f && f > -1e15f && f < 1e15f) {
        *v = (int64_t)f;
        return 0;
    }
    return 1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct label_ref {
    const char *text;
    int chunk;
    size_t row;
};

static enum lrf_status label_error(const char *name, const char *data, struct ds_chunk *chunks,
                                   struct label_ref at, struct lrf_error *err,
                                   enum lrf_status status, const char *msg)
{
    const struct ds_parser *p = &chunks[at.chunk].parser;
    long line = ds_count_lines(data, chunks[at.chunk].offset) + (long)p->label_line[at.row];
    return lrf_error_set_at(err, status, name, line, (long)p->label_colno[at.row], "%s", msg);
}

/* Builds the class list (sorted numerically or by bytes) and maps labels. */
static enum lrf_status map_labels(const char *name, const char *data, struct ds_chunk *chunks,
                                  int nchunks, const struct lrf_dataset *ref,
                                  struct lrf_dataset *ds, struct lrf_error *err)
{
    size_t n = ds->rows;
    int64_t *vals = malloc(n * sizeof *vals);
    const char **texts = malloc(n * sizeof *texts);
    if (!vals || !texts) {
        free(vals);
        free(texts);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
    }
    bool any_text = false;
    struct label_ref first_frac = {NULL, -1, 0};
    size_t r = 0;
    for (int c = 0; c < nchunks; c++) {
        const struct ds_parser *p = &chunks[c].parser;
        for (size_t i = 0; i < p->rows; i++, r++) {
            texts[r] = p->label_text + p->label_off[i];
            int k = classify_label(texts[r], &vals[r]);
            any_text |= k == 2;
            if (k == 1 && first_frac.chunk < 0)
                first_frac = (struct label_ref){texts[r], c, i};
        }
    }
    enum lrf_status st = LRF_OK;
    bool numeric = ref ? ref->labels_numeric : !any_text;
    if (numeric && first_frac.chunk >= 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "expected an integer class label, got '%.40s'", first_frac.text);
        st = label_error(name, data, chunks, first_frac, err, LRF_ERR_DATA, msg);
        goto done;
    }
    if (ref) {
        ds->classes = ref->classes;
        ds->labels_numeric = ref->labels_numeric;
    } else if (numeric) {
        int64_t *u = malloc(n * sizeof *u);
        if (!u) {
            st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
            goto done;
        }
        memcpy(u, vals, n * sizeof *u);
        qsort(u, n, sizeof *u, cmp_i64);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (i == 0 || u[i] != u[k - 1])
                u[k++] = u[i];
        ds->classes = k;
        ds->labels_numeric = true;
        ds->class_values = u;
    } else {
        const char **u = malloc(n * sizeof *u);
        if (!u) {
            st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
            goto done;
        }
        memcpy(u, texts, n * sizeof *u);
        qsort(u, n, sizeof *u, cmp_str);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (i == 0 || strcmp(u[i], u[k - 1]) != 0)
                u[k++] = u[i];
        ds->classes = k;
        ds->labels_numeric = false;
        ds->class_names = calloc(k ? k : 1, sizeof(char *));
        for (size_t i = 0; ds->class_names && i < k; i++)
            ds->class_names[i] = ds_strdup(u[i]);
        free(u);
    }
    if (!ref && ds->classes < 2) {
        st = lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0,
                              "a single class: every row has label '%.40s'; expected at least 2 "
                              "classes",
                              texts[0]);
        goto done;
    }
    if (ds->labels_numeric && !ds->class_names) {
        const int64_t *cv = ref ? ref->class_values : ds->class_values;
        ds->class_names = calloc(ds->classes, sizeof(char *));
        for (size_t i = 0; ds->class_names && i < ds->classes; i++) {
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", (long long)cv[i]);
            ds->class_names[i] = ds_strdup(buf);
        }
        if (ref) {
            ds->class_values = malloc(ds->classes * sizeof(int64_t));
            if (ds->class_values)
                memcpy(ds->class_values, cv, ds->classes * sizeof(int64_t));
        }
    } else if (ref) {
        ds->class_names = calloc(ds->classes, sizeof(char *));
        for (size_t i = 0; ds->class_names && i < ds->classes; i++)
            ds->class_names[i] = ds_strdup(ref->class_names[i]);
    }
    ds->labels = malloc(n * sizeof(int32_t));
    if (!ds->class_names || !ds->labels || (ds->labels_numeric && !ds->class_values)) {
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
        goto done;
    }
    for (size_t i = 0; ds->class_names && i < ds->classes; i++)
        if (!ds->class_names[i]) {
            st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
            goto done;
        }
    r = 0;
    for (int c = 0; c < nchunks; c++) {
        for (size_t i = 0; i < chunks[c].parser.rows; i++, r++) {
            size_t lo = 0, hi = ds->classes;
            while (lo < hi) { /* lower bound */
                size_t mid = (lo + hi) / 2;
                int less = ds->labels_numeric ? ds->class_values[mid] < vals[r]
                                              : strcmp(ds->class_names[mid], texts[r]) < 0;
                if (less)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            bool found = lo < ds->classes &&
                         (ds->labels_numeric ? ds->class_values[lo] == vals[r]
                                             : strcmp(ds->class_names[lo], texts[r]) == 0);
            if (!found) {
                char msg[160];
                snprintf(msg, sizeof msg,
                         "label '%.40s' is not one of the %zu classes of the training data",
                         texts[r], ds->classes);
                st = label_error(name, data, chunks, (struct label_ref){texts[r], c, i}, err,
                                 LRF_ERR_DATA, msg);
                goto done;
            }
            ds->labels[r] = (int32_t)lo;
        }
    }
done:
    free(vals);
    free(texts);
    return st;
}

enum lrf_status ds_merge(const char *name, const char *data, struct ds_chunk *chunks, int nchunks,
                         const struct lrf_dataset *ref, struct lrf_dataset *ds,
                         struct lrf_error *err)
{
    for (int c = 0; c < nchunks; c++) {
        const struct ds_parser *p = &chunks[c].parser;
        if (p->failed) {
            long base = ds_count_lines(data, chunks[c].offset);
            return lrf_error_set_at(err, p->status, name, p->err_line ? base + p->err_line : 0,
                                    p->err_col, "%s", p->err_msg);
        }
    }
    size_t rows = 0;
    bool f32 = false;
    for (int c = 0; c < nchunks; c++) {
        rows += chunks[c].parser.rows;
        f32 |= chunks[c].parser.storage == LRF_STORAGE_FLOAT32;
    }
    if (rows == 0)
        return lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0,
                                ds->has_header
                                    ? "a header with no rows: expected data rows after it"
                                    : "empty file: expected CSV rows");
    ds->rows = rows;
    size_t d = ds->features;
    ds->storage = f32 ? LRF_STORAGE_FLOAT32 : LRF_STORAGE_UINT8;
    ds->owns_data = true;
    if (f32) {
        ds->f32 = malloc(rows * d * sizeof(float));
        if (!ds->f32)
            return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for %zu rows", rows);
        float *o = ds->f32;
        for (int c = 0; c < nchunks; c++) {
            const struct ds_parser *p = &chunks[c].parser;
            size_t m = p->rows * d;
            if (p->storage == LRF_STORAGE_FLOAT32) {
                memcpy(o, p->f32, m * sizeof(float));
            } else {
                for (size_t i = 0; i < m; i++)
                    o[i] = p->u8[i];
            }
            o += m;
        }
    } else {
        /* Grow the first chunk's buffer in place (for large blocks realloc
         * remaps pages rather than copying) and append the others. */
        struct ds_parser *p0 = &chunks[0].parser;
        ds->u8 = realloc(p0->u8, rows * d);
        if (!ds->u8)
            return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for %zu rows", rows);
        p0->u8 = NULL;
        uint8_t *o = ds->u8 + p0->rows * d;
        for (int c = 1; c < nchunks; c++) {
            const struct ds_parser *p = &chunks[c].parser;
            memcpy(o, p->u8, p->rows * d);
            o += p->rows * d;
        }
    }
    enum lrf_status st = map_labels(name, data, chunks, nchunks, ref, ds, err);
    if (st != LRF_OK)
        return st;
    return ds_compute_stats(ds, err);
}

enum lrf_status ds_compute_stats(struct lrf_dataset *ds, struct lrf_error *err)
{
    size_t d = ds->features, n = ds->rows;
    free(ds->fmin);
    free(ds->fmax);
    ds->fmin = malloc(d * sizeof(float));
    ds->fmax = malloc(d * sizeof(float));
    if (!ds->fmin || !ds->fmax)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for statistics");
    if (ds->storage == LRF_STORAGE_UINT8) {
        uint8_t *lo = malloc(d), *hi = malloc(d);
        if (!lo || !hi) {
            free(lo);
            free(hi);
            return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for statistics");
        }
        memset(lo, 255, d);
        memset(hi, 0, d);
        for (size_t i = 0; i < n; i++) {
            const uint8_t *x = ds->u8 + i * d;
            for (size_t j = 0; j < d; j++) {
                lo[j] = x[j] < lo[j] ? x[j] : lo[j];
                hi[j] = x[j] > hi[j] ? x[j] : hi[j];
            }
        }
        for (size_t j = 0; j < d; j++) {
            ds->fmin[j] = lo[j];
            ds->fmax[j] = hi[j];
        }
        free(lo);
        free(hi);
    } else {
        for (size_t j = 0; j < d; j++) {
            ds->fmin[j] = ds->f32[j];
            ds->fmax[j] = ds->f32[j];
        }
        for (size_t i = 1; i < n; i++) {
            const float *x = ds->f32 + i * d;
            for (size_t j = 0; j < d; j++) {
                ds->fmin[j] = x[j] < ds->fmin[j] ? x[j] : ds->fmin[j];
                ds->fmax[j] = x[j] > ds->fmax[j] ? x[j] : ds->fmax[j];
            }
        }
    }
    if (ds_finish_stats(ds) != LRF_OK)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for statistics");
    return LRF_OK;
}

enum lrf_status ds_finish_stats(struct lrf_dataset *ds)
{
    size_t d = ds->features;
    free(ds->class_counts);
    ds->class_counts = calloc(ds->classes, sizeof(size_t));
    if (!ds->class_counts)
        return LRF_ERR_NOMEM;
    for (size_t i = 0; i < ds->rows; i++)
        ds->class_counts[ds->labels[i]]++;
    ds->vmin = ds->fmin[0];
    ds->vmax = ds->fmax[0];
    for (size_t j = 1; j < d; j++) {
        ds->vmin = ds->fmin[j] < ds->vmin ? ds->fmin[j] : ds->vmin;
        ds->vmax = ds->fmax[j] > ds->vmax ? ds->fmax[j] : ds->vmax;
    }
    return LRF_OK;
}
