/* Internals shared by the dataset sources: the dataset struct, the push
 * parser that turns CSV bytes into rows (fast scanner for plain lines, libcsv
 * for anything quoted), and the cache. */
#ifndef LRF_DATASET_INTERNAL_H
#define LRF_DATASET_INTERNAL_H

#include <csv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataset/parser.h"
#include "dataset/schema.h"
#include "lrf/dataset.h"

/* What identifies a source file's version without reading it. ctime cannot
 * be set by users, so a rewrite that restores size and mtime still shows. */
struct ds_source_key {
    uint64_t dev, ino, size;
    int64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

enum { DS_SHAPE_WHY_MAX = 256 };

struct lrf_dataset {
    char *source;
    size_t rows, features, classes;
    enum lrf_storage storage;
    uint8_t *u8;     /* (rows, features) when storage is uint8 */
    float *f32;      /* (rows, features) when storage is float32 */
    bool owns_data;  /* false for the built-in data, which lives in the binary */
    int32_t *labels; /* (rows) */
    bool has_header;
    size_t label_index;
    size_t columns_in_file;
    char *label_name;     /* "" without header */
    char **feature_names; /* (features) pointers into names_arena, or NULL */
    char *names_arena;
    size_t names_arena_len;
    bool labels_numeric;
    int64_t *class_values; /* (classes) when labels_numeric */
    char **class_names;    /* (classes) */
    size_t *class_counts;  /* (classes) */
    float *fmin, *fmax;    /* (features) */
    float vmin, vmax;
    size_t file_bytes;
    double parse_seconds;
    bool from_cache;
    int threads;
    /* A cached dataset's arrays (values, labels, ranges) live in this
     * read-only mapping of the cache file instead of the heap. */
    void *map;
    size_t map_len;
    /* The source file as it was read: its identity and content hash, the key
     * of its cache entry. */
    struct ds_source_key key;
    uint64_t content_hash;
    /* The source changed so shortly before it was read that a later change
     * may not show in its timestamps: its cache entry checks the content. */
    bool source_racy;
    struct ds_schema schema; /* every decision about the file */
    float *targets;          /* (rows) regression targets, else NULL */
    /* The rows as images (shape.c): decided after every load, not cached. */
    struct lrf_image_shape shape;
    char shape_why[DS_SHAPE_WHY_MAX];
};

/* Decides ds's image shape (lrf_dataset_shape): ref's when given (a file loaded
 * like it), else from the header names, the feature count and the values. */
void ds_decide_shape(struct lrf_dataset *ds, const struct lrf_dataset *ref);

/* Augmentation of a batch iterator (augment.c): its images and their scratch row. */
struct ds_augment {
    const struct lrf_dataset *ds;
    const struct lrf_norm *norm; /* NULL = raw values */
    struct lrf_image_shape shape;
    unsigned flags; /* LRF_AUGMENT_* */
    float *scratch; /* (features) one raw row */
};
/* Gathers rows[0..n) of ds into x (n, D) and labels into y (may be NULL), each
 * image moved and mirrored as a->flags say with draws from rng, then normalized. */
void ds_gather_augmented(const struct ds_augment *a, const uint32_t *rows, size_t n, float *x,
                         int32_t *y, struct lrf_rng *rng);

/* Allocates an empty dataset (all pointers NULL). */
struct lrf_dataset *ds_alloc(void);
/* Fills fmin/fmax/vmin/vmax and class_counts from the data. */
enum lrf_status ds_compute_stats(struct lrf_dataset *ds, struct lrf_error *err);
/* fmin/fmax/vmin/vmax only; class_counts only. */
enum lrf_status ds_compute_ranges(struct lrf_dataset *ds, struct lrf_error *err);
enum lrf_status ds_count_classes(struct lrf_dataset *ds);
/* Given fmin/fmax: vmin/vmax and class_counts. */
enum lrf_status ds_finish_stats(struct lrf_dataset *ds);
/* The encoded features' names from the schema (none without a header). */
enum lrf_status ds_feature_names(struct lrf_dataset *ds);

/* ---- the cache (cache.c, cache_read.c) --------------------------------- */

struct stat;
struct ds_source_key ds_source_key_of(const struct stat *sb);
bool ds_source_key_equal(const struct ds_source_key *a, const struct ds_source_key *b);

enum {
    DS_OPTIONS_KEY_MAX = 1024,
    /* A source changed less than this before it was read is "racy": a later
     * change within the timestamps' granularity would not show in them. */
    DS_RACY_SECONDS = 2,
};

/* Every option that changes the parsed result, as text: part of the cache
 * file's name and checked inside it. */
void ds_options_key(const struct lrf_dataset_options *opt, char *buf, size_t size);

/* Returns LRF_OK with *out on a valid hit, anything else on a miss (absent,
 * stale, corrupt, not owned by this user or writable by others: never
 * trusted). src_path is the source, key its stat now. */
enum lrf_status ds_cache_read(const char *cache_path, const char *src_path,
                              const struct ds_source_key *key, const char *options_key,
                              struct lrf_dataset **out);
/* Best effort: writes ds (whose key and content_hash describe the source)
 * through a temporary file named after this process, renamed into place. */
enum lrf_status ds_cache_write(const char *cache_path, const char *options_key,
                               const struct lrf_dataset *ds, const struct lrf_dataset_options *opt,
                               struct lrf_error *err);
/* Removes temporary files in the cache directory left by writers that are
 * gone (killed mid-write). */
void ds_cache_clean_stale(const char *cache_path);
/* True when the directory may hold cache files: ours, not writable by others. */
bool ds_cache_dir_trusted(const char *dir);
/* The writer's pid of a temporary ".NAME.PID.RAND.tmp" (0: not one); an older lrfind's
 * temporary ("NAME.lrfds.tmp.XXXXXX"). */
long ds_cache_temp_writer(const char *name);
bool ds_cache_legacy_temp(const char *name);
/* Before writing an entry of need bytes at cache_path: removes the least recently used
 * other entries until the directory's entries and it fit the cap (cache_manage.c); false
 * when it cannot fit (larger than the cap): do not write it. */
bool ds_cache_make_room(const char *cache_path, uint64_t need,
                        const struct lrf_dataset_options *opt);
/* Marks a hit: the entry's access time is now (the cap evicts by it). */
void ds_cache_touch(const char *cache_path);

/* The interrupt poll of the options (false when there is none). */
bool ds_interrupted(const struct lrf_dataset_options *opt);
/* The progress observer of the options, if any (lrf_dataset_options.progress). */
void ds_progress(const struct lrf_dataset_options *opt, size_t bytes, size_t rows, bool restart);

char *ds_strdup(const char *s);

/* One slice of the input parsed by one thread. */
struct ds_chunk {
    const char *data; /* the whole buffer */
    size_t offset;    /* of its first byte in the whole buffer */
    size_t len;
    struct ds_parser parser;
    const struct lrf_dataset_options *opt; /* for the interrupt poll */
    bool interrupted;
};

/* ---- hashes (hash.c) ---------------------------------------------------- */

/* A fast 64-bit checksum of a block, seeded with h. */
uint64_t ds_checksum(uint64_t h, const void *data, size_t n);

/* The content hash of a file, the same however its bytes are cut into pieces
 * (give each piece with its file offset; merge the pieces' hashes). */
enum { DS_HASH_PARTIALS = 8 };
struct ds_hash {
    uint64_t sum;
    struct ds_hash_word {
        uint64_t index, value, mask;
    } words[DS_HASH_PARTIALS]; /* words seen in part (a piece's first and last) */
    int nwords;
};
void ds_hash_init(struct ds_hash *h);
void ds_hash_update(struct ds_hash *h, const void *data, size_t len, uint64_t offset);
void ds_hash_merge(struct ds_hash *into, const struct ds_hash *part);
uint64_t ds_hash_final(const struct ds_hash *h, uint64_t size);

/* ---- loading (load.c, read.c, stream.c, parallel.c) ---------------------- */

/* The name standard input goes by in messages and as the source. */
#define DS_STDIN_NAME "<stdin>"

enum {
    DS_THREADS_MAX = 64,
    /* Below this a second thread costs more than it saves. */
    DS_PARALLEL_MIN_BYTES = 1 << 20,
};

/* The most threads a load may use: opt->threads, or all online cores. */
int ds_threads_for(const struct lrf_dataset_options *opt);
/* Runs fn on n items stride bytes apart: item 0 on this thread, the others
 * on their own (or here, when no thread can be had). */
void ds_run_parallel(void *items, size_t stride, int n, void *(*fn)(void *));
/* Cuts [start, size) into at most `pieces` ranges of roughly equal size that
 * end just past a line end (line_end(ctx, pos, size): the offset after the
 * first '\n' at or after pos, size when none). bounds[0..n] are the range
 * limits; returns n. */
int ds_split_lines(size_t start, size_t size, int pieces,
                   size_t (*line_end)(void *ctx, size_t pos, size_t size), void *ctx,
                   size_t *bounds);
/* pread of exactly len bytes: 0, an errno, or -1 when the file ended first. */
int ds_pread_full(int fd, char *buf, size_t len, size_t off);

/* Where the first NUL and the first quote are (size when none): found while
 * reading, in parallel, or by the parser's caller itself. */
struct ds_scan {
    size_t nul, quote;
};
struct ds_scan ds_scan_text(const char *data, size_t size);

/* Input read into memory: the bytes, where the first NUL and quote are, and
 * their content hash (regular files only). */
struct ds_read {
    char *buf;
    size_t size;
    struct ds_scan sc;
    struct ds_hash hash;
};
/* Reads the n bytes of the regular file open as fd with parallel preads (the
 * copy and the page faults of a large buffer are a good part of loading). */
enum lrf_status ds_read_whole(const char *path, int fd, size_t n,
                              const struct lrf_dataset_options *opt, struct ds_read *out,
                              struct lrf_error *err);
/* Reads a pipe (opened non-blocking) to its end, polling opt->interrupted
 * while it waits for data. */
enum lrf_status ds_read_stream(const char *name, int fd, const struct lrf_dataset_options *opt,
                               struct ds_read *out, struct lrf_error *err);

/* A chunk's parser for mode, with the plan's dialect and layout and rows
 * reserved from its sample row. */
struct ds_plan;
void ds_init_chunk(struct ds_chunk *c, const struct ds_plan *pl, enum ds_parser_mode mode,
                   size_t len, const struct lrf_dataset_options *opt);
/* Text in memory, planned: the fast path, then (when a text or missing value
 * calls for it, or ref's encoders need it) the general path. */
enum lrf_status ds_parse_planned(const char *name, const char *data, size_t size,
                                 struct ds_plan *pl, int threads,
                                 const struct lrf_dataset_options *opt, struct lrf_error *err);
/* A large regular file parsed while streaming it (its content_hash set);
 * NULL when the in-memory path must decide (errors, quotes in parallel
 * chunks, NULs) or when interrupted (*interrupted set). */
struct lrf_dataset *ds_load_streaming(const char *path, int fd, size_t size,
                                      const struct lrf_dataset_options *opt,
                                      const struct lrf_dataset *ref, bool *interrupted);

/* Text, or gzip-compressed text, in memory (scanned: its NUL and quote, or NULL). */
enum lrf_status ds_parse_input(const char *name, const char *data, size_t size,
                               const struct ds_scan *scanned, const struct lrf_dataset_options *opt,
                               const struct lrf_dataset *ref, struct lrf_dataset **out,
                               struct lrf_error *err);

/* Number of '\n' in data[0..end): the line base of a chunk starting there. */
long ds_count_lines(const char *data, size_t end);

#include "dataset/columns.h"

#endif
