/* Reads the text fixtures written by scripts/gen_model_fixtures.py (and the other
 * generators that use its format): one array per line, "NAME COUNT v1 ... vCOUNT";
 * lines starting with '#' are comments, blank lines are skipped.
 *
 * Strict, so that a damaged fixture cannot pass a test with made-up numbers: a line
 * with fewer or more values than COUNT, a value that is not a number, a repeated name
 * or an unreadable file makes fixture_load fail (naming FILE:LINE); asking for an
 * array that is not there records a failed check (tests/check.h). */
#ifndef LRF_TEST_FIXTURE_READER_H
#define LRF_TEST_FIXTURE_READER_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

enum { FIXTURE_ARRAYS_MAX = 64, FIXTURE_NAME_MAX = 64 };

struct fixture {
    int n;
    char path[1024];
    char names[FIXTURE_ARRAYS_MAX][FIXTURE_NAME_MAX];
    long counts[FIXTURE_ARRAYS_MAX];
    double *values[FIXTURE_ARRAYS_MAX];
};

static inline void fixture_free(struct fixture *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->values[i]);
    f->n = 0;
}

/* The whole file, NUL-terminated (NULL if unreadable). */
static inline char *fixture_slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + len, 1, cap - len - 1, fp)) > 0;) {
        len += got;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    int bad = ferror(fp);
    fclose(fp);
    if (buf && bad) {
        free(buf);
        return NULL;
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

static inline int fixture_line_error(const struct fixture *f, long line, const char *what)
{
    fprintf(stderr, "fixture %s:%ld: %s\n", f->path, line, what);
    return -1;
}

static inline int fixture_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Parses one "NAME COUNT v..." line [s, eol) into array f->n. */
static inline int fixture_parse_line(struct fixture *f, const char *s, const char *eol, long line)
{
    if (f->n == FIXTURE_ARRAYS_MAX)
        return fixture_line_error(f, line, "too many arrays");
    size_t len = strcspn(s, " \t\r\n");
    if (len == 0 || len >= FIXTURE_NAME_MAX)
        return fixture_line_error(f, line, "bad array name");
    char *name = f->names[f->n];
    memcpy(name, s, len);
    name[len] = '\0';
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->names[i], name))
            return fixture_line_error(f, line, "array name repeated");
    char *end;
    long count = strtol(s + len, &end, 10);
    if (end == s + len || end > eol || count < 0 ||
        (*end && !fixture_is_blank(*end) && *end != '\n'))
        return fixture_line_error(f, line, "expected NAME COUNT");
    double *v = malloc((size_t)(count ? count : 1) * sizeof(double));
    if (!v)
        return fixture_line_error(f, line, "out of memory");
    const char *p = end;
    for (long i = 0; i < count; i++) {
        while (p < eol && fixture_is_blank(*p))
            p++;
        v[i] = p < eol ? strtod(p, &end) : 0;
        if (p >= eol || end == p || end > eol || (end < eol && !fixture_is_blank(*end))) {
            free(v);
            char msg[160];
            snprintf(msg, sizeof msg, "array '%s': value %ld of %ld missing or not a number", name,
                     i + 1, count);
            return fixture_line_error(f, line, msg);
        }
        p = end;
    }
    while (p < eol && fixture_is_blank(*p))
        p++;
    if (p != eol) {
        free(v);
        return fixture_line_error(f, line, "more values than the count says");
    }
    f->counts[f->n] = count;
    f->values[f->n++] = v;
    return 0;
}

/* Loads the fixture file at path; returns 0 on success, -1 (printed) on any defect. */
static inline int fixture_load_path(struct fixture *f, const char *path)
{
    f->n = 0;
    snprintf(f->path, sizeof f->path, "%s", path);
    char *text = fixture_slurp(path);
    if (!text) {
        fprintf(stderr, "cannot read fixture %s\n", path);
        return -1;
    }
    long line = 0;
    int st = 0;
    for (const char *s = text; *s && st == 0;) {
        const char *eol = strchr(s, '\n');
        if (!eol)
            eol = s + strlen(s);
        line++;
        const char *t = s;
        while (t < eol && fixture_is_blank(*t))
            t++;
        if (t < eol && *t != '#')
            st = fixture_parse_line(f, t, eol, line);
        s = *eol ? eol + 1 : eol;
    }
    free(text);
    if (st == 0 && f->n == 0)
        st = fixture_line_error(f, line, "no arrays");
    if (st)
        fixture_free(f);
    return st;
}

/* Loads LRF_FIXTURES_DIR/model/<name>; returns 0 on success. */
static inline int fixture_load(struct fixture *f, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/model/%s", LRF_FIXTURES_DIR, name);
    return fixture_load_path(f, path);
}

/* The array called name; *count gets its length. A missing array is a failed check
 * (and NULL, *count 0). */
static inline const double *fixture_get(const struct fixture *f, const char *name, long *count)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->names[i], name)) {
            if (count)
                *count = f->counts[i];
            return f->values[i];
        }
    if (count)
        *count = 0;
    CHECK_MSG(0, "fixture %s: array '%s' missing", f->path, name);
    return NULL;
}

/* A one-value array; missing or not of length 1 is a failed check (and NaN). */
static inline double fixture_scalar(const struct fixture *f, const char *name)
{
    long n;
    const double *v = fixture_get(f, name, &n);
    if (!v)
        return NAN;
    CHECK_MSG(n == 1, "fixture %s: '%s' has %ld values, want 1", f->path, name, n);
    return n == 1 ? v[0] : (double)NAN;
}

#endif
