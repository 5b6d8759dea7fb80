/* The general path's typing pass, over the CELLS chunks: per chunk (on its
 * own thread) each cell is a missing value, a number or text, with counts
 * and per-column statistics that add up across chunks; then, for the
 * training file, each column's type and the decisions that need all rows:
 * a pandas index or R row names to drop, columns with every value missing,
 * the label rule's last-or-first choice, categories with too many levels,
 * identifier-like columns. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

/* ---- per chunk ---------------------------------------------------------- */

static void stat_init(struct ds_colstat *s)
{
    *s = (struct ds_colstat){.first_text = SIZE_MAX,
                             .first_missing = SIZE_MAX,
                             .first_nonfinite = SIZE_MAX,
                             .integer = true,
                             .min = INFINITY,
                             .max = -INFINITY};
}

static uint8_t type_cell(struct ds_colstat *s, const char *t, size_t len, char dec, size_t r,
                         float *out)
{
    float v;
    *out = NAN;
    if (ds_is_missing(t, len)) {
        s->missing++;
        s->first_missing = s->first_missing < r ? s->first_missing : r;
        return DS_CELL_MISSING;
    }
    int k = ds_parse_number_dec(t, len, dec, &v);
    if (k == 3) {
        s->first_nonfinite = s->first_nonfinite < r ? s->first_nonfinite : r;
        s->numbers++;
        return DS_CELL_NONFINITE;
    }
    if (k != 0) {
        s->texts++;
        s->first_text = s->first_text < r ? s->first_text : r;
        return DS_CELL_TEXT;
    }
    *out = v;
    s->numbers++;
    s->integer &= v == floorf(v);
    s->min = v < s->min ? v : s->min;
    s->max = v > s->max ? v : s->max;
    return DS_CELL_NUMBER;
}

struct type_job {
    struct ds_table *t;
    int c;
};

static void *type_chunk(void *arg)
{
    struct type_job *job = arg;
    struct ds_table *t = job->t;
    const struct ds_parser *p = &t->chunks[job->c].parser;
    size_t nc = t->ncols;
    struct ds_colstat *st = t->st + (size_t)job->c * nc;
    float *num = t->num[job->c] = malloc((p->rows ? p->rows : 1) * nc * sizeof(float));
    uint8_t *kind = t->kind[job->c] = malloc((p->rows ? p->rows : 1) * nc);
    for (size_t j = 0; j < nc; j++)
        stat_init(&st[j]);
    if (!num || !kind)
        return NULL;
    struct ds_levels *texts = t->texts + (size_t)job->c * nc;
    bool ok = true;
    for (size_t r = 0; r < p->rows; r++)
        for (size_t j = 0; j < nc; j++) {
            size_t at = r * nc + j;
            const char *text = p->cells.text + p->cells.off[at];
            size_t len = ds_cell_len(&p->cells, at, p->rows * nc);
            kind[at] = type_cell(&st[j], text, len, t->decimal, r, &num[at]);
            /* A column with text is categorical: its levels are counted here, and
             * each text cell remembers which one it is. */
            if (kind[at] == DS_CELL_TEXT && ok) {
                long id = ds_levels_add_id(&texts[j], text, len, 1);
                ok = id >= 0;
                num[at] = ds_text_id_nan(id);
            }
        }
    t->texts_ok[job->c] = ok;
    return NULL;
}

/* The chunks' statistics added up, first occurrences as global rows. */
static void merge_stats(struct ds_table *t)
{
    for (size_t j = 0; j < t->ncols; j++) {
        struct ds_colstat *a = &t->all[j];
        stat_init(a);
        for (int c = 0; c < t->n; c++) {
            const struct ds_colstat *s = &t->st[(size_t)c * t->ncols + j];
            size_t base = t->row_base[c];
            a->missing += s->missing;
            a->numbers += s->numbers;
            a->texts += s->texts;
            if (a->first_text == SIZE_MAX && s->first_text != SIZE_MAX)
                a->first_text = base + s->first_text;
            if (a->first_missing == SIZE_MAX && s->first_missing != SIZE_MAX)
                a->first_missing = base + s->first_missing;
            if (a->first_nonfinite == SIZE_MAX && s->first_nonfinite != SIZE_MAX)
                a->first_nonfinite = base + s->first_nonfinite;
            a->integer &= s->integer;
            a->min = s->min < a->min ? s->min : a->min;
            a->max = s->max > a->max ? s->max : a->max;
        }
    }
}

enum lrf_status ds_table_type(struct ds_table *t, struct lrf_error *err)
{
    struct type_job jobs[DS_THREADS_MAX];
    for (int c = 0; c < t->n; c++)
        jobs[c] = (struct type_job){t, c};
    ds_run_parallel(jobs, sizeof jobs[0], t->n, type_chunk);
    for (int c = 0; c < t->n; c++)
        if (!t->num[c] || !t->kind[c])
            return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory typing the columns");
    merge_stats(t);
    return LRF_OK;
}

/* ---- cells by global row ------------------------------------------------ */

static void ds_table_locate(const struct ds_table *t, size_t row, int *chunk, size_t *local)
{
    int c = 0;
    while (c + 1 < t->n && t->row_base[c + 1] <= row)
        c++;
    *chunk = c;
    *local = row - t->row_base[c];
}

const char *ds_table_text(const struct ds_table *t, size_t row, size_t j)
{
    int c;
    size_t r;
    ds_table_locate(t, row, &c, &r);
    const struct ds_cells *cl = &t->chunks[c].parser.cells;
    return cl->text + cl->off[r * t->ncols + j];
}

long ds_table_line(const struct ds_table *t, size_t row)
{
    int c;
    size_t r;
    ds_table_locate(t, row, &c, &r);
    return t->line_base[c] + (long)t->chunks[c].parser.cells.line[r];
}

enum lrf_status ds_table_error(const struct ds_table *t, const struct ds_schema *s, size_t k,
                               size_t row, enum lrf_status status, const char *fmt, ...)
{
    char col[96], msg[LRF_ERROR_MESSAGE_MAX];
    ds_column_label(s, k, col, sizeof col);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lrf_error_set_at(t->err, status, t->name, row == SIZE_MAX ? 0 : ds_table_line(t, row), 0,
                            "%s: %s", col, msg);
}
