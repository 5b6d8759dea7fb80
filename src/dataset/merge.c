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

enum lrf_status ds_chunk_error(const char *name, const char *data, struct ds_chunk *chunks,
                               int nchunks, const struct ds_schema *s, struct lrf_error *err)
{
    for (int c = 0; c < nchunks; c++) {
        const struct ds_parser *p = &chunks[c].parser;
        if (!p->failed)
            continue;
        long base = ds_count_lines(data, chunks[c].offset);
        long line = p->err_line ? base + p->err_line : 0;
        if (p->err_column < 0)
            return lrf_error_set_at(err, p->status, name, line, p->err_col, "%s", p->err_msg);
        char col[96];
        ds_column_label(s, (size_t)p->err_column, col, sizeof col);
        return lrf_error_set_at(err, p->status, name, line, 0, "%s: %s", col, p->err_msg);
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

/* Each row's label text and file line, from the chunks' label columns. */
static enum lrf_status label_input(const char *name, const char *data, struct ds_chunk *chunks,
                                   int nchunks, struct ds_plan *pl, struct ds_label_input *in,
                                   struct lrf_error *err)
{
    size_t n = pl->ds->rows, r = 0;
    in->name = name;
    in->decimal = pl->ds->schema.decimal;
    in->n = n;
    in->texts = malloc((n ? n : 1) * sizeof *in->texts);
    in->lines = malloc((n ? n : 1) * sizeof *in->lines);
    if (!in->texts || !in->lines)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
    for (int c = 0; c < nchunks; c++) {
        const struct ds_parser *p = &chunks[c].parser;
        long base = ds_count_lines(data, chunks[c].offset);
        for (size_t i = 0; i < p->rows; i++, r++) {
            in->texts[r] = p->label_text + p->label_off[i];
            in->lines[r] = data ? base + (long)p->label_line[i] : 0;
        }
    }
    return LRF_OK;
}

enum lrf_status ds_merge(const char *name, const char *data, struct ds_chunk *chunks, int nchunks,
                         struct ds_plan *pl, struct ds_label_input *in, struct lrf_error *err)
{
    struct lrf_dataset *ds = pl->ds;
    enum lrf_status st = ds_chunk_error(name, data, chunks, nchunks, &ds->schema, err);
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
    ds->features = pl->features;
    st = merge_values(chunks, nchunks, f32, ds, err);
    return st == LRF_OK ? label_input(name, data, chunks, nchunks, pl, in, err) : st;
}

enum lrf_status ds_compute_stats(struct lrf_dataset *ds, struct lrf_error *err)
{
    enum lrf_status st = ds_compute_ranges(ds, err);
    if (st == LRF_OK && ds_count_classes(ds) != LRF_OK)
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for statistics");
    return st;
}

/* Per-feature minimum and maximum of uint8 data, through byte arrays. */
static bool ranges_u8(struct lrf_dataset *ds)
{
    size_t d = ds->features, n = ds->rows;
    uint8_t *lo = malloc(d ? d : 1), *hi = malloc(d ? d : 1);
    if (!lo || !hi) {
        free(lo);
        free(hi);
        return false;
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
    return true;
}

static void ranges_f32(struct lrf_dataset *ds)
{
    size_t d = ds->features, n = ds->rows;
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

enum lrf_status ds_compute_ranges(struct lrf_dataset *ds, struct lrf_error *err)
{
    size_t d = ds->features;
    free(ds->fmin);
    free(ds->fmax);
    ds->fmin = calloc(d ? d : 1, sizeof(float));
    ds->fmax = calloc(d ? d : 1, sizeof(float));
    if (!ds->fmin || !ds->fmax || (ds->storage == LRF_STORAGE_UINT8 && ds->rows && !ranges_u8(ds)))
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for statistics");
    if (ds->storage == LRF_STORAGE_FLOAT32 && ds->rows)
        ranges_f32(ds);
    ds->vmin = d ? ds->fmin[0] : 0.0f;
    ds->vmax = d ? ds->fmax[0] : 0.0f;
    for (size_t j = 1; j < d; j++) {
        ds->vmin = ds->fmin[j] < ds->vmin ? ds->fmin[j] : ds->vmin;
        ds->vmax = ds->fmax[j] > ds->vmax ? ds->fmax[j] : ds->vmax;
    }
    return LRF_OK;
}

enum lrf_status ds_count_classes(struct lrf_dataset *ds)
{
    free(ds->class_counts);
    ds->class_counts = calloc(ds->classes ? ds->classes : 1, sizeof(size_t));
    if (!ds->class_counts)
        return LRF_ERR_NOMEM;
    for (size_t i = 0; ds->classes && i < ds->rows; i++)
        ds->class_counts[ds->labels[i]]++;
    return LRF_OK;
}

enum lrf_status ds_finish_stats(struct lrf_dataset *ds)
{
    size_t d = ds->features;
    ds->vmin = d ? ds->fmin[0] : 0.0f;
    ds->vmax = d ? ds->fmax[0] : 0.0f;
    for (size_t j = 1; j < d; j++) {
        ds->vmin = ds->fmin[j] < ds->vmin ? ds->fmin[j] : ds->vmin;
        ds->vmax = ds->fmax[j] > ds->vmax ? ds->fmax[j] : ds->vmax;
    }
    return ds_count_classes(ds);
}
