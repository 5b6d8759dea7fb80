/* The curve file of `lrfind suggest --curve` and `lrfind --curve`: a CSV whose header
 * names columns "lr" and "loss" (others ignored). A small strict parser: plain
 * comma-separated fields, no quoting, every row as wide as the header; errors carry
 * FILE:LINE:COL. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lrf/finder.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Splits line in place at commas, each field without the blanks around it (so "lr, loss"
 * names lr and loss); returns the field count (capped at max) and fills fields[] and
 * cols[] (1-based, the field's first character) for the first max. */
static size_t split_fields(char *line, char **fields, long *cols, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        char *c = strchr(p, ',');
        if (c)
            *c = '\0';
        while (is_blank(*p))
            p++;
        for (char *e = p + strlen(p); e > p && is_blank(e[-1]);)
            *--e = '\0';
        if (n < max) {
            fields[n] = p;
            cols[n] = (long)(p - line) + 1;
        }
        n++;
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

static void chomp(char *s)
{
    size_t len = strlen(s);
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        s[--len] = '\0';
}

/* A loss field: a number, nan/inf (any case, signed), or empty (= NaN). */
static bool parse_loss(const char *s, double *out)
{
    if (!*s) {
        *out = NAN;
        return true;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end)
        return false;
    *out = v;
    return true;
}

enum { FIELDS_MAX = 256 };

/* A curve file being read: the current line split into fields, and the columns. */
struct curve_reader {
    const char *path;
    FILE *fp;
    char *line;
    size_t cap;
    long lineno;
    char *fields[FIELDS_MAX];
    long cols[FIELDS_MAX];
    size_t width, ilr, iloss; /* fields per row; the lr and loss columns */
    double *lr, *loss;
    size_t n, alloc;
};

/* The next line without its line ending (false at the end); a NUL byte in it is an
 * error, as in the dataset loader, instead of silently ending the line there. */
static bool read_line(struct curve_reader *cr, enum lrf_status *st, struct lrf_error *err)
{
    ssize_t got = getline(&cr->line, &cr->cap, cr->fp);
    if (got < 0)
        return false;
    cr->lineno++;
    const char *nul = memchr(cr->line, '\0', (size_t)got);
    if (nul) {
        *st = lrf_error_set_at(err, LRF_ERR_PARSE, cr->path, cr->lineno, (long)(nul - cr->line) + 1,
                               "binary data (a NUL byte): expected CSV text");
        return false;
    }
    chomp(cr->line);
    return true;
}

/* Finds the lr and loss columns among the header's fields. */
static enum lrf_status find_columns(struct curve_reader *cr, struct lrf_error *err)
{
    bool have_lr = false, have_loss = false;
    for (size_t i = 0; i < cr->width; i++) {
        bool is_lr = !strcmp(cr->fields[i], "lr"), is_loss = !strcmp(cr->fields[i], "loss");
        if ((is_lr && have_lr) || (is_loss && have_loss))
            return lrf_error_set_at(err, LRF_ERR_PARSE, cr->path, 1, cr->cols[i],
                                    "duplicate column '%s'", cr->fields[i]);
        if (is_lr) {
            have_lr = true;
            cr->ilr = i;
        }
        if (is_loss) {
            have_loss = true;
            cr->iloss = i;
        }
    }
    if (!have_lr || !have_loss)
        return lrf_error_set_at(err, LRF_ERR_PARSE, cr->path, 1, 1,
                                "the header must name columns 'lr' and 'loss' (missing '%s')",
                                have_lr ? "loss" : "lr");
    return LRF_OK;
}

static enum lrf_status read_header(struct curve_reader *cr, struct lrf_error *err)
{
    enum lrf_status st = LRF_OK;
    if (!read_line(cr, &st, err))
        return st != LRF_OK ? st
                            : lrf_error_set_at(err, LRF_ERR_PARSE, cr->path, 1, 1,
                                               "empty file: expected a header naming columns "
                                               "lr and loss");
    /* A UTF-8 byte order mark (spreadsheets write one) is not part of the first name. */
    char *text = cr->line;
    if (!memcmp(text, "\xEF\xBB\xBF", 3))
        text += 3;
    cr->width = split_fields(text, cr->fields, cr->cols, FIELDS_MAX);
    if (cr->width > FIELDS_MAX)
        return lrf_error_set_at(err, LRF_ERR_PARSE, cr->path, 1, 1, "more than %d columns",
                                FIELDS_MAX);
    return find_columns(cr, err);
}

/* Room for one more point. */
static enum lrf_status grow(struct curve_reader *cr, struct lrf_error *err)
{
    if (cr->n < cr->alloc)
        return LRF_OK;
    size_t na = cr->alloc ? 2 * cr->alloc : 256;
    double *a = realloc(cr->lr, na * sizeof *a);
    if (a)
        cr->lr = a;
    double *b = a ? realloc(cr->loss, na * sizeof *b) : NULL;
    if (b)
        cr->loss = b;
    if (!a || !b)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory reading %s", cr->path);
    cr->alloc = na;
    return LRF_OK;
}

/* The current line (not blank) as one point. */
static enum lrf_status parse_row(struct curve_reader *cr, struct lrf_error *err)
{
    size_t w = split_fields(cr->line, cr->fields, cr->cols, FIELDS_MAX);
    if (w != cr->width)
        return lrf_error_set_at(err, LRF_ERR_PARSE, cr->path, cr->lineno, 1,
                                "expected %zu fields like the header, got %zu", cr->width, w);
    enum lrf_status st = grow(cr, err);
    if (st != LRF_OK)
        return st;
    const char *f = cr->fields[cr->ilr];
    char *end;
    errno = 0;
    double v = strtod(f, &end);
    if (end == f || *end || !isfinite(v) || !(v > 0))
        return lrf_error_set_at(err, LRF_ERR_PARSE, cr->path, cr->lineno, cr->cols[cr->ilr],
                                "lr: expected a finite number > 0, got '%s'", f);
    cr->lr[cr->n] = v;
    f = cr->fields[cr->iloss];
    if (!parse_loss(f, &cr->loss[cr->n]))
        return lrf_error_set_at(err, LRF_ERR_PARSE, cr->path, cr->lineno, cr->cols[cr->iloss],
                                "loss: expected a number (or nan/inf/empty), got '%s'", f);
    cr->n++;
    return LRF_OK;
}

static enum lrf_status read_rows(struct curve_reader *cr, struct lrf_error *err)
{
    enum lrf_status st = LRF_OK;
    while (read_line(cr, &st, err)) {
        if (!cr->line[0])
            continue; /* blank lines (e.g. a trailing one) carry no row */
        if ((st = parse_row(cr, err)) != LRF_OK)
            return st;
    }
    if (st != LRF_OK)
        return st;
    if (ferror(cr->fp))
        return lrf_error_set_at(err, LRF_ERR_IO, cr->path, cr->lineno, 0, "read error");
    if (cr->n == 0)
        return lrf_error_set_at(err, LRF_ERR_PARSE, cr->path, cr->lineno + 1, 1,
                                "no data rows after the header");
    return LRF_OK;
}

enum lrf_status lrf_finder_read_curve(const char *path, double **lr_out, double **loss_out,
                                      size_t *n_out, struct lrf_error *err)
{
    *lr_out = *loss_out = NULL;
    *n_out = 0;
    struct curve_reader cr = {.path = path, .fp = fopen(path, "r")};
    if (!cr.fp)
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    enum lrf_status st = read_header(&cr, err);
    if (st == LRF_OK)
        st = read_rows(&cr, err);
    free(cr.line);
    fclose(cr.fp);
    if (st != LRF_OK) {
        free(cr.lr);
        free(cr.loss);
        return st;
    }
    *lr_out = cr.lr;
    *loss_out = cr.loss;
    *n_out = cr.n;
    return LRF_OK;
}

enum lrf_status lrf_finder_write_curve(const struct lrf_finder_result *r, FILE *fp,
                                       struct lrf_error *err)
{
    if (!r || !fp)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "result and file are required");
    fputs("lr,loss,smoothed\n", fp);
    for (size_t i = 0; i < r->n; i++)
        fprintf(fp, "%.17g,%.17g,%.17g\n", r->lr[i], r->loss[i], r->smoothed[i]);
    if (ferror(fp))
        return lrf_error_set(err, LRF_ERR_IO, "write error on the curve file");
    return LRF_OK;
}
