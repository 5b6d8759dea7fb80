/* A minimal streaming JSON writer for the --json outputs: it tracks commas and
 * nesting, escapes strings, prints doubles with 17 significant digits and
 * non-finite numbers as null (JSON has no NaN). */
#ifndef LRF_CLI_JSON_H
#define LRF_CLI_JSON_H

#include <stdbool.h>
#include <stdio.h>

enum { CLI_JSON_DEPTH_MAX = 32 };

struct cli_json {
    FILE *fp;
    int depth;
    bool has_items[CLI_JSON_DEPTH_MAX];
    bool after_key;
};

void cli_json_init(struct cli_json *j, FILE *fp);
void cli_json_object_begin(struct cli_json *j);
void cli_json_object_end(struct cli_json *j);
void cli_json_array_begin(struct cli_json *j);
void cli_json_array_end(struct cli_json *j);
void cli_json_key(struct cli_json *j, const char *key);
void cli_json_string(struct cli_json *j, const char *s);
void cli_json_number(struct cli_json *j, double v);
void cli_json_int(struct cli_json *j, long long v);
void cli_json_bool(struct cli_json *j, bool v);
void cli_json_null(struct cli_json *j);

/* A key and its value in one call, inside an object. */
void cli_json_field_string(struct cli_json *j, const char *key, const char *s);
void cli_json_field_number(struct cli_json *j, const char *key, double v);
void cli_json_field_int(struct cli_json *j, const char *key, long long v);
void cli_json_field_bool(struct cli_json *j, const char *key, bool v);

/* Ends the document with a newline. */
void cli_json_finish(struct cli_json *j);

#endif
