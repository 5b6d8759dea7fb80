/* Prediction input: a file with the training file's columns, with or without its label.
 * The file is read once into memory; its head tells its columns, which are compared with
 * the reference's (every difference is listed in one error); without the label, a
 * placeholder label field is inserted into each record (a quote-aware pass: a quoted field
 * may hold separators and newlines), so that the one like-loader encodes it (load.c). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset/cache_format.h"
#include "dataset/internal.h"

enum { DIFF_SHOWN_MAX = 8 }; /* names listed per kind of difference */

/* The whole input in memory (gzip inflated). */
static enum lrf_status read_input(const char *path, const struct lrf_dataset_options *opt,
                                  char **text, size_t *size, struct lrf_error *err)
{
    struct ds_read rd = {0};
    enum lrf_status st;
    if (!strcmp(path, "-")) {
        st = ds_read_stream(DS_STDIN_NAME, 0, opt, &rd, err);
    } else {
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        struct stat sb;
        if (fd < 0 || fstat(fd, &sb) != 0 || S_ISDIR(sb.st_mode)) {
            st = lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0, "cannot open: %s",
                                  fd < 0 ? strerror(errno) : "a directory (expected a CSV file)");
        } else if (S_ISREG(sb.st_mode)) {
            st = ds_read_whole(path, fd, (size_t)sb.st_size, opt, &rd, err);
        } else if (S_ISFIFO(sb.st_mode)) {
            st = ds_read_stream(path, fd, opt, &rd, err);
        } else {
            st = lrf_error_set_at(err, LRF_ERR_IO, path, 0, 0,
                                  "cannot read: not a regular file (expected a CSV file)");
        }
        if (fd >= 0)
            close(fd);
    }
    if (st == LRF_OK && ds_is_gzip(rd.buf, rd.size)) {
        st = ds_gunzip(path, rd.buf, rd.size, opt, text, size, err);
        free(rd.buf);
        return st;
    }
    *text = rd.buf;
    *size = rd.size;
    return st;
}

/* The file's own columns as its head tells them (header, names, separator). */
static enum lrf_status probe(const char *name, const char *text, size_t size,
                             const struct lrf_dataset_options *opt, struct lrf_dataset **shell,
                             struct lrf_error *err)
{
    size_t bom = size >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    struct lrf_dataset_options o = *opt;
    o.label = NULL; /* a file without the label must not fail on finding one */
    o.drop = NULL;
    o.task = LRF_TASK_AUTO;
    struct ds_plan pl;
    bool need_more;
    enum lrf_status st =
        ds_plan_from_head(name, text + bom, size - bom, true, &o, NULL, &pl, &need_more, err);
    if (st != LRF_OK)
        return st;
    *shell = pl.ds;
    ds_plan_free(&pl);
    return LRF_OK;
}

static bool has_name(const struct ds_schema *s, const char *name)
{
    for (size_t j = 0; j < s->ncols; j++)
        if (!strcmp(s->cols[j].name, name))
            return true;
    return false;
}

/* Appends ", 'name'" to buf (up to DIFF_SHOWN_MAX names, then a count). */
static void list_name(char *buf, size_t size, size_t *count, const char *name)
{
    size_t used = strlen(buf);
    if (++*count <= DIFF_SHOWN_MAX)
        snprintf(buf + used, size - used, "%s'%.40s'", *count > 1 ? ", " : "", name);
}

static void list_more(char *buf, size_t size, size_t count)
{
    size_t used = strlen(buf);
    if (count > DIFF_SHOWN_MAX)
        snprintf(buf + used, size - used, " and %zu more", count - DIFF_SHOWN_MAX);
}

/* Both files name their columns: the label may be absent, nothing else may differ. */
static enum lrf_status compare_names(const char *name, const struct ds_schema *file,
                                     const struct lrf_dataset *ref, bool *has_label,
                                     struct lrf_error *err)
{
    const struct ds_schema *r = &ref->schema;
    char missing[200] = "", extra[200] = "";
    size_t n_missing = 0, n_extra = 0;
    for (size_t k = 0; k < r->ncols; k++)
        if (k != ref->label_index && r->cols[k].role != LRF_COLUMN_DROPPED &&
            !has_name(file, r->cols[k].name))
            list_name(missing, sizeof missing, &n_missing, r->cols[k].name);
    for (size_t j = 0; j < file->ncols; j++)
        if (!has_name(r, file->cols[j].name))
            list_name(extra, sizeof extra, &n_extra, file->cols[j].name);
    list_more(missing, sizeof missing, n_missing);
    list_more(extra, sizeof extra, n_extra);
    *has_label = has_name(file, r->cols[ref->label_index].name);
    if (!n_missing && !n_extra)
        return LRF_OK;
    return lrf_error_set_at(err, LRF_ERR_DATA, name, 1, 0,
                            "its columns differ from the training data's: %s%s%s%s%s (the label "
                            "'%.40s' may be left out)",
                            n_missing ? "missing " : "", missing, n_missing && n_extra ? "; " : "",
                            n_extra ? "not in the training data: " : "", extra,
                            r->cols[ref->label_index].name);
}

/* Without names on both sides columns go by position: all of them, or all but the label. */
static enum lrf_status compare_count(const char *name, const struct ds_schema *file,
                                     const struct lrf_dataset *ref, bool *has_label,
                                     struct lrf_error *err)
{
    size_t want = ref->schema.ncols;
    *has_label = file->ncols == want;
    if (file->ncols == want || file->ncols + 1 == want)
        return LRF_OK;
    return lrf_error_set_at(err, LRF_ERR_DATA, name, 1, 0,
                            "its columns differ from the training data's: %zu columns, expected "
                            "%zu (the training data's, by position), or %zu without the label "
                            "(column %zu)",
                            file->ncols, want, want - 1, ref->label_index);
}

/* value as one CSV field: quoted when it holds the separator, a quote or a line end. */
static void put_field(struct ds_blob *b, const char *value, char sep)
{
    if (!strchr(value, sep) && !strpbrk(value, "\"\r\n")) {
        ds_blob_put(b, value, strlen(value));
        return;
    }
    ds_blob_put(b, "\"", 1);
    for (const char *p = value; *p; p++) {
        if (*p == '"')
            ds_blob_put(b, "\"", 1); /* a quote doubles inside quotes */
        ds_blob_put(b, p, 1);
    }
    ds_blob_put(b, "\"", 1);
}

/* One record of text from *i, with the field inserted before field `at` (or appended when
 * the record has fewer fields). */
static void copy_record(struct ds_blob *b, const char *text, size_t size, size_t *i, char sep,
                        size_t at, const char *field)
{
    size_t f = 0;
    bool quoted = false;
    if (at == 0)
        put_field(b, field, sep), ds_blob_put(b, &sep, 1);
    for (; *i < size; ++*i) {
        char c = text[*i];
        if (!quoted && (c == '\n' || c == '\r'))
            break;
        quoted ^= c == '"';
        ds_blob_put(b, &c, 1);
        if (!quoted && c == sep && ++f == at)
            put_field(b, field, sep), ds_blob_put(b, &sep, 1);
    }
    if (at > f)
        ds_blob_put(b, &sep, 1), put_field(b, field, sep);
    size_t end = *i; /* the record's line end: \r\n, \n or \r */
    if (*i < size && text[*i] == '\r')
        ++*i;
    if (*i < size && text[*i] == '\n')
        ++*i;
    ds_blob_put(b, text + end, *i - end);
}

/* text with the placeholder label column inserted at `at` in every record (blank lines kept
 * blank), named label_name in a header. */
static enum lrf_status insert_label(const char *text, size_t size, const struct ds_schema *file,
                                    size_t at, const char *label_name, const char *value,
                                    char **out, size_t *out_size, struct lrf_error *err)
{
    struct ds_blob b = {0};
    size_t i = size >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    ds_blob_put(&b, text, i);
    for (bool first = true; i < size; first = false) {
        if (text[i] == '\n' || text[i] == '\r') {
            ds_blob_put(&b, text + i++, 1);
            continue;
        }
        copy_record(&b, text, size, &i, file->sep, at, first && file->header ? label_name : value);
    }
    if (b.bad) {
        free(b.p);
        return lrf_error_set(err, LRF_ERR_NOMEM, "out of memory");
    }
    *out = (char *)b.p;
    *out_size = b.len;
    return LRF_OK;
}

/* Parses text encoded like ref, the label column that of ref. */
static enum lrf_status parse_like(const char *name, const char *text, size_t size,
                                  const struct lrf_dataset *ref,
                                  const struct lrf_dataset_options *opt, struct lrf_dataset **out,
                                  struct lrf_error *err)
{
    struct lrf_dataset_options o = *opt;
    char idx[32];
    snprintf(idx, sizeof idx, "%zu", ref->label_index);
    o.label = idx;
    o.missing = LRF_MISSING_IMPUTE; /* one prediction per row: none is dropped */
    return ds_parse_input(name, text, size, NULL, &o, ref, out, err);
}

/* Without the label: the placeholder (ref's first class, or 0 for a target) inserted where
 * the label goes, then parsed. */
static enum lrf_status parse_without_label(const char *name, const char *text, size_t size,
                                           const struct ds_schema *file,
                                           const struct lrf_dataset *ref,
                                           const struct lrf_dataset_options *opt,
                                           struct lrf_dataset **out, struct lrf_error *err)
{
    bool by_name = file->header && ref->schema.header;
    size_t at = by_name ? file->ncols : ref->label_index;
    const char *value = ref->classes ? ref->class_names[0] : "0";
    char *with = NULL;
    size_t with_size = 0;
    enum lrf_status st = insert_label(text, size, file, at, ref->label_name ? ref->label_name : "",
                                      value, &with, &with_size, err);
    if (st == LRF_OK)
        st = parse_like(name, with, with_size, ref, opt, out, err);
    free(with);
    return st;
}

enum lrf_status lrf_dataset_load_features_like(const char *path, const struct lrf_dataset *ref,
                                               const struct lrf_dataset_options *opt,
                                               struct lrf_dataset **out, bool *has_labels,
                                               struct lrf_error *err)
{
    struct lrf_dataset_options def = lrf_dataset_options_default();
    if (!path || !ref || !out || !has_labels)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "path, ref, out and has_labels are required");
    opt = opt ? opt : &def;
    const char *name = strcmp(path, "-") ? path : DS_STDIN_NAME;
    char *text = NULL;
    size_t size = 0;
    struct lrf_dataset *shell = NULL;
    enum lrf_status st = read_input(path, opt, &text, &size, err);
    if (st == LRF_OK)
        st = probe(name, text, size, opt, &shell, err);
    if (st == LRF_OK)
        st = shell->schema.header && ref->schema.header
                 ? compare_names(name, &shell->schema, ref, has_labels, err)
                 : compare_count(name, &shell->schema, ref, has_labels, err);
    if (st == LRF_OK && *has_labels)
        st = parse_like(name, text, size, ref, opt, out, err);
    else if (st == LRF_OK)
        st = parse_without_label(name, text, size, &shell->schema, ref, opt, out, err);
    lrf_dataset_destroy(shell);
    free(text);
    return st;
}
