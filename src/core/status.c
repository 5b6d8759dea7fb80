#include "lrf/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *lrf_status_str(enum lrf_status status)
{
    static const char *const names[LRF_STATUS_COUNT] = {
        [LRF_OK] = "ok",
        [LRF_ERR_INVALID_ARG] = "invalid argument",
        [LRF_ERR_PARSE] = "parse error",
        [LRF_ERR_DATA] = "invalid data",
        [LRF_ERR_IO] = "input/output error",
        [LRF_ERR_NOMEM] = "out of memory",
        [LRF_ERR_NUMERIC] = "non-finite value",
        [LRF_ERR_STATE] = "invalid state",
        [LRF_ERR_UNSUPPORTED] = "unsupported",
        [LRF_ERR_INTERRUPTED] = "interrupted",
    };
    if ((unsigned)status >= LRF_STATUS_COUNT)
        return "unknown status";
    return names[status];
}

void lrf_error_clear(struct lrf_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

static void error_vset(struct lrf_error *err, enum lrf_status status, const char *file, long line,
                       long col, const char *fmt, va_list ap)
{
    err->status = status;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->col = col;
}

enum lrf_status lrf_error_set(struct lrf_error *err, enum lrf_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        error_vset(err, status, NULL, 0, 0, fmt, ap);
        va_end(ap);
    }
    return status;
}

enum lrf_status lrf_error_set_at(struct lrf_error *err, enum lrf_status status, const char *file,
                                 long line, long col, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        error_vset(err, status, file, line, col, fmt, ap);
        va_end(ap);
    }
    return status;
}

void lrf_error_format(const struct lrf_error *err, char *buf, size_t size)
{
    if (!size)
        return;
    if (!err->file[0])
        snprintf(buf, size, "%s", err->message);
    else if (err->line <= 0)
        snprintf(buf, size, "%s: %s", err->file, err->message);
    else if (err->col <= 0)
        snprintf(buf, size, "%s:%ld: %s", err->file, err->line, err->message);
    else
        snprintf(buf, size, "%s:%ld:%ld: %s", err->file, err->line, err->col, err->message);
}
