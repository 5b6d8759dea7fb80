/* The fast path's ending: every feature column was numeric with no missing
 * value, so the chunks' values are the encoded matrix. What is left: the
 * label rule's check of a tentative label, a pandas index or R row-name
 * column to drop, identifier-like columns to warn about, the schema, and
 * the labels (or targets). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

/* Identifier-like integer columns are only called so from this many rows. */
enum { ID_MIN_ROWS = 10 };

static float value(const struct lrf_dataset *ds, size_t r, size_t f)
{
    return ds->storage == LRF_STORAGE_UINT8 ? (float)ds->u8[r * ds->features + f]
                                            : ds->f32[r * ds->features + f];
}

/* 0: values r (a pandas index), 1: values r + 1 (R row names), -1: neither. */
static int index_base(const struct lrf_dataset *ds, size_t f)
{
    for (int base = 0; base < 2; base++) {
        size_t r = 0;
        while (r < ds->rows && value(ds, r, f) == (float)(r + (size_t)base))
            r++;
        if (r == ds->rows && ds->rows + 1 < (1u << 24)) /* exact in float */
            return base;
    }
    return -1;
}

static bool is_index_name(const struct lrf_dataset *ds, const char *name)
{
    return ds->has_header && (!name[0] || !strcmp(name, "Unnamed: 0"));
}

/* Removes feature f from the matrix (rows stay in place, narrower). */
static void remove_feature(struct lrf_dataset *ds, size_t f)
{
    size_t d = ds->features;
    for (size_t r = 0; r < ds->rows; r++) {
        if (ds->storage == LRF_STORAGE_UINT8)
            memmove(ds->u8 + r * (d - 1), ds->u8 + r * d, f),
                memmove(ds->u8 + r * (d - 1) + f, ds->u8 + r * d + f + 1, d - f - 1);
        else
            memmove(ds->f32 + r * (d - 1), ds->f32 + r * d, f * sizeof(float)),
                memmove(ds->f32 + r * (d - 1) + f, ds->f32 + r * d + f + 1,
                        (d - f - 1) * sizeof(float));
    }
    ds->features = d - 1;
}

bool ds_index_reason(int base, const char *name, char *why, size_t size)
{
    if (base < 0)
        return false;
    snprintf(why, size, "%s (values %s)",
             !strcmp(name, "Unnamed: 0") || base == 0 ? "a pandas index" : "R row names",
             base == 0 ? "0..n-1" : "1..n");
    return true;
}

/* The first column, unnamed and counting rows: a pandas index or R's row
 * names, dropped with a note. */
static enum lrf_status drop_index(struct ds_plan *pl, struct lrf_dataset *ds, struct lrf_error *err)
{
    struct ds_column *c = &ds->schema.cols[0];
    char why[96];
    if (pl->role[0] != DS_ROLE_FEATURE || !is_index_name(ds, c->name) ||
        !ds_index_reason(index_base(ds, pl->feat_of[0]), c->name, why, sizeof why))
        return LRF_OK;
    remove_feature(ds, pl->feat_of[0]);
    c->role = LRF_COLUMN_DROPPED;
    if (!ds_set_text(&c->why, "%s", why) ||
        !ds_schema_note(&ds->schema, "column '%s' (0) dropped: %s", c->name, why))
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    return ds_plan_layout(pl, err);
}

/* Every value an integer and no two alike. */
static bool distinct_integers(const struct lrf_dataset *ds, size_t f, float *tmp)
{
    size_t n = ds->rows;
    if (n < ID_MIN_ROWS || (ds->storage == LRF_STORAGE_UINT8 && n > 256) ||
        ds->fmax[f] - ds->fmin[f] + 1.0f < (float)n)
        return false;
    for (size_t r = 0; r < n; r++) {
        tmp[r] = value(ds, r, f);
        if (tmp[r] != floorf(tmp[r]))
            return false;
    }
    return ds_all_distinct(tmp, n);
}

enum lrf_status ds_warn_identifier(struct ds_schema *s, size_t j, bool distinct,
                                   struct lrf_error *err)
{
    struct ds_column *c = &s->cols[j];
    bool named = !strcmp(c->name, "id") || !strcmp(c->name, "ID") || !strcmp(c->name, "Id");
    if (!named && !distinct)
        return LRF_OK;
    char col[96], hint[96];
    ds_column_label(s, j, col, sizeof col);
    ds_drop_hint(s, j, hint, sizeof hint);
    if (!ds_set_text(&c->warning, "looks like an identifier (%s)",
                     named ? "its name" : "all-distinct integers") ||
        !ds_schema_note(s,
                        "%s looks like an identifier (%s): it is used as a feature; drop it "
                        "with --drop %s",
                        col, named ? "its name" : "all-distinct integers", hint))
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    return LRF_OK;
}

/* Type, features and warnings of every column. */
static enum lrf_status describe_columns(const struct ds_plan *pl, struct lrf_dataset *ds,
                                        struct lrf_error *err)
{
    float *tmp = malloc((ds->rows ? ds->rows : 1) * sizeof *tmp);
    if (!tmp)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    enum lrf_status st = LRF_OK;
    for (size_t j = 0; j < pl->ncols && st == LRF_OK; j++) {
        struct ds_column *c = &ds->schema.cols[j];
        c->type = LRF_COLUMN_NUMERIC;
        if (pl->role[j] != DS_ROLE_FEATURE)
            continue;
        c->first_feature = pl->feat_of[j];
        c->nfeatures = 1;
        c->fill = NAN; /* no missing value here: a file encoded like this one computes it */
        st = ds_warn_identifier(&ds->schema, j, distinct_integers(ds, c->first_feature, tmp), err);
    }
    free(tmp);
    return st;
}

/* The tentative last-column label holds when it is not numeric or has few
 * integer levels; else the rule takes the first column (relabel). */
static enum lrf_status check_tentative(struct ds_plan *pl, const struct ds_label_input *in,
                                       bool *relabel, struct lrf_error *err)
{
    struct ds_label_scan ls;
    enum lrf_status st = ds_label_scan(in, &ls, err);
    if (st != LRF_OK)
        return st;
    char why[128];
    bool text = !ds_label_numeric(&ls), few = ds_label_few_levels(&ls, in->n);
    if (text)
        snprintf(why, sizeof why, "the last column, not numeric");
    else if (few)
        snprintf(why, sizeof why, "the last column, with few integer levels (%zu)",
                 ls.distinct_integers);
    ds_label_scan_free(&ls);
    *relabel = !text && !few;
    if (*relabel)
        return LRF_OK;
    pl->label_tentative = false;
    return ds_plan_set_label(pl, pl->ds->label_index, why, err);
}

enum lrf_status ds_first_label(struct ds_plan *pl, struct lrf_error *err)
{
    const struct ds_schema *s = &pl->ds->schema;
    size_t j = 0;
    while (j < s->ncols && s->cols[j].role == LRF_COLUMN_DROPPED)
        j++;
    /* An unnamed first column is a row index (dropped once its values are
     * seen), not the first column the rule means. */
    if (j == 0 && s->ncols > 1 && is_index_name(pl->ds, s->cols[0].name))
        j = 1;
    pl->label_tentative = false;
    return ds_plan_set_label(
        pl, j, "the first column (the last is numeric without few integer levels)", err);
}

enum lrf_status ds_numeric_finish(struct ds_plan *pl, const struct ds_label_input *in,
                                  const struct lrf_dataset_options *opt, bool *relabel,
                                  struct lrf_error *err)
{
    struct lrf_dataset *ds = pl->ds;
    *relabel = false;
    enum lrf_status st = LRF_OK;
    if (pl->label_tentative && (st = check_tentative(pl, in, relabel, err)) != LRF_OK)
        return st;
    if (*relabel)
        return LRF_OK;
    if (!pl->ref && (st = ds_compute_stats(ds, err)) == LRF_OK)
        st = drop_index(pl, ds, err);
    if (st == LRF_OK && !pl->ref)
        st = ds_compute_stats(ds, err);
    if (st == LRF_OK && !pl->ref)
        st = describe_columns(pl, ds, err);
    if (st == LRF_OK)
        st = ds_label_finish(in, opt->task, pl->ref, ds, err);
    if (st == LRF_OK && !pl->ref)
        ds_label_type(ds);
    if (st == LRF_OK)
        st = ds_feature_names(ds);
    if (st == LRF_OK)
        st = ds_compute_stats(ds, err);
    return st;
}
