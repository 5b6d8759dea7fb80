/* Real tables as R and pandas write them (tests/fixtures/dataset, made by
 * scripts/make_dataset_fixtures.sh from Debian's R data packages): each one
 * loads with the decisions a practitioner expects (issue 13): the label and
 * why, the task, R row names or a pandas index dropped, the categories and
 * missing values per column, the same encoded rows whichever way the file was
 * written (',' or ';' with decimal commas, tab, gzip, quoted or not). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lrf/dataset.h"

#define FIX LRF_FIXTURES_DIR "/dataset/"

/* Encoded values are the same float32 whichever path read them. */
static const float SAME_VALUE = 0.0f;

struct corpus_case {
    const char *file;
    const char *label_option;
    size_t rows, features, classes;
    enum lrf_task task;
    const char *label;      /* its header name */
    const char *label_why;  /* a substring */
    const char *dropped;    /* a dropped column's reason (substring), or NULL */
    size_t missing;         /* missing values in the used columns */
    const char *categories; /* "name:levels,..." of the categorical features */
};

static const struct corpus_case cases[] = {
    {"penguins_r.csv", NULL, 344, 14, 3, LRF_TASK_CLASSIFICATION, "species", "named 'species'",
     "R row names", 19, "island:3,sex:3"},
    {"penguins_r2.csv", NULL, 344, 14, 3, LRF_TASK_CLASSIFICATION, "species", "named", "R row", 19,
     "island:3,sex:3"},
    {"penguins_r.csv.gz", NULL, 344, 14, 3, LRF_TASK_CLASSIFICATION, "species", "named", "R row",
     19, "island:3,sex:3"},
    {"penguins.tsv", NULL, 344, 14, 3, LRF_TASK_CLASSIFICATION, "species", "named", NULL, 19,
     "island:3,sex:3"},
    {"penguins_pandas.csv", NULL, 344, 14, 3, LRF_TASK_CLASSIFICATION, "species", "named",
     "pandas index", 19, "island:3,sex:3"},
    {"penguins_mid.csv", NULL, 344, 12, 3, LRF_TASK_CLASSIFICATION, "species", "named", NULL, 17,
     "island:3,sex:3"},
    {"pima_r.csv", NULL, 768, 13, 2, LRF_TASK_CLASSIFICATION, "diabetes",
     "last column, not numeric", NULL, 652, ""},
    {"credit_r.csv", NULL, 400, 31, 2, LRF_TASK_CLASSIFICATION, "Status", "the first column",
     "R row names", 25, "Home:7,Marital:5,Records:2,Job:5"},
    {"breastcancer_r.csv", NULL, 699, 11, 2, LRF_TASK_CLASSIFICATION, "Class", "named 'Class'",
     NULL, 16, ""},
    {"boston_r.csv", "medv", 506, 13, 0, LRF_TASK_REGRESSION, "medv", "--label", "R row names", 0,
     ""},
    {"answers.csv", NULL, 30, 6, 2, LRF_TASK_CLASSIFICATION, "answer", "last column", NULL, 0,
     "q1:2,q2:2,q3:2"},
};

static struct lrf_dataset *load(const char *file, const char *label)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    o.label = label;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_load_csv(file, &o, &ds, &err) != LRF_OK)
        fprintf(stderr, "    %s: %s\n", file, err.message);
    return ds;
}

/* "island:3,sex:3" against the categorical features found. */
static bool categories_are(const struct lrf_dataset *ds, const char *want)
{
    char got[256] = "";
    struct lrf_dataset_column c;
    for (size_t j = 0; lrf_dataset_column(ds, j, &c); j++)
        if (c.role == LRF_COLUMN_FEATURE && c.type == LRF_COLUMN_CATEGORICAL)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s:%zu", got[0] ? "," : "",
                     c.name, c.levels);
    return !strcmp(got, want);
}

static bool dropped_for(const struct lrf_dataset *ds, const char *why)
{
    struct lrf_dataset_column c;
    for (size_t j = 0; lrf_dataset_column(ds, j, &c); j++)
        if (c.role == LRF_COLUMN_DROPPED && strstr(c.why, why))
            return true;
    return false;
}

static void check_case(const struct corpus_case *k)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", FIX, k->file);
    struct lrf_dataset *ds = load(path, k->label_option);
    CHECK_MSG(ds != NULL, "%s did not load", k->file);
    if (!ds)
        return;
    CHECK_MSG(lrf_dataset_rows(ds) == k->rows && lrf_dataset_features(ds) == k->features &&
                  lrf_dataset_classes(ds) == k->classes,
              "%s: %zu rows, %zu features, %zu classes", k->file, lrf_dataset_rows(ds),
              lrf_dataset_features(ds), lrf_dataset_classes(ds));
    CHECK_MSG(lrf_dataset_task(ds) == k->task, "%s: task %s", k->file,
              lrf_task_name(lrf_dataset_task(ds)));
    CHECK_MSG(!strcmp(lrf_dataset_label_name(ds), k->label) &&
                  strstr(lrf_dataset_label_reason(ds), k->label_why),
              "%s: label '%s' (%s)", k->file, lrf_dataset_label_name(ds),
              lrf_dataset_label_reason(ds));
    CHECK_MSG(!k->dropped || dropped_for(ds, k->dropped), "%s: nothing dropped for '%s'", k->file,
              k->dropped);
    CHECK_MSG(lrf_dataset_missing(ds) == k->missing, "%s: %zu missing", k->file,
              lrf_dataset_missing(ds));
    CHECK_MSG(categories_are(ds, k->categories), "%s: categories differ from %s", k->file,
              k->categories);
    CHECK_MSG((lrf_dataset_targets(ds) != NULL) == (k->task == LRF_TASK_REGRESSION), "%s targets",
              k->file);
    lrf_dataset_destroy(ds);
}

/* The same table written five ways: the same encoded rows and labels. */
static void test_same_table_every_way(void)
{
    static const char *const files[] = {"penguins_r.csv", "penguins_r2.csv", "penguins_r.csv.gz",
                                        "penguins.tsv", "penguins_pandas.csv"};
    struct lrf_dataset *ref = load(FIX "penguins_r.csv", NULL);
    size_t n = ref ? lrf_dataset_rows(ref) * lrf_dataset_features(ref) : 0;
    float *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
    int32_t *ya = malloc(400 * sizeof *ya), *yb = malloc(400 * sizeof *yb);
    CHECK(ref && a && b && lrf_dataset_rows(ref) <= 400);
    if (ref)
        lrf_dataset_gather_range(ref, NULL, 0, lrf_dataset_rows(ref), a, ya);
    for (size_t i = 1; ref && i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s%s", FIX, files[i]);
        struct lrf_dataset *ds = load(path, NULL);
        bool same = ds && lrf_dataset_rows(ds) * lrf_dataset_features(ds) == n;
        if (same) {
            lrf_dataset_gather_range(ds, NULL, 0, lrf_dataset_rows(ds), b, yb);
            for (size_t k = 0; k < n; k++)
                same &= fabsf(a[k] - b[k]) <= SAME_VALUE;
            same &= !memcmp(ya, yb, lrf_dataset_rows(ds) * sizeof *ya);
            for (size_t j = 0; j < lrf_dataset_features(ds); j++)
                same &= !strcmp(lrf_dataset_feature_name(ds, j), lrf_dataset_feature_name(ref, j));
        }
        CHECK_MSG(same, "%s encodes differently from penguins_r.csv", files[i]);
        lrf_dataset_destroy(ds);
    }
    free(a);
    free(b);
    free(ya);
    free(yb);
    lrf_dataset_destroy(ref);
}

/* What the first penguin's row is encoded as (sorted levels, a median fill). */
static void test_first_penguins(void)
{
    struct lrf_dataset *ds = load(FIX "penguins_r.csv", NULL);
    float x[14];
    int32_t y[4];
    CHECK(ds != NULL);
    if (!ds)
        return;
    lrf_dataset_gather_range(ds, NULL, 0, 1, x, y);
    /* Adelie, Torgersen, 39.1, 18.7, 181, 3750, male */
    static const float want[14] = {0, 0, 1, 39.1f, 0, 18.7f, 0, 181, 0, 3750, 0, 0, 1, 0};
    CHECK(!memcmp(x, want, sizeof want) && y[0] == 0);
    CHECK_STR(lrf_dataset_feature_name(ds, 0), "island=Biscoe");
    CHECK_STR(lrf_dataset_feature_name(ds, 4), "bill_length_mm (missing)");
    CHECK_STR(lrf_dataset_feature_name(ds, 13), "sex=" LRF_MISSING_LEVEL);
    CHECK_STR(lrf_dataset_class_name(ds, 2), "Gentoo");
    lrf_dataset_gather_range(ds, NULL, 3, 1, x, y); /* row 4: every measure NA, sex NA */
    CHECK(x[3] == 44.45f && x[4] == 1.0f && x[13] == 1.0f && x[11] == 0.0f && x[12] == 0.0f);
    lrf_dataset_destroy(ds);
}

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&cases[i]);
    test_same_table_every_way();
    test_first_penguins();
    return check_summary();
}
