/* The dataset object: allocation, destruction and the read-only getters. */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dataset/internal.h"

const char *lrf_storage_name(enum lrf_storage storage)
{
    switch (storage) {
    case LRF_STORAGE_UINT8:
        return "uint8";
    case LRF_STORAGE_FLOAT32:
        return "float32";
    default:
        return "unknown";
    }
}

struct lrf_dataset *ds_alloc(void)
{
    return calloc(1, sizeof(struct lrf_dataset));
}

void lrf_dataset_destroy(struct lrf_dataset *ds)
{
    if (!ds)
        return;
    /* A cache entry still being written from ds: finished first. */
    ds_cache_write_wait(ds->writer);
    if (ds->map) { /* a cached dataset's arrays are in the mapping */
        munmap(ds->map, ds->map_len);
    } else {
        if (ds->owns_data) { /* the built-in pixels live in the binary */
            free(ds->u8);
            free(ds->f32);
        }
        free(ds->labels);
        free(ds->fmin);
        free(ds->fmax);
        free(ds->targets);
        free(ds->sums);
    }
    ds_schema_free(&ds->schema);
    if (ds->class_names)
        for (size_t k = 0; k < ds->classes; k++)
            free(ds->class_names[k]);
    free(ds->class_names);
    free(ds->class_values);
    free(ds->class_counts);
    free(ds->feature_names);
    free(ds->names_arena);
    free(ds->label_name);
    free(ds->source);
    free(ds);
}

size_t lrf_dataset_rows(const struct lrf_dataset *ds)
{
    return ds->rows;
}

size_t lrf_dataset_features(const struct lrf_dataset *ds)
{
    return ds->features;
}

size_t lrf_dataset_classes(const struct lrf_dataset *ds)
{
    return ds->classes;
}

enum lrf_storage lrf_dataset_storage(const struct lrf_dataset *ds)
{
    return ds->storage;
}

const char *lrf_dataset_source(const struct lrf_dataset *ds)
{
    return ds->source ? ds->source : "";
}

bool lrf_dataset_has_header(const struct lrf_dataset *ds)
{
    return ds->has_header;
}

size_t lrf_dataset_columns(const struct lrf_dataset *ds)
{
    return ds->schema.ncols ? ds->schema.ncols : ds->columns_in_file;
}

size_t lrf_dataset_label_index(const struct lrf_dataset *ds)
{
    return ds->label_index;
}

const char *lrf_dataset_label_name(const struct lrf_dataset *ds)
{
    return ds->label_name ? ds->label_name : "";
}

const char *lrf_dataset_feature_name(const struct lrf_dataset *ds, size_t j)
{
    return ds->feature_names && j < ds->features ? ds->feature_names[j] : "";
}

const char *lrf_dataset_class_name(const struct lrf_dataset *ds, size_t k)
{
    return k < ds->classes && ds->class_names ? ds->class_names[k] : "";
}

size_t lrf_dataset_class_count(const struct lrf_dataset *ds, size_t k)
{
    return k < ds->classes && ds->class_counts ? ds->class_counts[k] : 0;
}

bool lrf_dataset_labels_numeric(const struct lrf_dataset *ds)
{
    return ds->labels_numeric;
}

void lrf_dataset_feature_range(const struct lrf_dataset *ds, size_t j, float *min, float *max)
{
    bool ok = j < ds->features && ds->fmin;
    if (min)
        *min = ok ? ds->fmin[j] : 0.0f;
    if (max)
        *max = ok ? ds->fmax[j] : 0.0f;
}

void lrf_dataset_value_range(const struct lrf_dataset *ds, float *min, float *max)
{
    if (min)
        *min = ds->vmin;
    if (max)
        *max = ds->vmax;
}

const uint8_t *lrf_dataset_data_u8(const struct lrf_dataset *ds)
{
    return ds->storage == LRF_STORAGE_UINT8 ? ds->u8 : NULL;
}

const float *lrf_dataset_data_f32(const struct lrf_dataset *ds)
{
    return ds->storage == LRF_STORAGE_FLOAT32 ? ds->f32 : NULL;
}

const int32_t *lrf_dataset_labels(const struct lrf_dataset *ds)
{
    return ds->labels;
}

size_t lrf_dataset_bytes(const struct lrf_dataset *ds)
{
    size_t elem = ds->storage == LRF_STORAGE_UINT8 ? 1 : sizeof(float);
    size_t b = sizeof *ds + ds->rows * ds->features * elem + ds->rows * sizeof(int32_t);
    b += 2 * ds->features * sizeof(float) + ds->names_arena_len +
         ds->features * sizeof(char *) * (ds->feature_names != NULL);
    b += ds->classes * (sizeof(char *) + sizeof(size_t) + sizeof(int64_t));
    for (size_t k = 0; ds->class_names && k < ds->classes; k++)
        b += strlen(ds->class_names[k]) + 1;
    return b;
}

size_t lrf_dataset_file_bytes(const struct lrf_dataset *ds)
{
    return ds->file_bytes;
}

double lrf_dataset_parse_seconds(const struct lrf_dataset *ds)
{
    return ds->parse_seconds;
}

bool lrf_dataset_from_cache(const struct lrf_dataset *ds)
{
    return ds->from_cache;
}

int lrf_dataset_threads_used(const struct lrf_dataset *ds)
{
    return ds->threads;
}
