/* The first records of a CSV: is the first a header, which columns the user
 * named (--label, --drop), and the label by its name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

enum { SNIFFER_ROWS = 20 }; /* rows compared with the first, as csv.Sniffer */

bool ds_equals_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

static bool is_numeric(const char *s, char decimal)
{
    float v;
    int r = ds_parse_number_dec(s, strlen(s), decimal, &v);
    return r == 0 || r == 3; /* "inf" is a number, if an unusable one */
}

/* A first-row field that is not a number where the second row has one (or,
 * alone, any non-number): string class labels in an unlabelled file then do
 * not look like a header. */
static bool text_over_numbers(const struct ds_record *recs, size_t n, char decimal)
{
    const struct ds_record *r1 = &recs[0], *r2 = n > 1 ? &recs[1] : NULL;
    for (size_t j = 0; j < r1->nfields; j++) {
        if (is_numeric(r1->fields[j], decimal))
            continue;
        if (!r2 || (j < r2->nfields && is_numeric(r2->fields[j], decimal)))
            return true;
    }
    return false;
}

/* csv.Sniffer's vote: each column whose later rows agree on a type (numbers,
 * or texts of one length; missing values aside) votes for a header when the
 * first row's field differs from that type, against when it agrees. */
static int sniffer_votes(const struct ds_record *recs, size_t n, char decimal)
{
    size_t ncols = recs[0].nfields;
    int votes = 0;
    for (size_t j = 0; j < ncols; j++) {
        long type = -2; /* -2 unknown, -1 number, >= 0 a text length, -3 inconsistent */
        for (size_t i = 1; i < n && i <= SNIFFER_ROWS && type != -3; i++) {
            if (recs[i].nfields != ncols)
                continue;
            const char *f = recs[i].fields[j];
            if (ds_is_missing(f, strlen(f)))
                continue;
            long t = is_numeric(f, decimal) ? -1 : (long)strlen(f);
            type = type == -2 || type == t ? t : -3;
        }
        if (type == -2 || type == -3)
            continue;
        const char *h = recs[0].fields[j];
        bool differs = type == -1 ? !is_numeric(h, decimal) : (long)strlen(h) != type;
        votes += differs ? 1 : -1;
    }
    return votes;
}

bool ds_detect_header(const struct ds_record *recs, size_t n, char decimal, const char **why)
{
    if (text_over_numbers(recs, n, decimal)) {
        *why = "the first row has text where the next has numbers";
        return true;
    }
    if (n > 1 && sniffer_votes(recs, n, decimal) > 0) {
        *why = "the first row differs from the rows below it in type or length";
        return true;
    }
    *why = n > 1 ? "the first row looks like the rows below it" : "a single row of numbers";
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

void ds_list_columns(const struct ds_schema *s, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < s->ncols && used + 8 < size; j++) {
        if (used > 150) {
            snprintf(buf + used, size - used, ", ...");
            return;
        }
        int k = snprintf(buf + used, size - used, "%s%s", j ? ", " : "", s->cols[j].name);
        used += k > 0 ? (size_t)k : 0;
    }
}

enum lrf_status ds_find_column(const char *name, const struct ds_schema *s, const char *what,
                               const char *noun, const char *spec, size_t *out,
                               struct lrf_error *err)
{
    for (int nocase = 0; s->header && nocase < 2; nocase++)
        for (size_t j = 0; j < s->ncols; j++)
            if (nocase ? ds_equals_nocase(s->cols[j].name, spec) : !strcmp(s->cols[j].name, spec)) {
                *out = j;
                return LRF_OK;
            }
    long idx;
    if (parse_index(spec, &idx)) {
        long n = (long)s->ncols;
        if (idx < -n || idx >= n)
            return lrf_error_set_at(err, LRF_ERR_INVALID_ARG, name, 0, 0,
                                    "%s: column index %ld out of range (the file has %zu "
                                    "columns: 0..%zu, or -1 for the last)",
                                    what, idx, s->ncols, s->ncols - 1);
        *out = (size_t)(idx < 0 ? idx + n : idx);
        return LRF_OK;
    }
    if (!s->header)
        return lrf_error_set_at(err, LRF_ERR_INVALID_ARG, name, 0, 0,
                                "%s: unknown %s '%s': the file has no header "
                                "(give a 0-based column index)",
                                what, noun, spec);
    char cols[220];
    ds_list_columns(s, cols, sizeof cols);
    return lrf_error_set_at(err, LRF_ERR_INVALID_ARG, name, 0, 0,
                            "%s: unknown %s '%s' (columns: %s)", what, noun, spec, cols);
}

/* The label by name: label, class, target, outcome, species (any case, in
 * that order), then y when no column is named x; false when none. */
bool ds_label_by_name(const struct ds_schema *s, size_t *out, const char **why_name)
{
    static const char *const names[] = {"label", "class", "target", "outcome", "species"};
    if (!s->header)
        return false;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        for (size_t j = 0; j < s->ncols; j++)
            if (s->cols[j].role != LRF_COLUMN_DROPPED &&
                ds_equals_nocase(s->cols[j].name, names[k])) {
                *out = j;
                *why_name = names[k];
                return true;
            }
    size_t y = s->ncols;
    for (size_t j = 0; j < s->ncols; j++) {
        if (ds_equals_nocase(s->cols[j].name, "x"))
            return false;
        if (y == s->ncols && s->cols[j].role != LRF_COLUMN_DROPPED &&
            ds_equals_nocase(s->cols[j].name, "y"))
            y = j;
    }
    *out = y;
    *why_name = "y";
    return y < s->ncols;
}

enum lrf_status ds_apply_drop(const char *name, struct ds_schema *s, const char *list,
                              struct lrf_error *err)
{
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char item[256];
        snprintf(item, sizeof item, "%.*s", (int)(n < 255 ? n : 255), p);
        size_t j;
        enum lrf_status st =
            n ? ds_find_column(name, s, "--drop", "column", item, &j, err) : LRF_OK;
        if (st != LRF_OK)
            return st;
        if (n) {
            s->cols[j].role = LRF_COLUMN_DROPPED;
            if (!ds_set_text(&s->cols[j].why, "--drop"))
                return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
        }
        p = e ? e + 1 : p + n;
    }
    return LRF_OK;
}
