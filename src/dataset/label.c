/* The label column's values: what they are (integers, other numbers, text),
 * the task they make (classification or regression, by the rule),
 * and then the classes and int32 labels, or the float targets. The input is
 * the label's text per row, whichever path parsed the file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

/* Integer labels have at most 18 digits, so that they fit int64 exactly. */
static const double LABEL_INT_LIMIT = 1e18;
/* task auto: regression above this many distinct integers ... */
enum { REGRESSION_MIN_DISTINCT = 51, REGRESSION_MIN_ROWS = 100 };
/* ... and "few integer levels" (the label rule) at most this many. */
enum { FEW_LEVELS_MAX = 50 };
/* Classification with more classes than this share of rows (and at least
 * ID_MIN_ROWS rows) is an identifier or a numeric target misread. */
static const double ID_CLASS_SHARE = 0.5;
enum { ID_MIN_ROWS = 20 };

enum label_kind { LABEL_INTEGER, LABEL_FRACTION, LABEL_TEXT, LABEL_OUT_OF_RANGE };

/* A number in double precision with decimal mark dec; false when text. */
static bool label_number(const char *s, char dec, double *out)
{
    size_t n = strlen(s);
    char buf[64];
    if (n == 0 || n >= sizeof buf ||
        strspn(s, dec == ',' ? "0123456789,eE+-" : "0123456789.eE+-") != n)
        return false;
    memcpy(buf, s, n + 1);
    char *comma = dec == ',' ? strchr(buf, ',') : NULL;
    if (comma)
        *comma = '.';
    char *end;
    *out = strtod(buf, &end);
    return end == buf + n;
}

/* An integer (also "3.0"), a number that is not one, text, or an integer
 * too large to be a class label. */
static enum label_kind classify_label(const char *s, char dec, int64_t *v)
{
    const char *q = s;
    if (*q == '-' || *q == '+')
        q++;
    if (*q >= '0' && *q <= '9') {
        int64_t x = 0;
        const char *d = q;
        while (*q >= '0' && *q <= '9' && q - d < 18)
            x = x * 10 + (*q++ - '0');
        if (*q == '\0') {
            *v = s[0] == '-' ? -x : x;
            return LABEL_INTEGER;
        }
    }
    double d;
    if (!label_number(s, dec, &d))
        return LABEL_TEXT;
    if (!isfinite(d) || fabs(d) >= LABEL_INT_LIMIT)
        return LABEL_OUT_OF_RANGE; /* every double this large is an integer */
    if (d != floor(d))
        return LABEL_FRACTION;
    *v = (int64_t)d;
    return LABEL_INTEGER;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void ds_label_scan_free(struct ds_label_scan *ls)
{
    free(ls->vals);
    ls->vals = NULL;
}

/* Distinct values of a sorted array, compacted in place. */
static size_t unique_i64(int64_t *u, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || u[i] != u[k - 1])
            u[k++] = u[i];
    return k;
}

/* Labels within this range are counted with a table instead of sorted. */
enum { DENSE_RANGE = 1 << 16 };

/* The sorted distinct values of vals[0..n) into u (room for n); their number. */
static size_t distinct_i64(const int64_t *vals, size_t n, int64_t *u)
{
    int64_t lo = n ? vals[0] : 0, hi = lo;
    for (size_t i = 1; i < n; i++) {
        lo = vals[i] < lo ? vals[i] : lo;
        hi = vals[i] > hi ? vals[i] : hi;
    }
    unsigned char *seen =
        n && (uint64_t)(hi - lo) < DENSE_RANGE ? calloc((size_t)(hi - lo) + 1, 1) : NULL;
    if (!seen) { /* a wide range (or no memory for the table): sort */
        memcpy(u, vals, n * sizeof *u);
        qsort(u, n, sizeof *u, cmp_i64);
        return unique_i64(u, n);
    }
    for (size_t i = 0; i < n; i++)
        seen[vals[i] - lo] = 1;
    size_t k = 0;
    for (int64_t v = lo; v <= hi; v++)
        if (seen[v - lo])
            u[k++] = v;
    free(seen);
    return k;
}

enum lrf_status ds_label_scan(const struct ds_label_input *in, struct ds_label_scan *ls,
                              struct lrf_error *err)
{
    memset(ls, 0, sizeof *ls);
    ls->first_frac = ls->first_big = ls->first_text = SIZE_MAX;
    ls->vals = malloc((in->n ? in->n : 1) * sizeof(int64_t));
    int64_t *u = malloc((in->n ? in->n : 1) * sizeof(int64_t));
    if (!ls->vals || !u) {
        free(u);
        ds_label_scan_free(ls);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
    }
    for (size_t r = 0; r < in->n; r++) {
        ls->vals[r] = 0;
        enum label_kind k = classify_label(in->texts[r], in->decimal, &ls->vals[r]);
        size_t *first = k == LABEL_TEXT           ? &ls->first_text
                        : k == LABEL_FRACTION     ? &ls->first_frac
                        : k == LABEL_OUT_OF_RANGE ? &ls->first_big
                                                  : NULL;
        if (first && *first == SIZE_MAX)
            *first = r;
    }
    ls->distinct_integers = distinct_i64(ls->vals, in->n, u);
    free(u);
    return LRF_OK;
}

bool ds_label_numeric(const struct ds_label_scan *ls)
{
    return ls->first_text == SIZE_MAX;
}

bool ds_label_few_levels(const struct ds_label_scan *ls, size_t rows)
{
    return ls->first_text == SIZE_MAX && ls->first_frac == SIZE_MAX && ls->first_big == SIZE_MAX &&
           ls->distinct_integers <= FEW_LEVELS_MAX && ls->distinct_integers <= rows / 2;
}

/* task auto's rule, and why. */
static enum lrf_task auto_task(const struct ds_label_scan *ls, size_t rows, char *why, size_t size)
{
    if (!ds_label_numeric(ls)) {
        snprintf(why, size, "auto: the label is text");
        return LRF_TASK_CLASSIFICATION;
    }
    if (ls->first_frac != SIZE_MAX) {
        snprintf(why, size, "auto: the label has non-integer values");
        return LRF_TASK_REGRESSION;
    }
    if (ls->first_big == SIZE_MAX && ls->distinct_integers >= REGRESSION_MIN_DISTINCT &&
        rows >= REGRESSION_MIN_ROWS) {
        snprintf(why, size, "auto: %zu distinct integer labels among %zu rows (more than %d)",
                 ls->distinct_integers, rows, REGRESSION_MIN_DISTINCT - 1);
        return LRF_TASK_REGRESSION;
    }
    snprintf(why, size, "auto: integer labels with %zu distinct values", ls->distinct_integers);
    return LRF_TASK_CLASSIFICATION;
}

/* An error about row r's label: "FILE:LINE: column 'NAME' (N): msg". */
static enum lrf_status label_error(const struct ds_label_input *in, size_t r,
                                   enum lrf_status status, const char *msg, struct lrf_error *err)
{
    return lrf_error_set_at(err, status, in->name, in->lines ? in->lines[r] : 0, 0, "%s: %s",
                            in->column, msg);
}

/* ---- classification ----------------------------------------------------- */

/* The sorted distinct labels become the classes (and their names). */
static bool classes_from_values(const struct ds_label_input *in, const struct ds_label_scan *ls,
                                bool numeric, struct lrf_dataset *ds)
{
    size_t n = in->n;
    ds->labels_numeric = numeric;
    if (numeric) {
        int64_t *u = malloc((n ? n : 1) * sizeof *u);
        if (!u)
            return false;
        ds->classes = distinct_i64(ls->vals, n, u);
        ds->class_values = u;
        return true;
    }
    /* Distinct texts through a hash table, then sorted: not a sort of every row. */
    struct ds_levels t = {0};
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++)
        ok = ds_levels_add(&t, in->texts[i], strlen(in->texts[i]), 1);
    ds->class_names = ok ? ds_levels_sorted(&t) : NULL;
    ds->classes = ds->class_names ? t.n : 0;
    ds_levels_free(&t);
    return ds->class_names != NULL;
}

/* Class names (and values) for numeric classes, or copied from ref. */
static enum lrf_status name_classes(const struct lrf_dataset *ref, struct lrf_dataset *ds,
                                    struct lrf_error *err)
{
    if (ds->labels_numeric && !ds->class_names) {
        const int64_t *cv = ref ? ref->class_values : ds->class_values;
        ds->class_names = calloc(ds->classes ? ds->classes : 1, sizeof(char *));
        for (size_t i = 0; ds->class_names && i < ds->classes; i++) {
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", (long long)cv[i]);
            ds->class_names[i] = ds_strdup(buf);
        }
        if (ref) {
            ds->class_values = malloc((ds->classes ? ds->classes : 1) * sizeof(int64_t));
            if (ds->class_values)
                memcpy(ds->class_values, cv, ds->classes * sizeof(int64_t));
        }
    } else if (ref) {
        ds->class_names = calloc(ds->classes ? ds->classes : 1, sizeof(char *));
        for (size_t i = 0; ds->class_names && i < ds->classes; i++)
            ds->class_names[i] = ds_strdup(ref->class_names[i]);
    }
    if (!ds->class_names || (ds->labels_numeric && !ds->class_values))
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
    for (size_t i = 0; i < ds->classes; i++)
        if (!ds->class_names[i])
            return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
    return LRF_OK;
}

/* Row r's class: a binary search of the sorted integer classes, or the
 * text classes' hash table; ds->classes when absent. */
static size_t find_class(const struct lrf_dataset *ds, const struct ds_levels *names,
                         const struct ds_label_input *in, const struct ds_label_scan *ls, size_t r)
{
    if (!ds->labels_numeric) {
        long k = ds_levels_find(names, in->texts[r], strlen(in->texts[r]));
        return k < 0 ? ds->classes : (size_t)k;
    }
    size_t lo = 0, hi = ds->classes;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ds->class_values[mid] < ls->vals[r])
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ds->classes && ds->class_values[lo] == ls->vals[r] ? lo : ds->classes;
}

static enum lrf_status assign_labels(const struct ds_label_input *in,
                                     const struct ds_label_scan *ls, struct lrf_dataset *ds,
                                     struct lrf_error *err)
{
    struct ds_levels names = {0};
    if (!ds->labels_numeric && !ds_levels_index(&names, ds->class_names, ds->classes)) {
        ds_levels_free(&names);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
    }
    enum lrf_status st = LRF_OK;
    for (size_t r = 0; r < in->n && st == LRF_OK; r++) {
        size_t k = find_class(ds, &names, in, ls, r);
        if (k == ds->classes) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "label '%.40s' is not one of the %zu classes of the training data",
                     in->texts[r], ds->classes);
            st = label_error(in, r, LRF_ERR_DATA, msg, err);
        }
        ds->labels[r] = (int32_t)k;
    }
    ds_levels_free(&names);
    return st;
}

/* Labels that cannot be classes: out of range, or not integers. */
static enum lrf_status check_class_values(const struct ds_label_input *in,
                                          const struct ds_label_scan *ls, bool numeric,
                                          struct lrf_error *err)
{
    char msg[160];
    if (numeric && ls->first_big != SIZE_MAX) {
        snprintf(msg, sizeof msg,
                 "class label out of range: '%.40s' (an integer label has at most 18 digits)",
                 in->texts[ls->first_big]);
        return label_error(in, ls->first_big, LRF_ERR_DATA, msg, err);
    }
    if (numeric && ls->first_frac != SIZE_MAX) {
        snprintf(msg, sizeof msg,
                 "expected an integer class label, got '%.40s' (--task regression for a "
                 "numeric target)",
                 in->texts[ls->first_frac]);
        return label_error(in, ls->first_frac, LRF_ERR_DATA, msg, err);
    }
    return LRF_OK;
}

/* Too few classes, or so many that the label is not a class at all. */
static enum lrf_status check_class_count(const struct ds_label_input *in,
                                         const struct lrf_dataset *ds, struct lrf_error *err)
{
    if (ds->classes < 2)
        return lrf_error_set_at(err, LRF_ERR_DATA, in->name, 0, 0,
                                "a single class: every row has label '%.40s'; expected at least 2 "
                                "classes",
                                in->n ? in->texts[0] : "");
    if (in->n >= ID_MIN_ROWS && (double)ds->classes > ID_CLASS_SHARE * (double)in->n)
        return lrf_error_set_at(err, LRF_ERR_DATA, in->name, 0, 0,
                                "%s: %zu classes in %zu rows: an identifier or a numeric target, "
                                "not a class (choose the label with --label NAME, or "
                                "--task regression)",
                                in->column, ds->classes, in->n);
    return LRF_OK;
}

static enum lrf_status classify(const struct ds_label_input *in, const struct ds_label_scan *ls,
                                const struct lrf_dataset *ref, struct lrf_dataset *ds,
                                struct lrf_error *err)
{
    bool numeric = ref ? ref->labels_numeric : ds_label_numeric(ls);
    enum lrf_status st = check_class_values(in, ls, numeric, err);
    if (st != LRF_OK)
        return st;
    if (ref) {
        ds->classes = ref->classes;
        ds->labels_numeric = ref->labels_numeric;
    } else if (!classes_from_values(in, ls, numeric, ds)) {
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
    }
    if (!ref && !ds->shard && (st = check_class_count(in, ds, err)) != LRF_OK)
        return st;
    if ((st = name_classes(ref, ds, err)) != LRF_OK)
        return st;
    return assign_labels(in, ls, ds, err);
}

/* ---- regression --------------------------------------------------------- */

static enum lrf_status regress(const struct ds_label_input *in, struct lrf_dataset *ds,
                               struct lrf_error *err)
{
    ds->targets = malloc((in->n ? in->n : 1) * sizeof(float));
    if (!ds->targets)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory for the targets");
    for (size_t r = 0; r < in->n; r++) {
        double d;
        if (!label_number(in->texts[r], in->decimal, &d) || !isfinite(d) || !isfinite((float)d)) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "expected a finite number as a regression target, got "
                     "'%.40s'",
                     in->texts[r]);
            return label_error(in, r, LRF_ERR_DATA, msg, err);
        }
        ds->targets[r] = (float)d;
    }
    ds->classes = 0;
    return LRF_OK;
}

enum lrf_status ds_label_finish(const struct ds_label_input *in, enum lrf_task task,
                                const struct lrf_dataset *ref, struct lrf_dataset *ds,
                                struct lrf_error *err)
{
    struct ds_label_scan ls;
    enum lrf_status st = ds_label_scan(in, &ls, err);
    if (st != LRF_OK)
        return st;
    char why[160];
    if (ref) {
        task = ref->schema.task;
        snprintf(why, sizeof why, "%s", ref->schema.task_why ? ref->schema.task_why : "");
    } else if (task == LRF_TASK_AUTO) {
        task = auto_task(&ls, in->n, why, sizeof why);
    } else {
        snprintf(why, sizeof why, "--task %s", lrf_task_name(task));
    }
    ds->schema.task = task;
    ds->labels = calloc(in->n ? in->n : 1, sizeof(int32_t));
    if (!ds->labels || !ds_set_text(&ds->schema.task_why, "%s", why))
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory mapping labels");
    else if (task == LRF_TASK_REGRESSION)
        st = regress(in, ds, err);
    else
        st = classify(in, &ls, ref, ds, err);
    ds_label_scan_free(&ls);
    return st;
}

void ds_label_type(struct lrf_dataset *ds)
{
    bool text = ds->schema.task == LRF_TASK_CLASSIFICATION && !ds->labels_numeric;
    ds->schema.cols[ds->label_index].type = text ? LRF_COLUMN_CATEGORICAL : LRF_COLUMN_NUMERIC;
}
