/* The test harness itself: the fixture reader refuses damaged fixtures (a short or
 * long line, a non-number, a repeated name, an empty file) and a missing array is a
 * failed check, so no test can pass on numbers the fixture does not hold. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "fixture_reader.h"

static char dir[] = "/tmp/lrf_test_harness_XXXXXX";

static const char *write_fixture(const char *text)
{
    static char path[sizeof dir + 32];
    snprintf(path, sizeof path, "%s/f.txt", dir);
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
    return path;
}

struct bad_fixture {
    const char *what, *text;
};

static void test_bad_fixtures(void)
{
    static const struct bad_fixture cases[] = {
        {"short line", "# c\na 3 1 2 3\nb 4 1 2 3\nc 1 5\n"},
        {"short last line, no newline", "a 2 1 2\nb 3 1 2"},
        {"long line", "a 2 1 2 3\n"},
        {"not a number", "a 3 1 x 3\n"},
        {"number glued to junk", "a 2 1 2x\n"},
        {"missing count", "a\n1 2\n"},
        {"negative count", "a -1\n"},
        {"repeated name", "a 1 1\na 1 2\n"},
        {"no arrays", "# only a comment\n\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fixture f;
        int st = fixture_load_path(&f, write_fixture(cases[i].text));
        CHECK_MSG(st != 0 && f.n == 0, "%s: accepted", cases[i].what);
        fixture_free(&f);
    }
    struct fixture f;
    snprintf(f.path, sizeof f.path, "x");
    CHECK(fixture_load_path(&f, "/nonexistent/fixture.txt") != 0);
}

static void test_good_fixture(void)
{
    struct fixture f;
    const char *path =
        write_fixture("# comment\n\na 3 1 -2.5e-3 nan\r\n  b 1 7  \nempty 0\nc 2\t1e-9 inf");
    CHECK(fixture_load_path(&f, path) == 0);
    long n = -1;
    const double *a = fixture_get(&f, "a", &n);
    CHECK(a && n == 3 && a[0] == 1 && a[1] == -2.5e-3 && isnan(a[2]));
    CHECK(fixture_scalar(&f, "b") == 7);
    CHECK(fixture_get(&f, "empty", &n) != NULL && n == 0);
    const double *c = fixture_get(&f, "c", &n);
    CHECK(c && n == 2 && c[0] == 1e-9 && isinf(c[1]));
    /* A missing array and a non-scalar read as a scalar are failed checks. */
    int failed = check_failed;
    CHECK(fixture_get(&f, "zzz", &n) == NULL && n == 0);
    CHECK(isnan(fixture_scalar(&f, "zzz")));
    CHECK(isnan(fixture_scalar(&f, "a")));
    CHECK_MSG(check_failed == failed + 3, "missing arrays recorded %d failures, want 3",
              check_failed - failed);
    check_failed = failed; /* those three were expected */
    printf("(the three FAIL lines about 'zzz' and 'a' above are expected)\n");
    fixture_free(&f);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_bad_fixtures();
    test_good_fixture();
    char path[sizeof dir + 32];
    snprintf(path, sizeof path, "%s/f.txt", dir);
    unlink(path);
    rmdir(dir);
    return check_summary();
}
