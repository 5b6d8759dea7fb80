/* Reading a cache entry in place: the file is mapped read-only and the
 * dataset's arrays point into the mapping (no copy, no page faults beyond the
 * mapping's own). Nothing is trusted before it is checked: the file's owner
 * and mode, the header's checksum, the key, the payload checksum, every
 * section's bounds and every label. */
#define _DEFAULT_SOURCE /* MAP_POPULATE */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset/cache_format.h"
#include "dataset/internal.h"
#include "lrf/atomic_file.h"

/* The cache file opened, checked for owner and mode (its directory's too),
 * and mapped. */
static const unsigned char *map_trusted(const char *cache_path, size_t *len)
{
    char dir[LRF_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cache_path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = '\0';
    if (slash && !ds_cache_dir_trusted(slash == dir ? "/" : dir))
        return NULL;
    int fd = open(cache_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat sb;
    void *map = MAP_FAILED;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid() &&
        (sb.st_mode & (S_IWGRP | S_IWOTH)) == 0 && sb.st_size >= DS_CACHE_HEADER_BYTES) {
        *len = (size_t)sb.st_size;
        map = mmap(NULL, *len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    }
    close(fd);
    return map == MAP_FAILED ? NULL : map;
}

static bool section_ok(const struct ds_cache_header *h, int s, size_t len, size_t align)
{
    return h->sec[s].off % align == 0 && h->sec[s].off >= DS_CACHE_HEADER_BYTES &&
           h->sec[s].len == len && h->sec[s].off <= h->file_bytes &&
           h->sec[s].len <= h->file_bytes - h->sec[s].off;
}

/* The header's own checksum, shape and sections: safe to point into after. */
static bool header_ok(const struct ds_cache_header *h, size_t file_len)
{
    if (memcmp(h->magic, DS_CACHE_MAGIC, sizeof h->magic) != 0 || h->version != DS_CACHE_VERSION ||
        h->header_bytes != DS_CACHE_HEADER_BYTES || h->byte_order != DS_CACHE_BYTE_ORDER ||
        h->header_hash != ds_cache_header_hash(h) || h->file_bytes != file_len)
        return false;
    if (h->storage >= LRF_STORAGE_COUNT || h->rows == 0 || h->features == 0 || h->classes == 1 ||
        h->classes > h->rows || h->rows > file_len || h->features > file_len / h->rows)
        return false;
    size_t elem = h->storage == LRF_STORAGE_UINT8 ? 1 : sizeof(float);
    size_t values = h->rows * h->features;
    return values <= file_len / elem && section_ok(h, DS_SEC_VALUES, values * elem, 64) &&
           section_ok(h, DS_SEC_LABELS, h->rows * sizeof(int32_t), sizeof(int32_t)) &&
           section_ok(h, DS_SEC_FMIN, h->features * sizeof(float), sizeof(float)) &&
           section_ok(h, DS_SEC_FMAX, h->features * sizeof(float), sizeof(float)) &&
           section_ok(h, DS_SEC_META, h->sec[DS_SEC_META].len, 8) &&
           (h->sec[DS_SEC_TARGETS].len == 0 ||
            section_ok(h, DS_SEC_TARGETS, h->rows * sizeof(float), sizeof(float))) &&
           (h->sec[DS_SEC_SUMS].len == 0 ||
            (h->storage == LRF_STORAGE_UINT8 &&
             section_ok(h, DS_SEC_SUMS, 2 * h->features * sizeof(uint64_t), sizeof(uint64_t))));
}

static bool payload_ok(const unsigned char *map, const struct ds_cache_header *h)
{
    uint64_t chain = 0, index = 0;
    for (size_t off = DS_CACHE_HEADER_BYTES; off < h->file_bytes; off += DS_CACHE_BLOCK) {
        size_t n = h->file_bytes - off < DS_CACHE_BLOCK ? h->file_bytes - off : DS_CACHE_BLOCK;
        chain = ds_cache_chain(chain, ds_checksum(index++, map + off, n));
    }
    return chain == h->payload_hash;
}

/* A racy entry: the source's bytes now must hash to what was parsed. */
static bool content_ok(const char *src_path, const struct ds_cache_header *h)
{
    int fd = open(src_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat sb;
    bool ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size == h->key.size;
    void *map = ok && sb.st_size > 0 ? mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
                                     : MAP_FAILED;
    close(fd);
    if (ok && sb.st_size > 0) {
        if (map == MAP_FAILED)
            return false;
        struct ds_hash hash;
        ds_hash_init(&hash);
        ds_hash_update(&hash, map, (size_t)sb.st_size, 0);
        ok = ds_hash_final(&hash, (uint64_t)sb.st_size) == h->content_hash;
        munmap(map, (size_t)sb.st_size);
    }
    return ok;
}

/* Labels in range: classes for classification, 0 for regression. */
static bool labels_ok(const struct lrf_dataset *ds)
{
    size_t k = ds->classes ? ds->classes : 1;
    for (size_t i = 0; i < ds->rows; i++)
        if (ds->labels[i] < 0 || (size_t)ds->labels[i] >= k)
            return false;
    return true;
}

/* The dataset over a checked mapping. */
static bool build_dataset(const unsigned char *map, size_t len, const struct ds_cache_header *h,
                          const char *options_key, struct lrf_dataset *ds)
{
    ds->map = (void *)(uintptr_t)map;
    ds->map_len = len;
    ds->rows = h->rows;
    ds->features = h->features;
    ds->columns_in_file = h->columns;
    ds->classes = h->classes;
    ds->storage = (enum lrf_storage)h->storage;
    ds->label_index = h->label_index;
    ds->has_header = h->has_header != 0;
    ds->labels_numeric = h->labels_numeric != 0;
    ds->threads = (int)(h->threads & 0xff);
    void *values = (void *)(uintptr_t)(map + h->sec[DS_SEC_VALUES].off);
    if (ds->storage == LRF_STORAGE_UINT8)
        ds->u8 = values;
    else
        ds->f32 = values;
    ds->labels = (int32_t *)(uintptr_t)(map + h->sec[DS_SEC_LABELS].off);
    ds->fmin = (float *)(uintptr_t)(map + h->sec[DS_SEC_FMIN].off);
    ds->fmax = (float *)(uintptr_t)(map + h->sec[DS_SEC_FMAX].off);
    ds->targets =
        h->sec[DS_SEC_TARGETS].len ? (float *)(uintptr_t)(map + h->sec[DS_SEC_TARGETS].off) : NULL;
    ds->sums =
        h->sec[DS_SEC_SUMS].len ? (uint64_t *)(uintptr_t)(map + h->sec[DS_SEC_SUMS].off) : NULL;
    ds->key = h->key;
    ds->content_hash = h->content_hash;
    if (!ds_cache_meta_read(map + h->sec[DS_SEC_META].off, h->sec[DS_SEC_META].len, options_key,
                            ds)) {
        if (!ds->class_names)
            ds->classes = 0; /* nothing to free per class */
        return false;
    }
    return labels_ok(ds) && (ds->schema.task == LRF_TASK_REGRESSION) == (ds->targets != NULL);
}

enum lrf_status ds_cache_read(const char *cache_path, const char *src_path,
                              const struct ds_source_key *key, const char *options_key,
                              struct lrf_dataset **out)
{
    size_t len = 0;
    const unsigned char *map = map_trusted(cache_path, &len);
    if (!map)
        return LRF_ERR_IO;
    struct ds_cache_header h;
    memcpy(&h, map, sizeof h);
    bool ok = header_ok(&h, len) && ds_source_key_equal(&h.key, key) &&
              (!(h.flags & DS_CACHE_RACY) || content_ok(src_path, &h)) && payload_ok(map, &h);
    struct lrf_dataset *ds = ok ? ds_alloc() : NULL;
    if (!ds || !build_dataset(map, len, &h, options_key, ds)) {
        if (ds)
            lrf_dataset_destroy(ds); /* unmaps */
        else
            munmap((void *)(uintptr_t)map, len);
        return LRF_ERR_DATA;
    }
    ds->file_bytes = (size_t)key->size;
    ds->from_cache = true;
    free(ds->source); /* the same file may be reached by another path */
    ds->source = ds_strdup(src_path);
    if (!ds->source || ds_finish_stats(ds) != LRF_OK) {
        lrf_dataset_destroy(ds);
        return LRF_ERR_NOMEM;
    }
    *out = ds;
    return LRF_OK;
}
