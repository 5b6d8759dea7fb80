/* The parsed-file cache: one file per (source path, label option) in the
 * user's cache directory, holding the source's size and mtime, the parsed
 * arrays, and a checksum over everything. Anything that does not match
 * exactly is a miss, so a corrupt, truncated or stale cache is rebuilt,
 * never trusted. Written through lrf_atomic_* so it appears whole or not. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset/internal.h"
#include "lrf/atomic_file.h"

static const char CACHE_MAGIC[8] = {'L', 'R', 'F', 'D', 'S', 'C', '\r', '\n'};
enum { CACHE_VERSION = 2, CACHE_STRING_MAX = 1 << 16 };

/* A fast 64-bit checksum, computed per block so writer and reader agree
 * on block boundaries by construction (they read and write the same fields). */
static uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

static uint64_t checksum_block(uint64_t h, const void *data, size_t n)
{
    /* Four independent lanes: one multiply chain would make this the
     * slowest part of a cached load. */
    const unsigned char *p = data;
    uint64_t l[4] = {h, h ^ 0x243F6A8885A308D3ull, h ^ 0x13198A2E03707344ull,
                     h ^ 0xA4093822299F31D0ull};
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; k++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * (size_t)k, 8);
            l[k] = mix(l[k], w);
        }
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        l[0] = mix(l[0], w);
    }
    uint64_t tail = 0;
    memcpy(&tail, p + i, n - i);
    h = mix(mix(mix(l[0], l[1]), l[2]), l[3]);
    return mix(h, tail ^ ((uint64_t)n << 56));
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001B3ull;
    return h;
}

static enum lrf_status make_dirs(char *dir)
{
    for (char *q = dir + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        int r = mkdir(dir, 0755);
        *q = '/';
        if (r != 0 && errno != EEXIST)
            return LRF_ERR_IO;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return LRF_ERR_IO;
    return LRF_OK;
}

enum lrf_status lrf_dataset_cache_path(const char *path, const struct lrf_dataset_options *opt,
                                       char *buf, size_t size, struct lrf_error *err)
{
    char dir[LRF_PATH_MAX];
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (opt && opt->cache_dir)
        n = snprintf(dir, sizeof dir, "%s", opt->cache_dir);
    else if (xdg && xdg[0] == '/')
        n = snprintf(dir, sizeof dir, "%s/lrfind", xdg);
    else if (home && home[0])
        n = snprintf(dir, sizeof dir, "%s/.cache/lrfind", home);
    else
        return lrf_error_set(err, LRF_ERR_IO,
                             "no cache directory: neither XDG_CACHE_HOME nor "
                             "HOME is set");
    if (n < 0 || (size_t)n >= sizeof dir)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "cache directory path too long");
    /* Key on the absolute path, so the same file reached two ways shares it. */
    char *real = realpath(path, NULL);
    const char *key = real ? real : path;
    uint64_t h = fnv1a(0xCBF29CE484222325ull, key, strlen(key) + 1);
    const char *label = opt && opt->label ? opt->label : "";
    h = fnv1a(h, label, strlen(label) + 1);
    free(real);
    n = snprintf(buf, size, "%s/%016llx.lrfds", dir, (unsigned long long)h);
    if (n < 0 || (size_t)n >= size)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "cache path too long");
    return LRF_OK;
}

/* ---- writing ------------------------------------------------------------ */

struct writer {
    FILE *fp;
    uint64_t h;
};

static void put(struct writer *w, const void *data, size_t n)
{
    w->h = checksum_block(w->h, data, n);
    fwrite(data, 1, n, w->fp);
}

static void put_u64(struct writer *w, uint64_t v)
{
    put(w, &v, sizeof v);
}

static void put_str(struct writer *w, const char *s)
{
    put_u64(w, strlen(s));
    put(w, s, strlen(s));
}

enum lrf_status ds_cache_write(const char *cache_path, const char *src_path, size_t src_size,
                               long long mtime_sec, long mtime_nsec, const char *label_opt,
                               const struct lrf_dataset *ds, struct lrf_error *err)
{
    char dir[LRF_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cache_path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (make_dirs(dir) != LRF_OK)
            return lrf_error_set_at(err, LRF_ERR_IO, dir, 0, 0, "cannot create: %s",
                                    strerror(errno));
    }
    struct lrf_atomic_file af;
    enum lrf_status st = lrf_atomic_open(&af, cache_path, err);
    if (st != LRF_OK)
        return st;
    struct writer w = {af.fp, 0};
    put(&w, CACHE_MAGIC, sizeof CACHE_MAGIC);
    put_u64(&w, CACHE_VERSION);
    put_str(&w, src_path);
    put_str(&w, label_opt ? label_opt : "");
    put_u64(&w, src_size);
    put_u64(&w, (uint64_t)mtime_sec);
    put_u64(&w, (uint64_t)mtime_nsec);
    put_u64(&w, ds->rows);
    put_u64(&w, ds->features);
    put_u64(&w, ds->classes);
    put_u64(&w, ds->storage);
    put_u64(&w, ds->label_index);
    put_u64(&w, ds->has_header);
    put_u64(&w, ds->labels_numeric);
    put_u64(&w, ds->names_arena_len);
    put_u64(&w, (uint64_t)ds->threads);
    put_str(&w, ds->label_name ? ds->label_name : "");
    size_t elem = ds->storage == LRF_STORAGE_UINT8 ? 1 : sizeof(float);
    put(&w, ds->storage == LRF_STORAGE_UINT8 ? (const void *)ds->u8 : (const void *)ds->f32,
        ds->rows * ds->features * elem);
    put(&w, ds->labels, ds->rows * sizeof(int32_t));
    /* Ranges too: recomputing them is a pass over all the data. */
    put(&w, ds->fmin, ds->features * sizeof(float));
    put(&w, ds->fmax, ds->features * sizeof(float));
    for (size_t k = 0; k < ds->classes; k++)
        put_str(&w, ds->class_names[k]);
    if (ds->labels_numeric)
        put(&w, ds->class_values, ds->classes * sizeof(int64_t));
    if (ds->has_header)
        put(&w, ds->names_arena, ds->names_arena_len);
    uint64_t h = w.h;
    fwrite(&h, sizeof h, 1, af.fp);
    return lrf_atomic_commit(&af, err);
}

/* ---- reading ------------------------------------------------------------ */

struct reader {
    FILE *fp;
    uint64_t h;
    size_t left; /* bytes of the file not yet read, checked before allocating */
    bool bad;
};

static void get(struct reader *r, void *data, size_t n)
{
    if (r->bad || n > r->left || fread(data, 1, n, r->fp) != n) {
        r->bad = true;
        memset(data, 0, n);
        return;
    }
    r->left -= n;
    r->h = checksum_block(r->h, data, n);
}

static uint64_t get_u64(struct reader *r)
{
    uint64_t v = 0;
    get(r, &v, sizeof v);
    return v;
}

/* Reads a string into a new buffer (NULL when bad). */
static char *get_str(struct reader *r)
{
    uint64_t n = get_u64(r);
    if (r->bad || n > CACHE_STRING_MAX || n > r->left) {
        r->bad = true;
        return NULL;
    }
    char *s = malloc(n + 1);
    if (!s) {
        r->bad = true;
        return NULL;
    }
    get(r, s, n);
    s[n] = '\0';
    return s;
}

static bool get_matches(struct reader *r, const char *want)
{
    char *s = get_str(r);
    bool ok = s && !strcmp(s, want);
    free(s);
    return ok;
}

static void *get_array(struct reader *r, size_t count, size_t elem)
{
    if (r->bad || (elem && count > r->left / elem)) {
        r->bad = true;
        return NULL;
    }
    void *p = malloc(count * elem > 0 ? count * elem : 1);
    if (!p) {
        r->bad = true;
        return NULL;
    }
    get(r, p, count * elem);
    return p;
}

/* The header up to the shape: false when it is not this source's entry. */
static bool read_key(struct reader *r, const char *src_path, size_t src_size, long long mtime_sec,
                     long mtime_nsec, const char *label_opt)
{
    char magic[sizeof CACHE_MAGIC];
    get(r, magic, sizeof magic);
    r->bad |= memcmp(magic, CACHE_MAGIC, sizeof magic) != 0;
    r->bad |= get_u64(r) != CACHE_VERSION;
    r->bad = r->bad || !get_matches(r, src_path);
    r->bad = r->bad || !get_matches(r, label_opt ? label_opt : "");
    r->bad |= get_u64(r) != src_size;
    r->bad |= get_u64(r) != (uint64_t)mtime_sec;
    r->bad |= get_u64(r) != (uint64_t)mtime_nsec;
    return !r->bad;
}

/* The shape fields, checked for plausibility against the bytes left. */
static bool read_shape(struct reader *r, struct lrf_dataset *ds)
{
    ds->rows = get_u64(r);
    ds->features = get_u64(r);
    ds->classes = get_u64(r);
    uint64_t storage = get_u64(r);
    ds->label_index = get_u64(r);
    ds->has_header = get_u64(r) != 0;
    ds->labels_numeric = get_u64(r) != 0;
    ds->names_arena_len = get_u64(r);
    ds->threads = (int)(get_u64(r) & 0xff);
    ds->label_name = get_str(r);
    if (r->bad || storage >= LRF_STORAGE_COUNT || ds->rows == 0 || ds->features == 0 ||
        ds->classes < 2 || ds->classes > ds->rows || ds->label_index > ds->features ||
        (ds->features > 0 && ds->rows > r->left / ds->features))
        return false;
    ds->storage = (enum lrf_storage)storage;
    ds->owns_data = true;
    ds->columns_in_file = ds->features + 1;
    return true;
}

/* Values, labels, ranges, class names and values, column names. */
static void read_arrays(struct reader *r, struct lrf_dataset *ds)
{
    if (ds->storage == LRF_STORAGE_UINT8)
        ds->u8 = get_array(r, ds->rows * ds->features, 1);
    else
        ds->f32 = get_array(r, ds->rows * ds->features, sizeof(float));
    ds->labels = get_array(r, ds->rows, sizeof(int32_t));
    ds->fmin = get_array(r, ds->features, sizeof(float));
    ds->fmax = get_array(r, ds->features, sizeof(float));
    ds->class_names = r->bad ? NULL : calloc(ds->classes, sizeof(char *));
    for (size_t k = 0; ds->class_names && k < ds->classes && !r->bad; k++)
        ds->class_names[k] = get_str(r);
    if (!ds->class_names)
        ds->classes = 0; /* nothing to free per class */
    if (ds->labels_numeric)
        ds->class_values = get_array(r, ds->classes, sizeof(int64_t));
    if (ds->has_header) {
        ds->names_arena = get_array(r, ds->names_arena_len, 1);
        ds->feature_names = r->bad ? NULL : malloc(ds->features * sizeof(char *));
        if (!ds->feature_names)
            r->bad = true;
    }
}

/* Labels in range, and the names arena split into the feature names. */
static bool check_contents(struct lrf_dataset *ds)
{
    for (size_t i = 0; i < ds->rows; i++)
        if (ds->labels[i] < 0 || (size_t)ds->labels[i] >= ds->classes)
            return false;
    if (!ds->has_header)
        return true;
    /* The arena holds every column name, NUL-terminated, label included. */
    if (ds->names_arena_len == 0 || ds->names_arena[ds->names_arena_len - 1] != '\0')
        return false;
    const char *q = ds->names_arena, *end = ds->names_arena + ds->names_arena_len;
    for (size_t j = 0, f = 0; j <= ds->features; j++) {
        if (q >= end)
            return false;
        if (j != ds->label_index)
            ds->feature_names[f++] = (char *)q;
        q += strlen(q) + 1;
    }
    return true;
}

enum lrf_status ds_cache_read(const char *cache_path, const char *src_path, size_t src_size,
                              long long mtime_sec, long mtime_nsec, const char *label_opt,
                              struct lrf_dataset **out)
{
    FILE *fp = fopen(cache_path, "rb");
    if (!fp)
        return LRF_ERR_IO;
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || sb.st_size < (off_t)(sizeof CACHE_MAGIC + 8)) {
        fclose(fp);
        return LRF_ERR_DATA;
    }
    struct reader r = {fp, 0, (size_t)sb.st_size - sizeof(uint64_t), false};
    struct lrf_dataset *ds = ds_alloc();
    bool ok = ds && read_key(&r, src_path, src_size, mtime_sec, mtime_nsec, label_opt) &&
              read_shape(&r, ds);
    if (ok)
        read_arrays(&r, ds);
    uint64_t want = r.h, stored = 0;
    ok = ok && !r.bad && r.left == 0 && fread(&stored, sizeof stored, 1, fp) == 1 &&
         stored == want && check_contents(ds);
    fclose(fp);
    if (!ok) {
        lrf_dataset_destroy(ds);
        return LRF_ERR_DATA;
    }
    ds->source = ds_strdup(src_path);
    ds->file_bytes = src_size;
    ds->from_cache = true;
    if (!ds->source || ds_finish_stats(ds) != LRF_OK) {
        lrf_dataset_destroy(ds);
        return LRF_ERR_NOMEM;
    }
    *out = ds;
    return LRF_OK;
}
