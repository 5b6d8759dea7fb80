/* A small strict JSON reader for the CLI tests: checks that a document is valid JSON
 * and fetches values by path ("one_cycle.max_lr", "curve[3].loss",
 * "verify.trials[0].factor"), so a test compares the value under the right key rather
 * than the first number after some "key": in the text. */
#ifndef LRF_TEST_JSON_READER_H
#define LRF_TEST_JSON_READER_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

enum { JSON_DEPTH_MAX = 64 };

static const char *json_skip_value(const char *p, int depth);

static inline const char *json_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Past the end of the string starting at p ('"'), or NULL if malformed. */
static inline const char *json_skip_string(const char *p)
{
    if (*p != '"')
        return NULL;
    for (p++; *p && *p != '"'; p++) {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return *p == '"' ? p + 1 : NULL;
}

/* Past a number in JSON's grammar, or NULL. */
static inline const char *json_skip_number(const char *p)
{
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return NULL;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p;
}

/* Past an object or array (p at '{' or '['), or NULL. */
static inline const char *json_skip_container(const char *p, int depth)
{
    char close = *p == '{' ? '}' : ']';
    bool object = *p == '{';
    p = json_ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (object) {
            p = json_skip_string(p);
            if (!p)
                return NULL;
            p = json_ws(p);
            if (*p != ':')
                return NULL;
            p = json_ws(p + 1);
        }
        p = json_skip_value(p, depth + 1);
        if (!p)
            return NULL;
        p = json_ws(p);
        if (*p == close)
            return p + 1;
        if (*p != ',')
            return NULL;
        p = json_ws(p + 1);
    }
}

static const char *json_skip_value(const char *p, int depth)
{
    if (depth > JSON_DEPTH_MAX)
        return NULL;
    p = json_ws(p);
    switch (*p) {
    case '{':
    case '[':
        return json_skip_container(p, depth);
    case '"':
        return json_skip_string(p);
    case 't':
        return strncmp(p, "true", 4) ? NULL : p + 4;
    case 'f':
        return strncmp(p, "false", 5) ? NULL : p + 5;
    case 'n':
        return strncmp(p, "null", 4) ? NULL : p + 4;
    default:
        return json_skip_number(p);
    }
}

/* True when text is exactly one JSON value (and whitespace). */
static inline bool json_valid(const char *text)
{
    const char *end = json_skip_value(text, 0);
    return end && *json_ws(end) == '\0';
}

/* Past the value at p and the comma after it: the next item, or NULL at the end. */
static inline const char *json_next_item(const char *p)
{
    p = json_skip_value(p, 0);
    if (!p)
        return NULL;
    p = json_ws(p);
    return *p == ',' ? json_ws(p + 1) : NULL;
}

/* The member key (length len) of the object at p, or NULL. */
static inline const char *json_member(const char *p, const char *key, size_t len)
{
    p = json_ws(p);
    if (*p != '{')
        return NULL;
    p = json_ws(p + 1);
    while (*p == '"') {
        const char *k = p + 1, *end = json_skip_string(p);
        if (!end)
            return NULL;
        p = json_ws(end);
        if (*p != ':')
            return NULL;
        p = json_ws(p + 1);
        if ((size_t)(end - 1 - k) == len && !strncmp(k, key, len))
            return p;
        p = json_next_item(p);
        if (!p)
            return NULL;
    }
    return NULL;
}

/* Element i of the array at p, or NULL. */
static inline const char *json_element(const char *p, long i)
{
    p = json_ws(p);
    if (*p != '[')
        return NULL;
    p = json_ws(p + 1);
    if (*p == ']')
        return NULL;
    for (long k = 0; p; k++) {
        if (k == i)
            return p;
        p = json_next_item(p);
    }
    return NULL;
}

/* The value at path in the document text ("" = the document), or NULL. */
static inline const char *json_at(const char *text, const char *path)
{
    const char *p = json_ws(text);
    while (p && *path) {
        if (*path == '[') {
            char *end;
            long i = strtol(path + 1, &end, 10);
            if (*end != ']')
                return NULL;
            p = json_element(p, i);
            path = end + 1;
        } else {
            if (*path == '.')
                path++;
            size_t len = strcspn(path, ".[");
            p = json_member(p, path, len);
            path += len;
        }
    }
    return p ? json_ws(p) : NULL;
}

static inline bool json_has(const char *text, const char *path)
{
    return json_at(text, path) != NULL;
}

/* The number at path; null reads as NaN. *ok (may be NULL) is false when the path is
 * missing or holds something else. */
static inline double json_num(const char *text, const char *path, bool *ok)
{
    const char *p = json_at(text, path);
    bool good = false;
    double v = NAN;
    if (p && !strncmp(p, "null", 4)) {
        good = true;
    } else if (p && json_skip_number(p)) {
        v = strtod(p, NULL);
        good = true;
    }
    if (ok)
        *ok = good;
    return v;
}

static inline bool json_bool(const char *text, const char *path, bool *ok)
{
    const char *p = json_at(text, path);
    bool t = p && !strncmp(p, "true", 4), f = p && !strncmp(p, "false", 5);
    if (ok)
        *ok = t || f;
    return t;
}

/* The string at path, unescaped into buf (\uXXXX below 0x80 only); NULL if missing. */
static inline const char *json_str(const char *text, const char *path, char *buf, size_t size)
{
    const char *p = json_at(text, path);
    if (!p || *p != '"' || !json_skip_string(p) || size == 0)
        return NULL;
    size_t n = 0;
    for (p++; *p != '"' && n + 1 < size; p++) {
        char c = *p;
        if (c == '\\') {
            c = *++p;
            if (c == 'n')
                c = '\n';
            else if (c == 't')
                c = '\t';
            else if (c == 'r')
                c = '\r';
            else if (c == 'b')
                c = '\b';
            else if (c == 'f')
                c = '\f';
            else if (c == 'u') {
                c = (char)strtol((char[5]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
                p += 4;
            }
        }
        buf[n++] = c;
    }
    buf[n] = '\0';
    return buf;
}

/* Number of elements of the array at path, -1 if it is not an array. */
static inline long json_len(const char *text, const char *path)
{
    const char *p = json_at(text, path);
    if (!p || *p != '[')
        return -1;
    long n = 0;
    while (json_element(p, n))
        n++;
    return n;
}

/* Checks: the value at path equals want exactly (null matches NaN). */
#define CHECK_JSON_NUM(doc, path, want) json_check_num((doc), (path), (want), __FILE__, __LINE__)
#define CHECK_JSON_STR(doc, path, want) json_check_str((doc), (path), (want), __FILE__, __LINE__)

static inline void json_check_num(const char *doc, const char *path, double want, const char *file,
                                  int line)
{
    bool ok;
    double got = json_num(doc, path, &ok);
    ok = ok && (got == want || (isnan(got) && isnan(want)));
    if (!check_record(ok, file, line, path))
        fprintf(stderr, "    JSON %s: got %.17g%s, want %.17g\n", path, got,
                json_has(doc, path) ? "" : " (missing)", want);
}

static inline void json_check_str(const char *doc, const char *path, const char *want,
                                  const char *file, int line)
{
    char buf[1024];
    const char *got = json_str(doc, path, buf, sizeof buf);
    if (!check_record(got && !strcmp(got, want), file, line, path))
        fprintf(stderr, "    JSON %s: got '%s', want '%s'\n", path, got ? got : "(missing)", want);
}

#endif
