/* Internals of typing and encoding: the plan of a parse (plan.c), the first
 * records (header.c, dialect.c), the label (label.c), the fast path's
 * ending (numeric.c, merge.c), and the general path's table of cells
 * (typing.c, decide.c, encode.c, levels.c). Included by internal.h. */
#ifndef LRF_DATASET_COLUMNS_H
#define LRF_DATASET_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- reading decisions (dialect.c, header.c) ---------------------------- */

/* The separator and decimal mark into s (given by opt, else sniffed from
 * the head; an error when the lines do not tell the separator). */
enum lrf_status ds_sniff_dialect(const char *name, const char *data, size_t size, bool whole,
                                 const struct lrf_dataset_options *opt, struct ds_schema *s,
                                 struct lrf_error *err);
bool ds_equals_nocase(const char *a, const char *b);
/* Is the first of the n probed records a header, and why. */
bool ds_detect_header(const struct ds_record *recs, size_t n, char decimal, const char **why);
/* "a, b, label" (shortened) for messages. */
void ds_list_columns(const struct ds_schema *s, char *buf, size_t size);
/* The column spec names (a header name, exact then any case, or a 0-based
 * index, negative from the end); what/noun word the messages. */
enum lrf_status ds_find_column(const char *name, const struct ds_schema *s, const char *what,
                               const char *noun, const char *spec, size_t *out,
                               struct lrf_error *err);
/* The label by its name (label, class, target, outcome, species; y when no
 * column is named x); false when no column is so named. */
bool ds_label_by_name(const struct ds_schema *s, size_t *out, const char **why_name);
/* Marks the columns of a --drop list (names or numbers) dropped. */
enum lrf_status ds_apply_drop(const char *name, struct ds_schema *s, const char *list,
                              struct lrf_error *err);

/* gzip's magic bytes at the start; inflating all of it into *out. */
bool ds_is_gzip(const char *data, size_t size);
enum lrf_status ds_gunzip(const char *name, const char *in, size_t n,
                          const struct lrf_dataset_options *opt, char **out, size_t *out_len,
                          struct lrf_error *err);

/* ---- the plan (plan.c) -------------------------------------------------- */

/* What the head tells before the rows are parsed; ds is the dataset shell
 * whose schema the later steps complete. */
struct ds_plan {
    struct lrf_dataset *ds;
    size_t start; /* offset of the first data row (after the BOM) */
    size_t ncols; /* columns in the file */
    size_t sample_row;
    uint8_t *role;     /* (ncols) enum ds_role for DATA parsers */
    uint32_t *feat_of; /* (ncols) */
    size_t features;   /* FEATURE columns */
    /* The label is the last column until its values confirm the rule. */
    bool label_tentative;
    const struct lrf_dataset *ref; /* a file encoded like ref */
    size_t *file_col;              /* with ref: (ref's columns) this file's column, or SIZE_MAX */
};

enum lrf_status ds_plan_from_head(const char *name, const char *data, size_t size, bool whole,
                                  const struct lrf_dataset_options *opt,
                                  const struct lrf_dataset *ref, struct ds_plan *out,
                                  bool *need_more, struct lrf_error *err);
void ds_plan_free(struct ds_plan *pl);
/* role/feat_of from the schema's roles. */
enum lrf_status ds_plan_layout(struct ds_plan *pl, struct lrf_error *err);
/* Column j (a schema column) becomes the label, for the reason why. */
enum lrf_status ds_plan_set_label(struct ds_plan *pl, size_t j, const char *why,
                                  struct lrf_error *err);
/* The label rule's last resort: the first column not dropped. */
enum lrf_status ds_first_label(struct ds_plan *pl, struct lrf_error *err);
/* The plan of a file encoded like ref: its columns mapped onto ref's. */
enum lrf_status ds_plan_like(const char *name, struct ds_plan *pl, const struct lrf_dataset *ref,
                             struct lrf_error *err);

/* ---- the label (label.c) ------------------------------------------------ */

/* The label's text per row, whichever path parsed it. */
struct ds_label_input {
    const char *name;   /* the file, for messages */
    const char *column; /* "column 'y' (3)", for messages */
    char decimal;
    size_t n;
    const char **texts; /* (n) */
    long *lines;        /* (n) file lines, or NULL */
};

/* What the label's values are. */
struct ds_label_scan {
    int64_t *vals;                            /* (n) integer values (0 for others) */
    size_t first_frac, first_big, first_text; /* rows, SIZE_MAX when none */
    size_t distinct_integers;
};
enum lrf_status ds_label_scan(const struct ds_label_input *in, struct ds_label_scan *ls,
                              struct lrf_error *err);
void ds_label_scan_free(struct ds_label_scan *ls);
bool ds_label_numeric(const struct ds_label_scan *ls);
/* The label rule's "few integer levels": integers, at most 50 distinct, at
 * most half the rows. */
bool ds_label_few_levels(const struct ds_label_scan *ls, size_t rows);
/* The task (auto's rule, the option, or ref's) and then the classes and
 * labels, or the targets. ds->rows must be in->n. */
enum lrf_status ds_label_finish(const struct ds_label_input *in, enum lrf_task task,
                                const struct lrf_dataset *ref, struct lrf_dataset *ds,
                                struct lrf_error *err);

/* The label column's type in the schema: categorical for text classes. */
void ds_label_type(struct lrf_dataset *ds);

/* ---- the fast path's ending (merge.c, numeric.c) ------------------------ */

/* Turns DATA chunks (in file order) into pl->ds's values and in (each row's
 * label text and line; free in->texts and in->lines). data is the whole
 * input (NULL when streamed) for turning chunk lines into file lines. */
enum lrf_status ds_merge(const char *name, const char *data, struct ds_chunk *chunks, int nchunks,
                         struct ds_plan *pl, struct ds_label_input *in, struct lrf_error *err);
/* The first chunk's error (file order), with its file line and, for a
 * value's error, "column 'NAME' (N): " before the message. */
enum lrf_status ds_chunk_error(const char *name, const char *data, struct ds_chunk *chunks,
                               int nchunks, const struct ds_schema *s, struct lrf_error *err);
/* Number of '\n' in data[0..end): the line base of a chunk starting there. */
long ds_count_lines(const char *data, size_t end);
/* The rest: the tentative label's check (*relabel: parse again with the
 * first column as the label), an index column, identifier warnings, the
 * labels, names and statistics. */
enum lrf_status ds_numeric_finish(struct ds_plan *pl, const struct ds_label_input *in,
                                  const struct lrf_dataset_options *opt, bool *relabel,
                                  struct lrf_error *err);
/* A column counting rows from base (0 or 1; -1 when not) is an index: why. */
bool ds_index_reason(int base, const char *name, char *why, size_t size);
/* The identifier warning for column j (by its name, or all-distinct integers). */
enum lrf_status ds_warn_identifier(struct ds_schema *s, size_t j, bool distinct,
                                   struct lrf_error *err);

/* The median of v[0..n) (0 when empty; reorders v), as numpy's; whether
 * v's values are all different (sorts v). */
float ds_median(float *v, size_t n);
/* The median of feature f over ds's rows; tmp holds ds's rows floats. */
float ds_feature_median(const struct lrf_dataset *ds, size_t f, float *tmp);
bool ds_all_distinct(float *v, size_t n);

/* ---- distinct texts (levels.c) ------------------------------------------ */

struct ds_level {
    const char *text; /* borrowed */
    size_t len;
    uint64_t hash;
    size_t count;
};
struct ds_levels {
    struct ds_level *items;
    size_t n, cap;
    uint32_t *slots;
    size_t nslots;
};
bool ds_levels_add(struct ds_levels *t, const char *s, size_t len, size_t count);
/* The same, returning s's item index (-1 when out of memory). */
long ds_levels_add_id(struct ds_levels *t, const char *s, size_t len, size_t count);
bool ds_levels_merge(struct ds_levels *into, const struct ds_levels *from);
/* The texts sorted by bytes, as new strings (NULL when out of memory). */
char **ds_levels_sorted(struct ds_levels *t);
void ds_levels_free(struct ds_levels *t);
/* The item index of s in t (its position when t was filled in order, or
 * after ds_levels_sorted), -1 when absent. */
long ds_levels_find(const struct ds_levels *t, const char *s, size_t len);
/* Fills an empty t with levels[0..n) in order, for ds_levels_find. */
bool ds_levels_index(struct ds_levels *t, char *const *levels, size_t n);
/* Index of s in sorted levels[0..n), -1 when absent. */
long ds_level_index(char *const *levels, size_t n, const char *s);

/* ---- the general path (typing.c, decide.c, encode.c) -------------------- */

/* A column's values in a chunk, or in the whole file (rows global there). */
struct ds_colstat {
    size_t missing, numbers, texts;
    size_t first_text, first_missing, first_nonfinite; /* rows, SIZE_MAX when none */
    bool integer;                                      /* every number an integer */
    float min, max;
};

/* What the typing pass found a cell to be. */
enum ds_cell_kind {
    DS_CELL_NUMBER = 0,
    DS_CELL_MISSING = 1,
    DS_CELL_TEXT = 2,
    DS_CELL_NONFINITE = 3
};

/* The CELLS chunks of a file and what the typing pass found in them. */
struct ds_table {
    const char *name;
    char decimal;
    struct ds_chunk *chunks;
    int n;
    size_t ncols, rows;
    size_t *row_base;        /* (n + 1) the first global row of each chunk */
    long *line_base;         /* (n) file line before each chunk's first */
    float **num;             /* (n) (rows, ncols) each cell's number, NaN when none; a text
                                cell's NaN carries its id in the chunk's texts (ds_text_id) */
    uint8_t **kind;          /* (n) (rows, ncols) enum ds_cell_kind */
    struct ds_levels *texts; /* (n, ncols) each chunk's distinct text values per column */
    bool *texts_ok;          /* (n) false when a chunk ran out of memory counting them */
    struct ds_colstat *st;   /* (n, ncols) */
    struct ds_colstat *all;  /* (ncols) */
    struct lrf_error *err;
};

/* A text cell's number slot: a quiet NaN (what every non-number has there, so
 * isnan() tests are unchanged) whose payload is its item index in its chunk's
 * texts table + 1, so the encoder need not hash the text again; payload 0 (the
 * NAN macro's) = not recorded (an index past the payload's 22 bits, or out of
 * memory): look the text up. */
enum { DS_TEXT_ID_MAX = (1 << 22) - 2 };
static inline float ds_text_id_nan(long id)
{
    uint32_t b = 0x7FC00000u | (id >= 0 && id <= DS_TEXT_ID_MAX ? (uint32_t)id + 1 : 0u);
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}
/* The item index + 1 a text cell's slot carries, 0 when none. */
static inline uint32_t ds_text_id(float v)
{
    uint32_t b;
    memcpy(&b, &v, sizeof b);
    return (b & 0xFFC00000u) == 0x7FC00000u ? b & 0x3FFFFFu : 0u;
}

enum lrf_status ds_table_type(struct ds_table *t, struct lrf_error *err);
const char *ds_table_text(const struct ds_table *t, size_t row, size_t j);
long ds_table_line(const struct ds_table *t, size_t row);
/* "FILE:LINE: column 'NAME' (k): ..." about schema column k at a global row
 * (SIZE_MAX: no line). */
enum lrf_status ds_table_error(const struct ds_table *t, const struct ds_schema *s, size_t k,
                               size_t row, enum lrf_status status, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The training file's decisions (types, dropped columns, label, checks). */
enum lrf_status ds_table_decide(struct ds_table *t, struct ds_plan *pl, struct lrf_error *err);
/* The encoders and the feature layout (ds->features). */
enum lrf_status ds_table_fit(const struct ds_table *t, struct lrf_dataset *ds,
                             enum lrf_missing policy, struct lrf_error *err);
/* A file encoded like ref: the medians ref's fast path did not need (it had
 * no missing value), computed from ref's rows for the columns that need one. */
enum lrf_status ds_table_fills(const struct ds_table *t, const struct ds_plan *pl,
                               struct lrf_error *err);
/* A file encoded like another: values its types cannot take. */
enum lrf_status ds_table_check_like(const struct ds_table *t, const struct ds_plan *pl);
/* Missing counts, and the errors the policy makes of missing values. */
enum lrf_status ds_table_missing(const struct ds_table *t, const struct ds_plan *pl,
                                 enum lrf_missing policy);
/* The encoded rows (uint8 when every value fits, else float32), the feature
 * ranges, and the kept rows' label texts into *in. */
enum lrf_status ds_table_encode(const struct ds_table *t, const struct ds_plan *pl,
                                enum lrf_missing policy, struct ds_label_input *in,
                                struct lrf_error *err);
/* float32 storage made uint8 (every value an integer in 0..255). */
enum lrf_status ds_to_u8(struct lrf_dataset *ds);
/* The general path from CELLS chunks already parsed: pl->ds complete. */
enum lrf_status ds_general_finish(const char *name, const char *data, struct ds_chunk *chunks,
                                  int nchunks, struct ds_plan *pl,
                                  const struct lrf_dataset_options *opt, struct lrf_error *err);

#endif
