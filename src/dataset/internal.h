/* Internals shared by the dataset sources: the dataset struct, the push
 * parser that turns CSV bytes into rows (fast scanner for plain lines, libcsv
 * for anything quoted), and the cache. */
#ifndef LRF_DATASET_INTERNAL_H
#define LRF_DATASET_INTERNAL_H

#include <csv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrf/dataset.h"

/* A field longer than this is rejected: no numeric field or class name is
 * anywhere near it, and it stops a garbage file from growing buffers. */
enum { DS_FIELD_MAX = 65536 };

/* What identifies a source file's version without reading it. ctime cannot
 * be set by users, so a rewrite that restores size and mtime still shows. */
struct ds_source_key {
    uint64_t dev, ino, size;
    int64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

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
};

/* What a parser does with the records it sees. */
enum ds_parser_mode {
    DS_MODE_PROBE, /* keep the first two records as text (header detection) */
    DS_MODE_DATA,  /* convert records into feature rows and label text */
};

/* One probed record: its fields as NUL-terminated strings. */
struct ds_record {
    size_t nfields;
    char **fields;
    char *arena;
    size_t arena_len, arena_cap;
    size_t fields_cap;
    long line;  /* 1-based line the record starts on */
    size_t end; /* offset just past the record's terminator */
};

/* A push parser over one stream (a whole file, a chunk of one, or test input
 * fed in arbitrary pieces). Lines without a quote go through a fast scanner;
 * from the first line containing a quote on, libcsv (strict) takes over, so
 * both give identical rows. */
struct ds_parser {
    enum ds_parser_mode mode;
    bool force_libcsv;
    bool use_libcsv; /* switched on at the first quote */
    struct csv_parser csv;
    bool csv_ready;

    /* DATA mode configuration. */
    size_t ncols, label_col, features;

    /* Position, relative to the start of this stream. */
    size_t offset;      /* bytes consumed so far */
    long line;          /* 1-based current line */
    size_t line_start;  /* offset of the current line's first byte */
    size_t field_start; /* offset where the current field began (libcsv path) */
    long field_line;
    size_t field_col;
    size_t col_cursor; /* fast path: offset of the field being handled */

    /* Fast path: an incomplete line carried between feeds. */
    char *carry;
    size_t carry_len, carry_cap;

    /* Current record. */
    size_t nfield;
    long row_line;

    /* PROBE output. */
    struct ds_record probe[2];
    size_t nprobe;
    bool done; /* PROBE: both records seen */

    /* DATA output. */
    size_t reserve; /* rows to allocate at once (an upper bound avoids regrowth) */
    size_t rows, cap;
    enum lrf_storage storage;
    uint8_t *u8;
    float *f32;
    char *label_text; /* NUL-separated */
    size_t label_len, label_cap;
    size_t *label_off;    /* (rows) */
    uint32_t *label_line; /* (rows) local line of the label field */
    uint32_t *label_colno;

    /* First error, with a stream-relative line (the caller rebases it). */
    bool failed;
    enum lrf_status status;
    long err_line;
    long err_col;
    char err_msg[LRF_ERROR_MESSAGE_MAX];
};

void ds_parser_init(struct ds_parser *p, enum ds_parser_mode mode, size_t ncols, size_t label_col,
                    bool force_libcsv);
/* Feeds bytes; returns false once an error is recorded (or PROBE is done). */
bool ds_parser_feed(struct ds_parser *p, const char *data, size_t len);
/* Ends the stream (a final line without newline, an unterminated quote). */
bool ds_parser_finish(struct ds_parser *p);
void ds_parser_free(struct ds_parser *p);

/* Parses a number field: 0 ok, 1 empty, 2 not a number, 3 not finite. */
int ds_parse_number(const char *s, size_t len, float *out);

/* Allocates an empty dataset (all pointers NULL). */
struct lrf_dataset *ds_alloc(void);
/* Fills fmin/fmax/vmin/vmax and class_counts from the data. */
enum lrf_status ds_compute_stats(struct lrf_dataset *ds, struct lrf_error *err);
/* Given fmin/fmax: vmin/vmax and class_counts. */
enum lrf_status ds_finish_stats(struct lrf_dataset *ds);

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

/* The interrupt poll of the options (false when there is none). */
bool ds_interrupted(const struct lrf_dataset_options *opt);

char *ds_strdup(const char *s);

/* Header detection and the label column (header.c). A header is a first
 * row with a non-number where the second row has a number (or, alone, any
 * non-number). spec is the --label option (NULL = auto). */
bool ds_detect_header(const struct ds_record *r1, const struct ds_record *r2);
enum lrf_status ds_resolve_label(const char *name, const struct ds_record *header, size_t ncols,
                                 const char *spec, size_t *out, struct lrf_error *err);
/* Copies the label name and feature names (header may be NULL). */
enum lrf_status ds_set_names(struct lrf_dataset *ds, const struct ds_record *header);

/* One slice of the input parsed by one thread. */
struct ds_chunk {
    const char *data; /* the whole buffer */
    size_t offset;    /* of its first byte in the whole buffer */
    size_t len;
    struct ds_parser parser;
    const struct lrf_dataset_options *opt; /* for the interrupt poll */
    bool interrupted;
};

/* Turns parsed chunks (in file order) into ds: storage, labels and their
 * class mapping (through ref's classes when ref is given), statistics.
 * data is the whole input, for turning chunk lines into file lines. */
enum lrf_status ds_merge(const char *name, const char *data, struct ds_chunk *chunks, int nchunks,
                         const struct lrf_dataset *ref, struct lrf_dataset *ds,
                         struct lrf_error *err);

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

/* What the first records tell: the dataset shell (columns, label, names),
 * where the data rows start, and a sample row length. */
struct ds_setup {
    struct lrf_dataset *ds;
    size_t start; /* offset of the first data row (after the BOM) */
    size_t ncols;
    size_t sample_row;
};

/* Probes data[0..size) (the text after any BOM). When it is only a prefix of
 * the input (whole false) and does not hold two records, sets *need_more
 * and returns LRF_OK with no dataset. */
enum lrf_status ds_setup_from_head(const char *name, const char *data, size_t size, bool whole,
                                   const struct lrf_dataset_options *opt,
                                   const struct lrf_dataset *ref, struct ds_setup *out,
                                   bool *need_more, struct lrf_error *err);
/* A DATA parser for a chunk of len bytes, with rows reserved from the sample. */
void ds_init_chunk_parser(struct ds_chunk *c, const struct ds_setup *su, size_t len,
                          const struct lrf_dataset_options *opt);
/* A large regular file parsed while streaming it (its content_hash set);
 * NULL when the in-memory path must decide (errors, quotes in parallel
 * chunks, NULs) or when interrupted (*interrupted set). */
struct lrf_dataset *ds_load_streaming(const char *path, int fd, size_t size,
                                      const struct lrf_dataset_options *opt,
                                      const struct lrf_dataset *ref, bool *interrupted);

/* Number of '\n' in data[0..end): the line base of a chunk starting there. */
long ds_count_lines(const char *data, size_t end);

#endif
