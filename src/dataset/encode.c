/* Encoders: fitted on the training file's rows (each numeric column's median
 * and whether it gets a missing indicator, each category's levels and
 * whether missing values get a level; the feature layout), then applied to
 * its rows or to another file's (a validation file) exactly as fitted: a
 * number in its feature, a category one-hot (unseen: all zeros), a missing
 * value its median (and indicator 1) or its level. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

/* ---- fitting ------------------------------------------------------------ */

/* The median of column j's numbers (0 when it has none), as numpy's. */
static float median_of(const struct ds_table *t, size_t j, float *tmp)
{
    size_t n = 0;
    for (int c = 0; c < t->n; c++)
        for (size_t i = 0; i < t->chunks[c].parser.rows; i++) {
            float v = t->num[c][i * t->ncols + j];
            if (!isnan(v))
                tmp[n++] = v;
        }
    return ds_median(tmp, n);
}

/* The numeric features' medians, every `parts`-th column from `part` on
 * (one job per thread: a median per column is most of fitting). */
struct median_job {
    const struct ds_table *t;
    struct ds_schema *s;
    int part, parts;
    bool ok;
};

static void *medians(void *arg)
{
    struct median_job *job = arg;
    float *tmp = malloc((job->t->rows ? job->t->rows : 1) * sizeof *tmp);
    job->ok = tmp != NULL;
    for (size_t j = (size_t)job->part; tmp && j < job->s->ncols; j += (size_t)job->parts) {
        struct ds_column *c = &job->s->cols[j];
        if (c->role == LRF_COLUMN_FEATURE && c->type == LRF_COLUMN_NUMERIC)
            c->fill = median_of(job->t, j, tmp);
    }
    free(tmp);
    return NULL;
}

enum lrf_status ds_table_fit(const struct ds_table *t, struct lrf_dataset *ds,
                             enum lrf_missing policy, struct lrf_error *err)
{
    struct ds_schema *s = &ds->schema;
    struct median_job jobs[DS_THREADS_MAX];
    for (int k = 0; k < t->n; k++)
        jobs[k] = (struct median_job){t, s, k, t->n, false};
    ds_run_parallel(jobs, sizeof jobs[0], t->n, medians);
    for (int k = 0; k < t->n; k++)
        if (!jobs[k].ok)
            return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    size_t f = 0;
    for (size_t j = 0; j < s->ncols; j++) {
        struct ds_column *c = &s->cols[j];
        if (c->role != LRF_COLUMN_FEATURE)
            continue;
        bool impute = c->missing > 0 && policy == LRF_MISSING_IMPUTE;
        c->first_feature = f;
        if (c->type == LRF_COLUMN_NUMERIC) {
            c->indicator = impute;
            c->nfeatures = 1 + (size_t)impute;
        } else {
            c->missing_level = impute;
            c->nfeatures = c->nlevels + (size_t)impute;
        }
        f += c->nfeatures;
    }
    ds->features = f;
    return LRF_OK;
}

/* The median of feature f of ds's rows. */
float ds_feature_median(const struct lrf_dataset *ds, size_t f, float *tmp)
{
    size_t n = ds->rows, d = ds->features;
    for (size_t r = 0; r < n; r++)
        tmp[r] = ds->storage == LRF_STORAGE_UINT8 ? (float)ds->u8[r * d + f] : ds->f32[r * d + f];
    return ds_median(tmp, n);
}

enum lrf_status ds_table_fills(const struct ds_table *t, const struct ds_plan *pl,
                               struct lrf_error *err)
{
    struct ds_schema *s = &pl->ds->schema;
    const struct lrf_dataset *ref = pl->ref;
    float *tmp = NULL;
    for (size_t k = 0; k < s->ncols; k++) {
        struct ds_column *c = &s->cols[k];
        size_t f = pl->file_col[k];
        if (c->role != LRF_COLUMN_FEATURE || c->type != LRF_COLUMN_NUMERIC || !isnan(c->fill) ||
            f == SIZE_MAX || t->all[f].missing == 0)
            continue;
        if (!tmp && !(tmp = malloc((ref->rows ? ref->rows : 1) * sizeof *tmp)))
            return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
        c->fill = ds_feature_median(ref, c->first_feature, tmp);
    }
    free(tmp);
    return LRF_OK;
}

/* A file encoded like another: a text in a column the training file has as
 * numeric is an error, as is a number that is not finite. */
enum lrf_status ds_table_check_like(const struct ds_table *t, const struct ds_plan *pl)
{
    const struct ds_schema *s = &pl->ds->schema;
    for (size_t k = 0; k < s->ncols; k++) {
        const struct ds_column *c = &s->cols[k];
        size_t f = pl->file_col[k];
        if (c->role != LRF_COLUMN_FEATURE || c->type != LRF_COLUMN_NUMERIC || f == SIZE_MAX)
            continue;
        const struct ds_colstat *a = &t->all[f];
        if (a->first_text != SIZE_MAX)
            return ds_table_error(t, s, k, a->first_text, LRF_ERR_DATA,
                                  "expected a number (the column is numeric in the training "
                                  "file), got '%.40s'",
                                  ds_table_text(t, a->first_text, f));
        if (a->first_nonfinite != SIZE_MAX)
            return ds_table_error(t, s, k, a->first_nonfinite, LRF_ERR_NUMERIC,
                                  "expected a finite number, got '%.40s'",
                                  ds_table_text(t, a->first_nonfinite, f));
    }
    return LRF_OK;
}

/* ---- the missing-value policy ------------------------------------------- */

static size_t file_col(const struct ds_plan *pl, size_t k)
{
    return pl->file_col ? pl->file_col[k] : k;
}

static bool used(const struct ds_column *c)
{
    return c->role == LRF_COLUMN_FEATURE || c->role == LRF_COLUMN_LABEL;
}

/* Counts missing values; an error for the first one under "error", or for a
 * missing label under "impute" (a label cannot be imputed). */
enum lrf_status ds_table_missing(const struct ds_table *t, const struct ds_plan *pl,
                                 enum lrf_missing policy)
{
    struct ds_schema *s = &pl->ds->schema;
    size_t first = SIZE_MAX, first_col = 0;
    s->missing_total = 0;
    for (size_t k = 0; k < s->ncols; k++) {
        size_t f = file_col(pl, k);
        if (!used(&s->cols[k]) || f == SIZE_MAX)
            continue;
        const struct ds_colstat *a = &t->all[f];
        s->cols[k].missing = a->missing;
        s->missing_total += a->missing;
        bool counts = policy == LRF_MISSING_ERROR ||
                      (policy == LRF_MISSING_IMPUTE && s->cols[k].role == LRF_COLUMN_LABEL);
        if (counts && a->first_missing < first) {
            first = a->first_missing;
            first_col = k;
        }
    }
    if (first == SIZE_MAX)
        return LRF_OK;
    const char *text = ds_table_text(t, first, file_col(pl, first_col));
    if (s->cols[first_col].role == LRF_COLUMN_LABEL && policy != LRF_MISSING_ERROR)
        return ds_table_error(t, s, first_col, first, LRF_ERR_DATA,
                              "expected a label, got a missing value ('%.20s'); --missing drop "
                              "leaves such rows out",
                              text);
    return ds_table_error(t, s, first_col, first, LRF_ERR_DATA,
                          "a missing value ('%.20s') with --missing error (impute or drop "
                          "accept it)",
                          text);
}

/* ---- encoding ----------------------------------------------------------- */

struct encode_job {
    const struct ds_table *t;
    const struct ds_plan *pl;
    const struct ds_levels *lookup; /* (schema columns) levels of the categorical ones */
    int c;
    bool drop;           /* --missing drop: rows with a missing value are left out */
    unsigned char *keep; /* (rows of the chunk) */
    size_t kept, out_row;
    float *out;             /* (kept rows of all chunks, D), zeroed */
    const char **label;     /* (kept rows of all chunks) */
    long *line;             /* (kept rows of all chunks) */
    const bool *binary;     /* (D) a 0/1 feature: one-hot level or missing indicator */
    float *lo, *hi;         /* (D) this chunk's feature ranges */
    size_t *ones;           /* (D) rows whose 0/1 feature is 1: its range without a pass */
    bool fits_u8;           /* every value it wrote an integer in 0..255 */
    struct level_map *maps; /* (schema columns) the chunk's text ids -> levels */
};

/* A categorical column's texts in one chunk (their ids, ds_text_id) -> its level,
 * -1 for a text the training rows did not have. */
struct level_map {
    long *to;
    size_t n;
};

static void *keep_rows(void *arg)
{
    struct encode_job *job = arg;
    const struct ds_parser *p = &job->t->chunks[job->c].parser;
    const struct ds_schema *s = &job->pl->ds->schema;
    const uint8_t *kind = job->t->kind[job->c];
    size_t nc = job->t->ncols;
    job->kept = 0;
    for (size_t r = 0; r < p->rows; r++) {
        bool keep = true;
        for (size_t k = 0; job->drop && keep && k < s->ncols; k++) {
            size_t f = file_col(job->pl, k);
            keep = !used(&s->cols[k]) || f == SIZE_MAX || kind[r * nc + f] != DS_CELL_MISSING;
        }
        job->keep[r] = keep;
        job->kept += keep;
    }
    return NULL;
}

/* The chunk's maps for every categorical feature column (a column left without
 * one, e.g. out of memory, is looked up text by text). */
static void build_maps(struct encode_job *job)
{
    const struct ds_schema *s = &job->pl->ds->schema;
    job->maps = calloc(s->ncols ? s->ncols : 1, sizeof *job->maps);
    for (size_t k = 0; job->maps && k < s->ncols; k++) {
        size_t f = file_col(job->pl, k);
        if (s->cols[k].role != LRF_COLUMN_FEATURE || s->cols[k].type != LRF_COLUMN_CATEGORICAL ||
            f == SIZE_MAX)
            continue;
        const struct ds_levels *texts = &job->t->texts[(size_t)job->c * job->t->ncols + f];
        struct level_map *m = &job->maps[k];
        if (!(m->to = malloc((texts->n ? texts->n : 1) * sizeof *m->to)))
            continue;
        m->n = texts->n;
        for (size_t i = 0; i < texts->n; i++)
            m->to[i] = ds_levels_find(&job->lookup[k], texts->items[i].text, texts->items[i].len);
    }
}

static void free_maps(struct encode_job *job, size_t ncols)
{
    for (size_t k = 0; job->maps && k < ncols; k++)
        free(job->maps[k].to);
    free(job->maps);
    job->maps = NULL;
}

/* Feature f (0/1) of the row is 1. */
static void set_one(struct encode_job *job, float *x, size_t f)
{
    x[f] = 1.0f;
    job->ones[f]++;
}

/* Column c's features of one row into x (zeroed): only the non-zero ones. A number
 * goes into the chunk's range and uint8 test now; a 0/1 feature counts its ones
 * (range_of_binary turns the counts into ranges), so nothing passes over the row. */
static void encode_cell(struct encode_job *job, size_t col, const char *text, size_t len,
                        uint8_t kind, float num, float *x)
{
    const struct ds_column *c = &job->pl->ds->schema.cols[col];
    size_t f = c->first_feature;
    bool missing = kind == DS_CELL_MISSING;
    if (c->type == LRF_COLUMN_NUMERIC) {
        float v = x[f] = missing ? c->fill : num;
        job->lo[f] = v < job->lo[f] ? v : job->lo[f];
        job->hi[f] = v > job->hi[f] ? v : job->hi[f];
        job->fits_u8 &= v >= 0.0f && v <= 255.0f && v == (float)(int)v;
        if (c->indicator && missing)
            set_one(job, x, f + 1);
        return;
    }
    if (missing) {
        if (c->missing_level)
            set_one(job, x, f + c->nlevels);
        return;
    }
    uint32_t id = kind == DS_CELL_TEXT ? ds_text_id(num) : 0; /* a number is looked up */
    const struct level_map *m = job->maps ? &job->maps[col] : NULL;
    long k = m && m->to && id && id <= m->n ? m->to[id - 1]
                                            : ds_levels_find(&job->lookup[col], text, len);
    if (k >= 0)
        set_one(job, x, f + (size_t)k); /* a level the training rows did not have: all zeros */
}

/* The 0/1 features' ranges from their counts of ones among the chunk's kept rows. */
static void range_of_binary(struct encode_job *job, size_t d)
{
    for (size_t j = 0; job->kept && j < d; j++)
        if (job->binary[j]) {
            job->lo[j] = job->ones[j] == job->kept ? 1.0f : 0.0f;
            job->hi[j] = job->ones[j] ? 1.0f : 0.0f;
        }
}

static void *encode_rows(void *arg)
{
    struct encode_job *job = arg;
    const struct ds_table *t = job->t;
    const struct ds_parser *p = &t->chunks[job->c].parser;
    const struct ds_schema *s = &job->pl->ds->schema;
    const uint8_t *kind = t->kind[job->c];
    size_t nc = t->ncols, d = job->pl->ds->features, o = job->out_row;
    size_t label = job->pl->ds->label_index; /* a file column */
    build_maps(job);
    for (size_t r = 0; r < p->rows; r++) {
        if (!job->keep[r])
            continue;
        for (size_t k = 0; k < s->ncols; k++) {
            size_t f = file_col(job->pl, k), at = r * nc + f;
            if (s->cols[k].role == LRF_COLUMN_FEATURE && f != SIZE_MAX)
                encode_cell(job, k, p->cells.text + p->cells.off[at],
                            ds_cell_len(&p->cells, at, p->rows * nc), kind[at], t->num[job->c][at],
                            job->out + o * d);
        }
        job->label[o] = p->cells.text + p->cells.off[r * nc + label];
        job->line[o] = t->line_base[job->c] + (long)p->cells.line[r];
        o++;
    }
    range_of_binary(job, d);
    free_maps(job, s->ncols);
    return NULL;
}

/* Hash tables of each categorical feature's levels (index = level). */
static struct ds_levels *level_lookup(const struct ds_schema *s)
{
    struct ds_levels *lk = calloc(s->ncols ? s->ncols : 1, sizeof *lk);
    bool ok = lk != NULL;
    for (size_t k = 0; ok && k < s->ncols; k++) {
        const struct ds_column *c = &s->cols[k];
        if (c->role == LRF_COLUMN_FEATURE && c->type == LRF_COLUMN_CATEGORICAL)
            ok = ds_levels_index(&lk[k], c->levels, c->nlevels);
    }
    for (size_t k = 0; !ok && lk && k < s->ncols; k++)
        ds_levels_free(&lk[k]);
    if (!ok)
        free(lk);
    return ok ? lk : NULL;
}

static bool start_ranges(struct encode_job *job, size_t d)
{
    job->lo = malloc((d ? d : 1) * sizeof(float));
    job->hi = malloc((d ? d : 1) * sizeof(float));
    job->ones = calloc(d ? d : 1, sizeof(size_t));
    for (size_t j = 0; job->lo && job->hi && j < d; j++) {
        job->lo[j] = INFINITY;
        job->hi[j] = -INFINITY;
    }
    job->fits_u8 = true;
    return job->lo && job->hi && job->ones;
}

/* (D) true for the 0/1 features: every feature but the numeric columns' values. */
static bool *binary_features(const struct lrf_dataset *ds)
{
    bool *b = malloc(ds->features ? ds->features : 1);
    for (size_t j = 0; b && j < ds->features; j++)
        b[j] = true;
    for (size_t k = 0; b && k < ds->schema.ncols; k++) {
        const struct ds_column *c = &ds->schema.cols[k];
        if (c->role == LRF_COLUMN_FEATURE && c->type == LRF_COLUMN_NUMERIC)
            b[c->first_feature] = false;
    }
    return b;
}

/* The chunks' ranges into ds->fmin/fmax; uint8 storage when every value fits. */
static bool merge_ranges(const struct encode_job *jobs, int n, struct lrf_dataset *ds)
{
    size_t d = ds->features;
    ds->fmin = malloc((d ? d : 1) * sizeof(float));
    ds->fmax = malloc((d ? d : 1) * sizeof(float));
    if (!ds->fmin || !ds->fmax)
        return false;
    bool fits = true;
    for (size_t j = 0; j < d; j++) {
        ds->fmin[j] = INFINITY;
        ds->fmax[j] = -INFINITY;
    }
    for (int c = 0; c < n; c++) {
        fits &= jobs[c].fits_u8;
        for (size_t j = 0; j < d; j++) {
            ds->fmin[j] = jobs[c].lo[j] < ds->fmin[j] ? jobs[c].lo[j] : ds->fmin[j];
            ds->fmax[j] = jobs[c].hi[j] > ds->fmax[j] ? jobs[c].hi[j] : ds->fmax[j];
        }
    }
    return !fits || ds_to_u8(ds) == LRF_OK;
}

/* The encoded rows into ds->f32 and each kept row's label text and line. */
enum lrf_status ds_table_encode(const struct ds_table *t, const struct ds_plan *pl,
                                enum lrf_missing policy, struct ds_label_input *in,
                                struct lrf_error *err)
{
    struct lrf_dataset *ds = pl->ds;
    struct encode_job jobs[DS_THREADS_MAX];
    struct ds_levels *lookup = level_lookup(&ds->schema);
    bool ok = lookup != NULL;
    for (int c = 0; c < t->n; c++) {
        jobs[c] = (struct encode_job){
            .t = t, .pl = pl, .lookup = lookup, .c = c, .drop = policy == LRF_MISSING_DROP};
        jobs[c].keep = malloc(t->chunks[c].parser.rows + 1);
        ok &= jobs[c].keep != NULL;
    }
    size_t rows = 0;
    if (ok) {
        ds_run_parallel(jobs, sizeof jobs[0], t->n, keep_rows);
        for (int c = 0; c < t->n; c++) {
            jobs[c].out_row = rows;
            rows += jobs[c].kept;
        }
    }
    ds->rows = rows;
    ds->schema.rows_dropped = t->rows - rows;
    ds->storage = LRF_STORAGE_FLOAT32;
    ds->owns_data = true;
    ds->f32 = calloc((rows ? rows : 1) * (ds->features ? ds->features : 1), sizeof(float));
    in->texts = malloc((rows ? rows : 1) * sizeof *in->texts);
    in->lines = malloc((rows ? rows : 1) * sizeof *in->lines);
    bool *binary = binary_features(ds);
    ok = ok && ds->f32 && in->texts && in->lines && binary;
    for (int c = 0; ok && c < t->n; c++) {
        jobs[c].binary = binary;
        jobs[c].out = ds->f32;
        jobs[c].label = (const char **)in->texts;
        jobs[c].line = (long *)in->lines;
        ok = start_ranges(&jobs[c], ds->features);
    }
    if (ok)
        ds_run_parallel(jobs, sizeof jobs[0], t->n, encode_rows);
    ok = ok && merge_ranges(jobs, t->n, ds);
    for (int c = 0; c < t->n; c++) {
        free(jobs[c].keep);
        free(jobs[c].lo);
        free(jobs[c].hi);
        free(jobs[c].ones);
    }
    free(binary);
    for (size_t k = 0; lookup && k < ds->schema.ncols; k++)
        ds_levels_free(&lookup[k]);
    free(lookup);
    in->n = rows;
    if (!ok)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory encoding %zu rows", rows);
    if (rows == 0)
        return lrf_error_set_at(err, LRF_ERR_DATA, t->name, 0, 0,
                                "no rows left: every row has a missing value (--missing drop)");
    return LRF_OK;
}

/* uint8 storage (every encoded value is an integer in 0..255), as the fast
 * path would have stored it. */
enum lrf_status ds_to_u8(struct lrf_dataset *ds)
{
    size_t n = ds->rows * ds->features;
    uint8_t *u = malloc(n ? n : 1);
    if (!u)
        return LRF_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        u[i] = (uint8_t)ds->f32[i];
    free(ds->f32);
    ds->f32 = NULL;
    ds->u8 = u;
    ds->storage = LRF_STORAGE_UINT8;
    return LRF_OK;
}
