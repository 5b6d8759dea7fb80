/* A dataset's encoders as bytes, and back: every decision about the training file that
 * another file needs to be encoded like it (columns, types, levels, fill values, the label
 * column, the task, the classes), without its rows. The bytes are a small fixed header and
 * the cache's meta section (cache_meta.c, one serializer for both), native byte order: the
 * file that carries them (a saved model) checks the machine's byte order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/cache_format.h"
#include "dataset/internal.h"
#include "lrf/atomic_file.h"

static const char ENCODERS_MAGIC[8] = {'L', 'R', 'F', 'E', 'N', 'C', '\r', '\n'};
enum { ENCODERS_VERSION = 1 };

struct encoders_header {
    char magic[8];
    uint32_t version, byte_order;
    uint64_t rows; /* of the training file: the bound the meta reader checks counts against */
    uint64_t features, classes, label_index, has_header, labels_numeric, columns;
    uint64_t meta_bytes;
};

/* A copy of ds's schema whose numeric fill values are all set: those ds's file did not
 * need are its rows' medians now, as lrf_dataset_load_csv_like would compute them later
 * (a saved model has no rows left to compute them from). */
static enum lrf_status filled_schema(const struct lrf_dataset *ds, struct ds_schema *out,
                                     struct lrf_error *err)
{
    if (!ds_schema_copy(out, &ds->schema)) {
        ds_schema_free(out);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    }
    float *tmp = NULL;
    for (size_t k = 0; k < out->ncols; k++) {
        struct ds_column *c = &out->cols[k];
        if (c->role != LRF_COLUMN_FEATURE || c->type != LRF_COLUMN_NUMERIC || !isnan(c->fill))
            continue;
        if (!tmp && !(tmp = malloc((ds->rows ? ds->rows : 1) * sizeof *tmp))) {
            ds_schema_free(out);
            return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
        }
        c->fill = ds->rows ? ds_feature_median(ds, c->first_feature, tmp) : 0.0f;
    }
    free(tmp);
    return LRF_OK;
}

enum lrf_status lrf_dataset_encoders_save(const struct lrf_dataset *ds, void **buf, size_t *size,
                                          struct lrf_error *err)
{
    if (!ds || !buf || !size)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "encoders: ds, buf and size are required");
    if (ds->schema.ncols == 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "encoders: %s has no columns to save (the built-in data?)",
                             ds->source ? ds->source : "the dataset");
    struct lrf_dataset tmp = *ds;
    enum lrf_status st = filled_schema(ds, &tmp.schema, err);
    if (st != LRF_OK)
        return st;
    struct ds_blob b = {0};
    struct encoders_header h = {.version = ENCODERS_VERSION,
                                .byte_order = DS_CACHE_BYTE_ORDER,
                                .rows = ds->rows,
                                .features = ds->features,
                                .classes = ds->classes,
                                .label_index = ds->label_index,
                                .has_header = ds->has_header,
                                .labels_numeric = ds->labels_numeric,
                                .columns = ds->columns_in_file};
    memcpy(h.magic, ENCODERS_MAGIC, sizeof h.magic);
    ds_blob_put(&b, &h, sizeof h);
    bool ok = ds_cache_meta_write(&tmp, "", ds->source ? ds->source : "", &b);
    ds_schema_free(&tmp.schema);
    if (!ok || b.bad) {
        free(b.p);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    }
    ((struct encoders_header *)(void *)b.p)->meta_bytes = b.len - sizeof h;
    *buf = b.p;
    *size = b.len;
    return LRF_OK;
}

static bool header_ok(const struct encoders_header *h, size_t size)
{
    return size >= sizeof *h && !memcmp(h->magic, ENCODERS_MAGIC, sizeof h->magic) &&
           h->version == ENCODERS_VERSION && h->byte_order == DS_CACHE_BYTE_ORDER &&
           h->meta_bytes == size - sizeof *h && h->features > 0 && h->columns > h->label_index &&
           h->classes != 1 && h->features <= size && h->columns <= size;
}

enum lrf_status lrf_dataset_encoders_load(const void *buf, size_t size, struct lrf_dataset **out,
                                          struct lrf_error *err)
{
    struct encoders_header h;
    if (!buf || size < sizeof h || (memcpy(&h, buf, sizeof h), !header_ok(&h, size)))
        return lrf_error_set(err, LRF_ERR_DATA, "not a dataset's encoders (or another version)");
    struct lrf_dataset *ds = ds_alloc();
    if (!ds)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    ds->rows = h.rows; /* for the meta reader's bounds; no rows are kept */
    ds->features = h.features;
    ds->classes = h.classes;
    ds->label_index = h.label_index;
    ds->has_header = h.has_header != 0;
    ds->labels_numeric = h.labels_numeric != 0;
    ds->columns_in_file = h.columns;
    const unsigned char *meta = (const unsigned char *)buf + sizeof h;
    char source[LRF_PATH_MAX] = "";
    bool ok = ds_cache_meta_source(meta, h.meta_bytes, source, sizeof source) &&
              ds_cache_meta_read(meta, h.meta_bytes, "", ds) && ds->schema.ncols == h.columns &&
              (ds->source = ds_strdup(source)) != NULL;
    ds->rows = 0;
    if (!ok) {
        if (!ds->class_names)
            ds->classes = 0; /* nothing to free per class */
        lrf_dataset_destroy(ds);
        return lrf_error_set(err, LRF_ERR_DATA, "the dataset's encoders are corrupt");
    }
    *out = ds;
    return LRF_OK;
}
