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

/* The index of text in names[0..n), or an error listing them. */
static enum lrf_status find_name(const char *const *names, int n, const char *what,
                                 const char *text, int *out, struct lrf_error *err)
{
    for (int k = 0; text && k < n; k++)
        if (!strcmp(text, names[k])) {
            *out = k;
            return LRF_OK;
        }
    char list[128] = "";
    for (int k = 0; k < n; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 k == 0       ? ""
                 : k == n - 1 ? " or "
                              : ", ",
                 names[k]);
    return lrf_error_set(err, LRF_ERR_INVALID_ARG, "%s: expected %s, got '%s'", what, list,
                         text ? text : "(null)");
}

enum lrf_status lrf_missing_parse(const char *text, enum lrf_missing *out, struct lrf_error *err)
{
    int k = 0;
    enum lrf_status st = find_name(MISSING_NAMES, LRF_MISSING_COUNT, "missing", text, &k, err);
    if (st == LRF_OK)
        *out = (enum lrf_missing)k;
    return st;
}

enum lrf_status lrf_task_parse(const char *text, enum lrf_task *out, struct lrf_error *err)
{
    int k = 0;
    enum lrf_status st = find_name(TASK_NAMES, LRF_TASK_COUNT, "task", text, &k, err);
    if (st == LRF_OK)
        *out = (enum lrf_task)k;
    return st;
}
