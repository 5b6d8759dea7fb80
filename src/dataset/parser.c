/* The CSV push parser. Plain lines (no quote, no lone CR) are split by a
 * hand-written scanner that applies libcsv's rules for unquoted fields
 * (spaces and tabs trimmed, blank lines skipped); from the first line that
 * needs more, every byte goes through libcsv in strict mode. Both feed the
 * same record handlers, so the fast path cannot change a result. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

/* ---- growing buffers ---------------------------------------------------- */

static bool grow(void **buf, size_t *cap, size_t need, size_t elem)
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

static void fail(struct ds_parser *p, enum lrf_status status, long line, long col, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));

static void fail(struct ds_parser *p, enum lrf_status status, long line, long col, const char *fmt,
                 ...)
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

static void fail_nomem(struct ds_parser *p)
{
    fail(p, LRF_ERR_NOMEM, 0, 0, "out of memory");
}

/* ---- record handlers ---------------------------------------------------- */

static bool probe_field(struct ds_parser *p, const char *s, size_t len)
{
    struct ds_record *r = &p->probe[p->nprobe];
    if (r->nfields == 0)
        r->line = p->field_line;
    if (!grow((void **)&r->arena, &r->arena_cap, r->arena_len + len + 1, 1) ||
        !grow((void **)&r->fields, &r->fields_cap, r->nfields + 1, sizeof(char *))) {
        fail_nomem(p);
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
    if (++p->nprobe == 2)
        p->done = true;
}

/* Makes room for one more row before its first field is stored. */
static bool data_row_begin(struct ds_parser *p, long line)
{
    p->row_line = line;
    size_t need = p->rows + 1;
    if (need > p->cap) {
        size_t cap = p->cap, cap2 = p->cap, cap3 = p->cap;
        size_t ncap = p->cap ? p->cap * 2 : p->reserve > 256 ? p->reserve : 256;
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
        ok = ok && grow((void **)&p->label_off, &cap, ncap, sizeof(size_t));
        ok = ok && grow((void **)&p->label_line, &cap2, ncap, sizeof(uint32_t));
        ok = ok && grow((void **)&p->label_colno, &cap3, ncap, sizeof(uint32_t));
        if (!ok) {
            fail_nomem(p);
            return false;
        }
        p->cap = ncap;
    }
    return true;
}

/* The first value that is not an integer in 0..255 turns this stream's rows
 * into float32 (the loader converts uint8 chunks when they are merged). */
static bool to_float(struct ds_parser *p, size_t values)
{
    float *f = malloc((p->cap ? p->cap : 1) * p->features * sizeof(float));
    if (!f) {
        fail_nomem(p);
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

static bool data_field(struct ds_parser *p, const char *s, size_t len, long line, long col)
{
    size_t j = p->nfield;
    if (j >= p->ncols) {
        fail(p, LRF_ERR_PARSE, line, col, "ragged row: expected %zu fields, found more", p->ncols);
        return false;
    }
    if (len > DS_FIELD_MAX) {
        fail(p, LRF_ERR_PARSE, line, col, "field longer than 65536 bytes");
        return false;
    }
    if (j == 0 && !data_row_begin(p, line))
        return false;
    p->nfield++;
    if (j == p->label_col) {
        if (len == 0) {
            fail(p, LRF_ERR_PARSE, line, col, "expected a class label, got an empty field");
            return false;
        }
        if (!grow((void **)&p->label_text, &p->label_cap, p->label_len + len + 1, 1)) {
            fail_nomem(p);
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
    float v;
    char buf[48];
    switch (ds_parse_number(s, len, &v)) {
    case 0:
        break;
    case 1:
        fail(p, LRF_ERR_PARSE, line, col, "expected a number, got an empty field");
        return false;
    case 3:
        fail(p, LRF_ERR_NUMERIC, line, col, "expected a finite number, got '%s'",
             shown(buf, s, len));
        return false;
    default:
        fail(p, LRF_ERR_PARSE, line, col, "expected a number, got '%s'", shown(buf, s, len));
        return false;
    }
    return store_value(p, j - (j > p->label_col), v);
}

static bool data_row_end(struct ds_parser *p, long line, long col)
{
    if (p->nfield != p->ncols) {
        fail(p, LRF_ERR_PARSE, line, col, "ragged row: expected %zu fields, found %zu", p->ncols,
             p->nfield);
        return false;
    }
    p->nfield = 0;
    p->rows++;
    return true;
}

/* ---- libcsv path -------------------------------------------------------- */

/* libcsv grows its field buffer without bound; refusing to go past the
 * field limit turns a runaway field into CSV_ENOMEM, reported as too long. */
static void *limited_realloc(void *q, size_t n)
{
    if (n > 4 * (size_t)DS_FIELD_MAX)
        return NULL;
    return realloc(q, n);
}

/* Where the next field starts when a callback fires in the current piece
 * (pieces end just after a delimiter or terminator). */
static void next_field_position(struct ds_parser *p, size_t piece_end, char last)
{
    p->field_start = piece_end;
    if (last == '\n') {
        p->field_line = p->line + 1;
        p->field_col = 1;
    } else {
        p->field_line = p->line;
        p->field_col = piece_end - p->line_start + 1;
    }
}

struct csv_ctx {
    struct ds_parser *p;
    size_t piece_end;
    char last;
};

static void cb_field(void *s, size_t len, void *data)
{
    struct csv_ctx *c = data;
    struct ds_parser *p = c->p;
    if (p->failed || p->done)
        return;
    if (p->mode == DS_MODE_PROBE)
        probe_field(p, s ? s : "", len);
    else
        data_field(p, s ? s : "", len, p->field_line, (long)p->field_col);
    next_field_position(p, c->piece_end, c->last);
}

static void cb_row(int term, void *data)
{
    struct csv_ctx *c = data;
    struct ds_parser *p = c->p;
    (void)term;
    if (p->failed || p->done)
        return;
    long col = (long)(c->piece_end - p->line_start);
    if (c->last != '\n' && c->last != '\r')
        col++; /* no terminator: the end of the input */
    if (p->mode == DS_MODE_PROBE) {
        if (p->probe[p->nprobe].nfields > 0)
            probe_row_end(p, c->piece_end);
    } else if (p->nfield > 0) {
        data_row_end(p, p->line, col);
    }
    next_field_position(p, c->piece_end, c->last);
}

static bool csv_start(struct ds_parser *p)
{
    if (csv_init(&p->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        fail_nomem(p);
        return false;
    }
    csv_set_realloc_func(&p->csv, limited_realloc);
    p->field_start = p->offset;
    p->field_line = p->line;
    p->field_col = p->offset - p->line_start + 1;
    p->csv_ready = true;
    p->use_libcsv = true;
    return true;
}

static void csv_fail(struct ds_parser *p)
{
    int e = csv_error(&p->csv);
    if (e == CSV_ENOMEM || e == CSV_ETOOBIG)
        fail(p, LRF_ERR_PARSE, p->field_line, (long)p->field_col, "field longer than 65536 bytes");
    else
        fail(p, LRF_ERR_PARSE, p->field_line, (long)p->field_col,
             "malformed quoted field: expected a closing quote followed by a comma or line end");
}

static bool is_blank_piece(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

static bool feed_csv(struct ds_parser *p, const char *data, size_t len)
{
    struct csv_ctx ctx = {p, 0, 0};
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && data[j] != ',' && data[j] != '\n' && data[j] != '\r')
            j++;
        size_t b = j < len ? j + 1 : len;
        ctx.piece_end = p->offset + (b - i);
        ctx.last = j < len ? data[j] : 0;
        /* Blank lines between records: the next field starts after them. */
        bool row_start = p->field_start == p->offset && p->nfield == 0 &&
                         (p->mode == DS_MODE_DATA || p->probe[p->nprobe].nfields == 0);
        if (row_start && is_blank_piece(data + i, b - i) && ctx.last)
            next_field_position(p, ctx.piece_end, ctx.last);
        size_t done = csv_parse(&p->csv, data + i, b - i, cb_field, cb_row, &ctx);
        if (done != b - i && !p->failed && !p->done)
            csv_fail(p);
        p->offset += b - i;
        if (ctx.last == '\n') {
            p->line++;
            p->line_start = p->offset;
        }
        if (p->failed || p->done)
            return false;
        i = b;
    }
    return true;
}

/* ---- fast path ---------------------------------------------------------- */

/* An integer 0..255 of at most 3 digits ending the field at *q, without a
 * loop: the common case for image data. On success *q is past it. */
static inline bool small_u8(const char **qp, unsigned *out)
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
    if ((c == ',' || c == '\n' || (c == '\r' && q[1] == '\n')) && v <= 255) {
        *qp = q;
        *out = v;
        return true;
    }
    return false;
}

/* The field starting at *qp (spaces and tabs around it trimmed): sets *f and
 * *fe to its text and *qp to its delimiter. False when it needs libcsv (a
 * quote or a lone CR). */
static inline bool plain_field(const char **qp, const char **f, const char **fe)
{
    const char *q = *qp;
    while (*q == ' ' || *q == '\t')
        q++;
    *f = q;
    for (;; q++) {
        char c = *q;
        if (c == ',' || c == '\n')
            break;
        if (c == '"' || (c == '\r' && q[1] != '\n'))
            return false;
        if (c == '\r')
            break;
    }
    const char *e = q;
    while (e > *f && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *fe = e;
    *qp = q;
    return true;
}

/* Handles the line starting at s, which ends at a '\n' somewhere in the
 * buffer (the caller guarantees one; finish() appends it to a last line that
 * lacks it), so no scan below needs a bounds check. Sets *len to the line's
 * length without the '\n'. Returns 1 when done, 0 when the line needs libcsv
 * (a quote or a lone CR; nothing of it has been kept), -1 on error. */
static int fast_line(struct ds_parser *p, const char *s, size_t *len)
{
    const char *q = s;
    while (*q == ' ' || *q == '\t')
        q++;
    if (*q == '\n' || (*q == '\r' && q[1] == '\n')) {
        *len = (size_t)(q - s) + (*q == '\r');
        return 1; /* blank line: libcsv skips these too */
    }
    if (!data_row_begin(p, p->line))
        return -1;
    const size_t label_len0 = p->label_len;
    const size_t label_col = p->label_col, ncols = p->ncols;
    const size_t rowoff = p->rows * p->features;
    /* Locals, not p's fields, in the hot loop: a uint8_t store may alias *p,
     * which would force every p->... back to memory after each value. */
    uint8_t *row = p->storage == LRF_STORAGE_UINT8 ? p->u8 + rowoff : NULL;
    size_t j = 0;
    for (;; j++, q++) {
        unsigned v;
        const char *f, *fe;
        if (row && j != label_col && j < ncols && small_u8(&q, &v)) {
            row[j - (j > label_col)] = (uint8_t)v;
        } else if (!plain_field(&q, &f, &fe)) {
            p->nfield = 0;
            p->label_len = label_len0;
            return 0;
        } else {
            p->nfield = j;
            if (!data_field(p, f, (size_t)(fe - f), p->line, (long)(f - s) + 1))
                return -1;
            row = p->storage == LRF_STORAGE_UINT8 ? p->u8 + rowoff : NULL;
        }
        if (*q != ',')
            break;
    }
    *len = (size_t)(q - s) + (*q == '\r');
    p->nfield = j + 1;
    return data_row_end(p, p->line, (long)(q - s) + 1) ? 1 : -1;
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
            if (!csv_start(p))
                return false;
            return feed_csv(p, data + i, len - i);
        }
        i += n + 1;
        p->offset = base + i;
        p->line++;
        p->line_start = p->offset;
    }
    /* Keep the incomplete tail for the next feed (or finish). */
    if (last < len) {
        if (!grow((void **)&p->carry, &p->carry_cap, p->carry_len + (len - last), 1)) {
            fail_nomem(p);
            return false;
        }
        memcpy(p->carry + p->carry_len, data + last, len - last);
        p->carry_len += len - last;
    }
    return true;
}

/* ---- public (module) interface ------------------------------------------ */

void ds_parser_init(struct ds_parser *p, enum ds_parser_mode mode, size_t ncols, size_t label_col,
                    bool force_libcsv)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
    p->force_libcsv = force_libcsv || mode == DS_MODE_PROBE;
    p->ncols = ncols;
    p->label_col = label_col;
    p->features = ncols > 0 ? ncols - 1 : 0;
    p->line = 1;
    p->field_line = 1;
    p->field_col = 1;
    p->storage = LRF_STORAGE_UINT8;
}

static bool append_carry(struct ds_parser *p, const char *data, size_t len)
{
    if (!grow((void **)&p->carry, &p->carry_cap, p->carry_len + len, 1)) {
        fail_nomem(p);
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
    if (!p->use_libcsv && p->force_libcsv && !csv_start(p))
        return false;
    if (p->use_libcsv)
        return feed_csv(p, data, len);
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
            return feed_csv(p, data, len);
    }
    return feed_fast(p, data, len);
}

bool ds_parser_finish(struct ds_parser *p)
{
    if (p->failed)
        return false;
    if (p->done)
        return true;
    if (!p->use_libcsv && p->force_libcsv && !csv_start(p))
        return false;
    if (!p->use_libcsv) {
        if (p->carry_len == 0)
            return true;
        if (!grow((void **)&p->carry, &p->carry_cap, p->carry_len + 1, 1)) {
            fail_nomem(p);
            return false;
        }
        p->carry[p->carry_len] = '\n'; /* the terminator fast_line relies on */
        size_t n;
        int r = fast_line(p, p->carry, &n);
        if (r < 0)
            return false;
        if (r > 0) {
            p->offset += p->carry_len;
            p->carry_len = 0;
            return true;
        }
        size_t cl = p->carry_len;
        p->carry_len = 0;
        if (!csv_start(p) || !feed_csv(p, p->carry, cl))
            return false;
    }
    struct csv_ctx ctx = {p, p->offset, 0};
    if (csv_fini(&p->csv, cb_field, cb_row, &ctx) != 0 && !p->failed)
        fail(p, LRF_ERR_PARSE, p->field_line, (long)p->field_col,
             "unterminated quoted field: expected a closing quote before the end of the file");
    return !p->failed;
}

void ds_parser_free(struct ds_parser *p)
{
    if (p->csv_ready)
        csv_free(&p->csv);
    for (int i = 0; i < 2; i++) {
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
    memset(p, 0, sizeof *p);
}
