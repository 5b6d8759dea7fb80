#include "cli/json.h"

#include <math.h>

void cli_json_init(struct cli_json *j, FILE *fp)
{
    j->fp = fp;
    j->depth = 0;
    j->has_items[0] = false;
    j->after_key = false;
}

/* Emits the separator a new value needs at the current position. */
static void json_value_prefix(struct cli_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->has_items[j->depth])
        fputc(',', j->fp);
    j->has_items[j->depth] = true;
}

static void json_open(struct cli_json *j, char c)
{
    json_value_prefix(j);
    fputc(c, j->fp);
    if (j->depth + 1 < CLI_JSON_DEPTH_MAX)
        j->depth++;
    j->has_items[j->depth] = false;
}

static void json_close(struct cli_json *j, char c)
{
    fputc(c, j->fp);
    if (j->depth > 0)
        j->depth--;
}

void cli_json_object_begin(struct cli_json *j)
{
    json_open(j, '{');
}

void cli_json_object_end(struct cli_json *j)
{
    json_close(j, '}');
}

void cli_json_array_begin(struct cli_json *j)
{
    json_open(j, '[');
}

void cli_json_array_end(struct cli_json *j)
{
    json_close(j, ']');
}

static void json_write_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", fp);
            break;
        case '\\':
            fputs("\\\\", fp);
            break;
        case '\n':
            fputs("\\n", fp);
            break;
        case '\r':
            fputs("\\r", fp);
            break;
        case '\t':
            fputs("\\t", fp);
            break;
        default:
            if (*p < 0x20)
                fprintf(fp, "\\u%04x", *p);
            else
                fputc(*p, fp);
        }
    }
    fputc('"', fp);
}

void cli_json_key(struct cli_json *j, const char *key)
{
    json_value_prefix(j);
    json_write_string(j->fp, key);
    fputc(':', j->fp);
    j->after_key = true;
}

void cli_json_string(struct cli_json *j, const char *s)
{
    json_value_prefix(j);
    json_write_string(j->fp, s);
}

void cli_json_number(struct cli_json *j, double v)
{
    json_value_prefix(j);
    if (isfinite(v))
        fprintf(j->fp, "%.17g", v);
    else
        fputs("null", j->fp);
}

void cli_json_int(struct cli_json *j, long long v)
{
    json_value_prefix(j);
    fprintf(j->fp, "%lld", v);
}

void cli_json_bool(struct cli_json *j, bool v)
{
    json_value_prefix(j);
    fputs(v ? "true" : "false", j->fp);
}

void cli_json_null(struct cli_json *j)
{
    json_value_prefix(j);
    fputs("null", j->fp);
}

void cli_json_field_string(struct cli_json *j, const char *key, const char *s)
{
    cli_json_key(j, key);
    cli_json_string(j, s);
}

void cli_json_field_number(struct cli_json *j, const char *key, double v)
{
    cli_json_key(j, key);
    cli_json_number(j, v);
}

void cli_json_field_int(struct cli_json *j, const char *key, long long v)
{
    cli_json_key(j, key);
    cli_json_int(j, v);
}

void cli_json_field_bool(struct cli_json *j, const char *key, bool v)
{
    cli_json_key(j, key);
    cli_json_bool(j, v);
}

void cli_json_finish(struct cli_json *j)
{
    fputc('\n', j->fp);
}
