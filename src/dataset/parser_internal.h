/* Private to the parser's files: the record handlers (records.c) that the
 * fast scanner (parser.c) and the libcsv path (parser_csv.c) both feed. */
#ifndef LRF_DATASET_PARSER_INTERNAL_H
#define LRF_DATASET_PARSER_INTERNAL_H

#include "dataset/parser.h"

bool ds_grow(void **buf, size_t *cap, size_t need, size_t elem);
void ds_parser_fail(struct ds_parser *p, enum lrf_status status, long line, long col,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void ds_parser_fail_nomem(struct ds_parser *p);

/* A field of the current record (line and col: where it starts). */
bool ds_on_field(struct ds_parser *p, const char *s, size_t len, long line, long col);
/* The end of a record that had fields; end: stream offset just past it. */
bool ds_on_row_end(struct ds_parser *p, long line, long col, size_t end);
/* Makes room for one more row before its first field (DATA and CELLS). */
bool ds_row_begin(struct ds_parser *p, long line);
/* DATA: the role of column j and its feature index. */
static inline enum ds_role ds_role_of(const struct ds_parser *p, size_t j)
{
    return p->role ? (enum ds_role)p->role[j] : j == p->label_col ? DS_ROLE_LABEL : DS_ROLE_FEATURE;
}
static inline size_t ds_feature_of(const struct ds_parser *p, size_t j)
{
    return p->role ? p->feat_of[j] : j - (j > p->label_col);
}

/* The libcsv path: from the current position on, every byte. */
bool ds_csv_start(struct ds_parser *p);
bool ds_csv_feed(struct ds_parser *p, const char *data, size_t len);
bool ds_csv_finish(struct ds_parser *p);

/* Spaces and tabs around an unquoted field are trimmed (libcsv's rule),
 * except a tab that separates fields. */
static inline bool ds_is_trim(char c, char sep)
{
    return c == ' ' || (c == '\t' && sep != '\t');
}

#endif
