/* The typing pass (issue 13): the reading decisions (separator, decimal
 * comma, header), the label rule and the task rule exactly as stated, the
 * missing-value policies, --drop, identifier warnings, and the bad inputs
 * with FILE:LINE and the column's name and number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lrf/dataset.h"

struct opts {
    const char *label, *drop;
    char sep;
    enum lrf_missing missing;
    enum lrf_task task;
};

static enum lrf_status parse(const char *text, struct opts k, struct lrf_dataset **ds,
                             struct lrf_error *err)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    o.label = k.label;
    o.drop = k.drop;
    o.sep = k.sep;
    o.missing = k.missing;
    o.task = k.task;
    *ds = NULL;
    lrf_error_clear(err);
    return lrf_dataset_parse_buffer("t.csv", text, strlen(text), &o, ds, err);
}

/* ---- accepted: what was decided ----------------------------------------- */

struct decided {
    const char *what, *text;
    struct opts o;
    char sep, decimal;
    bool header;
    size_t label;          /* its column */
    const char *label_why; /* substring */
    enum lrf_task task;
    size_t rows, features;
    float x0; /* first encoded value */
};

static const struct decided decided[] = {
    {"semicolon, decimal comma",
     "a;b;label\n1,5;2;0\n2,5;3;1\n",
     {0},
     ';',
     ',',
     true,
     2,
     "named",
     LRF_TASK_CLASSIFICATION,
     2,
     2,
     1.5f},
    {"tab",
     "a\tb\tlabel\n1\t\t0\n3\t4\t1\n",
     {0},
     '\t',
     '.',
     true,
     2,
     "named",
     LRF_TASK_CLASSIFICATION,
     2,
     3,
     1.0f},
    {"pipe given",
     "a|b|label\n1|2|0\n3|4|1\n",
     {.sep = '|'},
     '|',
     '.',
     true,
     2,
     "named",
     LRF_TASK_CLASSIFICATION,
     2,
     2,
     1.0f},
    {"BOM and CRLF",
     "\xEF\xBB\xBF"
     "a;label\r\n1;x\r\n2;y\r\n",
     {0},
     ';',
     '.',
     true,
     1,
     "named",
     LRF_TASK_CLASSIFICATION,
     2,
     1,
     1.0f},
    {"quotes hide separators, quotes, newlines",
     "name,label\n\"a,b\",x\n\"say \"\"hi\"\"\",y\n\"two\nlines\",x\n",
     {0},
     ',',
     '.',
     true,
     1,
     "named",
     LRF_TASK_CLASSIFICATION,
     3,
     3,
     1.0f},
    {"all-text header",
     "q1,q2,answer\ny,n,yes\nn,n,no\ny,y,yes\n",
     {0},
     ',',
     '.',
     true,
     2,
     "last column, not numeric",
     LRF_TASK_CLASSIFICATION,
     3,
     4,
     0.0f},
    {"all-text, no header",
     "y,n,yes\nn,n,no\ny,y,yes\n",
     {0},
     ',',
     '.',
     false,
     2,
     "last column, not numeric",
     LRF_TASK_CLASSIFICATION,
     3,
     4,
     0.0f},
    {"label before class",
     "class,x,label\n1,2,0\n3,4,1\n",
     {0},
     ',',
     '.',
     true,
     2,
     "named 'label'",
     LRF_TASK_CLASSIFICATION,
     2,
     2,
     1.0f},
    {"target before outcome",
     "outcome,target,v\n1,0,5\n2,1,6\n",
     {0},
     ',',
     '.',
     true,
     1,
     "named 'target'",
     LRF_TASK_CLASSIFICATION,
     2,
     2,
     1.0f},
    {"species",
     "Species,v\na,1\nb,2\n",
     {0},
     ',',
     '.',
     true,
     0,
     "named 'Species'",
     LRF_TASK_CLASSIFICATION,
     2,
     1,
     1.0f},
    {"y without x",
     "a,y,b\n1,0,2\n3,1,4\n5,0,6\n",
     {0},
     ',',
     '.',
     true,
     1,
     "named 'y'",
     LRF_TASK_CLASSIFICATION,
     3,
     2,
     1.0f},
    {"y with x: the last column's few levels",
     "x,y,c\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n",
     {0},
     ',',
     '.',
     true,
     2,
     "few integer levels (2)",
     LRF_TASK_CLASSIFICATION,
     4,
     2,
     1.0f},
    {"last numeric, many values: the first",
     "a,b,c\n1,2,0.5\n0,3,1.5\n1,5,2.5\n0,7,3.5\n",
     {0},
     ',',
     '.',
     true,
     0,
     "the first column",
     LRF_TASK_CLASSIFICATION,
     4,
     2,
     2.0f},
    {"--label by number",
     "a,b,c\n1,2,0\n3,4,1\n",
     {.label = "1"},
     ',',
     '.',
     true,
     1,
     "--label",
     LRF_TASK_CLASSIFICATION,
     2,
     2,
     1.0f},
    {"non-integer label: regression",
     "a,label\n1,0.5\n2,1.25\n3,7\n",
     {0},
     ',',
     '.',
     true,
     1,
     "named",
     LRF_TASK_REGRESSION,
     3,
     1,
     1.0f},
    {"--task regression",
     "a,label\n1,0\n2,1\n3,7\n",
     {.task = LRF_TASK_REGRESSION},
     ',',
     '.',
     true,
     1,
     "named",
     LRF_TASK_REGRESSION,
     3,
     1,
     1.0f},
    {"--drop by name and number",
     "id,a,b,label\n1,5,6,0\n2,7,8,1\n",
     {.drop = "id,2"},
     ',',
     '.',
     true,
     3,
     "named",
     LRF_TASK_CLASSIFICATION,
     2,
     1,
     5.0f},
    {"missing: drop",
     "a,b,label\n1,NA,0\n2,3,1\n4,5,0\n",
     {.missing = LRF_MISSING_DROP},
     ',',
     '.',
     true,
     2,
     "named",
     LRF_TASK_CLASSIFICATION,
     2,
     2,
     2.0f},
    {"missing: impute",
     "a,b,label\n1,?,0\n2,3,1\n4,5,0\n",
     {0},
     ',',
     '.',
     true,
     2,
     "named",
     LRF_TASK_CLASSIFICATION,
     3,
     3,
     1.0f},
};

static void test_decided(void)
{
    for (size_t i = 0; i < sizeof decided / sizeof decided[0]; i++) {
        const struct decided *c = &decided[i];
        struct lrf_dataset *ds;
        struct lrf_error err;
        CHECK_MSG(parse(c->text, c->o, &ds, &err) == LRF_OK, "%s: %s", c->what, err.message);
        if (!ds)
            continue;
        struct lrf_dataset_format f = lrf_dataset_format(ds);
        float x[8];
        lrf_dataset_gather_range(ds, NULL, 0, 1, x, NULL);
        CHECK_MSG(f.delimiter == c->sep && f.decimal == c->decimal && f.header == c->header,
                  "%s: sep '%c' decimal '%c' header %d", c->what, f.delimiter, f.decimal, f.header);
        CHECK_MSG(lrf_dataset_label_index(ds) == c->label &&
                      strstr(lrf_dataset_label_reason(ds), c->label_why),
                  "%s: label %zu (%s)", c->what, lrf_dataset_label_index(ds),
                  lrf_dataset_label_reason(ds));
        CHECK_MSG(lrf_dataset_task(ds) == c->task, "%s: task", c->what);
        CHECK_MSG(lrf_dataset_rows(ds) == c->rows && lrf_dataset_features(ds) == c->features &&
                      x[0] == c->x0,
                  "%s: %zu rows, %zu features, x0 %g", c->what, lrf_dataset_rows(ds),
                  lrf_dataset_features(ds), (double)x[0]);
        lrf_dataset_destroy(ds);
    }
}

/* ---- the task rule's threshold, and identifier warnings ----------------- */

/* rows of "a,label" with labels cycling through `levels` integers; with_id
 * puts an all-distinct integer column "num" first. */
static char *table(size_t rows, size_t levels, bool with_id)
{
    char *s = malloc(rows * 48 + 64);
    size_t n = (size_t)sprintf(s, "%sa,label\n", with_id ? "num," : "");
    for (size_t r = 0; r < rows; r++) {
        if (with_id)
            n += (size_t)sprintf(s + n, "%zu,", 1000 + r * 3);
        n += (size_t)sprintf(s + n, "%zu,%zu\n", r % 7, (r * 7) % levels);
    }
    return s;
}

static void test_task_threshold_and_ids(void)
{
    struct lrf_dataset *ds;
    struct lrf_error err;
    char *t = table(100, 51, false); /* 51 distinct integers among 100 rows: regression */
    CHECK(parse(t, (struct opts){0}, &ds, &err) == LRF_OK && ds &&
          lrf_dataset_task(ds) == LRF_TASK_REGRESSION &&
          strstr(lrf_dataset_task_reason(ds), "51 distinct"));
    lrf_dataset_destroy(ds);
    free(t);
    t = table(100, 50, false); /* 50: classification */
    CHECK(parse(t, (struct opts){0}, &ds, &err) == LRF_OK && ds &&
          lrf_dataset_task(ds) == LRF_TASK_CLASSIFICATION && lrf_dataset_classes(ds) == 50);
    lrf_dataset_destroy(ds);
    free(t);
    t = table(99, 60, false); /* fewer than 100 rows: classification, but 60 > 99 / 2 classes */
    CHECK(parse(t, (struct opts){0}, &ds, &err) == LRF_ERR_DATA &&
          strstr(err.message, "column 'label' (1): 60 classes in 99 rows") &&
          strstr(err.message, "--label") && strstr(err.message, "--task"));
    free(t);
    t = table(30, 3, true);
    CHECK(parse(t, (struct opts){0}, &ds, &err) == LRF_OK && ds);
    struct lrf_dataset_column c;
    CHECK(ds && lrf_dataset_column(ds, 0, &c) && c.role == LRF_COLUMN_FEATURE &&
          strstr(c.warning, "identifier") && lrf_dataset_notes(ds) == 1 &&
          strstr(lrf_dataset_note(ds, 0), "--drop num"));
    lrf_dataset_destroy(ds);
    free(t);
}

/* ---- bad input ---------------------------------------------------------- */

struct bad {
    const char *what, *text;
    struct opts o;
    enum lrf_status status;
    long line;
    const char *message; /* substring */
};

static const struct bad bad[] = {
    {"ragged row",
     "a,b,label\n1,2,0\n3,4\n",
     {0},
     LRF_ERR_PARSE,
     3,
     "ragged row: expected 3 fields, found 2"},
    {"label name that does not exist",
     "a,b,c\n1,2,0\n3,4,1\n",
     {.label = "klass"},
     LRF_ERR_INVALID_ARG,
     0,
     "unknown label column 'klass' (columns: a, b, c)"},
    {"single class", "a,label\n1,x\n2,x\n", {0}, LRF_ERR_DATA, 0, "a single class"},
    {"separator undetermined",
     "a,b;c\n1;2,3,4\n5,6\n",
     {0},
     LRF_ERR_PARSE,
     1,
     "cannot determine the field separator"},
    {"missing with --missing error",
     "a,b,label\n1,2,0\n3,NA,1\n",
     {.missing = LRF_MISSING_ERROR},
     LRF_ERR_DATA,
     3,
     "column 'b' (1): a missing value ('NA')"},
    {"missing label",
     "a,label\n1,x\n2,null\n3,y\n",
     {0},
     LRF_ERR_DATA,
     3,
     "column 'label' (1): expected a label, got a missing value"},
    {"not finite",
     "a,b,label\n1,inf,0\n2,3,1\n",
     {0},
     LRF_ERR_NUMERIC,
     2,
     "column 'b' (1): expected a finite number, got 'inf'"},
    {"not finite among missing",
     "a,b,label\n1,NA,0\n2,-Inf,1\n",
     {0},
     LRF_ERR_NUMERIC,
     3,
     "column 'b' (1): expected a finite number, got '-Inf'"},
    {"--drop of an unknown column",
     "a,b,c\n1,2,0\n3,4,1\n",
     {.drop = "zz"},
     LRF_ERR_INVALID_ARG,
     0,
     "--drop: unknown column 'zz' (columns: a, b, c)"},
    {"every label missing",
     "a,label\n1,\n2,NA\n",
     {0},
     LRF_ERR_DATA,
     0,
     "column 'label' (1): every label is missing"},
    {"every feature empty", "a,label\nNA,x\n,y\n", {0}, LRF_ERR_DATA, 0, "no feature columns left"},
    {"integer class label with --task classification",
     "a,label\n1,0.5\n2,1\n",
     {.task = LRF_TASK_CLASSIFICATION},
     LRF_ERR_DATA,
     2,
     "column 'label' (1): expected an integer class label, got '0.5'"},
    {"regression target not a number",
     "a,label\n1,0.5\n2,x\n",
     {.task = LRF_TASK_REGRESSION},
     LRF_ERR_DATA,
     3,
     "column 'label' (1): expected a finite number as a regression target"},
};

static void test_bad(void)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const struct bad *c = &bad[i];
        struct lrf_dataset *ds;
        struct lrf_error err;
        enum lrf_status st = parse(c->text, c->o, &ds, &err);
        CHECK_MSG(st == c->status && ds == NULL && err.line == c->line &&
                      strstr(err.message, c->message) && !strcmp(err.file, "t.csv"),
                  "%s: %d at %ld: %s", c->what, st, err.line, err.message);
        lrf_dataset_destroy(ds);
    }
}

/* More than 256 levels, or mostly distinct values: an error naming the
 * column with the --drop hint, at the line of its first text value. */
static void test_too_many_levels(void)
{
    for (int k = 0; k < 2; k++) {
        size_t rows = k ? 600 : 40;
        char *s = malloc(rows * 32 + 64);
        size_t n = (size_t)sprintf(s, "x,city,label\n");
        for (size_t r = 0; r < rows; r++)
            n += (size_t)sprintf(s + n, "%zu,c%zu,%zu\n", r % 5, k ? r % 300 : r, r % 2);
        struct lrf_dataset *ds;
        struct lrf_error err;
        CHECK(parse(s, (struct opts){0}, &ds, &err) == LRF_ERR_DATA && err.line == 2);
        CHECK_MSG(strstr(err.message, "column 'city' (1): ") &&
                      strstr(err.message, "--drop city") &&
                      strstr(err.message, k ? "more than 256 levels" : "mostly distinct"),
                  "%s", err.message);
        free(s);
    }
}

int main(void)
{
    test_decided();
    test_task_threshold_and_ids();
    test_bad();
    test_too_many_levels();
    return check_summary();
}
