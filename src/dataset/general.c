/* The general path, from CELLS chunks to the dataset: the typing pass, the
 * decisions (or a reference file's), the encoders, the missing-value
 * policy, the encoded rows, then the labels or targets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

static void table_free(struct ds_table *t)
{
    for (int c = 0; t->num && c < t->n; c++)
        free(t->num[c]);
    for (int c = 0; t->kind && c < t->n; c++)
        free(t->kind[c]);
    for (size_t i = 0; t->texts && i < (size_t)t->n * t->ncols; i++)
        ds_levels_free(&t->texts[i]);
    free(t->texts);
    free(t->texts_ok);
    free(t->num);
    free(t->kind);
    free(t->row_base);
    free(t->line_base);
    free(t->st);
    free(t->all);
}

static bool table_init(struct ds_table *t, const char *data, struct ds_chunk *chunks, int n,
                       size_t ncols)
{
    t->chunks = chunks;
    t->n = n;
    t->ncols = ncols;
    t->row_base = calloc((size_t)n + 1, sizeof *t->row_base);
    t->line_base = calloc((size_t)n + 1, sizeof *t->line_base);
    t->num = calloc((size_t)n + 1, sizeof *t->num);
    t->kind = calloc((size_t)n + 1, sizeof *t->kind);
    t->texts = calloc((size_t)n * ncols + 1, sizeof *t->texts);
    t->texts_ok = calloc((size_t)n + 1, sizeof *t->texts_ok);
    t->st = calloc((size_t)n * ncols + 1, sizeof *t->st);
    t->all = calloc(ncols + 1, sizeof *t->all);
    if (!t->row_base || !t->line_base || !t->num || !t->kind || !t->texts || !t->texts_ok ||
        !t->st || !t->all)
        return false;
    for (int c = 0; c < n; c++) {
        t->row_base[c + 1] = t->row_base[c] + chunks[c].parser.rows;
        t->line_base[c] = ds_count_lines(data, chunks[c].offset);
    }
    t->rows = t->row_base[n];
    return true;
}

/* Types and encoders: decided and fitted here, or taken from the reference. */
static enum lrf_status type_columns(struct ds_table *t, struct ds_plan *pl,
                                    const struct lrf_dataset_options *opt, struct lrf_error *err)
{
    enum lrf_status st = ds_table_type(t, err);
    if (st != LRF_OK)
        return st;
    if (pl->ref) {
        pl->ds->features = pl->ref->features;
        st = ds_table_check_like(t, pl);
        return st == LRF_OK ? ds_table_fills(t, pl, err) : st;
    }
    st = ds_table_decide(t, pl, err);
    if (st == LRF_OK)
        st = ds_table_fit(t, pl->ds, opt->missing, err);
    if (st == LRF_OK && pl->ds->features == 0)
        st = lrf_error_set_at(err, LRF_ERR_DATA, t->name, 0, 0,
                              "no feature columns left (every one dropped or empty): expected "
                              "features and a label");
    return st;
}

static enum lrf_status encode_and_label(struct ds_table *t, struct ds_plan *pl,
                                        const struct lrf_dataset_options *opt,
                                        struct lrf_error *err)
{
    struct lrf_dataset *ds = pl->ds;
    struct ds_label_input in = {.name = t->name, .decimal = t->decimal};
    char column[96];
    ds_column_label(&ds->schema, pl->ref ? pl->ref->label_index : ds->label_index, column,
                    sizeof column);
    in.column = column;
    enum lrf_status st = ds_table_missing(t, pl, opt->missing);
    if (st == LRF_OK)
        st = ds_table_encode(t, pl, opt->missing, &in, err);
    if (st == LRF_OK)
        st = ds_label_finish(&in, opt->task, pl->ref, ds, err);
    free(in.texts);
    free(in.lines);
    if (st == LRF_OK && ds->schema.rows_dropped &&
        !ds_schema_note(&ds->schema, "%zu rows with a missing value left out (--missing drop)",
                        ds->schema.rows_dropped))
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    return st;
}

enum lrf_status ds_general_finish(const char *name, const char *data, struct ds_chunk *chunks,
                                  int nchunks, struct ds_plan *pl,
                                  const struct lrf_dataset_options *opt, struct lrf_error *err)
{
    struct ds_table t = {.name = name, .decimal = pl->ds->schema.decimal, .err = err};
    enum lrf_status st = ds_chunk_error(name, data, chunks, nchunks, &pl->ds->schema, err);
    if (st != LRF_OK)
        return st;
    if (!table_init(&t, data, chunks, nchunks, pl->ncols))
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    else if (t.rows == 0)
        st = lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0,
                              pl->ds->has_header
                                  ? "a header with no rows: expected data rows after it"
                                  : "empty file: expected CSV rows");
    if (st == LRF_OK)
        st = type_columns(&t, pl, opt, err);
    if (st == LRF_OK)
        st = encode_and_label(&t, pl, opt, err);
    table_free(&t);
    struct lrf_dataset *ds = pl->ds;
    /* Ranges come from the encoding: vmin/vmax and the class counts are left. */
    if (st == LRF_OK && (ds_feature_names(ds) != LRF_OK || ds_finish_stats(ds) != LRF_OK))
        st = lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    return st;
}
