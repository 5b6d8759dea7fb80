/* The CSV push parser (parser.c, parser_csv.c, records.c): bytes in, records
 * out. Plain lines go through a fast scanner, anything quoted through libcsv
 * in strict mode; both feed the same record handlers. Three modes: PROBE keeps
 * the first records as text (dialect, header and label decisions), DATA
 * converts numeric rows straight into a feature matrix and label text (the
 * fast path), CELLS keeps every field's text (the general path, for files
 * with text columns or missing values). */
#ifndef LRF_DATASET_PARSER_H
#define LRF_DATASET_PARSER_H

#include <csv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrf/dataset.h"

/* A field longer than this is rejected: no numeric field or class name is
 * anywhere near it, and it stops a garbage file from growing buffers. */
enum { DS_FIELD_MAX = 65536 };

/* What a parser does with the records it sees. */
enum ds_parser_mode {
    DS_MODE_PROBE, /* keep the first records as text (dialect, header, label) */
    DS_MODE_DATA,  /* convert records into feature rows and label text */
    DS_MODE_CELLS, /* keep every field's text */
};

/* Records PROBE keeps: enough lines to tell a header and column types. */
enum { DS_PROBE_RECORDS = 32 };

/* What a column is to a DATA parser. */
enum ds_role {
    DS_ROLE_FEATURE = 0,
    DS_ROLE_LABEL = 1,
    DS_ROLE_SKIP = 2, /* dropped: its fields are counted, not read */
};

/* One probed record: its fields as NUL-terminated strings. */
struct ds_record {
    size_t nfields;
    char **fields;
    char *arena;
    size_t arena_len, arena_cap;
    size_t fields_cap;
    long line;  /* 1-based line the record starts on */
    size_t end; /* offset just past the record's terminator */
};

/* CELLS output: every field's text, NUL-terminated, row-major, one after the
 * other (so a field's length is where the next one starts, less its NUL). */
struct ds_cells {
    char *text;
    size_t text_len, text_cap;
    uint32_t *off;  /* (rows, ncols) offset of the field's text */
    uint32_t *line; /* (rows) local line the row starts on */
};

/* The length of cell `at` of a parser with `cells` cells in all. */
static inline size_t ds_cell_len(const struct ds_cells *c, size_t at, size_t cells)
{
    return (at + 1 < cells ? c->off[at + 1] : c->text_len) - c->off[at] - 1;
}

/* A push parser over one stream (a whole file, a chunk of one, or test input
 * fed in arbitrary pieces). Lines without a quote go through a fast scanner;
 * from the first line containing a quote on, libcsv (strict) takes over, so
 * both give identical rows. */
struct ds_parser {
    enum ds_parser_mode mode;
    bool force_libcsv;
    bool use_libcsv; /* switched on at the first quote */
    struct csv_parser csv;
    bool csv_ready;
    char sep;     /* field separator (default ',') */
    char decimal; /* decimal mark of numbers (default '.') */

    /* DATA and CELLS configuration. */
    size_t ncols, label_col, features;
    const uint8_t *role;     /* (ncols) enum ds_role; NULL: label_col is the label */
    const uint32_t *feat_of; /* (ncols) feature index of a FEATURE column */

    /* Position, relative to the start of this stream. */
    size_t offset;      /* bytes consumed so far */
    long line;          /* 1-based current line */
    size_t line_start;  /* offset of the current line's first byte */
    size_t field_start; /* offset where the current field began (libcsv path) */
    long field_line;
    size_t field_col;

    /* Fast path: an incomplete line carried between feeds. */
    char *carry;
    size_t carry_len, carry_cap;

    /* Current record. */
    size_t nfield;
    long row_line;

    /* PROBE output. */
    struct ds_record probe[DS_PROBE_RECORDS];
    size_t nprobe;
    size_t probe_max; /* records wanted (<= DS_PROBE_RECORDS; default 2) */
    bool done;        /* PROBE: the records wanted were seen */

    /* DATA and CELLS output. */
    size_t reserve; /* rows to allocate at once (an upper bound avoids regrowth) */
    size_t rows, cap;
    enum lrf_storage storage;
    uint8_t *u8;
    float *f32;
    char *label_text; /* NUL-separated */
    size_t label_len, label_cap;
    size_t *label_off;    /* (rows) */
    uint32_t *label_line; /* (rows) local line of the label field */
    uint32_t *label_colno;
    struct ds_cells cells;

    /* First error, with a stream-relative line (the caller rebases it). */
    bool failed;
    bool need_cells; /* DATA met text or a missing value: the general path decides */
    enum lrf_status status;
    long err_line;
    long err_col;
    long err_column; /* 0-based column the error is about, -1 when none */
    char err_msg[LRF_ERROR_MESSAGE_MAX];
};

void ds_parser_init(struct ds_parser *p, enum ds_parser_mode mode, size_t ncols, size_t label_col,
                    bool force_libcsv);
/* Separator and decimal mark (before the first feed). */
void ds_parser_set_dialect(struct ds_parser *p, char sep, char decimal);
/* Column roles for DATA (role and feat_of: (ncols), borrowed; features: how
 * many FEATURE columns). Without it, label_col is the label, the rest features. */
void ds_parser_set_layout(struct ds_parser *p, const uint8_t *role, const uint32_t *feat_of,
                          size_t features);
/* Feeds bytes; returns false once an error is recorded (or PROBE is done). */
bool ds_parser_feed(struct ds_parser *p, const char *data, size_t len);
/* Ends the stream (a final line without newline, an unterminated quote). */
bool ds_parser_finish(struct ds_parser *p);
void ds_parser_free(struct ds_parser *p);

/* Parses a number field: 0 ok, 1 empty, 2 not a number, 3 not finite. */
int ds_parse_number(const char *s, size_t len, float *out);
/* The same with decimal mark dec ('.' or ','). */
int ds_parse_number_dec(const char *s, size_t len, char dec, float *out);
/* Empty, NA, N/A, NaN, null, None or ?, in any case, spaces around allowed. */
bool ds_is_missing(const char *s, size_t len);

#endif
