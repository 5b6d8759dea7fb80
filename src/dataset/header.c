/* The first records of a CSV: is the first a header, which column is the
 * label, and the column names kept for the dataset. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

static bool equals_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

static bool is_numeric(const char *s)
{
    float v;
    int r = ds_parse_number(s, strlen(s), &v);
    return r == 0 || r == 3; /* "nan" is a number, if an unusable one */
}

/* A header is a first row with a field that is not a number where the
 * second row has one (or, with a single row, any non-number): string class
 * labels in an unlabelled file then do not look like a header. */
bool ds_detect_header(const struct ds_record *r1, const struct ds_record *r2)
{
    for (size_t j = 0; j < r1->nfields; j++) {
        if (is_numeric(r1->fields[j]))
            continue;
        if (!r2 || (j < r2->nfields && is_numeric(r2->fields[j])))
            return true;
    }
    return false;
}

static bool parse_index(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

enum lrf_status ds_resolve_label(const char *name, const struct ds_record *header, size_t ncols,
                                 const char *spec, size_t *out, struct lrf_error *err)
{
    static const char *const defaults[] = {"label", "class", "target", "y"};
    if (!spec) {
        *out = 0;
        /* Names in order of preference: a file with both "y" and "label"
         * columns (say, coordinates x, y) means "label". */
        if (header)
            for (size_t k = 0; k < sizeof defaults / sizeof defaults[0]; k++)
                for (size_t j = 0; j < ncols; j++)
                    if (equals_nocase(header->fields[j], defaults[k])) {
                        *out = j;
                        return LRF_OK;
                    }
        return LRF_OK;
    }
    if (header) {
        for (size_t j = 0; j < ncols; j++)
            if (!strcmp(header->fields[j], spec)) {
                *out = j;
                return LRF_OK;
            }
        for (size_t j = 0; j < ncols; j++)
            if (equals_nocase(header->fields[j], spec)) {
                *out = j;
                return LRF_OK;
            }
    }
    long idx;
    if (parse_index(spec, &idx)) {
        long n = (long)ncols;
        if (idx < -n || idx >= n)
            return lrf_error_set_at(err, LRF_ERR_INVALID_ARG, name, 0, 0,
                                    "--label: column index %ld out of range (the file has %zu "
                                    "columns: 0..%zu, or -1 for the last)",
                                    idx, ncols, ncols - 1);
        *out = (size_t)(idx < 0 ? idx + n : idx);
        return LRF_OK;
    }
    if (!header)
        return lrf_error_set_at(err, LRF_ERR_INVALID_ARG, name, 0, 0,
                                "--label: unknown label column '%s': the file has no header "
                                "(give a 0-based column index)",
                                spec);
    char cols[200] = "";
    size_t used = 0;
    for (size_t j = 0; j < ncols && used < 150; j++) {
        int k = snprintf(cols + used, sizeof cols - used, "%s%s", j ? ", " : "", header->fields[j]);
        used += k > 0 ? (size_t)k : 0;
    }
    if (used >= 150 && ncols > 1)
        snprintf(cols + (used < sizeof cols ? used : sizeof cols - 1),
                 sizeof cols - (used < sizeof cols ? used : sizeof cols - 1), ", ...");
    return lrf_error_set_at(err, LRF_ERR_INVALID_ARG, name, 0, 0,
                            "--label: unknown label column '%s' (columns: %s)", spec, cols);
}

enum lrf_status ds_set_names(struct lrf_dataset *ds, const struct ds_record *header)
{
    const char *lname = header ? header->fields[ds->label_index] : "";
    ds->label_name = ds_strdup(lname);
    if (!ds->label_name)
        return LRF_ERR_NOMEM;
    if (!header)
        return LRF_OK;
    ds->names_arena = malloc(header->arena_len ? header->arena_len : 1);
    ds->feature_names = malloc((ds->features ? ds->features : 1) * sizeof(char *));
    if (!ds->names_arena || !ds->feature_names)
        return LRF_ERR_NOMEM;
    memcpy(ds->names_arena, header->arena, header->arena_len);
    ds->names_arena_len = header->arena_len;
    for (size_t j = 0, f = 0; j < ds->columns_in_file; j++)
        if (j != ds->label_index)
            ds->feature_names[f++] = ds->names_arena + (header->fields[j] - header->arena);
    return LRF_OK;
}
