/* The built-in dataset: a class-balanced Fashion-MNIST subset embedded in the
 * library by module.cmake (see scripts/make_builtin_dataset.py for the
 * format). The pixels are used in place; only labels and names are built. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"
#include "lrf/clock.h"

extern const unsigned char lrf_builtin_blob[] __attribute__((visibility("hidden")));
extern const unsigned char lrf_builtin_blob_end[] __attribute__((visibility("hidden")));

enum { BUILTIN_HEADER = 20, BUILTIN_CLASSES = 10 };

static uint32_t read_u32le(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Class k is the label k; its name is its number. */
static bool builtin_classes(struct lrf_dataset *ds)
{
    ds->classes = BUILTIN_CLASSES;
    ds->labels_numeric = true;
    ds->class_values = malloc(BUILTIN_CLASSES * sizeof(int64_t));
    ds->class_names = calloc(BUILTIN_CLASSES, sizeof(char *));
    if (!ds->class_values || !ds->class_names)
        return false;
    for (size_t k = 0; k < BUILTIN_CLASSES; k++) {
        char buf[8];
        snprintf(buf, sizeof buf, "%zu", k);
        ds->class_values[k] = (int64_t)k;
        if (!(ds->class_names[k] = ds_strdup(buf)))
            return false;
    }
    return true;
}

/* Column names as in the usual CSV layout: label, pixel1..pixel784. The arena holds the
 * features' names only, as a CSV's (the encoders' serializer relies on it). */
static bool builtin_names(struct lrf_dataset *ds)
{
    size_t d = ds->features;
    ds->has_header = true;
    ds->label_index = 0;
    ds->label_name = ds_strdup("label");
    ds->names_arena_len = d * 13;
    ds->names_arena = malloc(ds->names_arena_len);
    ds->feature_names = malloc(d * sizeof(char *));
    if (!ds->label_name || !ds->names_arena || !ds->feature_names)
        return false;
    size_t used = 0;
    for (size_t j = 0; j < d; j++) {
        ds->feature_names[j] = ds->names_arena + used;
        used += (size_t)snprintf(ds->names_arena + used, ds->names_arena_len - used, "pixel%zu",
                                 j + 1) +
                1;
    }
    ds->names_arena_len = used;
    return true;
}

/* The schema a CSV of it would get: the label, then d numeric pixel columns. */
static bool builtin_schema(struct lrf_dataset *ds)
{
    struct ds_schema *s = &ds->schema;
    if (!ds_schema_columns(s, ds->features + 1) || !ds_set_text(&s->label_why, "built in") ||
        !ds_set_text(&s->task_why, "built in") || !ds_set_text(&s->cols[0].name, "label"))
        return false;
    s->sep = ',';
    s->decimal = '.';
    s->header = true;
    s->task = LRF_TASK_CLASSIFICATION;
    s->cols[0].role = LRF_COLUMN_LABEL;
    for (size_t j = 1; j <= ds->features; j++) {
        struct ds_column *c = &s->cols[j];
        c->first_feature = j - 1;
        c->nfeatures = 1;
        c->fill = NAN;
        if (!ds_set_text(&c->name, "%s", ds->feature_names[j - 1]))
            return false;
    }
    return true;
}

/* The dataset over n rows of d pixels and their labels (checked). */
static enum lrf_status builtin_dataset(enum lrf_builtin_part part, const unsigned char *labels,
                                       const unsigned char *pixels, size_t n, size_t d,
                                       struct lrf_dataset *ds, struct lrf_error *err)
{
    ds->source = ds_strdup(part == LRF_BUILTIN_TRAIN ? "builtin:train" : "builtin:test");
    ds->rows = n;
    ds->features = d;
    ds->columns_in_file = d + 1;
    ds->storage = LRF_STORAGE_UINT8;
    ds->u8 = (uint8_t *)(uintptr_t)pixels; /* read-only: owns_data stays false */
    ds->owns_data = false;
    ds->labels = malloc(n * sizeof(int32_t));
    if (!ds->source || !ds->labels || !builtin_classes(ds) || !builtin_names(ds) ||
        !builtin_schema(ds))
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (labels[i] >= BUILTIN_CLASSES)
            return lrf_error_set(err, LRF_ERR_STATE, "the built-in dataset is damaged (label)");
        ds->labels[i] = labels[i];
    }
    return ds_compute_stats(ds, err);
}

enum lrf_status lrf_dataset_load_builtin(enum lrf_builtin_part part, struct lrf_dataset **out,
                                         struct lrf_error *err)
{
    double t0 = lrf_clock_seconds();
    if ((unsigned)part >= LRF_BUILTIN_PART_COUNT)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "unknown built-in dataset part %d",
                             (int)part);
    const unsigned char *blob = lrf_builtin_blob;
    size_t size = (size_t)(lrf_builtin_blob_end - lrf_builtin_blob);
    if (size < BUILTIN_HEADER || memcmp(blob, "LRFFMN1\n", 8) != 0)
        return lrf_error_set(err, LRF_ERR_STATE, "the built-in dataset is damaged (bad header)");
    size_t n_train = read_u32le(blob + 8), n_test = read_u32le(blob + 12);
    size_t d = read_u32le(blob + 16);
    if (d == 0 || size != BUILTIN_HEADER + (n_train + n_test) * (d + 1))
        return lrf_error_set(err, LRF_ERR_STATE, "the built-in dataset is damaged (bad size)");
    const unsigned char *p = blob + BUILTIN_HEADER;
    size_t n = n_train;
    if (part == LRF_BUILTIN_TEST) {
        p += n_train * (d + 1);
        n = n_test;
    }
    struct lrf_dataset *ds = ds_alloc();
    if (!ds)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    enum lrf_status st = builtin_dataset(part, p, p + n, n, d, ds, err);
    if (st != LRF_OK) {
        lrf_dataset_destroy(ds);
        return st;
    }
    ds->threads = 1;
    ds->file_bytes = n * (d + 1);
    ds_decide_shape(ds, NULL);
    ds->parse_seconds = lrf_clock_seconds() - t0;
    *out = ds;
    return LRF_OK;
}
