/* A trained model as a file, and predictions from it: `lrfind train --save MODEL.lrf`,
 * `lrfind predict --model MODEL.lrf --data X.csv`.
 *
 * The file holds everything a prediction needs: the model's configuration, its parameters
 * and BatchNorm running statistics, the input normalization, the training file's encoders
 * (columns, types, category levels, fill values, the label column; lrf/dataset.h), the task
 * and class names, the target standardization of a regression, and the batch size the
 * model was evaluated with (predictions use it, so they equal the trainer's evaluation bit
 * for bit at the same thread count). It is written through an atomic file (whole or not at
 * all).
 *
 * Format (version 1), in the byte order of the machine that wrote it, which a reader checks:
 *   header, 48 bytes: magic "LRFMODEL", u32 version (1), u32 byte-order mark 0x01020304,
 *     u64 file size, u32 section count, u32 zero, u64 zero x 2
 *   sections, each: a 4-byte ASCII tag, u32 zero, u64 payload length, the payload,
 *     zero padding to a multiple of 8 bytes:
 *     CONF  26 x i32: n_inputs, n_classes, n_hidden, hidden[16], activation, arch,
 *           channels, height, width, layout, loss (lrf/model.h's enums)
 *     PARM  u64 count, then count x f32: the parameters in the model's (PyTorch's) order
 *     STAT  u64 count, then count x f32: BatchNorm running mean and var per layer (count 0:
 *           none)
 *     NORM  u32 kind (enum lrf_normalize), u32 zero, u64 features, features x f32 shift,
 *           features x f32 scale (no NORM section: no normalization)
 *     ENCD  the encoders (lrf_dataset_encoders_save)
 *     TASK  u32 task (enum lrf_task), u32 evaluation batch, f64 target mean, f64 target std
 *     INFO  free text for people (how it was trained), NUL-terminated
 *   trailer: u64 FNV-1a 64 of every byte before it.
 * A reader refuses (LRF_ERR_DATA, the message says which) a file that is not one (magic),
 * of the other byte order, of another version, truncated or longer than its header says,
 * whose checksum fails, or whose sections disagree (parameter count, features, classes);
 * unknown section tags are skipped. docs/train.md says the same with an example. */
#ifndef LRF_MODEL_FILE_H
#define LRF_MODEL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "lrf/dataset.h"
#include "lrf/model.h"
#include "lrf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { LRF_MODEL_FILE_VERSION = 1 };

/* What a model file is made of (borrowed). */
struct lrf_model_file_parts {
    struct lrf_model *model;         /* configuration, parameters, BatchNorm statistics */
    const struct lrf_dataset *train; /* its encoders, label, task and classes (not its rows) */
    const struct lrf_norm *norm;     /* NULL = none */
    double target_mean, target_std;  /* regression: the trainer's target standardization */
    int batch;                       /* the evaluation batch (the trainer's); 0 = 128 */
    const char *info;                /* free text kept in the file; NULL = none */
};

/* Writes the file atomically. LRF_ERR_INVALID_ARG for missing parts or parts that disagree
 * (the dataset's features and the model's inputs, its classes and the model's outputs). */
enum lrf_status lrf_model_file_save(const char *path, const struct lrf_model_file_parts *parts,
                                    struct lrf_error *err);

struct lrf_model_file; /* opaque: a model read back, ready to predict */

struct lrf_model_file_options {
    int threads;   /* the model's kernels' threads (lrf_model_config.threads); 0 = default */
    int max_batch; /* rows per forward pass; 0 = the saved evaluation batch */
};

/* Reads and checks path (see the format above) and builds the model. Errors name the file. */
enum lrf_status lrf_model_file_load(const char *path, const struct lrf_model_file_options *opt,
                                    struct lrf_model_file **out, struct lrf_error *err);
void lrf_model_file_destroy(struct lrf_model_file *mf);

struct lrf_model *lrf_model_file_model(struct lrf_model_file *mf);
/* A dataset of no rows with the training file's encoders, label, task and classes: the ref
 * of lrf_dataset_load_features_like for the data to predict. */
const struct lrf_dataset *lrf_model_file_encoders(const struct lrf_model_file *mf);
const struct lrf_norm *lrf_model_file_norm(const struct lrf_model_file *mf); /* NULL: none */
enum lrf_task lrf_model_file_task(const struct lrf_model_file *mf);
int lrf_model_file_batch(const struct lrf_model_file *mf);
const char *lrf_model_file_info(const struct lrf_model_file *mf); /* "" when none */

/* Where predictions go (each may be NULL when not wanted). */
struct lrf_model_file_outputs {
    int32_t *classes; /* (n) classification: the predicted class (arg-max; ties: lowest) */
    float *probs;     /* (n, classes) classification: softmax probabilities */
    float *values;    /* (n) regression: the prediction in the target's units */
    /* out: with the rows' own labels (meaningful when the input had them): the summed loss
     * (cross-entropy; regression: squared error in the target's units) and correct count. */
    struct lrf_model_eval eval;
};

/* Predicts rows[0..n) (rows NULL: the first n) of ds, a dataset encoded with
 * lrf_model_file_encoders (lrf_dataset_load_features_like), in batches of max_batch. */
enum lrf_status lrf_model_file_predict(struct lrf_model_file *mf, const struct lrf_dataset *ds,
                                       const uint32_t *rows, size_t n,
                                       struct lrf_model_file_outputs *out, struct lrf_error *err);

#ifdef __cplusplus
}
#endif

#endif
