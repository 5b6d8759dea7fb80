/* What a saved model needs from the dataset module (issue 15 item 7): the encoders as bytes
 * and back (a file encoded with the loaded encoders equals one encoded with the original
 * dataset; fill values the training file did not need are computed at save time; bad bytes
 * refused), and prediction input with or without the label column — quoted fields holding
 * separators and newlines, CRLF, blank lines, a BOM, gzip, no header — with every column
 * difference listed in one error. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "dataset_equal.h"
#include "dataset_files.h"
#include "lrf/dataset.h"

static char tmpdir[] = "/tmp/lrf_test_predict_input_XXXXXX";

static const char *write_text(const char *name, const char *text)
{
    return write_file_under(tmpdir, name, text, strlen(text));
}

/* Training data: a number, a category (one level with a comma, one a newline, quoted),
 * the label in the middle, a number with a missing value; one column with no missing
 * value in training, whose fill must be computed at save time. */
static const char TRAIN[] = "x1,colour,species,x2,x3\n"
                            "1.5,red,cat,10,7\n"
                            "2.5,\"blue, dark\",dog,NA,8\n"
                            "3.5,red,cat,30,9\n"
                            "0.5,\"gr\"\"ey\nish\",dog,40,6\n"
                            "4.5,red,dog,50,5\n"
                            "2.0,\"blue, dark\",cat,20,4\n";

/* The same rows to predict, with and without the label; the last two have a missing x3
 * (filled with the training median) and an unseen colour. */
static const char WITH_LABEL[] = "x1,colour,species,x2,x3\r\n"
                                 "1.5,red,cat,10,7\r\n"
                                 "2.5,\"blue, dark\",dog,NA,8\r\n"
                                 "\r\n"
                                 "0.5,\"gr\"\"ey\nish\",dog,40,\r\n"
                                 "9.5,purple,cat,11,3";
static const char WITHOUT_LABEL[] = "\xEF\xBB\xBFx1,colour,x2,x3\r\n"
                                    "1.5,red,10,7\r\n"
                                    "2.5,\"blue, dark\",NA,8\r\n"
                                    "\r\n"
                                    "0.5,\"gr\"\"ey\nish\",40,\r\n"
                                    "9.5,purple,11,3";

static struct lrf_dataset *load(const char *path)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    CHECK_MSG(lrf_dataset_load_csv(path, &o, &ds, &err) == LRF_OK, "%s", err.message);
    return ds;
}

static struct lrf_dataset *encoders_copy(const struct lrf_dataset *ds)
{
    void *buf = NULL;
    size_t size = 0;
    struct lrf_error err;
    struct lrf_dataset *ref = NULL;
    CHECK_MSG(lrf_dataset_encoders_save(ds, &buf, &size, &err) == LRF_OK, "%s", err.message);
    CHECK_MSG(lrf_dataset_encoders_load(buf, size, &ref, &err) == LRF_OK, "%s", err.message);
    free(buf);
    return ref;
}

/* Bad bytes: truncated, another magic, a damaged meta section. */
static void check_bad_bytes(const struct lrf_dataset *train)
{
    void *buf = NULL;
    size_t size = 0;
    struct lrf_error err;
    CHECK(lrf_dataset_encoders_save(train, &buf, &size, NULL) == LRF_OK);
    struct lrf_dataset *bad = NULL;
    CHECK(lrf_dataset_encoders_load(buf, size - 1, &bad, &err) == LRF_ERR_DATA && !bad);
    CHECK(lrf_dataset_encoders_load(buf, 10, &bad, NULL) == LRF_ERR_DATA);
    ((char *)buf)[0] ^= 1;
    CHECK(lrf_dataset_encoders_load(buf, size, &bad, NULL) == LRF_ERR_DATA);
    ((char *)buf)[0] ^= 1;
    ((unsigned char *)buf)[size - 3] ^= 0x55; /* inside the meta section */
    CHECK(lrf_dataset_encoders_load(buf, size, &bad, NULL) != LRF_OK || bad);
    lrf_dataset_destroy(bad);
    free(buf);
}

static void test_encoders_round_trip(void)
{
    struct lrf_dataset *train = load(write_text("train.csv", TRAIN));
    if (!train)
        return;
    struct lrf_dataset *ref = encoders_copy(train);
    if (!ref)
        return;
    CHECK(lrf_dataset_rows(ref) == 0 && lrf_dataset_features(ref) == lrf_dataset_features(train));
    CHECK(lrf_dataset_classes(ref) == 2 && !strcmp(lrf_dataset_class_name(ref, 1), "dog"));
    CHECK(!strcmp(lrf_dataset_label_name(ref), "species") && lrf_dataset_label_index(ref) == 2);
    CHECK(lrf_dataset_task(ref) == LRF_TASK_CLASSIFICATION);
    for (size_t j = 0; j < lrf_dataset_columns(train); j++) {
        struct lrf_dataset_column a, b;
        CHECK(lrf_dataset_column(train, j, &a) && lrf_dataset_column(ref, j, &b));
        CHECK(!strcmp(a.name, b.name) && a.role == b.role && a.type == b.type &&
              a.levels == b.levels && a.first_feature == b.first_feature &&
              a.features == b.features && a.indicator == b.indicator);
        for (size_t k = 0; k < a.levels; k++)
            CHECK(!strcmp(lrf_dataset_column_level(train, j, k),
                          lrf_dataset_column_level(ref, j, k)));
        if (b.role == LRF_COLUMN_FEATURE && b.type == LRF_COLUMN_NUMERIC)
            CHECK_MSG(isfinite(b.fill), "column %zu: fill not saved", j);
    }
    struct lrf_dataset_column x3;
    CHECK(lrf_dataset_column(ref, 4, &x3) && x3.fill == 6.5f); /* median of 7,8,9,6,5,4 */
    /* A file encoded with the loaded encoders is the file encoded with the original. */
    const char *other = write_text("other.csv", WITH_LABEL);
    struct lrf_dataset_options o = lrf_dataset_options_default();
    struct lrf_dataset *a = NULL, *b = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_load_csv_like(other, train, &o, &a, &err) == LRF_OK);
    CHECK_MSG(lrf_dataset_load_csv_like(other, ref, &o, &b, &err) == LRF_OK, "%s", err.message);
    CHECK(a && b && same_dataset(a, b));
    lrf_dataset_destroy(a);
    lrf_dataset_destroy(b);

    check_bad_bytes(train);
    /* The built-in data has the encoders of a CSV of it (label, then 784 pixels). */
    struct lrf_dataset *builtin = NULL;
    CHECK(lrf_dataset_load_builtin(LRF_BUILTIN_TEST, &builtin, NULL) == LRF_OK);
    struct lrf_dataset *bref = builtin ? encoders_copy(builtin) : NULL;
    CHECK(bref && lrf_dataset_features(bref) == 784 && lrf_dataset_classes(bref) == 10 &&
          lrf_dataset_columns(bref) == 785);
    lrf_dataset_destroy(bref);
    lrf_dataset_destroy(builtin);
    lrf_dataset_destroy(ref);
    lrf_dataset_destroy(train);
}

/* Loads path for prediction with ref; NULL on failure (err filled). */
static struct lrf_dataset *features(const char *path, const struct lrf_dataset *ref,
                                    bool *has_labels, struct lrf_error *err)
{
    struct lrf_dataset *ds = NULL;
    if (lrf_dataset_load_features_like(path, ref, NULL, &ds, has_labels, err) != LRF_OK)
        return NULL;
    return ds;
}

static bool same_features(const struct lrf_dataset *a, const struct lrf_dataset *b)
{
    size_t n = lrf_dataset_rows(a) * lrf_dataset_features(a);
    return lrf_dataset_rows(a) == lrf_dataset_rows(b) &&
           lrf_dataset_features(a) == lrf_dataset_features(b) &&
           lrf_dataset_storage(a) == LRF_STORAGE_FLOAT32 &&
           lrf_dataset_storage(b) == LRF_STORAGE_FLOAT32 &&
           memcmp(lrf_dataset_data_f32(a), lrf_dataset_data_f32(b), n * sizeof(float)) == 0;
}

static void test_features(void)
{
    struct lrf_dataset *train = load(write_text("train.csv", TRAIN));
    struct lrf_dataset *ref = train ? encoders_copy(train) : NULL;
    if (!ref) {
        lrf_dataset_destroy(train);
        return;
    }
    struct lrf_error err;
    bool labels = false;
    struct lrf_dataset *with = features(write_text("with.csv", WITH_LABEL), ref, &labels, &err);
    CHECK_MSG(with && labels && lrf_dataset_rows(with) == 4, "%s", err.message);
    CHECK(with && lrf_dataset_labels(with)[3] == 0 && lrf_dataset_labels(with)[1] == 1);
    struct lrf_dataset *without =
        features(write_text("without.csv", WITHOUT_LABEL), ref, &labels, &err);
    CHECK_MSG(without && !labels, "%s", err.message);
    CHECK(with && without && same_features(with, without));

    /* gzip, the same rows */
    gzFile z = gzopen(write_text("without.csv.gz", ""), "wb");
    gzwrite(z, WITHOUT_LABEL, (unsigned)strlen(WITHOUT_LABEL));
    gzclose(z);
    char gz[700];
    snprintf(gz, sizeof gz, "%s/without.csv.gz", tmpdir);
    struct lrf_dataset *zipped = features(gz, ref, &labels, &err);
    CHECK_MSG(zipped && !labels && with && same_features(with, zipped), "%s", err.message);
    lrf_dataset_destroy(zipped);

    /* Every difference in one message. */
    const char *diff = write_text("diff.csv", "x1,colour,weight,height\n1,red,2,3\n");
    CHECK(features(diff, ref, &labels, &err) == NULL && err.status == LRF_ERR_DATA);
    CHECK_MSG(strstr(err.message, "missing 'x2', 'x3'") &&
                  strstr(err.message, "not in the training data: 'weight', 'height'") &&
                  strstr(err.message, "'species' may be left out"),
              "%s", err.message);
    CHECK(!strcmp(err.file, diff));
    lrf_dataset_destroy(with);
    lrf_dataset_destroy(without);
    lrf_dataset_destroy(ref);
    lrf_dataset_destroy(train);
}

/* No header: columns by position, the label inserted where it was (column 1). */
static void test_positions(void)
{
    struct lrf_dataset *train = load(write_text("h.csv", "1,a,5\n2,b,6\n3,a,7\n4,b,8\n5,a,9\n"));
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    o.label = "1";
    struct lrf_dataset *t2 = NULL;
    struct lrf_error err;
    CHECK(lrf_dataset_load_csv(write_text("h2.csv", "1,a,5\n2,b,6\n3,a,7\n4,b,8\n5,a,9\n"), &o, &t2,
                               &err) == LRF_OK);
    lrf_dataset_destroy(train);
    struct lrf_dataset *ref = t2 ? encoders_copy(t2) : NULL;
    bool labels = true;
    struct lrf_dataset *p =
        ref ? features(write_text("p.csv", "7,9\n8,1\n"), ref, &labels, &err) : NULL;
    CHECK_MSG(p && !labels && lrf_dataset_rows(p) == 2, "%s", err.message);
    CHECK(p && lrf_dataset_data_u8(p) && lrf_dataset_data_u8(p)[0] == 7 &&
          lrf_dataset_data_u8(p)[1] == 9);
    lrf_dataset_destroy(p);
    CHECK(ref && !features(write_text("q.csv", "7,1,2,3\n8,1,2,3\n"), ref, &labels, &err));
    CHECK_MSG(strstr(err.message, "4 columns, expected 3") && strstr(err.message, "or 2 without"),
              "%s", err.message);
    lrf_dataset_destroy(ref);
    lrf_dataset_destroy(t2);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_encoders_round_trip();
    test_features();
    test_positions();
    remove_tree(tmpdir);
    return check_summary();
}
