/* The cache's meta section: every string and small array of a dataset (its
 * names, classes and the whole schema: decisions, encoders, notes) as
 * length-prefixed fields, written to a growing buffer and read back with a
 * bounds check on every field. */
#include <stdlib.h>
#include <string.h>

#include "dataset/cache_format.h"
#include "dataset/internal.h"

/* ---- writing ------------------------------------------------------------ */

void ds_blob_put(struct ds_blob *b, const void *data, size_t n)
{
    if (b->bad || n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->bad = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_u64(struct ds_blob *b, uint64_t v)
{
    ds_blob_put(b, &v, sizeof v);
}

static void put_str(struct ds_blob *b, const char *s)
{
    s = s ? s : "";
    put_u64(b, strlen(s));
    ds_blob_put(b, s, strlen(s));
}

static void put_column(struct ds_blob *b, const struct ds_column *c)
{
    uint32_t fill;
    memcpy(&fill, &c->fill, sizeof fill);
    put_str(b, c->name);
    put_u64(b, (uint64_t)c->role | (uint64_t)c->type << 8 | (uint64_t)c->missing_level << 16 |
                   (uint64_t)c->indicator << 17 | (uint64_t)fill << 32);
    put_str(b, c->why);
    put_str(b, c->warning);
    put_u64(b, c->missing);
    put_u64(b, c->first_feature);
    put_u64(b, c->nfeatures);
    put_u64(b, c->nlevels);
    for (size_t k = 0; k < c->nlevels; k++)
        put_str(b, c->levels[k]);
}

static void put_schema(struct ds_blob *b, const struct ds_schema *s)
{
    put_u64(b, (uint64_t)(unsigned char)s->sep | (uint64_t)(unsigned char)s->decimal << 8 |
                   (uint64_t)s->sep_given << 16 | (uint64_t)s->header << 17 |
                   (uint64_t)s->bom << 18 | (uint64_t)s->gzip << 19 | (uint64_t)s->task << 24);
    put_str(b, s->header_why);
    put_str(b, s->label_why);
    put_str(b, s->task_why);
    put_u64(b, s->missing_total);
    put_u64(b, s->rows_dropped);
    put_u64(b, s->ncols);
    for (size_t j = 0; j < s->ncols; j++)
        put_column(b, &s->cols[j]);
    put_u64(b, s->nnotes);
    for (size_t i = 0; i < s->nnotes; i++)
        put_str(b, s->notes[i]);
}

bool ds_cache_meta_write(const struct lrf_dataset *ds, const char *options_key, const char *source,
                         struct ds_blob *b)
{
    put_str(b, options_key);
    put_str(b, source);
    put_str(b, ds->label_name);
    put_u64(b, ds->has_header ? ds->names_arena_len : 0);
    if (ds->has_header)
        ds_blob_put(b, ds->names_arena, ds->names_arena_len);
    for (size_t k = 0; k < ds->classes; k++)
        put_str(b, ds->class_names[k]);
    if (ds->labels_numeric)
        ds_blob_put(b, ds->class_values, ds->classes * sizeof(int64_t));
    put_schema(b, &ds->schema);
    return !b->bad;
}

/* ---- reading ------------------------------------------------------------ */

struct reader {
    const unsigned char *p;
    size_t left;
    bool bad;
};

static const void *take(struct reader *r, size_t n)
{
    if (r->bad || n > r->left) {
        r->bad = true;
        return NULL;
    }
    const void *q = r->p;
    r->p += n;
    r->left -= n;
    return q;
}

static uint64_t take_u64(struct reader *r)
{
    uint64_t v = 0;
    const void *q = take(r, sizeof v);
    if (q)
        memcpy(&v, q, sizeof v);
    return v;
}

/* A string copied out of the mapping (NULL when bad; "" stays ""). */
static char *take_str(struct reader *r)
{
    uint64_t n = take_u64(r);
    const char *q = r->bad || n > r->left ? NULL : take(r, n);
    char *s = q ? malloc(n + 1) : NULL;
    if (!s) {
        r->bad = true;
        return NULL;
    }
    memcpy(s, q, n);
    s[n] = '\0';
    return s;
}

/* An optional text: "" is absent (NULL). */
static char *take_opt(struct reader *r)
{
    char *s = take_str(r);
    if (s && !s[0]) {
        free(s);
        return NULL;
    }
    return s;
}

static bool take_column(struct reader *r, struct ds_column *c, size_t rows)
{
    c->name = take_str(r);
    uint64_t f = take_u64(r);
    uint32_t fill = (uint32_t)(f >> 32);
    memcpy(&c->fill, &fill, sizeof fill);
    c->role = (enum lrf_column_role)(f & 0xff);
    c->type = (enum lrf_column_type)((f >> 8) & 0xff);
    c->missing_level = (f >> 16) & 1;
    c->indicator = (f >> 17) & 1;
    c->why = take_opt(r);
    c->warning = take_opt(r);
    c->missing = take_u64(r);
    c->first_feature = take_u64(r);
    c->nfeatures = take_u64(r);
    uint64_t n = take_u64(r);
    if (r->bad || (unsigned)c->role >= LRF_COLUMN_ROLE_COUNT ||
        (unsigned)c->type >= LRF_COLUMN_TYPE_COUNT || n > r->left / 8 || c->missing > rows)
        return false;
    c->levels = n ? calloc(n, sizeof(char *)) : NULL;
    if (n && !c->levels)
        return false;
    c->nlevels = n;
    for (size_t k = 0; k < n && !r->bad; k++)
        c->levels[k] = take_str(r);
    return !r->bad;
}

/* Each column's features within the dataset's, its levels enough for them. */
static bool columns_fit(const struct ds_schema *s, size_t features)
{
    for (size_t j = 0; j < s->ncols; j++) {
        const struct ds_column *c = &s->cols[j];
        size_t want = c->type == LRF_COLUMN_CATEGORICAL ? c->nlevels + c->missing_level
                                                        : 1 + (size_t)c->indicator;
        if (c->role == LRF_COLUMN_FEATURE && (c->nfeatures != want || c->first_feature > features ||
                                              c->nfeatures > features - c->first_feature))
            return false;
    }
    return true;
}

static bool take_schema(struct reader *r, struct ds_schema *s, size_t rows, size_t features)
{
    uint64_t f = take_u64(r);
    s->sep = (char)(f & 0xff);
    s->decimal = (char)((f >> 8) & 0xff);
    s->sep_given = (f >> 16) & 1;
    s->header = (f >> 17) & 1;
    s->bom = (f >> 18) & 1;
    s->gzip = (f >> 19) & 1;
    s->task = (enum lrf_task)((f >> 24) & 0xff);
    s->header_why = take_opt(r);
    s->label_why = take_opt(r);
    s->task_why = take_opt(r);
    s->missing_total = take_u64(r);
    s->rows_dropped = take_u64(r);
    uint64_t n = take_u64(r);
    if (r->bad || n == 0 || n > r->left / 8 || (unsigned)s->task >= LRF_TASK_COUNT)
        return false;
    s->cols = calloc(n, sizeof *s->cols);
    if (!s->cols)
        return false;
    s->ncols = n;
    for (size_t j = 0; j < n; j++)
        if (!take_column(r, &s->cols[j], rows))
            return false;
    uint64_t notes = take_u64(r);
    if (r->bad || notes > r->left / 8 || !(s->notes = calloc(notes ? notes : 1, sizeof(char *))))
        return false;
    for (; s->nnotes < notes && !r->bad; s->nnotes++)
        s->notes[s->nnotes] = take_str(r);
    return !r->bad && r->left == 0 && columns_fit(s, features);
}

/* The names arena split into exactly `features` NUL-terminated names. */
static bool split_names(struct lrf_dataset *ds)
{
    if (!ds->has_header)
        return true;
    ds->feature_names = malloc((ds->features ? ds->features : 1) * sizeof(char *));
    if (!ds->feature_names || ds->names_arena_len == 0 ||
        ds->names_arena[ds->names_arena_len - 1] != '\0')
        return false;
    const char *q = ds->names_arena, *end = ds->names_arena + ds->names_arena_len;
    for (size_t j = 0; j < ds->features; j++) {
        if (q >= end)
            return false;
        ds->feature_names[j] = (char *)q;
        q += strlen(q) + 1;
    }
    return q == end;
}

static bool take_classes(struct reader *r, struct lrf_dataset *ds)
{
    ds->class_names = calloc(ds->classes ? ds->classes : 1, sizeof(char *));
    for (size_t k = 0; ds->class_names && k < ds->classes && !r->bad; k++)
        ds->class_names[k] = take_str(r);
    const void *values = ds->labels_numeric ? take(r, ds->classes * sizeof(int64_t)) : NULL;
    if (values && (ds->class_values = malloc((ds->classes ? ds->classes : 1) * sizeof(int64_t))))
        memcpy(ds->class_values, values, ds->classes * sizeof(int64_t));
    return !r->bad && ds->class_names && (!ds->labels_numeric || ds->class_values);
}

bool ds_cache_meta_source(const unsigned char *p, size_t len, char *buf, size_t size)
{
    struct reader r = {p, len, false};
    free(take_str(&r)); /* the options key */
    char *source = take_str(&r);
    if (source)
        snprintf(buf, size, "%s", source);
    free(source);
    return source != NULL;
}

bool ds_cache_meta_read(const unsigned char *p, size_t len, const char *options_key,
                        struct lrf_dataset *ds)
{
    struct reader r = {p, len, false};
    char *key = take_str(&r);
    bool ok = key && !strcmp(key, options_key);
    free(key);
    char *source = ok ? take_str(&r) : NULL; /* for listings only */
    ok = ok && source;
    free(source);
    if (!ok || !(ds->label_name = take_str(&r)))
        return false;
    ds->names_arena_len = take_u64(&r);
    const void *arena = ds->has_header ? take(&r, ds->names_arena_len) : NULL;
    if (ds->has_header && (!arena || !(ds->names_arena = malloc(ds->names_arena_len + 1))))
        return false;
    if (arena)
        memcpy(ds->names_arena, arena, ds->names_arena_len);
    return split_names(ds) && take_classes(&r, ds) &&
           take_schema(&r, &ds->schema, ds->rows, ds->features);
}
