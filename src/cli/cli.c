#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lrf/atomic_file.h"
#include "lrf/plot.h"

/* "lrfind: " + the message + tail, on stderr. */
static void report(const char *fmt, va_list ap, const char *tail)
{
    fputs("lrfind: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(tail, stderr);
}

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap, "\n");
    va_end(ap);
}

int cli_fail(const struct lrf_error *err)
{
    char buf[LRF_ERROR_MESSAGE_MAX + LRF_ERROR_FILE_MAX + 64];
    lrf_error_format(err, buf, sizeof buf);
    cli_errorf("%s", buf[0] ? buf : lrf_status_str(err->status));
    return CLI_EXIT_FAILURE;
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(fmt, ap, "\nTry 'lrfind --help' for more information.\n");
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_check_output(const char *option, const char *path)
{
    struct lrf_error err;
    if (lrf_output_check(path, &err) == LRF_OK)
        return CLI_EXIT_OK;
    char where[LRF_ERROR_MESSAGE_MAX + LRF_ERROR_FILE_MAX + 64];
    lrf_error_format(&err, where, sizeof where);
    return cli_usage_error("%s: %s", option, where);
}

int cli_check_plot_output(const char *option, const char *path)
{
    enum lrf_plot_format format;
    struct lrf_error err;
    if (lrf_plot_format_from_path(path, &format, &err) != LRF_OK)
        return cli_usage_error("%s: %s", option, err.message);
    return format == LRF_PLOT_TERM ? CLI_EXIT_OK : cli_check_output(option, path);
}

int cli_option_error(int c, char **argv)
{
    if (c == ':')
        return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
    return cli_usage_error("unknown option '%s'", argv[optind - 1]);
}

bool cli_parse_double(const char *option, const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || isnan(v) || (isinf(v) && errno != ERANGE)) {
        cli_usage_error("%s: expected a finite number, got '%s'", option, text);
        return false;
    }
    /* strtod's ERANGE: past the largest double, or below the smallest normal one. */
    if (errno == ERANGE && fabs(v) > 1) {
        cli_usage_error("%s: '%s' is too large (the largest double is %g)", option, text, DBL_MAX);
        return false;
    }
    if (errno == ERANGE) {
        cli_usage_error("%s: '%s' is too small (the smallest normal double is %g)", option, text,
                        DBL_MIN);
        return false;
    }
    *out = v;
    return true;
}

/* The range of an integer option, for messages. */
static void range_text(long min, long max, char *buf, size_t size)
{
    if (max == LONG_MAX)
        snprintf(buf, size, "an integer >= %ld", min);
    else
        snprintf(buf, size, "an integer in %ld..%ld", min, max);
}

bool cli_parse_long(const char *option, const char *text, long min, long max, long *out)
{
    char *end, range[96];
    errno = 0;
    long v = strtol(text, &end, 10);
    range_text(min, max, range, sizeof range);
    if (end == text || *end != '\0') {
        cli_usage_error("%s: expected an integer, got '%s'", option, text);
        return false;
    }
    if (errno == ERANGE) {
        cli_usage_error("%s: %s is out of range (expected an integer in %ld..%ld)", option, text,
                        min, max);
        return false;
    }
    if (v < min || v > max) {
        cli_usage_error("%s: expected %s, got %ld", option, range, v);
        return false;
    }
    *out = v;
    return true;
}

int cli_close_stdout(int status)
{
    int failed = ferror(stdout) != 0;
    failed |= fclose(stdout) != 0;
    if (failed && errno != EPIPE) {
        cli_errorf("write error on standard output: %s", strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    return status;
}

double cli_lr_shown(double lr)
{
    char text[32];
    snprintf(text, sizeof text, CLI_LR_FMT, lr);
    return strtod(text, NULL);
}

bool cli_stderr_is_tty(void)
{
    return isatty(STDERR_FILENO) == 1;
}
