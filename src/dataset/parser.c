/* The CSV push parser's fast path and interface. Plain lines (no quote, no
 * lone CR) are split by a hand-written scanner that applies libcsv's rules
 * for unquoted fields (spaces and tabs trimmed, blank lines skipped); from the
 * first line that needs more, every byte goes through libcsv in strict mode
 * (parser_csv.c). Both feed the same record handlers (records.c), so the fast
 * path cannot change a result. */
#include <stdlib.h>
#include <string.h>

#include "dataset/parser_internal.h"

/* An integer 0..255 of at most 3 digits ending the field at *q, without a
 * loop: the common case for image data. On success *q is past it. */
static inline bool small_u8(const char **qp, char sep, unsigned *out)
{
    const char *q = *qp;
    unsigned v = (unsigned)(q[0] - '0');
    if (v >= 10)
        return false;
    unsigned d = (unsigned)(q[1] - '0');
    if (d < 10) {
        v = v * 10 + d;
        d = (unsigned)(q[2] - '0');
        if (d < 10) {
            v = v * 10 + d;
            q += 3;
        } else {
            q += 2;
        }
    } else {
        q += 1;
    }
    char c = *q;
    if ((c == sep || c == '\n' || (c == '\r' && q[1] == '\n')) && v <= 255) {
        *qp = q;
        *out = v;
        return true;
    }
    return false;
}

/* The field starting at *qp (spaces and tabs around it trimmed): sets *f and
 * *fe to its text and *qp to its delimiter. False when it needs libcsv (a
 * quote or a lone CR). */
static inline bool plain_field(const char **qp, char sep, const char **f, const char **fe)
{
    const char *q = *qp;
    while (ds_is_trim(*q, sep))
        q++;
    *f = q;
    for (;; q++) {
        char c = *q;
        if (c == sep || c == '\n')
            break;
        if (c == '"' || (c == '\r' && q[1] != '\n'))
            return false;
        if (c == '\r')
            break;
    }
    const char *e = q;
    while (e > *f && ds_is_trim(e[-1], sep))
        e--;
    *fe = e;
    *qp = q;
    return true;
}

/* The uint8 row being filled (DATA with uint8 storage), else NULL. */
static inline uint8_t *u8_row(const struct ds_parser *p)
{
    return p->mode == DS_MODE_DATA && p->storage == LRF_STORAGE_UINT8
               ? p->u8 + p->rows * p->features
               : NULL;
}

/* Handles the line starting at s, which ends at a '\n' somewhere in the
 * buffer (the caller guarantees one; finish() appends it to a last line that
 * lacks it), so no scan below needs a bounds check. Sets *len to the line's
 * length without the '\n'. Returns 1 when done, 0 when the line needs libcsv
 * (a quote or a lone CR; nothing of it has been kept), -1 on error. */
static int fast_line(struct ds_parser *p, const char *s, size_t *len)
{
    const char sep = p->sep;
    const char *q = s;
    while (ds_is_trim(*q, sep))
        q++;
    if (*q == '\n' || (*q == '\r' && q[1] == '\n')) {
        *len = (size_t)(q - s) + (*q == '\r');
        return 1; /* blank line: libcsv skips these too */
    }
    if (!ds_row_begin(p, p->line))
        return -1;
    const size_t label_len0 = p->label_len, text_len0 = p->cells.text_len, ncols = p->ncols;
    /* Locals, not p's fields, in the hot loop: a uint8_t store may alias *p,
     * which would force every p->... back to memory after each value. */
    uint8_t *row = u8_row(p);
    size_t j = 0;
    for (;; j++, q++) {
        unsigned v;
        const char *f, *fe;
        if (row && j < ncols && ds_role_of(p, j) == DS_ROLE_FEATURE && small_u8(&q, sep, &v)) {
            row[ds_feature_of(p, j)] = (uint8_t)v;
        } else if (!plain_field(&q, sep, &f, &fe)) {
            p->nfield = 0;
            p->label_len = label_len0;
            p->cells.text_len = text_len0;
            return 0;
        } else {
            p->nfield = j;
            if (!ds_on_field(p, f, (size_t)(fe - f), p->line, (long)(f - s) + 1))
                return -1;
            row = u8_row(p);
        }
        if (*q != sep)
            break;
    }
    *len = (size_t)(q - s) + (*q == '\r');
    p->nfield = j + 1;
    return ds_on_row_end(p, p->line, (long)(q - s) + 1, 0) ? 1 : -1;
}

/* Runs the complete lines of data[0..len) through the fast path; stops at
 * the first line that needs libcsv and hands it (and the rest) over. */
static bool feed_fast(struct ds_parser *p, const char *data, size_t len)
{
    const size_t base = p->offset; /* stream offset of data[0] */
    size_t last = len;             /* just past the last '\n' */
    while (last > 0 && data[last - 1] != '\n')
        last--;
    size_t i = 0;
    while (i < last) {
        size_t n;
        int r = fast_line(p, data + i, &n);
        if (r < 0)
            return false;
        if (r == 0) {
            if (!ds_csv_start(p))
                return false;
            return ds_csv_feed(p, data + i, len - i);
        }
        i += n + 1;
        p->offset = base + i;
        p->line++;
        p->line_start = p->offset;
    }
    /* Keep the incomplete tail for the next feed (or finish). */
    if (last < len) {
        if (!ds_grow((void **)&p->carry, &p->carry_cap, p->carry_len + (len - last), 1)) {
            ds_parser_fail_nomem(p);
            return false;
        }
        memcpy(p->carry + p->carry_len, data + last, len - last);
        p->carry_len += len - last;
    }
    return true;
}

/* ---- interface ---------------------------------------------------------- */

void ds_parser_init(struct ds_parser *p, enum ds_parser_mode mode, size_t ncols, size_t label_col,
                    bool force_libcsv)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
    p->force_libcsv = force_libcsv || mode == DS_MODE_PROBE;
    p->sep = ',';
    p->decimal = '.';
    p->ncols = ncols;
    p->label_col = label_col;
    p->features = ncols > 0 ? ncols - 1 : 0;
    p->line = 1;
    p->field_line = 1;
    p->field_col = 1;
    p->probe_max = 2;
    p->storage = LRF_STORAGE_UINT8;
    p->err_column = -1;
}

void ds_parser_set_dialect(struct ds_parser *p, char sep, char decimal)
{
    p->sep = sep;
    p->decimal = decimal;
}

void ds_parser_set_layout(struct ds_parser *p, const uint8_t *role, const uint32_t *feat_of,
                          size_t features)
{
    p->role = role;
    p->feat_of = feat_of;
    p->features = features;
}

static bool append_carry(struct ds_parser *p, const char *data, size_t len)
{
    if (!ds_grow((void **)&p->carry, &p->carry_cap, p->carry_len + len, 1)) {
        ds_parser_fail_nomem(p);
        return false;
    }
    memcpy(p->carry + p->carry_len, data, len);
    p->carry_len += len;
    return true;
}

bool ds_parser_feed(struct ds_parser *p, const char *data, size_t len)
{
    if (p->failed || p->done)
        return false;
    if (!p->use_libcsv && p->force_libcsv && !ds_csv_start(p))
        return false;
    if (p->use_libcsv)
        return ds_csv_feed(p, data, len);
    if (p->carry_len > 0) {
        /* Complete the carried line first, as one unit. */
        const char *nl = memchr(data, '\n', len);
        if (!nl)
            return append_carry(p, data, len);
        size_t k = (size_t)(nl - data) + 1;
        if (!append_carry(p, data, k))
            return false;
        size_t cl = p->carry_len;
        p->carry_len = 0;
        if (!feed_fast(p, p->carry, cl))
            return false;
        data += k;
        len -= k;
        if (p->use_libcsv)
            return ds_csv_feed(p, data, len);
    }
    return feed_fast(p, data, len);
}

/* The last line without its '\n', through the fast path or libcsv. */
static bool finish_carry(struct ds_parser *p)
{
    if (!ds_grow((void **)&p->carry, &p->carry_cap, p->carry_len + 1, 1)) {
        ds_parser_fail_nomem(p);
        return false;
    }
    p->carry[p->carry_len] = '\n'; /* the terminator fast_line relies on */
    size_t n;
    int r = fast_line(p, p->carry, &n);
    if (r < 0)
        return false;
    size_t cl = p->carry_len;
    p->carry_len = 0;
    if (r > 0) {
        p->offset += cl;
        return true;
    }
    return ds_csv_start(p) && ds_csv_feed(p, p->carry, cl);
}

bool ds_parser_finish(struct ds_parser *p)
{
    if (p->failed)
        return false;
    if (p->done)
        return true;
    if (!p->use_libcsv && p->force_libcsv && !ds_csv_start(p))
        return false;
    if (!p->use_libcsv) {
        if (p->carry_len == 0)
            return true;
        if (!finish_carry(p))
            return false;
        if (!p->use_libcsv)
            return true;
    }
    return ds_csv_finish(p);
}

void ds_parser_free(struct ds_parser *p)
{
    if (p->csv_ready)
        csv_free(&p->csv);
    for (int i = 0; i < DS_PROBE_RECORDS; i++) {
        free(p->probe[i].fields);
        free(p->probe[i].arena);
    }
    free(p->carry);
    free(p->u8);
    free(p->f32);
    free(p->label_text);
    free(p->label_off);
    free(p->label_line);
    free(p->label_colno);
    free(p->cells.text);
    free(p->cells.off);
    free(p->cells.line);
    memset(p, 0, sizeof *p);
}
