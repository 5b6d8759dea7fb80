/* What was decided about a file, kept with the dataset (and in its cache
 * entry): how it was read, what each column is, the label and the task, the
 * encoders fitted on the training rows, and notes for the user. */
#ifndef LRF_DATASET_SCHEMA_H
#define LRF_DATASET_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "lrf/dataset.h"

/* One column of the file, and its encoder. */
struct ds_column {
    char *name; /* header name, "" without a header */
    enum lrf_column_role role;
    enum lrf_column_type type;
    char *why;     /* label or dropped: why; NULL otherwise */
    char *warning; /* NULL or e.g. identifier-like */
    size_t missing;
    size_t nlevels;
    char **levels;      /* categorical: (nlevels), sorted by bytes */
    bool missing_level; /* categorical: one more level after them for missing values */
    size_t first_feature, nfeatures;
    bool indicator; /* numeric: its last feature is a 0/1 missing indicator */
    float fill;     /* numeric: the training median, given to missing values */
};

struct ds_schema {
    char sep, decimal;
    bool sep_given, header, bom, gzip, stream;
    char *header_why;
    size_t ncols;
    struct ds_column *cols;
    char *label_why;
    enum lrf_task task;
    char *task_why;
    size_t nnotes;
    char **notes;
    size_t missing_total, rows_dropped;
};

void ds_schema_free(struct ds_schema *s);
/* Allocates ncols zeroed columns (names ""); false when out of memory. */
bool ds_schema_columns(struct ds_schema *s, size_t ncols);
/* Replaces *slot with a printf-formatted copy; false when out of memory. */
bool ds_set_text(char **slot, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a note (one line for the user); false when out of memory. */
bool ds_schema_note(struct ds_schema *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A deep copy (for a file encoded like another). */
bool ds_schema_copy(struct ds_schema *dst, const struct ds_schema *src);
/* "column 'name' (j)" or "column j" without a name, for messages. */
void ds_column_label(const struct ds_schema *s, size_t j, char *buf, size_t size);

/* What --drop takes for column j: its name, else its number. */
void ds_drop_hint(const struct ds_schema *s, size_t j, char *buf, size_t size);

#endif
