/* Core module: error formatting, RNG determinism and range, atomic files. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "lrf/atomic_file.h"
#include "lrf/rng.h"
#include "lrf/status.h"

static void test_error_format(void)
{
    struct lrf_error err;
    char buf[1200];
    lrf_error_clear(&err);
    CHECK(err.status == LRF_OK);
    CHECK(lrf_error_set_at(&err, LRF_ERR_PARSE, "a.csv", 3, 7, "expected %s", "a number") ==
          LRF_ERR_PARSE);
    lrf_error_format(&err, buf, sizeof buf);
    CHECK_STR(buf, "a.csv:3:7: expected a number");
    lrf_error_set_at(&err, LRF_ERR_IO, "b.csv", 0, 0, "missing");
    lrf_error_format(&err, buf, sizeof buf);
    CHECK_STR(buf, "b.csv: missing");
    lrf_error_set(&err, LRF_ERR_INVALID_ARG, "T_max must be positive");
    lrf_error_format(&err, buf, sizeof buf);
    CHECK_STR(buf, "T_max must be positive");
    CHECK(lrf_error_set(NULL, LRF_ERR_NOMEM, "x") == LRF_ERR_NOMEM);
    CHECK_STR(lrf_status_str(LRF_ERR_IO), "input/output error");
    CHECK_STR(lrf_status_str((enum lrf_status)99), "unknown status");
}

static void test_rng(void)
{
    /* splitmix64 reference output for seed 0 (published test vector of the algorithm). */
    struct lrf_rng a = lrf_rng_seeded(0);
    CHECK(a.s[0] == 0xE220A8397B1DCDAFull);
    struct lrf_rng b = lrf_rng_seeded(0);
    int same = 1;
    for (int i = 0; i < 1000; i++)
        same &= lrf_rng_next(&a) == lrf_rng_next(&b);
    CHECK(same);
    struct lrf_rng r = lrf_rng_seeded(42);
    double lo = 1, hi = 0, sum = 0;
    for (int i = 0; i < 100000; i++) {
        double u = lrf_rng_uniform(&r);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        sum += u;
    }
    CHECK(lo >= 0 && hi < 1);
    CHECK_CLOSE(sum / 100000, 0.5, 0, 0.01);
    uint32_t idx[100], seen[100] = {0};
    for (uint32_t i = 0; i < 100; i++)
        idx[i] = i;
    lrf_rng_shuffle_u32(&r, idx, 100);
    int moved = 0, perm = 1;
    for (uint32_t i = 0; i < 100; i++) {
        moved += idx[i] != i;
        perm &= idx[i] < 100 && !seen[idx[i]]++;
    }
    CHECK(perm);
    CHECK(moved > 50);
    int in_range = 1;
    for (int i = 0; i < 10000; i++)
        in_range &= lrf_rng_below(&r, 7) < 7;
    CHECK(in_range);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void test_atomic_file(void)
{
    char dir[] = "/tmp/lrf_test_core_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    struct lrf_atomic_file af;
    struct lrf_error err;
    CHECK(lrf_atomic_open(&af, path, &err) == LRF_OK);
    fputs("hello\n", af.fp);
    CHECK(access(path, F_OK) != 0); /* not visible before commit */
    CHECK(lrf_atomic_commit(&af, &err) == LRF_OK);
    FILE *fp = fopen(path, "r");
    char line[32] = "";
    CHECK(fp && fgets(line, sizeof line, fp));
    if (fp)
        fclose(fp);
    CHECK_STR(line, "hello\n");
    CHECK(lrf_atomic_open(&af, path, &err) == LRF_OK);
    fputs("partial", af.fp);
    lrf_atomic_abort(&af);
    lrf_atomic_abort(&af);
    fp = fopen(path, "r");
    CHECK(fp && fgets(line, sizeof line, fp));
    if (fp)
        fclose(fp);
    CHECK_STR(line, "hello\n"); /* the aborted write left the old file */
    CHECK(count_entries(dir) == 1);
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no/such/dir/x", dir);
    CHECK(lrf_atomic_open(&af, missing, &err) == LRF_ERR_IO);
    CHECK(strstr(err.message, "cannot create") != NULL);
    unlink(path);
    rmdir(dir);
}

/* The fill gives what one lrf_rng_uniform call per value gives, state included. */
static void test_rng_fill(void)
{
    static float w[1000], want[1000];
    const size_t sizes[] = {0, 1, 7, 1000};
    const double bounds[] = {1.0, 1.0 / 28.0, 0.0441941738241592, 3e-7};
    int same = 1;
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 4; b++) {
            struct lrf_rng r1 = lrf_rng_seeded(a * 10 + b), r2 = r1;
            for (size_t i = 0; i < sizes[a]; i++)
                want[i] = (float)(bounds[b] * (2.0 * lrf_rng_uniform(&r1) - 1.0));
            lrf_rng_fill_symmetric(&r2, w, sizes[a], bounds[b]);
            same &= !memcmp(w, want, sizes[a] * sizeof *w) && !memcmp(&r1, &r2, sizeof r1);
        }
    CHECK_MSG(same, "lrf_rng_fill_symmetric differs from lrf_rng_uniform calls");
}

int main(void)
{
    test_error_format();
    test_rng();
    test_rng_fill();
    test_atomic_file();
    return check_summary();
}
