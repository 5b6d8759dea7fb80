/* Names: of the encoded features (built from the schema), and the name
 * tables of the option and decision enums. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

/* The names of column c's features, written at p (size bytes); the bytes used. */
static size_t column_feature_names(const struct ds_column *c, char *p, size_t size, char **out)
{
    size_t used = 0;
    for (size_t k = 0; k < c->nfeatures; k++) {
        char *q = p ? p + used : NULL;
        size_t left = p ? size - used : 0;
        int n;
        if (c->type == LRF_COLUMN_NUMERIC)
            n = k == 0 ? snprintf(q, left, "%s", c->name)
                       : snprintf(q, left, "%s (missing)", c->name);
        else
            n = snprintf(q, left, "%s=%s", c->name,
                         k < c->nlevels ? c->levels[k] : LRF_MISSING_LEVEL);
        if (out)
            out[c->first_feature + k] = q;
        used += (size_t)(n > 0 ? n : 0) + 1;
    }
    return used;
}

enum lrf_status ds_feature_names(struct lrf_dataset *ds)
{
    const struct ds_schema *s = &ds->schema;
    free(ds->names_arena);
    free(ds->feature_names);
    ds->names_arena = NULL;
    ds->feature_names = NULL;
    ds->names_arena_len = 0;
    if (!ds->has_header)
        return LRF_OK;
    size_t total = 0;
    for (size_t j = 0; j < s->ncols; j++)
        if (s->cols[j].role == LRF_COLUMN_FEATURE)
            total += column_feature_names(&s->cols[j], NULL, 0, NULL);
    ds->names_arena = malloc(total ? total : 1);
    ds->feature_names = calloc(ds->features ? ds->features : 1, sizeof(char *));
    if (!ds->names_arena || !ds->feature_names)
        return LRF_ERR_NOMEM;
    size_t used = 0;
    for (size_t j = 0; j < s->ncols; j++)
        if (s->cols[j].role == LRF_COLUMN_FEATURE)
            used += column_feature_names(&s->cols[j], ds->names_arena + used, total - used,
                                         ds->feature_names);
    ds->names_arena_len = used;
    return LRF_OK;
}

/* ---- enums -------------------------------------------------------------- */

static const char *const MISSING_NAMES[LRF_MISSING_COUNT] = {"impute", "drop", "error"};
static const char *const TASK_NAMES[LRF_TASK_COUNT] = {"auto", "classification", "regression"};
static const char *const ROLE_NAMES[LRF_COLUMN_ROLE_COUNT] = {"feature", "label", "dropped"};
static const char *const TYPE_NAMES[LRF_COLUMN_TYPE_COUNT] = {"numeric", "categorical", "empty"};

const char *lrf_missing_name(enum lrf_missing m)
{
    return (unsigned)m < LRF_MISSING_COUNT ? MISSING_NAMES[m] : "unknown";
}

const char *lrf_task_name(enum lrf_task t)
{
    return (unsigned)t < LRF_TASK_COUNT ? TASK_NAMES[t] : "unknown";
}

const char *lrf_column_role_name(enum lrf_column_role role)
{
    return (unsigned)role < LRF_COLUMN_ROLE_COUNT ? ROLE_NAMES[role] : "unknown";
}

const char *lrf_column_type_name(enum lrf_column_type type)
{
    return (unsigned)type < LRF_COLUMN_TYPE_COUNT ? TYPE_NAMES[type] : "unknown";
}

static int find_name(const char *const *names, int n, const char *text)
{
    for (int k = 0; text && k < n; k++)
        if (!strcmp(text, names[k]))
            return k;
    return -1;
}

enum lrf_status lrf_missing_parse(const char *text, enum lrf_missing *out, struct lrf_error *err)
{
    int k = find_name(MISSING_NAMES, LRF_MISSING_COUNT, text);
    if (k < 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "missing: expected impute, drop or error, got '%s'",
                             text ? text : "(null)");
    *out = (enum lrf_missing)k;
    return LRF_OK;
}

enum lrf_status lrf_task_parse(const char *text, enum lrf_task *out, struct lrf_error *err)
{
    int k = find_name(TASK_NAMES, LRF_TASK_COUNT, text);
    if (k < 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "task: expected auto, classification or regression, got '%s'",
                             text ? text : "(null)");
    *out = (enum lrf_task)k;
    return LRF_OK;
}
