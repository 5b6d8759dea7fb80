/* The parsed-file cache: where entries live, who may be trusted, and writing
 * them (cache_format.h has the layout, cache_read.c the reader). One entry
 * per (source path, parse options) in the user's cache directory, keyed by
 * the source's device, inode, size, mtime, ctime and content hash. Files are
 * 0600 in 0700 directories; an entry or directory owned by someone else or
 * writable by others is never used. A writer's temporary file carries its
 * pid, so the temporaries of writers that died (kill -9) are removed by the
 * next process that uses the cache. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dataset/cache_format.h"
#include "dataset/internal.h"
#include "lrf/atomic_file.h"

/* A temporary file without a pid (an older lrfind's) older than this is stale. */
static const time_t LEGACY_TEMP_STALE_SECONDS = 3600;

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001B3ull;
    return h;
}

struct ds_source_key ds_source_key_of(const struct stat *sb)
{
    return (struct ds_source_key){(uint64_t)sb->st_dev,         (uint64_t)sb->st_ino,
                                  (uint64_t)sb->st_size,        (int64_t)sb->st_mtim.tv_sec,
                                  (int64_t)sb->st_mtim.tv_nsec, (int64_t)sb->st_ctim.tv_sec,
                                  (int64_t)sb->st_ctim.tv_nsec};
}

bool ds_source_key_equal(const struct ds_source_key *a, const struct ds_source_key *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
           a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec;
}

void ds_options_key(const struct lrf_dataset_options *opt, char *buf, size_t size)
{
    /* threads, the cache settings and force_libcsv do not change the result;
     * lengths before the free texts keep any two option sets apart. */
    struct lrf_dataset_options def = lrf_dataset_options_default();
    if (!opt)
        opt = &def;
    const char *label = opt->label ? opt->label : "", *drop = opt->drop ? opt->drop : "";
    snprintf(buf, size, "v%d;label%c%zu:%s;drop=%zu:%s;sep=%d;decimal=%d;missing=%s;task=%s",
             DS_CACHE_VERSION, opt->label ? '=' : '~', strlen(label), label, strlen(drop), drop,
             opt->sep, opt->decimal, lrf_missing_name(opt->missing), lrf_task_name(opt->task));
}

static bool make_dirs(char *dir)
{
    for (char *q = dir + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        int r = mkdir(dir, 0700);
        *q = '/';
        if (r != 0 && errno != EEXIST)
            return false;
    }
    return mkdir(dir, 0700) == 0 || errno == EEXIST;
}

bool ds_cache_dir_trusted(const char *dir)
{
    struct stat sb;
    return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == geteuid() &&
           (sb.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

enum lrf_status lrf_dataset_cache_dir(const struct lrf_dataset_options *opt, char *dir, size_t size,
                                      struct lrf_error *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (opt && opt->cache_dir)
        n = snprintf(dir, size, "%s", opt->cache_dir);
    else if (xdg && xdg[0] == '/')
        n = snprintf(dir, size, "%s/lrfind", xdg);
    else if (home && home[0])
        n = snprintf(dir, size, "%s/.cache/lrfind", home);
    else
        return lrf_error_set(err, LRF_ERR_IO,
                             "no cache directory: neither XDG_CACHE_HOME nor HOME is set");
    if (n < 0 || (size_t)n >= size)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "cache directory path too long");
    return LRF_OK;
}

enum lrf_status lrf_dataset_cache_path(const char *path, const struct lrf_dataset_options *opt,
                                       char *buf, size_t size, struct lrf_error *err)
{
    char dir[LRF_PATH_MAX], key[1024];
    enum lrf_status st = lrf_dataset_cache_dir(opt, dir, sizeof dir, err);
    if (st != LRF_OK)
        return st;
    /* Key on the absolute path, so the same file reached two ways shares it. */
    char *real = realpath(path, NULL);
    const char *src = real ? real : path;
    uint64_t h = fnv1a(0xCBF29CE484222325ull, src, strlen(src) + 1);
    free(real);
    ds_options_key(opt, key, sizeof key);
    h = fnv1a(h, key, strlen(key) + 1);
    int n = snprintf(buf, size, "%s/%016llx.lrfds", dir, (unsigned long long)h);
    if (n < 0 || (size_t)n >= size)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "cache path too long");
    return LRF_OK;
}

/* ---- stale temporaries -------------------------------------------------- */

/* The writer pid in ".NAME.PID.RAND.tmp", or 0 when name is not one. */
long ds_cache_temp_writer(const char *name)
{
    size_t n = strlen(name);
    if (name[0] != '.' || n < 8 || strcmp(name + n - 4, ".tmp") != 0)
        return 0;
    const char *end = name + n - 4, *rnd = end, *pid;
    while (rnd > name && rnd[-1] != '.')
        rnd--;
    if (rnd <= name + 1)
        return 0;
    pid = rnd - 1;
    while (pid > name && pid[-1] != '.')
        pid--;
    char *e;
    long v = strtol(pid, &e, 10);
    return pid > name + 1 && e == rnd - 1 && v > 0 ? v : 0;
}

/* A temporary of an older lrfind ("NAME.lrfds.tmp.XXXXXX"). */
bool ds_cache_legacy_temp(const char *name)
{
    const char *t = strstr(name, ".lrfds.tmp.");
    return t && strlen(t) == strlen(".lrfds.tmp.XXXXXX");
}

void ds_cache_clean_stale(const char *cache_path)
{
    char dir[LRF_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cache_path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return;
    *slash = '\0';
    if (!ds_cache_dir_trusted(dir))
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    time_t now = time(NULL);
    for (struct dirent *e; (e = readdir(d));) {
        long pid = ds_cache_temp_writer(e->d_name);
        bool legacy = !pid && ds_cache_legacy_temp(e->d_name);
        struct stat sb;
        if ((!pid && !legacy) || fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
            sb.st_uid != geteuid())
            continue;
        bool dead = pid && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
        if (dead || (legacy && now - sb.st_mtime > LEGACY_TEMP_STALE_SECONDS))
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* ---- writing ------------------------------------------------------------ */

static size_t align_up(size_t x, size_t a)
{
    return (x + a - 1) / a * a;
}

/* The header with the section table laid out (hashes not yet filled). */
static void plan_layout(const struct lrf_dataset *ds, size_t meta_len, const char *options_key,
                        struct ds_cache_header *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, DS_CACHE_MAGIC, sizeof h->magic);
    h->version = DS_CACHE_VERSION;
    h->header_bytes = DS_CACHE_HEADER_BYTES;
    h->byte_order = DS_CACHE_BYTE_ORDER;
    h->key = ds->key;
    h->content_hash = ds->content_hash;
    h->options_hash = fnv1a(0xCBF29CE484222325ull, options_key, strlen(options_key));
    h->rows = ds->rows;
    h->features = ds->features;
    h->classes = ds->classes;
    h->storage = ds->storage;
    h->label_index = ds->label_index;
    h->has_header = ds->has_header;
    h->labels_numeric = ds->labels_numeric;
    h->threads = (uint64_t)ds->threads;
    h->columns = ds->columns_in_file;
    size_t elem = ds->storage == LRF_STORAGE_UINT8 ? 1 : sizeof(float);
    size_t lens[DS_SEC_COUNT] = {ds->rows * ds->features * elem,
                                 ds->rows * sizeof(int32_t),
                                 ds->features * sizeof(float),
                                 ds->features * sizeof(float),
                                 meta_len,
                                 ds->targets ? ds->rows * sizeof(float) : 0};
    size_t off = align_up(DS_CACHE_HEADER_BYTES, DS_CACHE_VALUES_ALIGN);
    for (int s = 0; s < DS_SEC_COUNT; s++) {
        h->sec[s].off = off;
        h->sec[s].len = lens[s];
        off = align_up(off + lens[s], DS_CACHE_ALIGN);
    }
    h->file_bytes = off;
}

/* Streams the payload to fd in DS_CACHE_BLOCK blocks, chaining their hashes. */
struct block_writer {
    int fd;
    unsigned char *buf;
    size_t fill;
    uint64_t index, chain;
    const struct lrf_dataset_options *opt;
    bool bad, interrupted;
};

static void bw_flush(struct block_writer *w)
{
    if (w->bad || w->fill == 0)
        return;
    if (ds_interrupted(w->opt)) {
        w->bad = w->interrupted = true;
        return;
    }
    w->chain = ds_cache_chain(w->chain, ds_checksum(w->index++, w->buf, w->fill));
    for (size_t done = 0; done < w->fill && !w->bad;) {
        ssize_t n = write(w->fd, w->buf + done, w->fill - done);
        if (n < 0 && errno == EINTR)
            continue;
        w->bad = n <= 0;
        done += n > 0 ? (size_t)n : 0;
    }
    w->fill = 0;
}

static void bw_put(struct block_writer *w, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n > 0 && !w->bad) {
        size_t k = DS_CACHE_BLOCK - w->fill < n ? DS_CACHE_BLOCK - w->fill : n;
        if (p)
            memcpy(w->buf + w->fill, p, k);
        else
            memset(w->buf + w->fill, 0, k);
        w->fill += k;
        p = p ? p + k : NULL;
        n -= k;
        if (w->fill == DS_CACHE_BLOCK)
            bw_flush(w);
    }
}

/* Writes the sections (with zero padding) and returns the payload hash. */
static bool write_payload(struct block_writer *w, const struct lrf_dataset *ds,
                          const struct ds_blob *meta, struct ds_cache_header *h)
{
    const void *data[DS_SEC_COUNT] = {ds->storage == LRF_STORAGE_UINT8 ? (const void *)ds->u8
                                                                       : (const void *)ds->f32,
                                      ds->labels,
                                      ds->fmin,
                                      ds->fmax,
                                      meta->p,
                                      ds->targets};
    size_t pos = DS_CACHE_HEADER_BYTES;
    for (int s = 0; s < DS_SEC_COUNT; s++) {
        bw_put(w, NULL, h->sec[s].off - pos);
        bw_put(w, data[s], h->sec[s].len);
        pos = h->sec[s].off + h->sec[s].len;
    }
    bw_put(w, NULL, h->file_bytes - pos);
    bw_flush(w);
    h->payload_hash = w->chain;
    return !w->bad;
}

/* Creates ".NAME.PID.RAND.tmp" beside path, 0600, exclusively. */
static int create_temp(const char *path, char *tmp, size_t size)
{
    char dir[LRF_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : dir;
    if (slash)
        *slash = '\0';
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    for (unsigned attempt = 0; attempt < 16; attempt++) {
        unsigned rnd = (unsigned)ts.tv_nsec * 2654435761u + attempt;
        int n = snprintf(tmp, size, "%s/.%s.%ld.%08x.tmp", slash ? dir : ".", base, (long)getpid(),
                         rnd);
        if (n < 0 || (size_t)n >= size)
            return -1;
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

/* Writes the whole file to a temporary and renames it over cache_path. */
static enum lrf_status write_file(const char *cache_path, const struct lrf_dataset *ds,
                                  const struct ds_blob *meta, struct ds_cache_header *h,
                                  const struct lrf_dataset_options *opt, struct lrf_error *err)
{
    char tmp[LRF_PATH_MAX + 64];
    int fd = create_temp(cache_path, tmp, sizeof tmp);
    if (fd < 0)
        return lrf_error_set_at(err, LRF_ERR_IO, cache_path, 0, 0, "cannot create: %s",
                                strerror(errno));
    struct block_writer w = {fd, malloc(DS_CACHE_BLOCK), 0, 0, 0, opt, false, false};
    w.bad = !w.buf || lseek(fd, DS_CACHE_HEADER_BYTES, SEEK_SET) < 0;
    bool ok = !w.bad && write_payload(&w, ds, meta, h);
    free(w.buf);
    if (ok) {
        unsigned char head[DS_CACHE_HEADER_BYTES] = {0};
        h->header_hash = ds_cache_header_hash(h);
        memcpy(head, h, sizeof *h);
        ok = pwrite(fd, head, sizeof head, 0) == (ssize_t)sizeof head;
    }
    ok = (close(fd) == 0) && ok;
    if (ok && rename(tmp, cache_path) == 0)
        return LRF_OK;
    int e = errno;
    unlink(tmp);
    if (w.interrupted)
        return lrf_error_set(err, LRF_ERR_INTERRUPTED, "interrupted while writing the cache");
    return lrf_error_set_at(err, LRF_ERR_IO, cache_path, 0, 0, "cannot write: %s", strerror(e));
}

enum lrf_status ds_cache_write(const char *cache_path, const char *options_key,
                               const struct lrf_dataset *ds, const struct lrf_dataset_options *opt,
                               struct lrf_error *err)
{
    char dir[LRF_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cache_path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (!make_dirs(dir))
            return lrf_error_set_at(err, LRF_ERR_IO, dir, 0, 0, "cannot create: %s",
                                    strerror(errno));
        if (!ds_cache_dir_trusted(dir))
            return lrf_error_set_at(err, LRF_ERR_IO, dir, 0, 0,
                                    "not used for the cache: not owned by this user, or "
                                    "writable by others");
    }
    struct ds_blob meta = {0};
    if (ds->schema.stream)
        return LRF_OK; /* never cached (and not reached: streams are not) */
    char *real = realpath(ds->source, NULL);
    bool meta_ok = ds_cache_meta_write(ds, options_key, real ? real : ds->source, &meta);
    free(real);
    if (!meta_ok) {
        free(meta.p);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory writing the cache");
    }
    struct ds_cache_header h;
    plan_layout(ds, meta.len, options_key, &h);
    h.flags = ds->source_racy ? DS_CACHE_RACY : 0;
    /* Under the size cap: older entries make room, and one larger than the cap is not kept. */
    enum lrf_status st = LRF_OK;
    if (ds_cache_make_room(cache_path, h.file_bytes, opt))
        st = write_file(cache_path, ds, &meta, &h, opt, err);
    free(meta.p);
    return st;
}
