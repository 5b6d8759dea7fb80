/* Status codes and error detail shared by every lrf module.
 * Fallible calls return enum lrf_status and, when given a struct lrf_error *,
 * fill it with a message and, for errors in an input file, its FILE:LINE:COL.
 * The library never prints or exits; the CLI decides how to report. */
#ifndef LRF_STATUS_H
#define LRF_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum lrf_status {
    LRF_OK = 0,
    LRF_ERR_INVALID_ARG = 1, /* a parameter out of range; the message names it */
    LRF_ERR_PARSE = 2,       /* malformed text: a SPEC, a CSV field, a curve file */
    LRF_ERR_DATA = 3,        /* well-formed input with unusable content */
    LRF_ERR_IO = 4,          /* open, read, write or rename failed */
    LRF_ERR_NOMEM = 5,
    LRF_ERR_NUMERIC = 6,     /* NaN or Inf where a finite value is required */
    LRF_ERR_STATE = 7,       /* a call out of order, e.g. stepping past the end */
    LRF_ERR_UNSUPPORTED = 8, /* a valid request this build cannot do (e.g. no gnuplot) */
    LRF_ERR_INTERRUPTED = 9, /* stopped by the caller (e.g. Ctrl-C) */
    LRF_STATUS_COUNT
};

enum { LRF_ERROR_MESSAGE_MAX = 512, LRF_ERROR_FILE_MAX = 512 };

struct lrf_error {
    enum lrf_status status;
    char message[LRF_ERROR_MESSAGE_MAX];
    char file[LRF_ERROR_FILE_MAX]; /* input file the error is in, "" when none */
    long line;                     /* 1-based; 0 when not applicable */
    long col;                      /* 1-based; 0 when not applicable */
};

/* A short fixed description of a status ("invalid argument", ...). */
const char *lrf_status_str(enum lrf_status status);

/* Resets err to LRF_OK with empty fields; err may be NULL. */
void lrf_error_clear(struct lrf_error *err);

/* Fills err (may be NULL) with status and a printf-style message; returns status. */
enum lrf_status lrf_error_set(struct lrf_error *err, enum lrf_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As lrf_error_set, with the input location (file may be NULL; line/col 0 = unknown). */
enum lrf_status lrf_error_set_at(struct lrf_error *err, enum lrf_status status, const char *file,
                                 long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Writes "FILE:LINE:COL: message" (the location parts that are known) into buf. */
void lrf_error_format(const struct lrf_error *err, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
