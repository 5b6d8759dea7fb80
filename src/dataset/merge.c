/* Merging parsed chunks into one dataset: storage, the label mapping and the
 * statistics. Everything here is in file order, so the result does not depend
 * on how the input was split. */
#include <math.h>
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

/* Integer labels have at most 18 digits, so that they fit int64 exactly. */
static const double LABEL_INT_LIMIT = 1e18;

enum label_kind { LABEL_INTEGER, LABEL_FRACTION, LABEL_TEXT, LABEL_OUT_OF_RANGE };

/* An integer (also "3.0"), a number that is not one, text, or an integer
 * too large to be a class label. */
static enum label_kind classify_label(const char *s, int64_t *v)
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
            return LABEL_INTEGER;
        }
    }
    /* Other numbers in double precision, so that "1e300" is a number too. */
    size_t n = strlen(s);
    if (n == 0 || n >= 64 || strspn(s, "0123456789.eE+-") != n)
        return LABEL_TEXT;
    char *end;
    double d = strtod(s, &end);
    if (end != s + n)
        return LABEL_TEXT;
    if (!isfinite(d) || fabs(d) >= LABEL_INT_LIMIT)
        return LABEL_OUT_OF_RANGE; /* every double this large is an integer */
    if (d != floor(d))
        return LABEL_FRACTION;
    *v = (int64_t)d;
    return LABEL_INTEGER;
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

/* Labels of the merged rows: every label's text and its integer value (when
 * it is one), in file order. */
struct label_scan {
    size_t n;
    int64_t *vals;      /* (n) */
    const char **texts; /* (n) pointers into the chunks' label text */
    bool any_text;
    struct label_ref first_frac; /* first numeric non-integer label (chunk -1: none) */
    struct label_ref first_big;  /* first integer label out of range (chunk -1: none) */
};

static void label_scan_free(struct label_scan *ls)
{
    free(ls->vals);
    free(ls->texts);
}

static enum lrf_status scan_labels(struct ds_chunk *chunks, int nchunks, size_t n,
                                   struct label_scan *ls, struct lrf_error *err)
{
    *ls = (struct label_scan){.n = n,
                              .vals = malloc(n * sizeof(int64_t)),
                              .texts = malloc(n * sizeof(char *)),
                              .first_frac = {NULL, -1, 0},
                              .first_big = {NULL, -1, 0}};
    if (!ls->vals || !ls->texts) {
        label_scan_free(ls);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
    }
    size_t r = 0;
    for (int c = 0; c < nchunks; c++) {
        const struct ds_parser *p = &chunks[c].parser;
        for (size_t i = 0; i < p->rows; i++, r++) {
            ls->texts[r] = p->label_text + p->label_off[i];
            ls->vals[r] = 0;
            enum label_kind k = classify_label(ls->texts[r], &ls->vals[r]);
            ls->any_text |= k == LABEL_TEXT;
            if (k == LABEL_FRACTION && ls->first_frac.chunk < 0)
                ls->first_frac = (struct label_ref){ls->texts[r], c, i};
            if (k == LABEL_OUT_OF_RANGE && ls->first_big.chunk < 0)
                ls->first_big = (struct label_ref){ls->texts[r], c, i};
        }
    }
    return LRF_OK;
}

/* The sorted distinct integer labels become the classes. */
static bool classes_from_integers(const struct label_scan *ls, struct lrf_dataset *ds)
{
    int64_t *u = malloc(ls->n * sizeof *u);
    if (!u)
        return false;
    memcpy(u, ls->vals, ls->n * sizeof *u);
    qsort(u, ls->n, sizeof *u, cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < ls->n; i++)
        if (i == 0 || u[i] != u[k - 1])
            u[k++] = u[i];
    ds->classes = k;
    ds->labels_numeric = true;
    ds->class_values = u;
    return true;
}

/* The sorted distinct label texts become the classes (and their names). */
static bool classes_from_texts(const struct label_scan *ls, struct lrf_dataset *ds)
{
    const char **u = malloc(ls->n * sizeof *u);
    if (!u)
        return false;
    memcpy(u, ls->texts, ls->n * sizeof *u);
    qsort(u, ls->n, sizeof *u, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < ls->n; i++)
        if (i == 0 || strcmp(u[i], u[k - 1]) != 0)
            u[k++] = u[i];
    ds->classes = k;
    ds->labels_numeric = false;
    ds->class_names = calloc(k ? k : 1, sizeof(char *));
    for (size_t i = 0; ds->class_names && i < k; i++)
        ds->class_names[i] = ds_strdup(u[i]);
    free(u);
    return true;
}

/* Class names (and values) for numeric classes, or copied from ref. */
static enum lrf_status name_classes(const struct lrf_dataset *ref, struct lrf_dataset *ds,
                                    struct lrf_error *err)
{
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
    ds->labels = malloc(ds->rows * sizeof(int32_t));
    if (!ds->class_names || !ds->labels || (ds->labels_numeric && !ds->class_values))
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
    for (size_t i = 0; i < ds->classes; i++)
        if (!ds->class_names[i])
            return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
    return LRF_OK;
}

/* Lower bound of row r's label in the sorted class list; classes when absent. */
static size_t find_class(const struct lrf_dataset *ds, const struct label_scan *ls, size_t r)
{
    size_t lo = 0, hi = ds->classes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int less = ds->labels_numeric ? ds->class_values[mid] < ls->vals[r]
                                      : strcmp(ds->class_names[mid], ls->texts[r]) < 0;
        if (less)
            lo = mid + 1;
        else
            hi = mid;
    }
    bool found =
        lo < ds->classes && (ds->labels_numeric ? ds->class_values[lo] == ls->vals[r]
                                                : strcmp(ds->class_names[lo], ls->texts[r]) == 0);
    return found ? lo : ds->classes;
}

static enum lrf_status assign_labels(const char *name, const char *data, struct ds_chunk *chunks,
                                     int nchunks, const struct label_scan *ls,
                                     struct lrf_dataset *ds, struct lrf_error *err)
{
    size_t r = 0;
    for (int c = 0; c < nchunks; c++) {
        for (size_t i = 0; i < chunks[c].parser.rows; i++, r++) {
            size_t k = find_class(ds, ls, r);
            if (k == ds->classes) {
                char msg[160];
                snprintf(msg, sizeof msg,
                         "label '%.40s' is not one of the %zu classes of the training data",
                         ls->texts[r], ds->classes);
                return label_error(name, data, chunks, (struct label_ref){ls->texts[r], c, i}, err,
                                   LRF_ERR_DATA, msg);
            }
            ds->labels[r] = (int32_t)k;
        }
    }
    return LRF_OK;
}

/* Builds the class list (sorted numerically or by bytes) and maps labels. */
static enum lrf_status map_labels(const char *name, const char *data, struct ds_chunk *chunks,
                                  int nchunks, const struct lrf_dataset *ref,
                                  struct lrf_dataset *ds, struct lrf_error *err)
{
    struct label_scan ls;
    enum lrf_status st = scan_labels(chunks, nchunks, ds->rows, &ls, err);
    if (st != LRF_OK)
        return st;
    bool numeric = ref ? ref->labels_numeric : !ls.any_text;
    if (numeric && ls.first_big.chunk >= 0) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "class label out of range: '%.40s' (an integer label has at most 18 digits)",
                 ls.first_big.text);
        st = label_error(name, data, chunks, ls.first_big, err, LRF_ERR_DATA, msg);
    } else if (numeric && ls.first_frac.chunk >= 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "expected an integer class label, got '%.40s'",
                 ls.first_frac.text);
        st = label_error(name, data, chunks, ls.first_frac, err, LRF_ERR_DATA, msg);
    } else if (ref) {
        ds->classes = ref->classes;
        ds->labels_numeric = ref->labels_numeric;
    } else if (!(numeric ? classes_from_integers(&ls, ds) : classes_from_texts(&ls, ds))) {
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
    }
    if (st == LRF_OK && !ref && ds->classes < 2)
        st = lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0,
                              "a single class: every row has label '%.40s'; expected at least 2 "
                              "classes",
                              ls.texts[0]);
    if (st == LRF_OK)
        st = name_classes(ref, ds, err);
    if (st == LRF_OK)
        st = assign_labels(name, data, chunks, nchunks, &ls, ds, err);
    label_scan_free(&ls);
    return st;
}

/* The first chunk's error, with its line in file terms. */
static enum lrf_status chunk_error(const char *name, const char *data, struct ds_chunk *chunks,
                                   int nchunks, struct lrf_error *err)
{
    for (int c = 0; c < nchunks; c++) {
        const struct ds_parser *p = &chunks[c].parser;
        if (p->failed) {
            long base = ds_count_lines(data, chunks[c].offset);
            return lrf_error_set_at(err, p->status, name, p->err_line ? base + p->err_line : 0,
                                    p->err_col, "%s", p->err_msg);
        }
    }
    return LRF_OK;
}

/* Concatenates the chunks' values: float32 when any chunk needed it. */
static enum lrf_status merge_values(struct ds_chunk *chunks, int nchunks, bool f32,
                                    struct lrf_dataset *ds, struct lrf_error *err)
{
    size_t rows = ds->rows, d = ds->features;
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
        return LRF_OK;
    }
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
    return LRF_OK;
}

enum lrf_status ds_merge(const char *name, const char *data, struct ds_chunk *chunks, int nchunks,
                         const struct lrf_dataset *ref, struct lrf_dataset *ds,
                         struct lrf_error *err)
{
    enum lrf_status st = chunk_error(name, data, chunks, nchunks, err);
    if (st != LRF_OK)
        return st;
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
    st = merge_values(chunks, nchunks, f32, ds, err);
    if (st == LRF_OK)
        st = map_labels(name, data, chunks, nchunks, ref, ds, err);
    if (st == LRF_OK)
        st = ds_compute_stats(ds, err);
    return st;
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
