/* The schema's lifetime and the public accessors of every decision. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

static void free_column(struct ds_column *c)
{
    free(c->name);
    free(c->why);
    free(c->warning);
    for (size_t k = 0; c->levels && k < c->nlevels; k++)
        free(c->levels[k]);
    free(c->levels);
}

void ds_schema_free(struct ds_schema *s)
{
    for (size_t j = 0; s->cols && j < s->ncols; j++)
        free_column(&s->cols[j]);
    free(s->cols);
    for (size_t i = 0; i < s->nnotes; i++)
        free(s->notes[i]);
    free(s->notes);
    free(s->header_why);
    free(s->label_why);
    free(s->task_why);
    memset(s, 0, sizeof *s);
}

bool ds_schema_columns(struct ds_schema *s, size_t ncols)
{
    s->cols = calloc(ncols ? ncols : 1, sizeof *s->cols);
    if (!s->cols)
        return false;
    s->ncols = ncols;
    for (size_t j = 0; j < ncols; j++)
        if (!(s->cols[j].name = ds_strdup("")))
            return false;
    return true;
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    char *t = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (t)
        vsnprintf(t, (size_t)n + 1, fmt, ap);
    return t;
}

bool ds_set_text(char **slot, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = vformat(fmt, ap);
    va_end(ap);
    if (!t)
        return false;
    free(*slot);
    *slot = t;
    return true;
}

bool ds_schema_note(struct ds_schema *s, const char *fmt, ...)
{
    char **q = realloc(s->notes, (s->nnotes + 1) * sizeof *q);
    if (!q)
        return false;
    s->notes = q;
    va_list ap;
    va_start(ap, fmt);
    char *t = vformat(fmt, ap);
    va_end(ap);
    if (!t)
        return false;
    s->notes[s->nnotes++] = t;
    return true;
}

static char *dup_or_null(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = ds_strdup(s);
    *ok &= d != NULL;
    return d;
}

static bool copy_column(struct ds_column *d, const struct ds_column *c)
{
    bool ok = true;
    *d = *c;
    d->name = dup_or_null(c->name, &ok);
    d->why = dup_or_null(c->why, &ok);
    d->warning = dup_or_null(c->warning, &ok);
    d->levels = c->nlevels ? calloc(c->nlevels, sizeof(char *)) : NULL;
    if (c->nlevels && !d->levels) {
        d->nlevels = 0;
        return false;
    }
    for (size_t k = 0; k < c->nlevels; k++)
        d->levels[k] = dup_or_null(c->levels[k], &ok);
    return ok;
}

bool ds_schema_copy(struct ds_schema *dst, const struct ds_schema *src)
{
    bool ok = true;
    *dst = *src;
    dst->header_why = dup_or_null(src->header_why, &ok);
    dst->label_why = dup_or_null(src->label_why, &ok);
    dst->task_why = dup_or_null(src->task_why, &ok);
    dst->notes = NULL;
    dst->nnotes = 0;
    dst->cols = calloc(src->ncols ? src->ncols : 1, sizeof *dst->cols);
    if (!dst->cols) {
        dst->ncols = 0;
        return false;
    }
    for (size_t j = 0; j < src->ncols; j++)
        ok &= copy_column(&dst->cols[j], &src->cols[j]);
    return ok;
}

void ds_column_label(const struct ds_schema *s, size_t j, char *buf, size_t size)
{
    const char *name = j < s->ncols && s->cols[j].name ? s->cols[j].name : "";
    if (s->header)
        snprintf(buf, size, "column '%.60s' (%zu)", name, j);
    else
        snprintf(buf, size, "column %zu", j);
}

void ds_drop_hint(const struct ds_schema *s, size_t j, char *buf, size_t size)
{
    if (s->header && s->cols[j].name[0])
        snprintf(buf, size, "%.60s", s->cols[j].name);
    else
        snprintf(buf, size, "%zu", j);
}

/* ---- public accessors --------------------------------------------------- */

struct lrf_dataset_format lrf_dataset_format(const struct lrf_dataset *ds)
{
    const struct ds_schema *s = &ds->schema;
    return (struct lrf_dataset_format){.delimiter = s->sep ? s->sep : ',',
                                       .delimiter_given = s->sep_given,
                                       .decimal = s->decimal ? s->decimal : '.',
                                       .header = ds->has_header,
                                       .header_why = s->header_why ? s->header_why : "",
                                       .bom = s->bom,
                                       .gzip = s->gzip,
                                       .stream = s->stream};
}

bool lrf_dataset_column(const struct lrf_dataset *ds, size_t j, struct lrf_dataset_column *out)
{
    if (j >= ds->schema.ncols)
        return false;
    const struct ds_column *c = &ds->schema.cols[j];
    *out = (struct lrf_dataset_column){.name = c->name ? c->name : "",
                                       .role = c->role,
                                       .type = c->type,
                                       .why = c->why ? c->why : "",
                                       .warning = c->warning ? c->warning : "",
                                       .missing = c->missing,
                                       .levels = c->nlevels + c->missing_level,
                                       .first_feature = c->first_feature,
                                       .features = c->nfeatures,
                                       .indicator = c->indicator,
                                       .fill = c->fill};
    return true;
}

const char *lrf_dataset_column_level(const struct lrf_dataset *ds, size_t j, size_t k)
{
    if (j >= ds->schema.ncols)
        return "";
    const struct ds_column *c = &ds->schema.cols[j];
    if (k < c->nlevels)
        return c->levels[k];
    return k == c->nlevels && c->missing_level ? LRF_MISSING_LEVEL : "";
}

const char *lrf_dataset_label_reason(const struct lrf_dataset *ds)
{
    return ds->schema.label_why ? ds->schema.label_why : "";
}

enum lrf_task lrf_dataset_task(const struct lrf_dataset *ds)
{
    return ds->schema.task == LRF_TASK_REGRESSION ? LRF_TASK_REGRESSION : LRF_TASK_CLASSIFICATION;
}

const char *lrf_dataset_task_reason(const struct lrf_dataset *ds)
{
    return ds->schema.task_why ? ds->schema.task_why : "";
}

const float *lrf_dataset_targets(const struct lrf_dataset *ds)
{
    return ds->targets;
}

size_t lrf_dataset_missing(const struct lrf_dataset *ds)
{
    return ds->schema.missing_total;
}

size_t lrf_dataset_rows_dropped(const struct lrf_dataset *ds)
{
    return ds->schema.rows_dropped;
}

size_t lrf_dataset_notes(const struct lrf_dataset *ds)
{
    return ds->schema.nnotes;
}

const char *lrf_dataset_note(const struct lrf_dataset *ds, size_t i)
{
    return i < ds->schema.nnotes ? ds->schema.notes[i] : "";
}
