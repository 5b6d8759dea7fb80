/* Datasets: a CSV (or the built-in Fashion-MNIST subset) read into a compact
 * row-major matrix of encoded features (uint8 when every value is an integer
 * in 0..255, else float32) plus int32 class labels 0..K-1, or float targets
 * for regression; a cache of parsed files; a deterministic train/validation
 * split; per-feature normalization applied when a batch is gathered; and a
 * batch iterator that reshuffles each epoch from its own explicit RNG state
 * and can be snapshotted and restored.
 *
 * Reading a CSV is three steps, each with its own decisions, all of them
 * readable afterwards (lrf_dataset_format, lrf_dataset_column, the label and
 * task reasons, lrf_dataset_note): reading (delimiter, decimal mark, BOM,
 * gzip, standard input), typing (each column numeric or categorical, missing
 * values, the label and the task), and encoding (one-hot categories, imputed
 * numbers with missing indicators), fitted on the training file and applied
 * as they are to a validation file (lrf_dataset_load_csv_like).
 *
 * Typical use:
 *     struct lrf_dataset *ds;
 *     struct lrf_dataset_options opt = lrf_dataset_options_default();
 *     if (lrf_dataset_load_csv("train.csv", &opt, &ds, &err) != LRF_OK) ...
 *     struct lrf_split split;
 *     lrf_dataset_split(ds, 0.1, seed, &split, &err);
 *     struct lrf_norm *norm;
 *     lrf_norm_create(ds, split.train, split.n_train, LRF_NORMALIZE_STANDARD, &norm, &err);
 *     struct lrf_batch_iter *it;
 *     lrf_batch_iter_create(ds, norm, split.train, split.n_train, &cfg, &it, &err);
 *     size_t b = lrf_batch_iter_next(it, x, y);   // x: (B,D) floats, y: (B) labels
 */
#ifndef LRF_DATASET_H
#define LRF_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lrf/image.h"
#include "lrf/rng.h"
#include "lrf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- loading ------------------------------------------------------------ */

enum lrf_storage {
    LRF_STORAGE_UINT8 = 0,   /* every feature value an integer in 0..255 */
    LRF_STORAGE_FLOAT32 = 1, /* anything else */
    LRF_STORAGE_COUNT
};

/* "uint8" or "float32". */
const char *lrf_storage_name(enum lrf_storage storage);

/* What a row's missing values do (a missing value is an empty field, NA,
 * N/A, NaN, null, None or ?, in any case). */
enum lrf_missing {
    LRF_MISSING_IMPUTE = 0, /* numbers: the training median plus a 0/1 indicator
                               feature per column that had any; categories: a level */
    LRF_MISSING_DROP = 1,   /* rows with a missing value are left out */
    LRF_MISSING_ERROR = 2,  /* the first missing value is an error */
    LRF_MISSING_COUNT
};

enum lrf_task {
    LRF_TASK_AUTO = 0, /* regression when the label has non-integer values, or more
                          than 50 distinct integers among at least 100 rows */
    LRF_TASK_CLASSIFICATION = 1,
    LRF_TASK_REGRESSION = 2,
    LRF_TASK_COUNT
};

/* "impute", "drop", "error" / "auto", "classification", "regression"; the
 * parsers return LRF_ERR_INVALID_ARG for anything else. */
const char *lrf_missing_name(enum lrf_missing m);
enum lrf_status lrf_missing_parse(const char *text, enum lrf_missing *out, struct lrf_error *err);
const char *lrf_task_name(enum lrf_task t);
enum lrf_status lrf_task_parse(const char *text, enum lrf_task *out, struct lrf_error *err);

struct lrf_dataset_options {
    /* Label column: a header name (exact, else case-insensitive), or a 0-based
     * column index (negative counts from the end: -1 = last). NULL = auto, the
     * first rule that matches: a column named label, class, target, outcome
     * or species (any case, in that order); y when no column is named x; the
     * last column when it is not numeric or has few integer levels (at most
     * 50, and at most half the rows); else the first column. */
    const char *label;
    /* Field separator; 0 = sniffed from the first lines among , ; tab |. */
    char sep;
    /* Decimal mark, '.' or ','; 0 = auto: ',' when the separator is ';' and
     * the first lines write numbers with a decimal comma, else '.'. */
    char decimal;
    /* Columns to leave out: a comma-separated list of header names or 0-based
     * column numbers (NULL = none). */
    const char *drop;
    enum lrf_missing missing; /* default LRF_MISSING_IMPUTE */
    enum lrf_task task;       /* default LRF_TASK_AUTO */
    bool use_cache;           /* read/write the parsed-file cache (default true) */
    const char *cache_dir;    /* NULL = $XDG_CACHE_HOME/lrfind, else ~/.cache/lrfind */
    /* The most bytes the cache directory's entries may take together: writing an entry
     * first removes the least recently used ones (a hit counts as a use) until it fits; an
     * entry larger than this is not written. 0 = $LRFIND_CACHE_MAX when set and valid
     * (lrf_dataset_cache_max_parse), else LRF_DATASET_CACHE_MAX_DEFAULT (1 GiB). */
    uint64_t cache_max_bytes;
    /* The most threads this call uses for any of its work (reading and
     * parsing; the calling thread counts as one); 0 = all online cores. The
     * same meaning as everywhere in lrfind. Nothing process-wide is changed. */
    int threads;
    /* Testing aid: never use the fast line scanner, run every byte through
     * libcsv (results must be identical). Default false. */
    bool force_libcsv;
    /* Polled between blocks of reading and parsing (and while waiting for a
     * pipe's data); returning true stops the load with LRF_ERR_INTERRUPTED,
     * leaving no cache or temporary file behind. It may be called from
     * several loader threads at once, so it should only read a flag (e.g. a
     * volatile sig_atomic_t set by a signal handler). NULL = never. */
    bool (*interrupted)(void *ctx);
    void *interrupt_ctx;
    /* Progress of a load, for a progress bar (bytes, rows/s): called after each block of
     * about 1 MiB parsed with the bytes of the input it held and the rows they ended. Like
     * interrupted it may be called from several loader threads at once, so it must be
     * thread-safe (atomic adds; draw from whichever call gets a lock). Each pass over the
     * rows starts with a call (0, 0, restart = true): a load that must look at the rows
     * again (the label rule moving the label, text values needing the general path) counts
     * from zero again. The bytes of one pass add up to the input after its header (the
     * decompressed text of gzip input). Not called for a cache hit. NULL = none. */
    void (*progress)(void *ctx, size_t bytes, size_t rows, bool restart);
    void *progress_ctx;
    /* Write a new cache entry on a background thread instead of before returning
     * (default false): a caller that goes on to use the data (a range test) does
     * not wait for the 47 MB copy and checksum of a Fashion-MNIST entry.
     * lrf_dataset_destroy waits for the writer, so the entry is in place (or, if
     * interrupted, no temporary is left) once it returns; interrupted is polled
     * by the writer too, so it must stay valid until then. */
    bool cache_in_background;
};

struct lrf_dataset_options lrf_dataset_options_default(void);

struct lrf_dataset; /* opaque */

/* Parses a CSV file. Errors name FILE:LINE:COL in err (LRF_ERR_PARSE for
 * malformed text, LRF_ERR_DATA for unusable content such as a single class,
 * LRF_ERR_IO for missing files/directories, LRF_ERR_INVALID_ARG for an unknown
 * label column, LRF_ERR_INTERRUPTED when opt->interrupted said so). *out is
 * set only on success. A regular file is read and cached; a FIFO (a named
 * pipe, or a shell's <(...)) is read as a stream, never cached, and waiting
 * for its data polls opt->interrupted; other kinds of file are refused
 * without being opened. */
enum lrf_status lrf_dataset_load_csv(const char *path, const struct lrf_dataset_options *opt,
                                     struct lrf_dataset **out, struct lrf_error *err);
/* path "-" is standard input (read once, never cached). Any input starting
 * with gzip's magic bytes is decompressed first (a truncated stream is an
 * error). Errors about a value name the column: "FILE:LINE" in err, and the
 * message starts "column 'NAME' (N): " (N 0-based, as --label takes it). */

/* Parses a second file (e.g. a separate validation set) encoded with ref's
 * encoders: the same columns (by name when both files have a header, else by
 * position), each typed and encoded as in ref (a category unseen in ref maps
 * to all zeros; a missing value gets ref's median or level; a text value in a
 * column that is numeric in ref is an error), the same label column and task,
 * labels mapped through ref's classes (a label ref does not know is an error;
 * a single class is fine). opt->label, task and drop are ignored (ref's
 * hold), sep and decimal are this file's own; the result is never cached. */
enum lrf_status lrf_dataset_load_csv_like(const char *path, const struct lrf_dataset *ref,
                                          const struct lrf_dataset_options *opt,
                                          struct lrf_dataset **out, struct lrf_error *err);

/* Prediction input: like lrf_dataset_load_csv_like, but the label column may be absent
 * (*has_labels says whether it was there; without it the labels are all class 0, or
 * targets 0, to be ignored), and columns that differ from ref's are one error (LRF_ERR_DATA)
 * listing every difference: by name when both files have a header (missing columns, and
 * columns ref does not know), else by count (ref's columns, or all but its label). Missing
 * values are always imputed (no row is dropped: one prediction per row). */
enum lrf_status lrf_dataset_load_features_like(const char *path, const struct lrf_dataset *ref,
                                               const struct lrf_dataset_options *opt,
                                               struct lrf_dataset **out, bool *has_labels,
                                               struct lrf_error *err);

/* A dataset's encoders (columns, their types, levels and fill values, the label column,
 * the task and classes; not its rows) as bytes: *buf malloc'ed (free()), native byte order
 * (a file that carries them checks the machine's). Fill values ds's own file did not need
 * are its rows' medians, computed now, as lrf_dataset_load_csv_like would. LRF_ERR_INVALID_ARG
 * for a dataset without columns to describe (the built-in one). */
enum lrf_status lrf_dataset_encoders_save(const struct lrf_dataset *ds, void **buf, size_t *size,
                                          struct lrf_error *err);
/* Those bytes back as a dataset of no rows, usable as ref of the like-loaders and with every
 * getter of columns, classes, label and task; LRF_ERR_DATA when they are not encoders. */
enum lrf_status lrf_dataset_encoders_load(const void *buf, size_t size, struct lrf_dataset **out,
                                          struct lrf_error *err);

/* Parses CSV text (or gzip-compressed CSV) already in memory; name is used
 * in error messages. No cache. */
enum lrf_status lrf_dataset_parse_buffer(const char *name, const void *data, size_t size,
                                         const struct lrf_dataset_options *opt,
                                         struct lrf_dataset **out, struct lrf_error *err);

/* One shard of a regular file, for data-parallel training: the rows of the
 * index-th of count byte ranges of the file's data lines (cut at line ends as
 * the parallel parser cuts them, so each shard computes the cuts alone; the
 * ranges cover every row once, in file order). The head (dialect, header,
 * columns) is read as the whole-file load reads it; the decisions that
 * depend on the rows (classes, types, the label rule, the task) come from
 * this shard's rows: reconcile the shards with lrf_dataset_shard_classes and
 * compare the rest (lrf/dist.h's loader does both). The single-class check
 * is left to the caller. Not cached; the file is mapped, not read whole.
 * Errors: as lrf_dataset_load_csv (lines numbered in the whole file), and
 * LRF_ERR_UNSUPPORTED for input that cannot be cut (gzip, a pipe, standard
 * input, a quote in the rows), LRF_ERR_DATA for a shard without rows. */
enum lrf_status lrf_dataset_load_csv_shard(const char *path, const struct lrf_dataset_options *opt,
                                           size_t index, size_t count, struct lrf_dataset **out,
                                           struct lrf_error *err);
/* Maps a shard's classes onto names[0..n) (every shard's classes, merged and
 * sorted as a whole-file load sorts them: integers by value, texts by bytes);
 * each of ds's classes must be among them. Regression: nothing to do. */
enum lrf_status lrf_dataset_shard_classes(struct lrf_dataset *ds, char *const *names, size_t n,
                                          struct lrf_error *err);

enum lrf_builtin_part {
    LRF_BUILTIN_TRAIN = 0, /* 12,000 Fashion-MNIST training images, 1,200 per class */
    LRF_BUILTIN_TEST = 1,  /* 2,000 Fashion-MNIST test images, 200 per class */
    LRF_BUILTIN_PART_COUNT
};

/* The Fashion-MNIST subset embedded in the library (784 uint8 features,
 * 10 classes). Does not copy the pixels. */
enum lrf_status lrf_dataset_load_builtin(enum lrf_builtin_part part, struct lrf_dataset **out,
                                         struct lrf_error *err);

/* Frees everything; NULL is a no-op. */
void lrf_dataset_destroy(struct lrf_dataset *ds);

/* ---- what was loaded ---------------------------------------------------- */

size_t lrf_dataset_rows(const struct lrf_dataset *ds);
size_t lrf_dataset_features(const struct lrf_dataset *ds);
size_t lrf_dataset_classes(const struct lrf_dataset *ds);
enum lrf_storage lrf_dataset_storage(const struct lrf_dataset *ds);

/* Where the data came from: the CSV path, "<stdin>", or "builtin:train"/"builtin:test". */
const char *lrf_dataset_source(const struct lrf_dataset *ds);
bool lrf_dataset_has_header(const struct lrf_dataset *ds);
/* Columns in the file: the label, the features' columns and dropped ones. */
size_t lrf_dataset_columns(const struct lrf_dataset *ds);
/* 0-based column of the label in the file, and its header name ("" without header). */
size_t lrf_dataset_label_index(const struct lrf_dataset *ds);
const char *lrf_dataset_label_name(const struct lrf_dataset *ds);
/* Name of encoded feature j: the column's header name for a number,
 * "NAME=LEVEL" for a category's one-hot feature, "NAME (missing)" for a
 * missing-value indicator; "" without a header. */
const char *lrf_dataset_feature_name(const struct lrf_dataset *ds, size_t j);

/* Classification: class k's original label text (the label mapping: class k
 * <- this text; the class names of string labels) and how many rows have it. */
const char *lrf_dataset_class_name(const struct lrf_dataset *ds, size_t k);
size_t lrf_dataset_class_count(const struct lrf_dataset *ds, size_t k);
/* True when the labels were integers (classes sorted numerically), false for strings. */
bool lrf_dataset_labels_numeric(const struct lrf_dataset *ds);

/* ---- decisions: how the file was read, typed and encoded ---------------- */

/* LRF_TASK_CLASSIFICATION (int32 labels 0..K-1, lrf_dataset_classes K) or
 * LRF_TASK_REGRESSION (float targets, lrf_dataset_classes 0, labels all 0),
 * and why ("--task", "the label has non-integer values", ...). */
enum lrf_task lrf_dataset_task(const struct lrf_dataset *ds);
const char *lrf_dataset_task_reason(const struct lrf_dataset *ds);
/* Regression: (rows) targets in the label's own units; NULL for classification. */
const float *lrf_dataset_targets(const struct lrf_dataset *ds);
/* Why the label column is the label ("--label", "named 'species'", ...). */
const char *lrf_dataset_label_reason(const struct lrf_dataset *ds);

struct lrf_dataset_format {
    char delimiter;         /* ',' ';' '\t' '|' */
    bool delimiter_given;   /* by opt->sep; else sniffed */
    char decimal;           /* '.' or ',' */
    bool header;            /* the first row holds column names */
    const char *header_why; /* how that was decided */
    bool bom, gzip;         /* a UTF-8 byte-order mark; gzip-compressed input */
    bool stream;            /* standard input or a pipe: read once, not cached */
};
struct lrf_dataset_format lrf_dataset_format(const struct lrf_dataset *ds);

enum lrf_column_role {
    LRF_COLUMN_FEATURE = 0,
    LRF_COLUMN_LABEL = 1,
    LRF_COLUMN_DROPPED = 2, /* --drop, R row names, a pandas index, every value missing */
    LRF_COLUMN_ROLE_COUNT
};
enum lrf_column_type {
    LRF_COLUMN_NUMERIC = 0,
    LRF_COLUMN_CATEGORICAL = 1, /* any non-numeric value: one-hot encoded */
    LRF_COLUMN_EMPTY = 2,       /* every value missing */
    LRF_COLUMN_TYPE_COUNT
};
/* "feature", "label", "dropped" / "numeric", "categorical", "empty". */
const char *lrf_column_role_name(enum lrf_column_role role);
const char *lrf_column_type_name(enum lrf_column_type type);

/* Column j of the file as the typing pass saw it (pointers into ds). */
struct lrf_dataset_column {
    const char *name; /* header name, "" without a header */
    enum lrf_column_role role;
    enum lrf_column_type type;
    const char *why;                /* the label's or a dropped column's reason, else "" */
    const char *warning;            /* e.g. "looks like an identifier ...", else "" */
    size_t missing;                 /* missing values among this file's rows */
    size_t levels;                  /* categorical: levels learnt from the training rows */
    size_t first_feature, features; /* its encoded features [first, first + features) */
    bool indicator;                 /* the last of them is a 0/1 "was missing" feature */
    float fill; /* numeric: what a missing value becomes (the training median); NaN
                   when the training file had none there and no file needed it yet */
};
/* Fills *out for column j (0-based); false when j >= lrf_dataset_columns. */
bool lrf_dataset_column(const struct lrf_dataset *ds, size_t j, struct lrf_dataset_column *out);
/* Level k of categorical column j, in the order of its one-hot features: the
 * training rows' distinct values sorted by bytes, then LRF_MISSING_LEVEL when
 * missing values were imputed as a level of their own. */
const char *lrf_dataset_column_level(const struct lrf_dataset *ds, size_t j, size_t k);
#define LRF_MISSING_LEVEL "(missing)"

/* Missing values in the columns used (label and features), counted before
 * imputation; rows left out by LRF_MISSING_DROP. */
size_t lrf_dataset_missing(const struct lrf_dataset *ds);
size_t lrf_dataset_rows_dropped(const struct lrf_dataset *ds);
/* Notes and warnings for the user, one line each (dropped columns and why,
 * identifier-like columns with the --drop hint, ...). */
size_t lrf_dataset_notes(const struct lrf_dataset *ds);
const char *lrf_dataset_note(const struct lrf_dataset *ds, size_t i);

/* Per-feature value range, and over all features. */
void lrf_dataset_feature_range(const struct lrf_dataset *ds, size_t j, float *min, float *max);
void lrf_dataset_value_range(const struct lrf_dataset *ds, float *min, float *max);

/* Raw storage, row-major (rows, features): exactly one of these is non-NULL. */
const uint8_t *lrf_dataset_data_u8(const struct lrf_dataset *ds);
const float *lrf_dataset_data_f32(const struct lrf_dataset *ds);
const int32_t *lrf_dataset_labels(const struct lrf_dataset *ds); /* (rows) in 0..K-1 */

size_t lrf_dataset_bytes(const struct lrf_dataset *ds);         /* memory held by ds */
size_t lrf_dataset_file_bytes(const struct lrf_dataset *ds);    /* size of the source file */
double lrf_dataset_parse_seconds(const struct lrf_dataset *ds); /* read+parse (or cache load) */
bool lrf_dataset_from_cache(const struct lrf_dataset *ds);
int lrf_dataset_threads_used(const struct lrf_dataset *ds); /* 1 when parsed serially */

/* The cache file that lrf_dataset_load_csv would use for path (it need not
 * exist); for tests and `inspect`. */
enum lrf_status lrf_dataset_cache_path(const char *path, const struct lrf_dataset_options *opt,
                                       char *buf, size_t size, struct lrf_error *err);

/* ---- the cache directory ------------------------------------------------ */

#define LRF_DATASET_CACHE_MAX_DEFAULT ((uint64_t)1 << 30)

/* The cache directory of opt (see cache_dir; it need not exist). */
enum lrf_status lrf_dataset_cache_dir(const struct lrf_dataset_options *opt, char *buf, size_t size,
                                      struct lrf_error *err);
/* The size cap opt gives (cache_max_bytes, $LRFIND_CACHE_MAX, the default). */
uint64_t lrf_dataset_cache_max(const struct lrf_dataset_options *opt);
/* A size: bytes, or a number with K, M, G or T (powers of 1024; "1.5G"), >= 0. */
enum lrf_status lrf_dataset_cache_max_parse(const char *text, uint64_t *out, struct lrf_error *err);

/* One file of the cache directory, as lrf_dataset_cache_list sees it. */
struct lrf_dataset_cache_entry {
    char name[64];        /* file name in the directory */
    char source[1024];    /* the CSV it holds (absolute path; "" when unreadable) */
    uint64_t bytes;       /* the file's size */
    int64_t last_used_ns; /* nanoseconds since the epoch: written or last hit (its atime) */
    uint64_t rows, features;
    bool valid;     /* an entry this lrfind reads (else: corrupt, other version: clean drops it) */
    bool current;   /* its source is there, unchanged since (size, times, inode) */
    bool temporary; /* a writer's temporary file (its writer's, or left by one that died) */
};

/* The entries (and temporaries) of the cache directory, least recently used first; *out
 * is malloc'ed (free()), *n 0 for a missing directory. Only regular files with the cache's
 * names, owned by this user, are listed; the directory must be this user's and not
 * writable by others (LRF_ERR_IO otherwise, naming it), and is not followed if a symlink. */
enum lrf_status lrf_dataset_cache_list(const struct lrf_dataset_options *opt,
                                       struct lrf_dataset_cache_entry **out, size_t *n,
                                       struct lrf_error *err);

/* Removes the cache's files: every entry (and dead writers' temporaries) when all, else
 * the ones that are no use (invalid, or their source changed or gone). Never anything
 * else: only regular files with the cache's names, owned by this user, directly in the
 * directory (not followed if a symlink, nor any symlink or subdirectory in it). Counts what
 * it removed into *files and *bytes (either may be NULL). */
enum lrf_status lrf_dataset_cache_clean(const struct lrf_dataset_options *opt, bool all,
                                        size_t *files, uint64_t *bytes, struct lrf_error *err);

/* ---- image shape -------------------------------------------------------- */

/* The rows as images (lrf/image.h), decided when the data is loaded, when every
 * feature is a numeric column and every value a pixel intensity (0..255):
 * from the header -- one prefix numbered from 0 or 1 (pixel0..pixel783,
 * OpenML's CIFAR-10 export a0..a3071): s*s names are a grey s x s image,
 * 3*s*s three channel planes; r0.., g0.., b0.. (or red/green/blue): colour
 * planes, or hwc when the names interleave (r0,g0,b0,r1,...) -- else from the
 * feature count alone: 784 = 1x28x28 (MNIST), 3072 = 3x32x32 channel planes
 * (CIFAR's binary files). channels 0 = not an image. A file loaded with
 * lrf_dataset_load_csv_like takes ref's shape. */
struct lrf_image_shape lrf_dataset_shape(const struct lrf_dataset *ds);
/* Why: "header pixel1..pixel784", "3072 features: CIFAR's 3x32x32", "--shape",
 * or why the rows are not images. */
const char *lrf_dataset_shape_reason(const struct lrf_dataset *ds);
/* Replaces the decision (the caller knows better, e.g. --shape and --layout);
 * channels*height*width must equal the features (channels 0: not an image),
 * else LRF_ERR_INVALID_ARG naming the numbers. why becomes the reason. */
enum lrf_status lrf_dataset_set_shape(struct lrf_dataset *ds, const struct lrf_image_shape *shape,
                                      const char *why, struct lrf_error *err);
/* LRF_OK when every value is a pixel intensity: within 0..255 (8-bit pixels, or
 * floats such as [0, 1]-scaled ones); else LRF_ERR_DATA naming the first
 * column outside it and its values' range. */
enum lrf_status lrf_dataset_check_pixels(const struct lrf_dataset *ds, struct lrf_error *err);

/* ---- split -------------------------------------------------------------- */

/* Row indices of a train/validation split: all rows shuffled with seed, the
 * last round(val_fraction * rows) of them are validation (at least 1 when
 * val_fraction > 0, at most rows - 1; val_fraction in [0, 1), 0 = none).
 * Both lists are sorted ascending, so the split depends only on (rows,
 * val_fraction, seed). */
struct lrf_split {
    uint32_t *train;
    size_t n_train;
    uint32_t *val;
    size_t n_val;
};

enum lrf_status lrf_dataset_split(const struct lrf_dataset *ds, double val_fraction, uint64_t seed,
                                  struct lrf_split *out, struct lrf_error *err);

/* The same split of n rows (ds's rows above): e.g. of a whole file whose rows
 * several processes hold. */
enum lrf_status lrf_dataset_split_rows(size_t n, double val_fraction, uint64_t seed,
                                       struct lrf_split *out, struct lrf_error *err);

/* Frees the index arrays and zeroes the struct; safe on a zeroed struct. */
void lrf_split_free(struct lrf_split *split);

/* ---- normalization ------------------------------------------------------ */

enum lrf_normalize {
    LRF_NORMALIZE_STANDARD = 0, /* (x - mean) / std; std < 1e-8 treated as 1 */
    LRF_NORMALIZE_MINMAX = 1,   /* (x - min) / (max - min); range < 1e-8 treated as 1 */
    LRF_NORMALIZE_NONE = 2,
    LRF_NORMALIZE_COUNT
};

/* "standard", "minmax", "none"; parse returns LRF_ERR_INVALID_ARG for anything else. */
const char *lrf_normalize_name(enum lrf_normalize kind);
enum lrf_status lrf_normalize_parse(const char *text, enum lrf_normalize *out,
                                    struct lrf_error *err);

/* Per-feature affine map x' = (x - shift[j]) * scale[j], computed from the
 * given rows of ds (the training split; rows = NULL means all rows). A
 * categorical column's one-hot features are left 0/1 (shift 0, scale 1), as
 * scikit-learn leaves OneHotEncoder's output; numbers and their missing
 * indicators are scaled. */
struct lrf_norm; /* opaque */

enum lrf_status lrf_norm_create(const struct lrf_dataset *ds, const uint32_t *rows, size_t n,
                                enum lrf_normalize kind, struct lrf_norm **out,
                                struct lrf_error *err);
/* A normalization from its values (shift, scale: features each, copied), e.g. read back
 * from a saved model. */
enum lrf_status lrf_norm_create_from(enum lrf_normalize kind, size_t features, const float *shift,
                                     const float *scale, struct lrf_norm **out,
                                     struct lrf_error *err);
/* The same per channel of an image (the CNN's input normalization): each
 * channel's shift and scale come from all of its pixels in the given rows
 * (mean and population std, or min and max, over rows x height x width: the
 * training set's statistics as torchvision's Normalize takes them), repeated
 * for each of its features. Needs lrf_dataset_shape (LRF_ERR_INVALID_ARG). */
enum lrf_status lrf_norm_create_per_channel(const struct lrf_dataset *ds, const uint32_t *rows,
                                            size_t n, enum lrf_normalize kind,
                                            struct lrf_norm **out, struct lrf_error *err);
/* How lrf_norm_create_reduced combines the statistics of rows that several processes
 * hold: each function replaces x (n values) on every process with its sum (max_f64: its
 * maximum) over all processes, and returns LRF_OK, or an error in err. user is passed
 * through (e.g. a communicator, as lrf_dist_norm_create's, lrf/dist.h). All three are
 * needed (else LRF_ERR_INVALID_ARG). */
struct lrf_norm_reducer {
    void *user;
    enum lrf_status (*sum_u64)(void *user, uint64_t *x, size_t n, struct lrf_error *err);
    enum lrf_status (*sum_f64)(void *user, double *x, size_t n, struct lrf_error *err);
    enum lrf_status (*max_f64)(void *user, double *x, size_t n, struct lrf_error *err);
};
/* The normalization lrf_norm_create (per_channel: lrf_norm_create_per_channel) makes
 * over the rows of every process: each passes the rows it holds (rows[0..n) of its ds;
 * NULL = all of them), and the partial statistics are combined with reducer between
 * passes, in the same order on every process (a collective, except for kind NONE). The
 * row count and the storage are agreed first: when any process holds float32 values,
 * every one takes the float path (two passes in double), as one process reading the
 * whole file would; else the exact integer sums, so standard scaling of uint8 data is
 * the same bits as one process's. reducer NULL = this process alone: exactly
 * lrf_norm_create's (lrf_norm_create_per_channel's) result. */
enum lrf_status lrf_norm_create_reduced(const struct lrf_dataset *ds, const uint32_t *rows,
                                        size_t n, enum lrf_normalize kind, bool per_channel,
                                        const struct lrf_norm_reducer *reducer,
                                        struct lrf_norm **out, struct lrf_error *err);
void lrf_norm_destroy(struct lrf_norm *norm);
/* The kind it was created with, and its feature count (the dataset's), e.g.
 * to check that a saved normalization fits another dataset. */
enum lrf_normalize lrf_norm_kind(const struct lrf_norm *norm);
size_t lrf_norm_features(const struct lrf_norm *norm);
bool lrf_norm_per_channel(const struct lrf_norm *norm);   /* made by lrf_norm_create_per_channel */
const float *lrf_norm_shift(const struct lrf_norm *norm); /* (D) mean or min */
const float *lrf_norm_scale(const struct lrf_norm *norm); /* (D) 1/std or 1/range */

/* ---- gathering ---------------------------------------------------------- */

/* Copies rows[0..n) of ds into x (n, D) normalized by norm (NULL = raw values)
 * and their labels into y (n) (y may be NULL). Never allocates. norm must have
 * ds's feature count (checked by the callers that create iterators). */
void lrf_dataset_gather(const struct lrf_dataset *ds, const struct lrf_norm *norm,
                        const uint32_t *rows, size_t n, float *x, int32_t *y);

/* Regression: the targets of rows[0..n) into t (n), in the label's units. */
void lrf_dataset_gather_targets(const struct lrf_dataset *ds, const uint32_t *rows, size_t n,
                                float *t);

/* The same for the consecutive rows first..first+n-1 (in file order). */
void lrf_dataset_gather_range(const struct lrf_dataset *ds, const struct lrf_norm *norm,
                              size_t first, size_t n, float *x, int32_t *y);

/* ---- batch iterator ----------------------------------------------------- */

/* Random changes to training images, drawn per sample when a batch is gathered
 * (the CIFAR recipe's transforms.RandomCrop(padding=4) then RandomHorizontalFlip). */
enum lrf_augment {
    LRF_AUGMENT_NONE = 0,
    LRF_AUGMENT_FLIP = 1 << 0, /* mirror left-right with probability 1/2 */
    LRF_AUGMENT_CROP = 1 << 1, /* shift by -4..4 pixels each way, uncovered pixels 0 */
    LRF_AUGMENT_ALL = LRF_AUGMENT_FLIP | LRF_AUGMENT_CROP
};
/* "flip", "crop", "flip,crop" (any order), "none"; LRF_ERR_INVALID_ARG otherwise. */
enum lrf_status lrf_augment_parse(const char *text, unsigned *out, struct lrf_error *err);
/* "flip,crop", "flip", "crop" or "none". */
const char *lrf_augment_name(unsigned augment);

struct lrf_batch_config {
    size_t batch_size; /* rows per batch (default 128) */
    uint64_t seed;     /* seeds the shuffle RNG (default 0) */
    bool shuffle;      /* reshuffle each epoch (default true); false = subset order */
    bool drop_last;    /* skip a short final batch of an epoch (default true) */
    /* LRF_AUGMENT_* flags (default none); needs lrf_dataset_shape. The draws of a
     * batch are a function of the iterator's state (struct lrf_batch_state), so
     * save/restore and a new epoch_rng replay or change them with the order.
     * A "zero" pixel is the normalized value of a raw 0 (black), as padding a
     * raw image before normalizing it gives. */
    unsigned augment;
};

struct lrf_batch_config lrf_batch_config_default(void);

/* The iterator's whole position as a value: copy it to snapshot, pass it to
 * restore. epoch_rng is the RNG state the current epoch's order was drawn
 * from, so the permutation is rebuilt from it on restore. */
struct lrf_batch_state {
    struct lrf_rng epoch_rng;
    uint64_t epoch;
    size_t cursor; /* position in the current epoch's order */
};

struct lrf_batch_iter; /* opaque */

/* Iterates rows[0..n) of ds (copied; NULL = all rows). ds and norm are
 * borrowed and must outlive the iterator. ds NULL: an iterator of indices
 * only (rows required; next gathers nothing: lrf_batch_iter_batch_rows says
 * which rows), e.g. over a whole file whose rows other processes hold. Fails if
 * n < 1, batch_size < 1, (drop_last and n < batch_size), norm's feature count
 * differs, or augment is asked for rows that are not images. */
enum lrf_status lrf_batch_iter_create(const struct lrf_dataset *ds, const struct lrf_norm *norm,
                                      const uint32_t *rows, size_t n,
                                      const struct lrf_batch_config *cfg,
                                      struct lrf_batch_iter **out, struct lrf_error *err);
void lrf_batch_iter_destroy(struct lrf_batch_iter *it);

/* Gathers the next batch into x (batch_size, D) and y (batch_size), augmented
 * as cfg.augment says; returns the number of rows written (batch_size, or less
 * for the final batch of an epoch when drop_last is false). Starts a new
 * (reshuffled) epoch when the current one is exhausted. Never allocates. */
size_t lrf_batch_iter_next(struct lrf_batch_iter *it, float *x, int32_t *y);

/* 0-based epoch of the batch last returned (0 before the first). */
uint64_t lrf_batch_iter_epoch(const struct lrf_batch_iter *it);
/* Batches per epoch: rows / batch_size, rounded down with drop_last, else up. */
size_t lrf_batch_iter_batches_per_epoch(const struct lrf_batch_iter *it);
/* The number of rows iterated (n given to create, or the dataset's rows). */
size_t lrf_batch_iter_rows(const struct lrf_batch_iter *it);

/* The dataset rows of the batch last returned by lrf_batch_iter_next (*n of
 * them), e.g. for lrf_dataset_gather_targets; valid until the next call. */
const uint32_t *lrf_batch_iter_batch_rows(const struct lrf_batch_iter *it, size_t *n);

/* Snapshot / restore the data order (e.g. after a range-test sweep). */
struct lrf_batch_state lrf_batch_iter_save(const struct lrf_batch_iter *it);
enum lrf_status lrf_batch_iter_restore(struct lrf_batch_iter *it,
                                       const struct lrf_batch_state *state, struct lrf_error *err);

#ifdef __cplusplus
}
#endif

#endif
