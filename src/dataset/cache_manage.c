/* The cache directory as a whole: its size cap (least recently used entries go first; a
 * hit sets an entry's access time), listing and cleaning. Everything works through a
 * descriptor of the directory opened without following a symlink, and touches only
 * regular files directly in it that carry the cache's names and belong to this user: a
 * planted symlink, a subdirectory or someone else's file is never followed or removed. */
#define _GNU_SOURCE /* O_NOATIME; fdopendir, openat, unlinkat, utimensat */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset/cache_format.h"
#include "dataset/internal.h"
#include "lrf/atomic_file.h"

/* A meta section larger than this is not read for a listing (a real one is kilobytes). */
enum { META_LIST_MAX = 16 << 20 };

enum lrf_status lrf_dataset_cache_max_parse(const char *text, uint64_t *out, struct lrf_error *err)
{
    static const char units[] = "KMGT";
    char *end = NULL;
    errno = 0;
    double v = text ? strtod(text, &end) : (double)NAN, unit = 1;
    const char *u = end && *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
    if (u) { /* 500M, 500MB, 500MiB */
        unit = pow(1024, (double)(u - units + 1));
        end++;
        if (!strcasecmp(end, "B") || !strcasecmp(end, "iB"))
            end += strlen(end);
    }
    if (!text || end == text || *end || !(v >= 0) || errno == ERANGE ||
        v * unit >= 18446744073709551616.0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "expected a size in bytes, or with K, M, G or T (e.g. 500M, 2G), "
                             "got '%s'",
                             text ? text : "");
    *out = (uint64_t)(v * unit);
    return LRF_OK;
}

uint64_t lrf_dataset_cache_max(const struct lrf_dataset_options *opt)
{
    uint64_t v;
    if (opt && opt->cache_max_bytes)
        return opt->cache_max_bytes;
    if (lrf_dataset_cache_max_parse(getenv("LRFIND_CACHE_MAX"), &v, NULL) == LRF_OK)
        return v;
    return LRF_DATASET_CACHE_MAX_DEFAULT;
}

/* "0123456789abcdef.lrfds": an entry's name. */
static bool entry_name(const char *name)
{
    size_t n = strlen(name);
    if (n != 16 + strlen(".lrfds") || strcmp(name + 16, ".lrfds") != 0)
        return false;
    return strspn(name, "0123456789abcdef") == 16;
}

/* The directory, opened without following a symlink, if it is ours and not writable by
 * others; -1 with errno (ENOENT: there is none; EPERM: not trusted). */
static int open_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
        errno = EPERM; /* a symlink (or not a directory) is not ours to use */
    struct stat sb;
    if (fd >= 0 && (fstat(fd, &sb) != 0 || sb.st_uid != geteuid() ||
                    (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0)) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

/* What the header and meta of an open entry say (valid, rows, source, current). */
static void read_entry(int fd, const struct stat *sb, struct lrf_dataset_cache_entry *e)
{
    struct ds_cache_header h;
    if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h ||
        memcmp(h.magic, DS_CACHE_MAGIC, sizeof h.magic) != 0 || h.version != DS_CACHE_VERSION ||
        h.byte_order != DS_CACHE_BYTE_ORDER || h.header_hash != ds_cache_header_hash(&h) ||
        h.file_bytes != (uint64_t)sb->st_size || h.sec[DS_SEC_META].len > META_LIST_MAX ||
        h.sec[DS_SEC_META].off > h.file_bytes ||
        h.sec[DS_SEC_META].len > h.file_bytes - h.sec[DS_SEC_META].off)
        return;
    unsigned char *meta = malloc(h.sec[DS_SEC_META].len + 1);
    bool ok = meta && pread(fd, meta, h.sec[DS_SEC_META].len, (off_t)h.sec[DS_SEC_META].off) ==
                          (ssize_t)h.sec[DS_SEC_META].len;
    ok = ok && ds_cache_meta_source(meta, h.sec[DS_SEC_META].len, e->source, sizeof e->source);
    free(meta);
    if (!ok)
        return;
    e->valid = true;
    e->rows = h.rows;
    e->features = h.features;
    struct stat src;
    struct ds_source_key now;
    e->current = e->source[0] && stat(e->source, &src) == 0 &&
                 (now = ds_source_key_of(&src), ds_source_key_equal(&now, &h.key));
}

/* Fills e for the directory entry name when it is one of the cache's files. */
static bool describe(int dfd, const char *name, bool headers, struct lrf_dataset_cache_entry *e)
{
    bool entry = entry_name(name);
    bool temp = !entry && (ds_cache_temp_writer(name) > 0 || ds_cache_legacy_temp(name));
    if ((!entry && !temp) || strlen(name) >= sizeof e->name)
        return false;
    /* O_NOATIME: looking is no use; a listing must not reorder the LRU (relatime would).
     * It needs the file's owner, which is the only file this looks at anyway. */
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOATIME);
    struct stat sb;
    bool ours = fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid();
    if (ours) {
        memset(e, 0, sizeof *e);
        snprintf(e->name, sizeof e->name, "%s", name);
        e->bytes = (uint64_t)sb.st_size;
        e->last_used_ns = (int64_t)sb.st_atim.tv_sec * 1000000000 + (int64_t)sb.st_atim.tv_nsec;
        e->temporary = temp;
        if (entry && headers)
            read_entry(fd, &sb, e);
    }
    if (fd >= 0)
        close(fd);
    return ours;
}

static int by_last_use(const void *a, const void *b)
{
    const struct lrf_dataset_cache_entry *x = a, *y = b;
    return (x->last_used_ns > y->last_used_ns) - (x->last_used_ns < y->last_used_ns);
}

/* The cache's files in the open directory, least recently used first. */
static enum lrf_status scan(int dfd, bool headers, struct lrf_dataset_cache_entry **out, size_t *n,
                            struct lrf_error *err)
{
    *out = NULL;
    *n = 0;
    int dup_fd = dup(dfd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        if (dup_fd >= 0)
            close(dup_fd);
        return lrf_error_set(err, LRF_ERR_IO, "cannot read the cache directory: %s",
                             strerror(errno));
    }
    size_t cap = 0;
    enum lrf_status st = LRF_OK;
    for (struct dirent *de; st == LRF_OK && (de = readdir(d));) {
        struct lrf_dataset_cache_entry e;
        if (!describe(dfd, de->d_name, headers, &e))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            struct lrf_dataset_cache_entry *g = realloc(*out, cap * sizeof *g);
            if (!g) {
                st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory listing the cache");
                break;
            }
            *out = g;
        }
        (*out)[(*n)++] = e;
    }
    closedir(d);
    if (st == LRF_OK && *n)
        qsort(*out, *n, sizeof **out, by_last_use);
    return st;
}

/* The directory of opt opened (fd), or -1: *st LRF_OK when it does not exist. */
static int open_cache_dir(const struct lrf_dataset_options *opt, char *dir, size_t size,
                          enum lrf_status *st, struct lrf_error *err)
{
    *st = lrf_dataset_cache_dir(opt, dir, size, err);
    if (*st != LRF_OK)
        return -1;
    int fd = open_dir(dir);
    if (fd < 0 && errno != ENOENT)
        *st = lrf_error_set_at(err, LRF_ERR_IO, dir, 0, 0,
                               errno == EPERM ? "not used as the cache: a symlink, not owned by "
                                                "this user, or writable by others"
                                              : "cannot open: %s",
                               strerror(errno));
    return fd;
}

enum lrf_status lrf_dataset_cache_list(const struct lrf_dataset_options *opt,
                                       struct lrf_dataset_cache_entry **out, size_t *n,
                                       struct lrf_error *err)
{
    char dir[LRF_PATH_MAX];
    enum lrf_status st;
    *out = NULL;
    *n = 0;
    int fd = open_cache_dir(opt, dir, sizeof dir, &st, err);
    if (fd < 0)
        return st;
    st = scan(fd, true, out, n, err);
    close(fd);
    return st;
}

/* A temporary whose writer may still be at work is left alone. */
static bool writer_alive(const char *name)
{
    long pid = ds_cache_temp_writer(name);
    return pid > 0 && (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH);
}

enum lrf_status lrf_dataset_cache_clean(const struct lrf_dataset_options *opt, bool all,
                                        size_t *files, uint64_t *bytes, struct lrf_error *err)
{
    char dir[LRF_PATH_MAX];
    enum lrf_status st;
    size_t removed = 0;
    uint64_t freed = 0;
    int fd = open_cache_dir(opt, dir, sizeof dir, &st, err);
    struct lrf_dataset_cache_entry *e = NULL;
    size_t n = 0;
    if (fd >= 0)
        st = scan(fd, true, &e, &n, err);
    for (size_t i = 0; st == LRF_OK && i < n; i++) {
        bool drop = e[i].temporary ? !writer_alive(e[i].name) : all || !e[i].valid || !e[i].current;
        /* unlinkat never follows a symlink: the name itself goes, checked a regular file. */
        if (drop && unlinkat(fd, e[i].name, 0) == 0) {
            removed++;
            freed += e[i].bytes;
        }
    }
    free(e);
    if (fd >= 0)
        close(fd);
    if (files)
        *files = removed;
    if (bytes)
        *bytes = freed;
    return st;
}

bool ds_cache_make_room(const char *cache_path, uint64_t need,
                        const struct lrf_dataset_options *opt)
{
    uint64_t cap = lrf_dataset_cache_max(opt);
    if (need > cap)
        return false;
    char dir[LRF_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cache_path);
    char *slash = strrchr(dir, '/');
    const char *self = slash ? slash + 1 : cache_path;
    if (slash)
        *slash = '\0';
    int fd = open_dir(slash ? dir : ".");
    struct lrf_dataset_cache_entry *e = NULL;
    size_t n = 0;
    if (fd < 0 || scan(fd, false, &e, &n, NULL) != LRF_OK) {
        if (fd >= 0)
            close(fd);
        free(e);
        return true; /* best effort, as the cache itself */
    }
    uint64_t used = need;
    for (size_t i = 0; i < n; i++) /* the entry being replaced does not count */
        used += !e[i].temporary && strcmp(e[i].name, self) ? e[i].bytes : 0;
    for (size_t i = 0; i < n && used > cap; i++) {
        if (e[i].temporary || !strcmp(e[i].name, self))
            continue;
        if (unlinkat(fd, e[i].name, 0) == 0 || errno == ENOENT)
            used -= e[i].bytes;
    }
    free(e);
    close(fd);
    return true;
}

void ds_cache_touch(const char *cache_path)
{
    const struct timespec times[2] = {{.tv_nsec = UTIME_NOW}, {.tv_nsec = UTIME_OMIT}};
    utimensat(AT_FDCWD, cache_path, times, AT_SYMLINK_NOFOLLOW);
}
