/* The plan of a parse, from the head of the input: the dialect, the first
 * records (header or not, column names), what each column is to the parser
 * (--drop, the label when a name or the option tells it) and, for a file
 * encoded like another, which of its columns is which of the other's. */
#include <stdlib.h>
#include <string.h>

#include "dataset/internal.h"

void ds_plan_free(struct ds_plan *pl)
{
    free(pl->role);
    free(pl->feat_of);
    free(pl->file_col);
    pl->role = NULL;
    pl->feat_of = NULL;
    pl->file_col = NULL;
}

/* Roles for DATA parsers from the schema's roles (indexed by file column). */
enum lrf_status ds_plan_layout(struct ds_plan *pl, struct lrf_error *err)
{
    const struct ds_schema *s = &pl->ds->schema;
    free(pl->role);
    free(pl->feat_of);
    pl->role = calloc(pl->ncols, 1);
    pl->feat_of = calloc(pl->ncols, sizeof *pl->feat_of);
    if (!pl->role || !pl->feat_of)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    pl->features = 0;
    for (size_t f = 0; f < pl->ncols; f++) {
        size_t j = pl->file_col ? SIZE_MAX : f; /* the schema column read from file column f */
        for (size_t k = 0; pl->file_col && k < s->ncols; k++)
            j = pl->file_col[k] == f ? k : j;
        enum lrf_column_role r = j < s->ncols ? s->cols[j].role : LRF_COLUMN_DROPPED;
        pl->role[f] = r == LRF_COLUMN_LABEL     ? DS_ROLE_LABEL
                      : r == LRF_COLUMN_FEATURE ? DS_ROLE_FEATURE
                                                : DS_ROLE_SKIP;
        if (r == LRF_COLUMN_FEATURE)
            pl->feat_of[f] = (uint32_t)pl->features++;
    }
    return LRF_OK;
}

enum lrf_status ds_plan_set_label(struct ds_plan *pl, size_t j, const char *why,
                                  struct lrf_error *err)
{
    struct ds_schema *s = &pl->ds->schema;
    for (size_t k = 0; k < s->ncols; k++)
        if (s->cols[k].role == LRF_COLUMN_LABEL) {
            s->cols[k].role = LRF_COLUMN_FEATURE;
            free(s->cols[k].why);
            s->cols[k].why = NULL;
        }
    s->cols[j].role = LRF_COLUMN_LABEL;
    pl->ds->label_index = j;
    if (!ds_set_text(&s->label_why, "%s", why) || !ds_set_text(&s->cols[j].why, "%s", why) ||
        !ds_set_text(&pl->ds->label_name, "%s", s->cols[j].name))
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    return ds_plan_layout(pl, err);
}

/* The first records, or an error; *need_more when the head holds too few. */
static enum lrf_status probe_head(const char *name, const char *data, size_t size, bool whole,
                                  const struct ds_schema *s, struct ds_parser *probe,
                                  bool *need_more, struct lrf_error *err)
{
    ds_parser_init(probe, DS_MODE_PROBE, 0, 0, true);
    ds_parser_set_dialect(probe, s->sep, s->decimal);
    probe->probe_max = DS_PROBE_RECORDS;
    if (ds_parser_feed(probe, data, size) && whole)
        ds_parser_finish(probe);
    if (!probe->done && !probe->failed && !whole) {
        *need_more = true;
        return LRF_OK;
    }
    if (probe->failed)
        return lrf_error_set_at(err, probe->status, name, probe->err_line, probe->err_col, "%s",
                                probe->err_msg);
    if (probe->nprobe == 0)
        return lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0, "empty file: expected CSV rows");
    if (probe->probe[0].nfields < 2)
        return lrf_error_set_at(err, LRF_ERR_DATA, name, probe->probe[0].line, 1,
                                "expected at least 2 columns (features and a label), found 1");
    return LRF_OK;
}

/* The shell's columns: names from the header, all features to begin with. */
static bool name_columns(const struct ds_parser *probe, const char *why, struct lrf_dataset *ds)
{
    const struct ds_record *r1 = &probe->probe[0];
    struct ds_schema *s = &ds->schema;
    if (!ds_schema_columns(s, r1->nfields) || !ds_set_text(&s->header_why, "%s", why))
        return false;
    for (size_t j = 0; ds->has_header && j < r1->nfields; j++)
        if (!ds_set_text(&s->cols[j].name, "%s", r1->fields[j]))
            return false;
    ds->columns_in_file = r1->nfields;
    return (ds->label_name = ds_strdup("")) != NULL;
}

/* The label when the option or a column's name tells it, else the last
 * column, tentatively (the rule's check of its values comes after parsing). */
static enum lrf_status choose_label(const char *name, struct ds_plan *pl,
                                    const struct lrf_dataset_options *opt, struct lrf_error *err)
{
    struct ds_schema *s = &pl->ds->schema;
    size_t j;
    const char *named;
    if (opt->label) {
        enum lrf_status st =
            ds_find_column(name, s, "--label", "label column", opt->label, &j, err);
        if (st != LRF_OK)
            return st;
        return ds_plan_set_label(pl, j, "--label", err);
    }
    if (ds_label_by_name(s, &j, &named)) {
        char why[96];
        snprintf(why, sizeof why, "named '%s'%s", s->cols[j].name,
                 !strcmp(named, "y") ? " (and no column is named x)" : "");
        return ds_plan_set_label(pl, j, why, err);
    }
    j = s->ncols;
    for (size_t k = 0; k < s->ncols; k++)
        j = s->cols[k].role == LRF_COLUMN_DROPPED ? j : k;
    if (j == s->ncols)
        return lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0,
                                "every column is dropped: expected features and a label");
    pl->label_tentative = true;
    return ds_plan_set_label(pl, j, "the last column", err);
}

static enum lrf_status plan_columns(const char *name, struct ds_plan *pl,
                                    const struct lrf_dataset_options *opt, struct lrf_error *err)
{
    enum lrf_status st = ds_apply_drop(name, &pl->ds->schema, opt->drop, err);
    if (st == LRF_OK)
        st = choose_label(name, pl, opt, err);
    if (st == LRF_OK && pl->features == 0)
        st = lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0,
                              "no feature columns left: expected features and a label");
    return st;
}

/* Which file column holds each of ref's columns: by name when both files
 * have a header, else by position. */
static enum lrf_status map_like(const char *name, const struct ds_schema *s,
                                const struct lrf_dataset *ref, size_t *fc, struct lrf_error *err)
{
    const struct ds_schema *r = &ref->schema;
    if (!(s->header && r->header)) {
        if (s->ncols != r->ncols)
            return lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0,
                                    "incompatible with the training data: %zu columns, expected "
                                    "%zu",
                                    s->ncols, r->ncols);
        for (size_t k = 0; k < r->ncols; k++)
            fc[k] = k;
        return LRF_OK;
    }
    for (size_t k = 0; k < r->ncols; k++) {
        fc[k] = SIZE_MAX;
        for (size_t j = 0; j < s->ncols && fc[k] == SIZE_MAX; j++)
            fc[k] = strcmp(s->cols[j].name, r->cols[k].name) ? SIZE_MAX : j;
        if (fc[k] == SIZE_MAX && r->cols[k].role != LRF_COLUMN_DROPPED)
            return lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0,
                                    "incompatible with the training data: its column '%.60s' "
                                    "(%zu) is missing",
                                    r->cols[k].name, k);
    }
    for (size_t j = 0; j < s->ncols; j++) {
        bool known = false;
        for (size_t k = 0; k < r->ncols; k++)
            known |= fc[k] == j;
        if (!known)
            return lrf_error_set_at(err, LRF_ERR_DATA, name, 0, 0,
                                    "incompatible with the training data: column '%.60s' (%zu) "
                                    "is not in it",
                                    s->cols[j].name, j);
    }
    return LRF_OK;
}

/* The file's schema becomes ref's (types, encoders, label, task) with this
 * file's own format and counts starting from zero. */
static bool adopt_schema(struct ds_schema *s, const struct ds_schema *r)
{
    struct ds_schema own = *s;
    if (!ds_schema_copy(s, r)) {
        ds_schema_free(&own);
        return false;
    }
    s->sep = own.sep;
    s->decimal = own.decimal;
    s->sep_given = own.sep_given;
    s->header = own.header;
    s->bom = own.bom;
    s->gzip = own.gzip;
    s->stream = own.stream;
    free(s->header_why);
    s->header_why = own.header_why;
    own.header_why = NULL;
    ds_schema_free(&own);
    s->missing_total = s->rows_dropped = 0;
    for (size_t k = 0; k < s->ncols; k++)
        s->cols[k].missing = 0;
    return true;
}

enum lrf_status ds_plan_like(const char *name, struct ds_plan *pl, const struct lrf_dataset *ref,
                             struct lrf_error *err)
{
    struct lrf_dataset *ds = pl->ds;
    pl->ref = ref;
    pl->file_col = malloc((ref->schema.ncols ? ref->schema.ncols : 1) * sizeof(size_t));
    if (!pl->file_col)
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    enum lrf_status st = map_like(name, &ds->schema, ref, pl->file_col, err);
    if (st != LRF_OK)
        return st;
    if (!adopt_schema(&ds->schema, &ref->schema) ||
        !ds_set_text(&ds->label_name, "%s", ref->label_name ? ref->label_name : ""))
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    ds->label_index = pl->file_col[ref->label_index];
    return ds_plan_layout(pl, err);
}

/* The dataset shell from the probed records, and the plan's layout. */
static enum lrf_status make_shell(const char *name, const struct ds_parser *probe,
                                  const struct lrf_dataset_options *opt,
                                  const struct lrf_dataset *ref, struct ds_plan *pl,
                                  struct lrf_error *err)
{
    struct lrf_dataset *ds = pl->ds;
    const char *why;
    ds->has_header = ds_detect_header(probe->probe, probe->nprobe, ds->schema.decimal, &why);
    ds->schema.header = ds->has_header;
    if (!name_columns(probe, why, ds) || !(ds->source = ds_strdup(name)))
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    pl->ncols = ds->columns_in_file;
    return ref ? ds_plan_like(name, pl, ref, err) : plan_columns(name, pl, opt, err);
}

enum lrf_status ds_plan_from_head(const char *name, const char *data, size_t size, bool whole,
                                  const struct lrf_dataset_options *opt,
                                  const struct lrf_dataset *ref, struct ds_plan *out,
                                  bool *need_more, struct lrf_error *err)
{
    memset(out, 0, sizeof *out);
    *need_more = false;
    struct ds_parser probe;
    memset(&probe, 0, sizeof probe);
    struct lrf_dataset *ds = out->ds = ds_alloc();
    enum lrf_status st = ds ? ds_sniff_dialect(name, data, size, whole, opt, &ds->schema, err)
                            : lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    if (st == LRF_OK)
        st = probe_head(name, data, size, whole, &ds->schema, &probe, need_more, err);
    if (st == LRF_OK && !*need_more)
        st = make_shell(name, &probe, opt, ref, out, err);
    if (st == LRF_OK && !*need_more) {
        const struct ds_record *r1 = &probe.probe[0];
        const struct ds_record *r2 = probe.nprobe > 1 ? &probe.probe[1] : NULL;
        out->start = ds->has_header ? r1->end : 0;
        /* The length of one data row, to size the chunks' buffers. */
        out->sample_row = ds->has_header ? (r2 ? r2->end - r1->end : 0) : r1->end;
    }
    ds_parser_free(&probe);
    if (st != LRF_OK || *need_more) {
        ds_plan_free(out);
        lrf_dataset_destroy(ds);
        out->ds = NULL;
    }
    return st;
}
