/* The parser's libcsv path (strict mode): from the first line that the fast
 * scanner cannot take (a quote or a lone CR) on, every byte goes through it,
 * in pieces that end just after a separator or line end so that each
 * callback knows the line and column its field started at. */
#include <stdlib.h>

#include "dataset/parser_internal.h"

/* libcsv grows its field buffer without bound; refusing to go past the
 * field limit turns a runaway field into CSV_ENOMEM, reported as too long. */
static void *limited_realloc(void *q, size_t n)
{
    if (n > 4 * (size_t)DS_FIELD_MAX)
        return NULL;
    return realloc(q, n);
}

/* A tab that separates fields is not a space to trim. */
static int space_only(unsigned char c)
{
    return c == ' ';
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
    ds_on_field(p, s ? s : "", len, p->field_line, (long)p->field_col);
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
    bool had_fields = p->mode == DS_MODE_PROBE ? p->probe[p->nprobe].nfields > 0 : p->nfield > 0;
    if (had_fields)
        ds_on_row_end(p, p->line, col, c->piece_end);
    next_field_position(p, c->piece_end, c->last);
}

bool ds_csv_start(struct ds_parser *p)
{
    if (csv_init(&p->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        ds_parser_fail_nomem(p);
        return false;
    }
    csv_set_realloc_func(&p->csv, limited_realloc);
    csv_set_delim(&p->csv, (unsigned char)p->sep);
    if (p->sep == '\t')
        csv_set_space_func(&p->csv, space_only);
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
        ds_parser_fail(p, LRF_ERR_PARSE, p->field_line, (long)p->field_col,
                       "field longer than 65536 bytes");
    else if (p->sep == ',')
        ds_parser_fail(p, LRF_ERR_PARSE, p->field_line, (long)p->field_col,
                       "malformed quoted field: expected a closing quote followed by a comma or "
                       "line end");
    else
        ds_parser_fail(p, LRF_ERR_PARSE, p->field_line, (long)p->field_col,
                       "malformed quoted field: expected a closing quote followed by '%s' or a "
                       "line end",
                       p->sep == '\t' ? "\\t" : (char[]){p->sep, '\0'});
}

static bool is_blank_piece(const char *s, size_t n, char sep)
{
    for (size_t i = 0; i < n; i++)
        if (!ds_is_trim(s[i], sep) && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

bool ds_csv_feed(struct ds_parser *p, const char *data, size_t len)
{
    struct csv_ctx ctx = {p, 0, 0};
    size_t i = 0;
    const char sep = p->sep;
    while (i < len) {
        size_t j = i;
        while (j < len && data[j] != sep && data[j] != '\n' && data[j] != '\r')
            j++;
        size_t b = j < len ? j + 1 : len;
        ctx.piece_end = p->offset + (b - i);
        ctx.last = j < len ? data[j] : 0;
        /* Blank lines between records: the next field starts after them. */
        bool row_start = p->field_start == p->offset && p->nfield == 0 &&
                         (p->mode != DS_MODE_PROBE || p->probe[p->nprobe].nfields == 0);
        if (row_start && is_blank_piece(data + i, b - i, sep) && ctx.last)
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

bool ds_csv_finish(struct ds_parser *p)
{
    struct csv_ctx ctx = {p, p->offset, 0};
    if (csv_fini(&p->csv, cb_field, cb_row, &ctx) != 0 && !p->failed)
        ds_parser_fail(
            p, LRF_ERR_PARSE, p->field_line, (long)p->field_col,
            "unterminated quoted field: expected a closing quote before the end of the file");
    return !p->failed;
}
