/* The general path's decisions for a training file, from the typing pass's
 * statistics: each column's type, its levels, a pandas index or R row names
 * to drop, columns with every value missing, the label rule's last-or-first
 * choice, categories with too many levels, identifier-like columns. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

/* A categorical feature may have at most this many levels ... */
enum { LEVELS_MAX = 256 };
/* ... and is "mostly distinct" (an identifier) with more distinct values
 * than this share of its values, from MOSTLY_DISTINCT_MIN values on. */
static const double MOSTLY_DISTINCT_SHARE = 0.5;
enum { MOSTLY_DISTINCT_MIN = 20, ID_MIN_ROWS = 10 };

/* ---- levels, per chunk then merged -------------------------------------- */

struct level_job {
    const struct ds_table *t;
    int c;
    const bool *want;
    struct ds_levels *tables; /* (ncols) */
    bool ok;
};

static void *level_chunk(void *arg)
{
    struct level_job *job = arg;
    const struct ds_parser *p = &job->t->chunks[job->c].parser;
    size_t nc = job->t->ncols;
    job->ok = true;
    for (size_t r = 0; r < p->rows && job->ok; r++)
        for (size_t j = 0; j < nc && job->ok; j++) {
            size_t at = r * nc + j;
            const char *text = p->cells.text + p->cells.off[at];
            if (job->want[j] && job->t->kind[job->c][at] != DS_CELL_MISSING)
                job->ok = ds_levels_add(&job->tables[j], text,
                                        ds_cell_len(&p->cells, at, p->rows * nc), 1);
        }
    return NULL;
}

/* Each wanted column's distinct non-missing texts with counts, in out: the
 * typing pass counted the texts; a column that also has numbers (which are
 * levels too, as texts) is counted again whole. */
static bool count_levels(const struct ds_table *t, const bool *want, struct ds_levels *out)
{
    struct level_job jobs[DS_THREADS_MAX];
    bool *mixed = calloc(t->ncols, sizeof *mixed), any_mixed = false;
    struct ds_levels *all = calloc((size_t)t->n * t->ncols, sizeof *all);
    bool ok = mixed && all;
    for (size_t j = 0; ok && j < t->ncols; j++)
        any_mixed |= mixed[j] = want[j] && t->all[j].numbers > 0;
    for (int c = 0; ok && c < t->n; c++) {
        jobs[c] = (struct level_job){t, c, mixed, all + (size_t)c * t->ncols, false};
        ok = t->texts_ok[c];
    }
    if (ok && any_mixed)
        ds_run_parallel(jobs, sizeof jobs[0], t->n, level_chunk);
    for (int c = 0; ok && any_mixed && c < t->n; c++)
        ok = jobs[c].ok;
    for (size_t j = 0; ok && j < t->ncols; j++)
        for (int c = 0; ok && want[j] && c < t->n; c++) {
            size_t at = (size_t)c * t->ncols + j;
            ok = ds_levels_merge(&out[j], mixed[j] ? &all[at] : &t->texts[at]);
        }
    for (size_t i = 0; all && i < (size_t)t->n * t->ncols; i++)
        ds_levels_free(&all[i]);
    free(all);
    free(mixed);
    return ok;
}

/* ---- types and dropped columns ------------------------------------------ */

static enum lrf_status assign_types(struct ds_table *t, struct ds_schema *s, struct ds_levels *lv,
                                    struct lrf_error *err)
{
    bool *want = calloc(s->ncols, sizeof *want);
    if (!want)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    for (size_t j = 0; j < s->ncols; j++) {
        const struct ds_colstat *a = &t->all[j];
        struct ds_column *c = &s->cols[j];
        c->type = a->texts     ? LRF_COLUMN_CATEGORICAL
                  : a->numbers ? LRF_COLUMN_NUMERIC
                               : LRF_COLUMN_EMPTY;
        c->missing = a->missing;
        want[j] = c->type == LRF_COLUMN_CATEGORICAL && c->role != LRF_COLUMN_DROPPED;
    }
    bool ok = count_levels(t, want, lv);
    free(want);
    return ok ? LRF_OK : lrf_error_set(err, LRF_ERR_NOMEM, "out of memory counting levels");
}

static enum lrf_status drop_column(struct ds_schema *s, size_t j, const char *why,
                                   struct lrf_error *err)
{
    char col[96];
    ds_column_label(s, j, col, sizeof col);
    s->cols[j].role = LRF_COLUMN_DROPPED;
    if (!ds_set_text(&s->cols[j].why, "%s", why) || !ds_schema_note(s, "%s dropped: %s", col, why))
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    return LRF_OK;
}

/* 0 or 1 when column 0's numbers count rows from it, else -1. */
static int number_index_base(const struct ds_table *t)
{
    for (int base = 0; base < 2; base++) {
        size_t r = 0;
        for (int c = 0; c < t->n; c++)
            for (size_t i = 0; i < t->chunks[c].parser.rows && r != SIZE_MAX; i++, r++)
                if (t->num[c][i * t->ncols] != (float)(r + (size_t)base))
                    r = SIZE_MAX;
        if (r == t->rows && t->rows + 1 < (1u << 24))
            return base;
    }
    return -1;
}

/* A first column without a name that counts rows (a pandas index, R's row
 * numbers) or names each row once (R's row names). */
static enum lrf_status drop_row_names(struct ds_table *t, struct ds_schema *s,
                                      const struct ds_levels *lv, struct lrf_error *err)
{
    struct ds_column *c = &s->cols[0];
    char why[96];
    if (!s->header || c->role != LRF_COLUMN_FEATURE || c->missing ||
        (c->name[0] && strcmp(c->name, "Unnamed: 0")))
        return LRF_OK;
    if (c->type == LRF_COLUMN_NUMERIC &&
        ds_index_reason(number_index_base(t), c->name, why, sizeof why))
        return drop_column(s, 0, why, err);
    if (c->type == LRF_COLUMN_CATEGORICAL && !c->name[0] && lv[0].n == t->rows)
        return drop_column(s, 0, "R row names (a distinct name per row)", err);
    return LRF_OK;
}

static enum lrf_status drop_empty(struct ds_schema *s, struct lrf_error *err)
{
    enum lrf_status st = LRF_OK;
    for (size_t j = 0; j < s->ncols && st == LRF_OK; j++)
        if (s->cols[j].type == LRF_COLUMN_EMPTY && s->cols[j].role == LRF_COLUMN_FEATURE)
            st = drop_column(s, j, "every value is missing", err);
    return st;
}

/* ---- the label rule's second half --------------------------------------- */

/* The texts of column j (missing values left out). */
static const char **column_texts(const struct ds_table *t, size_t j, size_t *n)
{
    const char **v = malloc((t->rows ? t->rows : 1) * sizeof *v);
    *n = 0;
    for (int c = 0; v && c < t->n; c++) {
        const struct ds_cells *cl = &t->chunks[c].parser.cells;
        for (size_t i = 0; i < t->chunks[c].parser.rows; i++) {
            size_t at = i * t->ncols + j;
            if (t->kind[c][at] != DS_CELL_MISSING)
                v[(*n)++] = cl->text + cl->off[at];
        }
    }
    return v;
}

/* The last column is the label when not numeric or with few integer
 * levels, else the first. */
static enum lrf_status settle_label(struct ds_table *t, struct ds_plan *pl, struct lrf_error *err)
{
    struct ds_schema *s = &pl->ds->schema;
    size_t j = pl->ds->label_index, n;
    if (s->cols[j].type == LRF_COLUMN_CATEGORICAL)
        return ds_plan_set_label(pl, j, "the last column, not numeric", err);
    const char **texts = column_texts(t, j, &n);
    struct ds_label_input in = {.name = t->name, .decimal = t->decimal, .n = n, .texts = texts};
    struct ds_label_scan ls;
    enum lrf_status st =
        texts ? ds_label_scan(&in, &ls, err) : lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    free(texts);
    if (st != LRF_OK)
        return st;
    bool few = ds_label_few_levels(&ls, n);
    char why[96];
    snprintf(why, sizeof why, "the last column, with few integer levels (%zu)",
             ls.distinct_integers);
    ds_label_scan_free(&ls);
    pl->label_tentative = false;
    return few ? ds_plan_set_label(pl, j, why, err) : ds_first_label(pl, err);
}

/* ---- checks ------------------------------------------------------------- */

static enum lrf_status check_categories(struct ds_table *t, const struct ds_schema *s,
                                        const struct ds_levels *lv)
{
    for (size_t j = 0; j < s->ncols; j++) {
        const struct ds_column *c = &s->cols[j];
        size_t values = t->rows - c->missing, n = lv[j].n;
        if (c->role != LRF_COLUMN_FEATURE || c->type != LRF_COLUMN_CATEGORICAL)
            continue;
        bool distinct =
            values >= MOSTLY_DISTINCT_MIN && (double)n > MOSTLY_DISTINCT_SHARE * (double)values;
        char hint[96];
        ds_drop_hint(s, j, hint, sizeof hint);
        if (n > LEVELS_MAX || distinct)
            return ds_table_error(
                t, s, j, t->all[j].first_text, LRF_ERR_DATA,
                "%zu distinct text values in %zu rows (first '%.40s'): %s; drop it with --drop "
                "%s",
                n, values, ds_table_text(t, t->all[j].first_text, j),
                distinct ? "mostly distinct, an identifier rather than a category"
                         : "more than 256 levels for a category",
                hint);
    }
    return LRF_OK;
}

/* A numeric column of integers, every one different. */
static bool distinct_integers(const struct ds_table *t, size_t j, float *tmp)
{
    const struct ds_colstat *a = &t->all[j];
    size_t n = 0;
    if (t->rows < ID_MIN_ROWS || a->missing || !a->integer ||
        a->max - a->min + 1.0f < (float)t->rows)
        return false;
    for (int c = 0; c < t->n; c++)
        for (size_t i = 0; i < t->chunks[c].parser.rows; i++)
            tmp[n++] = t->num[c][i * t->ncols + j];
    return ds_all_distinct(tmp, n);
}

static enum lrf_status check_numbers(struct ds_table *t, struct ds_schema *s, struct lrf_error *err)
{
    float *tmp = malloc((t->rows ? t->rows : 1) * sizeof *tmp);
    enum lrf_status st = tmp ? LRF_OK : lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    for (size_t j = 0; j < s->ncols && st == LRF_OK; j++) {
        const struct ds_column *c = &s->cols[j];
        if (c->role != LRF_COLUMN_FEATURE || c->type != LRF_COLUMN_NUMERIC)
            continue;
        size_t bad = t->all[j].first_nonfinite;
        if (bad != SIZE_MAX)
            st = ds_table_error(t, s, j, bad, LRF_ERR_NUMERIC,
                                "expected a finite number, got '%.40s'", ds_table_text(t, bad, j));
        else
            st = ds_warn_identifier(s, j, distinct_integers(t, j, tmp), err);
    }
    free(tmp);
    return st;
}

/* Keeps each categorical feature's sorted levels in the schema. */
static enum lrf_status keep_levels(struct ds_schema *s, struct ds_levels *lv, struct lrf_error *err)
{
    for (size_t j = 0; j < s->ncols; j++) {
        struct ds_column *c = &s->cols[j];
        if (c->role != LRF_COLUMN_FEATURE || c->type != LRF_COLUMN_CATEGORICAL)
            continue;
        c->levels = ds_levels_sorted(&lv[j]);
        if (!c->levels)
            return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
        c->nlevels = lv[j].n;
    }
    return LRF_OK;
}

enum lrf_status ds_table_decide(struct ds_table *t, struct ds_plan *pl, struct lrf_error *err)
{
    struct ds_schema *s = &pl->ds->schema;
    struct ds_levels *lv = calloc(s->ncols, sizeof *lv);
    enum lrf_status st =
        lv ? assign_types(t, s, lv, err) : lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    if (st == LRF_OK)
        st = drop_row_names(t, s, lv, err);
    if (st == LRF_OK)
        st = drop_empty(s, err);
    if (st == LRF_OK && pl->label_tentative)
        st = settle_label(t, pl, err);
    if (st == LRF_OK && s->cols[pl->ds->label_index].type == LRF_COLUMN_EMPTY)
        st = ds_table_error(t, s, pl->ds->label_index, SIZE_MAX, LRF_ERR_DATA,
                            "every label is missing");
    if (st == LRF_OK)
        st = check_categories(t, s, lv);
    if (st == LRF_OK)
        st = check_numbers(t, s, err);
    if (st == LRF_OK)
        st = keep_levels(s, lv, err);
    for (size_t j = 0; lv && j < s->ncols; j++)
        ds_levels_free(&lv[j]);
    free(lv);
    return st == LRF_OK ? ds_plan_layout(pl, err) : st;
}
