/* The cache file, laid out to be used in place: a fixed header with its own
 * checksum, then sections at aligned offsets (the values on a page boundary)
 * that a reader maps read-only and points into. Written once through a
 * temporary file and renamed into place, never modified: concurrent readers
 * share the page cache, and a reader of a replaced file keeps its mapping.
 *
 *   [header: struct ds_cache_header, 512 bytes]
 *   [values (rows, features) uint8 or float32]  at a 4096-byte boundary
 *   [labels (rows) int32] [fmin (features)] [fmax (features)]  64-byte aligned
 *   [meta: options key, source path, strings, classes, the schema; cache_meta.c]
 *   [targets (rows) float32, regression only]                  64-byte aligned
 *
 * The payload checksum covers every byte after the header (padding too), in
 * 1 MiB blocks hashed independently and chained, so a reader can check it in
 * parallel and a writer can stream it. Native byte order and widths, checked
 * by byte_order: the cache is a per-machine file. */
#ifndef LRF_DATASET_CACHE_FORMAT_H
#define LRF_DATASET_CACHE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "dataset/internal.h"

enum {
    DS_CACHE_VERSION = 5, /* 5: the source's absolute path in meta (lrfind cache list) */
    DS_CACHE_HEADER_BYTES = 512,
    DS_CACHE_ALIGN = 64,
    DS_CACHE_VALUES_ALIGN = 4096,
    DS_CACHE_BLOCK = 1 << 20,
    DS_CACHE_RACY = 1, /* flags: the source changed just before it was read */
};

enum ds_cache_section {
    DS_SEC_VALUES = 0,
    DS_SEC_LABELS = 1,
    DS_SEC_FMIN = 2,
    DS_SEC_FMAX = 3,
    DS_SEC_META = 4,
    DS_SEC_TARGETS = 5, /* (rows) float32 regression targets; empty for classification */
    DS_SEC_COUNT
};

static const char DS_CACHE_MAGIC[8] = {'L', 'R', 'F', 'D', 'S', 'C', '\r', '\n'};
static const uint32_t DS_CACHE_BYTE_ORDER = 0x01020304u;

struct ds_cache_header {
    char magic[8];
    uint32_t version, header_bytes;
    uint32_t byte_order, flags;
    uint64_t file_bytes; /* the whole cache file */
    struct ds_source_key key;
    uint64_t content_hash; /* of the source's bytes, computed while reading it */
    uint64_t options_hash; /* of ds_options_key (the text itself is in meta) */
    uint64_t rows, features, classes, storage, label_index;
    uint64_t has_header, labels_numeric, threads, columns;
    struct {
        uint64_t off, len;
    } sec[DS_SEC_COUNT];
    uint64_t payload_hash;
    uint64_t reserved[2];
    uint64_t header_hash; /* ds_checksum of the bytes before it; last */
};

_Static_assert(sizeof(struct ds_cache_header) <= DS_CACHE_HEADER_BYTES, "cache header too big");

/* The checksum of the header's bytes before header_hash. */
static inline uint64_t ds_cache_header_hash(const struct ds_cache_header *h)
{
    return ds_checksum(0x4C52464453433300ull, h, offsetof(struct ds_cache_header, header_hash));
}

/* The chained checksum of payload block k's hash onto h. */
static inline uint64_t ds_cache_chain(uint64_t h, uint64_t block_hash)
{
    return ds_checksum(h, &block_hash, sizeof block_hash);
}

/* A growing byte buffer (the meta section while it is written). */
struct ds_blob {
    unsigned char *p;
    size_t len, cap;
    bool bad;
};
void ds_blob_put(struct ds_blob *b, const void *data, size_t n);
/* The meta section of ds (source: the CSV's absolute path, for listings); false when out of
 * memory. */
bool ds_cache_meta_write(const struct lrf_dataset *ds, const char *options_key, const char *source,
                         struct ds_blob *b);
/* The source path of a meta section, into buf (truncated); false when unreadable. */
bool ds_cache_meta_source(const unsigned char *p, size_t len, char *buf, size_t size);
/* Reads it back into ds (whose shape fields are set): false on any mismatch. */
bool ds_cache_meta_read(const unsigned char *p, size_t len, const char *options_key,
                        struct lrf_dataset *ds);

#endif
