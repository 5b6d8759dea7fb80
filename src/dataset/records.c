/* The record handlers: what each mode keeps of a field and a record. PROBE
 * keeps text, DATA numbers (and the label's text), CELLS every field's text.
 * In DATA, the first text or missing value in a feature (or label) column
 * stops the parser with need_cells: the loader hands the file to CELLS. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/parser_internal.h"

bool ds_grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*buf, n * elem);
    if (!q)
        return false;
    *buf = q;
    *cap = n;
    return true;
}

void ds_parser_fail(struct ds_parser *p, enum lrf_status status, long line, long col,
                    const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    p->status = status;
    p->err_line = line;
    p->err_col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err_msg, sizeof p->err_msg, fmt, ap);
    va_end(ap);
}

void ds_parser_fail_nomem(struct ds_parser *p)
{
    ds_parser_fail(p, LRF_ERR_NOMEM, 0, 0, "out of memory");
}

/* At most 40 bytes of offending text for a message, non-printables as '?'. */
static const char *shown(char out[48], const char *s, size_t len)
{
    size_t n = len < 40 ? len : 40;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    memcpy(out + n, len > 40 ? "..." : "", len > 40 ? 4 : 1);
    return out;
}

/* ---- PROBE -------------------------------------------------------------- */

static bool probe_field(struct ds_parser *p, const char *s, size_t len, long line)
{
    struct ds_record *r = &p->probe[p->nprobe];
    if (r->nfields == 0)
        r->line = line;
    if (!ds_grow((void **)&r->arena, &r->arena_cap, r->arena_len + len + 1, 1) ||
        !ds_grow((void **)&r->fields, &r->fields_cap, r->nfields + 1, sizeof(char *))) {
        ds_parser_fail_nomem(p);
        return false;
    }
    memcpy(r->arena + r->arena_len, s, len);
    r->arena[r->arena_len + len] = '\0';
    /* Store offsets now, turn them into pointers when the arena is final. */
    r->fields[r->nfields++] = (char *)(uintptr_t)r->arena_len;
    r->arena_len += len + 1;
    return true;
}

static void probe_row_end(struct ds_parser *p, size_t end)
{
    struct ds_record *r = &p->probe[p->nprobe];
    for (size_t i = 0; i < r->nfields; i++)
        r->fields[i] = r->arena + (uintptr_t)r->fields[i];
    r->end = end;
    if (++p->nprobe == p->probe_max)
        p->done = true;
}

/* ---- rows (DATA and CELLS) ---------------------------------------------- */

/* New capacity for the per-row arrays of DATA. */
static bool grow_data_rows(struct ds_parser *p, size_t ncap)
{
    size_t cap = p->cap, cap2 = p->cap, cap3 = p->cap;
    bool ok;
    if (p->storage == LRF_STORAGE_UINT8) {
        void *q = realloc(p->u8, ncap * p->features);
        ok = q != NULL;
        if (ok)
            p->u8 = q;
    } else {
        void *q = realloc(p->f32, ncap * p->features * sizeof(float));
        ok = q != NULL;
        if (ok)
            p->f32 = q;
    }
    ok = ok && ds_grow((void **)&p->label_off, &cap, ncap, sizeof(size_t));
    ok = ok && ds_grow((void **)&p->label_line, &cap2, ncap, sizeof(uint32_t));
    return ok && ds_grow((void **)&p->label_colno, &cap3, ncap, sizeof(uint32_t));
}

/* New capacity for the per-row arrays of CELLS. */
static bool grow_cells_rows(struct ds_parser *p, size_t ncap)
{
    struct ds_cells *c = &p->cells;
    size_t cap = p->cap * p->ncols, cap3 = p->cap;
    return ds_grow((void **)&c->off, &cap, ncap * p->ncols, sizeof(uint32_t)) &&
           ds_grow((void **)&c->line, &cap3, ncap, sizeof(uint32_t));
}

bool ds_row_begin(struct ds_parser *p, long line)
{
    p->row_line = line;
    if (p->rows + 1 <= p->cap)
        return true;
    size_t ncap = p->cap ? p->cap * 2 : p->reserve > 256 ? p->reserve : 256;
    if (!(p->mode == DS_MODE_CELLS ? grow_cells_rows(p, ncap) : grow_data_rows(p, ncap))) {
        ds_parser_fail_nomem(p);
        return false;
    }
    p->cap = ncap;
    return true;
}

/* The first value that is not an integer in 0..255 turns this stream's rows
 * into float32 (the loader converts uint8 chunks when they are merged). */
static bool to_float(struct ds_parser *p, size_t values)
{
    float *f = malloc((p->cap ? p->cap : 1) * p->features * sizeof(float));
    if (!f) {
        ds_parser_fail_nomem(p);
        return false;
    }
    for (size_t i = 0; i < values; i++)
        f[i] = p->u8[i];
    free(p->u8);
    p->u8 = NULL;
    p->f32 = f;
    p->storage = LRF_STORAGE_FLOAT32;
    return true;
}

static inline bool store_value(struct ds_parser *p, size_t fj, float v)
{
    size_t at = p->rows * p->features + fj;
    if (p->storage == LRF_STORAGE_UINT8) {
        if (v >= 0.0f && v <= 255.0f && v == (float)(int)v) {
            p->u8[at] = (uint8_t)v;
            return true;
        }
        if (!to_float(p, at))
            return false;
    }
    p->f32[at] = v;
    return true;
}

/* DATA hands the file to CELLS: not an error, a change of path. */
static bool need_cells(struct ds_parser *p, long line, long col)
{
    ds_parser_fail(p, LRF_ERR_PARSE, line, col, "a text or missing value: the general path");
    p->need_cells = true;
    return false;
}

static bool store_label(struct ds_parser *p, const char *s, size_t len, long line, long col)
{
    if (ds_is_missing(s, len))
        return need_cells(p, line, col);
    if (!ds_grow((void **)&p->label_text, &p->label_cap, p->label_len + len + 1, 1)) {
        ds_parser_fail_nomem(p);
        return false;
    }
    memcpy(p->label_text + p->label_len, s, len);
    p->label_text[p->label_len + len] = '\0';
    p->label_off[p->rows] = p->label_len;
    p->label_line[p->rows] = (uint32_t)line;
    p->label_colno[p->rows] = (uint32_t)col;
    p->label_len += len + 1;
    return true;
}

static bool data_field(struct ds_parser *p, size_t j, const char *s, size_t len, long line,
                       long col)
{
    enum ds_role role = ds_role_of(p, j);
    if (role == DS_ROLE_SKIP)
        return true;
    if (role == DS_ROLE_LABEL)
        return store_label(p, s, len, line, col);
    float v;
    char buf[48];
    switch (ds_parse_number_dec(s, len, p->decimal, &v)) {
    case 0:
        return store_value(p, ds_feature_of(p, j), v);
    case 3:
        if (!ds_is_missing(s, len)) {
            ds_parser_fail(p, LRF_ERR_NUMERIC, line, col, "expected a finite number, got '%s'",
                           shown(buf, s, len));
            p->err_column = (long)j;
            return false;
        }
        return need_cells(p, line, col);
    default: /* empty, a missing value or text */
        return need_cells(p, line, col);
    }
}

static bool cells_field(struct ds_parser *p, size_t j, const char *s, size_t len)
{
    struct ds_cells *c = &p->cells;
    if (c->text_len + len + 1 > UINT32_MAX) {
        ds_parser_fail(p, LRF_ERR_DATA, p->row_line, 0, "a chunk of more than 4 GB of text");
        return false;
    }
    if (c->text_len + len + 1 > c->text_cap &&
        !ds_grow((void **)&c->text, &c->text_cap, c->text_len + len + 1, 1)) {
        ds_parser_fail_nomem(p);
        return false;
    }
    memcpy(c->text + c->text_len, s, len);
    c->text[c->text_len + len] = '\0';
    c->off[p->rows * p->ncols + j] = (uint32_t)c->text_len;
    c->text_len += len + 1;
    if (j == 0)
        c->line[p->rows] = (uint32_t)p->row_line;
    return true;
}

bool ds_on_field(struct ds_parser *p, const char *s, size_t len, long line, long col)
{
    if (p->mode == DS_MODE_PROBE)
        return probe_field(p, s, len, line);
    size_t j = p->nfield;
    if (j >= p->ncols) {
        ds_parser_fail(p, LRF_ERR_PARSE, line, col, "ragged row: expected %zu fields, found more",
                       p->ncols);
        return false;
    }
    if (len > DS_FIELD_MAX) {
        ds_parser_fail(p, LRF_ERR_PARSE, line, col, "field longer than 65536 bytes");
        return false;
    }
    if (j == 0 && !ds_row_begin(p, line))
        return false;
    p->nfield++;
    return p->mode == DS_MODE_CELLS ? cells_field(p, j, s, len)
                                    : data_field(p, j, s, len, line, col);
}

bool ds_on_row_end(struct ds_parser *p, long line, long col, size_t end)
{
    if (p->mode == DS_MODE_PROBE) {
        probe_row_end(p, end);
        return true;
    }
    if (p->nfield != p->ncols) {
        ds_parser_fail(p, LRF_ERR_PARSE, line, col, "ragged row: expected %zu fields, found %zu",
                       p->ncols, p->nfield);
        return false;
    }
    p->nfield = 0;
    p->rows++;
    return true;
}
