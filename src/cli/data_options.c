/* The dataset's reading and typing options and the printing of a load's
 * decisions (see data_options.h). */
#include "cli/data_options.h"

#include <string.h>

#include "cli/cli.h"

/* "," ";" "tab" "\t" "|" as the separator. */
static bool parse_sep(const char *arg, char *out)
{
    if (!strcmp(arg, "tab") || !strcmp(arg, "\\t") || !strcmp(arg, "\t")) {
        *out = '\t';
        return true;
    }
    if (strlen(arg) == 1 && strchr(",;|", arg[0])) {
        *out = arg[0];
        return true;
    }
    return false;
}

int cli_data_option(struct lrf_dataset_options *o, int c, const char *arg)
{
    struct lrf_error err;
    switch (c) {
    case CLI_DOPT_SEP:
        if (!parse_sep(arg, &o->sep))
            return cli_usage_error("--sep: expected , ; tab or |, got '%s'", arg), -1;
        return 1;
    case CLI_DOPT_DECIMAL:
        if (strcmp(arg, ".") && strcmp(arg, ","))
            return cli_usage_error("--decimal: expected . or , got '%s'", arg), -1;
        o->decimal = arg[0];
        return 1;
    case CLI_DOPT_DROP:
        o->drop = arg;
        return 1;
    case CLI_DOPT_MISSING:
        if (lrf_missing_parse(arg, &o->missing, &err) != LRF_OK)
            return cli_usage_error("--%s", err.message), -1;
        return 1;
    case CLI_DOPT_TASK:
        if (lrf_task_parse(arg, &o->task, &err) != LRF_OK)
            return cli_usage_error("--%s", err.message), -1;
        return 1;
    default:
        return 0;
    }
}

bool cli_data_options_given(const struct lrf_dataset_options *o)
{
    return o->sep || o->decimal || o->drop || o->missing != LRF_MISSING_IMPUTE ||
           o->task != LRF_TASK_AUTO;
}

static const char *sep_name(char c)
{
    return c == '\t' ? "tab" : c == ',' ? "','" : c == ';' ? "';'" : "'|'";
}

static void print_format(FILE *fp, const struct lrf_dataset *ds)
{
    struct lrf_dataset_format f = lrf_dataset_format(ds);
    fprintf(fp, "format:        %s separator (%s), decimal '%c'%s%s%s\n", sep_name(f.delimiter),
            f.delimiter_given ? "--sep" : "sniffed", f.decimal, f.gzip ? ", gzip" : "",
            f.bom ? ", UTF-8 BOM" : "", f.stream ? ", a stream (not cached)" : "");
    fprintf(fp, "header:        %s (%s)\n", f.header ? "yes" : "no", f.header_why);
}

/* One line per column: number, name, role, type, levels, missing, features. */
static void print_column(FILE *fp, const struct lrf_dataset *ds, size_t j,
                         const struct lrf_dataset_column *c)
{
    fprintf(fp, "  %-4zu %-18.18s %-8s %s", j, c->name[0] ? c->name : "-",
            lrf_column_role_name(c->role), lrf_column_type_name(c->type));
    if (c->missing)
        fprintf(fp, " %zu missing", c->missing);
    if (c->role == LRF_COLUMN_FEATURE && c->type == LRF_COLUMN_CATEGORICAL) {
        fprintf(fp, " %zu levels:", c->levels);
        for (size_t k = 0; k < c->levels && k < 6; k++)
            fprintf(fp, "%s%s", k ? ", " : " ", lrf_dataset_column_level(ds, j, k));
        if (c->levels > 6)
            fputs(", ...", fp);
    }
    if (c->role == LRF_COLUMN_FEATURE && c->indicator)
        fprintf(fp, " (median %g + indicator)", (double)c->fill);
    if (c->why[0])
        fprintf(fp, " [%s]", c->why);
    if (c->warning[0])
        fprintf(fp, " [warning: %s]", c->warning);
    fputc('\n', fp);
}

void cli_data_print_decisions(FILE *fp, const struct lrf_dataset *ds)
{
    print_format(fp, ds);
    fprintf(fp, "task:          %s (%s)\n", lrf_task_name(lrf_dataset_task(ds)),
            lrf_dataset_task_reason(ds));
    const float *t = lrf_dataset_targets(ds);
    if (t && lrf_dataset_rows(ds)) {
        float lo = t[0], hi = t[0];
        double sum = 0;
        for (size_t i = 0; i < lrf_dataset_rows(ds); i++) {
            lo = t[i] < lo ? t[i] : lo;
            hi = t[i] > hi ? t[i] : hi;
            sum += (double)t[i];
        }
        fprintf(fp, "targets:       %g .. %g, mean %g\n", (double)lo, (double)hi,
                sum / (double)lrf_dataset_rows(ds));
    }
    fprintf(fp, "missing:       %zu values", lrf_dataset_missing(ds));
    if (lrf_dataset_rows_dropped(ds))
        fprintf(fp, ", %zu rows dropped", lrf_dataset_rows_dropped(ds));
    fputc('\n', fp);
    size_t n = lrf_dataset_columns(ds);
    struct lrf_dataset_column c;
    fputs("by column:\n", fp);
    for (size_t j = 0; j < n && lrf_dataset_column(ds, j, &c); j++) {
        if (j == 12 && n > 16) { /* a wide file: the first dozen tell the story */
            fprintf(fp, "  ... (%zu more columns; --json lists them all)\n", n - j);
            break;
        }
        print_column(fp, ds, j, &c);
    }
    for (size_t i = 0; i < lrf_dataset_notes(ds); i++)
        fprintf(fp, "note:          %s\n", lrf_dataset_note(ds, i));
}

static void json_column(struct cli_json *j, const struct lrf_dataset *ds, size_t k,
                        const struct lrf_dataset_column *c)
{
    cli_json_object_begin(j);
    cli_json_field_string(j, "name", c->name);
    cli_json_field_string(j, "role", lrf_column_role_name(c->role));
    cli_json_field_string(j, "type", lrf_column_type_name(c->type));
    cli_json_field_string(j, "why", c->why);
    cli_json_field_string(j, "warning", c->warning);
    cli_json_field_int(j, "missing", (long long)c->missing);
    cli_json_field_int(j, "first_feature", (long long)c->first_feature);
    cli_json_field_int(j, "features", (long long)c->features);
    cli_json_field_bool(j, "indicator", c->indicator);
    cli_json_field_number(j, "fill", (double)c->fill);
    cli_json_key(j, "levels");
    cli_json_array_begin(j);
    for (size_t l = 0; l < c->levels; l++)
        cli_json_string(j, lrf_dataset_column_level(ds, k, l));
    cli_json_array_end(j);
    cli_json_object_end(j);
}

void cli_data_json_decisions(struct cli_json *j, const struct lrf_dataset *ds)
{
    struct lrf_dataset_format f = lrf_dataset_format(ds);
    char sep[2] = {f.delimiter, '\0'}, dec[2] = {f.decimal, '\0'};
    cli_json_field_string(j, "delimiter", sep);
    cli_json_field_bool(j, "delimiter_given", f.delimiter_given);
    cli_json_field_string(j, "decimal", dec);
    cli_json_field_string(j, "header_why", f.header_why);
    cli_json_field_bool(j, "gzip", f.gzip);
    cli_json_field_bool(j, "stream", f.stream);
    cli_json_field_string(j, "label_why", lrf_dataset_label_reason(ds));
    cli_json_field_string(j, "task", lrf_task_name(lrf_dataset_task(ds)));
    cli_json_field_string(j, "task_why", lrf_dataset_task_reason(ds));
    cli_json_field_int(j, "missing", (long long)lrf_dataset_missing(ds));
    cli_json_field_int(j, "rows_dropped", (long long)lrf_dataset_rows_dropped(ds));
    struct lrf_dataset_column c;
    cli_json_key(j, "column_info");
    cli_json_array_begin(j);
    for (size_t k = 0; lrf_dataset_column(ds, k, &c); k++)
        json_column(j, ds, k, &c);
    cli_json_array_end(j);
    cli_json_key(j, "notes");
    cli_json_array_begin(j);
    for (size_t i = 0; i < lrf_dataset_notes(ds); i++)
        cli_json_string(j, lrf_dataset_note(ds, i));
    cli_json_array_end(j);
}

void cli_data_print_label(FILE *fp, const struct lrf_dataset *ds)
{
    const char *name = lrf_dataset_label_name(ds);
    if (name[0])
        fprintf(fp, "label:  '%s' (column %zu", name, lrf_dataset_label_index(ds));
    else
        fprintf(fp, "label:  column %zu (", lrf_dataset_label_index(ds));
    fprintf(fp, "%s%s; --label NAME changes it), %s (%s)", name[0] ? ", " : "",
            lrf_dataset_label_reason(ds), lrf_task_name(lrf_dataset_task(ds)),
            lrf_dataset_task_reason(ds));
    if (lrf_dataset_missing(ds))
        fprintf(fp, "; %zu missing values %s", lrf_dataset_missing(ds),
                lrf_dataset_rows_dropped(ds) ? "(rows dropped)" : "imputed");
    fputc('\n', fp);
}
