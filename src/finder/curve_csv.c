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

/* Splits line in place at commas; returns the field count (capped at max), fills
 * starts[] with the fields' offsets. */
static size_t split_fields(char *line, char **fields, long *cols, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n < max) {
            fields[n] = p;
            cols[n] = (long)(p - line) + 1;
        }
        n++;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
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

enum lrf_status lrf_finder_read_curve(const char *path, double **lr_out, double **loss_out,
                                      size_t *n_out, struct lrf_error *err)
{
    enum { FIELDS_MAX = 256 };
    *lr_out = *loss_out = NULL;
    *n_out = 0;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    char *line = NULL, *fields[FIELDS_MAX];
    long cols[FIELDS_MAX];
    size_t cap = 0, n = 0, alloc = 0, width = 0, ilr = 0, iloss = 0;
    double *lr = NULL, *loss = NULL;
    enum lrf_status st = LRF_OK;
    long lineno = 0;
    if (getline(&line, &cap, fp) < 0) {
        st = lrf_error_set_at(err, LRF_ERR_PARSE, path, 1, 1,
                              "empty file: expected a header naming columns lr and loss");
        goto out;
    }
    lineno = 1;
    chomp(line);
    width = split_fields(line, fields, cols, FIELDS_MAX);
    if (width > FIELDS_MAX) {
        st = lrf_error_set_at(err, LRF_ERR_PARSE, path, 1, 1, "more than %d columns", FIELDS_MAX);
        goto out;
    }
    bool have_lr = false, have_loss = false;
    for (size_t i = 0; i < width; i++) {
        bool is_lr = !strcmp(fields[i], "lr"), is_loss = !strcmp(fields[i], "loss");
        if ((is_lr && have_lr) || (is_loss && have_loss)) {
            st = lrf_error_set_at(err, LRF_ERR_PARSE, path, 1, cols[i], "duplicate column '%s'",
                                  fields[i]);
            goto out;
        }
        if (is_lr) {
            have_lr = true;
            ilr = i;
        }
        if (is_loss) {
            have_loss = true;
            iloss = i;
        }
    }
    if (!have_lr || !have_loss) {
        st = lrf_error_set_at(err, LRF_ERR_PARSE, path, 1, 1,
                              "the header must name columns 'lr' and 'loss' (missing '%s')",
                              have_lr ? "loss" : "lr");
        goto out;
    }
    for (ssize_t got; (got = getline(&line, &cap, fp)) >= 0;) {
        lineno++;
        chomp(line);
        if (!line[0])
            continue; /* blank lines (e.g. a trailing one) carry no row */
        size_t w = split_fields(line, fields, cols, FIELDS_MAX);
        if (w != width) {
            st = lrf_error_set_at(err, LRF_ERR_PARSE, path, lineno, 1,
                                  "expected %zu fields like the header, got %zu", width, w);
            goto out;
        }
        if (n == alloc) {
            size_t na = alloc ? 2 * alloc : 256;
            double *a = realloc(lr, na * sizeof *a);
            if (a)
                lr = a;
            double *b = a ? realloc(loss, na * sizeof *b) : NULL;
            if (b)
                loss = b;
            if (!a || !b) {
                st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory reading %s", path);
                goto out;
            }
            alloc = na;
        }
        char *end;
        errno = 0;
        double v = strtod(fields[ilr], &end);
        if (end == fields[ilr] || *end || !isfinite(v) || !(v > 0)) {
            st = lrf_error_set_at(err, LRF_ERR_PARSE, path, lineno, cols[ilr],
                                  "lr: expected a finite number > 0, got '%s'", fields[ilr]);
            goto out;
        }
        lr[n] = v;
        if (!parse_loss(fields[iloss], &loss[n])) {
            st = lrf_error_set_at(err, LRF_ERR_PARSE, path, lineno, cols[iloss],
                                  "loss: expected a number (or nan/inf/empty), got '%s'",
                                  fields[iloss]);
            goto out;
        }
        n++;
    }
    if (ferror(fp)) {
        st = lrf_error_set_at(err, LRF_ERR_IO, path, lineno, 0, "read error");
        goto out;
    }
    if (n == 0) {
        st = lrf_error_set_at(err, LRF_ERR_PARSE, path, lineno + 1, 1,
                              "no data rows after the header");
        goto out;
    }
out:
    free(line);
    fclose(fp);
    if (st != LRF_OK) {
        free(lr);
        free(loss);
        return st;
    }
    *lr_out = lr;
    *loss_out = loss;
    *n_out = n;
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
