/* The test harness: CHECK-style assertions that count, and a summary line
 * "N passed, N failed" with a non-zero exit status on any failure. */
#ifndef LRF_TEST_CHECK_H
#define LRF_TEST_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed, check_skipped;

/* ctest's SKIP_RETURN_CODE (CMakeLists.txt): the binary ran, nothing failed, but a
 * group of checks could not run here (a missing tool), so it must not read "passed". */
enum { CHECK_EXIT_SKIPPED = 77 };

#define CHECK(cond) check_record((cond) != 0, __FILE__, __LINE__, #cond)

#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        if (!check_record((cond) != 0, __FILE__, __LINE__, #cond)) {                               \
            fprintf(stderr, "    ");                                                               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

/* |got - want| <= rel * max(|want|, 1e-300) + abs; NaN only matches NaN. */
#define CHECK_CLOSE(got, want, rel, abs_tol)                                                       \
    check_close((double)(got), (double)(want), (rel), (abs_tol), __FILE__, __LINE__, #got)

#define CHECK_STR(got, want) check_str((got), (want), __FILE__, __LINE__, #got)

static inline int check_record(int ok, const char *file, int line, const char *what)
{
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
    }
    return ok;
}

static inline int check_close(double got, double want, double rel, double abs_tol, const char *file,
                              int line, const char *what)
{
    int ok;
    if (isnan(want) || isnan(got))
        ok = isnan(want) && isnan(got);
    else if (isinf(want) || isinf(got))
        ok = got == want;
    else
        ok = fabs(got - want) <= rel * fabs(want) + abs_tol;
    if (!check_record(ok, file, line, what))
        fprintf(stderr, "    got %.17g, want %.17g\n", got, want);
    return ok;
}

static inline int check_str(const char *got, const char *want, const char *file, int line,
                            const char *what)
{
    int ok = got && want && strcmp(got, want) == 0;
    if (!check_record(ok, file, line, what))
        fprintf(stderr, "    got \"%s\", want \"%s\"\n", got ? got : "(null)",
                want ? want : "(null)");
    return ok;
}

/* Known bugs: a check that fails on today's code because of a bug reported (with its
 * file:function) and not yet fixed. The test names the open ones in check_known_bugs
 * (space-separated ids, set in main); such a check prints "known bug: ID: ..." instead of
 * failing, and fails as soon as it passes ("fixed: remove ID"), so the list is flipped
 * when the fix lands. A check whose id is not listed is an ordinary check. */
static const char *check_known_bugs = "";

#define CHECK_KNOWN_BUG(id, cond, ...)                                                             \
    check_known_bug((id), (cond) != 0, __FILE__, __LINE__, #cond, __VA_ARGS__)

static inline int check_known_bug_listed(const char *id)
{
    size_t n = strlen(id);
    for (const char *p = strstr(check_known_bugs, id); p; p = strstr(p + 1, id))
        if ((p == check_known_bugs || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

static inline void check_known_bug(const char *id, int ok, const char *file, int line,
                                   const char *what, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static inline void check_known_bug(const char *id, int ok, const char *file, int line,
                                   const char *what, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!check_known_bug_listed(id)) {
        if (!check_record(ok, file, line, what))
            fprintf(stderr, "    %s (%s)\n", msg, id);
    } else if (ok) {
        check_record(0, file, line, what);
        fprintf(stderr, "    known bug %s passes now: fixed? remove it from check_known_bugs\n",
                id);
    } else {
        printf("known bug: %s: %s (%s:%d)\n", id, msg, file, line);
    }
}

/* Records that a group of checks was not run and why; printed now, and the binary
 * then exits CHECK_EXIT_SKIPPED (ctest: "Skipped") unless a check failed. */
static inline void check_skip(const char *what, const char *why)
{
    check_skipped++;
    printf("SKIPPED: %s (%s)\n", what, why);
    fflush(stdout);
}

/* Prints the summary line and returns the process exit status: 1 on any failure,
 * else CHECK_EXIT_SKIPPED if a group was skipped, else 0. */
static inline int check_summary(void)
{
    if (check_skipped)
        printf("%d group%s of checks skipped (see SKIPPED above)\n", check_skipped,
               check_skipped == 1 ? "" : "s");
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : check_skipped ? CHECK_EXIT_SKIPPED : 0;
}

#endif
