/* The finder on hostile input (issue 10): an lr grid whose end/start ratio overflows a
 * double stays finite (item 7); the curve reader takes a UTF-8 byte order mark and
 * blanks around fields, and refuses a NUL byte instead of cutting the row ("Messages");
 * the fast paths that make `lrfind suggest` near-linear (item 5) give the results of the
 * definitions they replace: the windowed local-linear fit and the O(n log n) valley the
 * same bits, the binned fit of a dense curve within BINNED_TOL, the selection median
 * the sorted one. (Their speed is scripts/bench_suggest.sh's, not a test's.) */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "finder/finder_internal.h"
#include "lrf/finder.h"
#include "lrf/rng.h"

static void test_grid_without_overflow(void)
{
    struct lrf_finder_config cfg = lrf_finder_config_default();
    cfg.start_lr = 1e-300;
    cfg.end_lr = 1e300;
    cfg.num_iter = 50;
    struct lrf_error err;
    CHECK(lrf_finder_config_check(&cfg, &err) == LRF_OK);
    int finite = 0, increasing = 1;
    for (size_t k = 0; k < cfg.num_iter; k++) {
        double lr = lrf_finder_grid_lr(&cfg, k);
        finite += isfinite(lr) && lr > 0;
        increasing &= k == 0 || lr > lrf_finder_grid_lr(&cfg, k - 1);
    }
    CHECK_MSG(finite == (int)cfg.num_iter, "%d of %zu rungs finite", finite, cfg.num_iter);
    CHECK(increasing);
    CHECK(lrf_finder_grid_lr(&cfg, 0) == 1e-300);
    /* Geometric: rung 25 of 0..49 is 10^(-300 + 600 * 25/49). */
    CHECK_CLOSE(log10(lrf_finder_grid_lr(&cfg, 25)), -300 + 600 * 25 / 49.0, 1e-12, 1e-9);
}

/* Writes bytes to a temporary file and reads it as a curve. */
static enum lrf_status read_bytes(const char *bytes, size_t size, size_t *n, struct lrf_error *err)
{
    char path[] = "/tmp/lrf_test_curve_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, bytes, size) != (ssize_t)size) {
        if (fd >= 0)
            close(fd);
        return LRF_ERR_IO;
    }
    close(fd);
    double *lr = NULL, *loss = NULL;
    enum lrf_status st = lrf_finder_read_curve(path, &lr, &loss, n, err);
    if (st == LRF_OK)
        CHECK(lr[0] == 1e-5 && loss[0] == 2.5);
    free(lr);
    free(loss);
    unlink(path);
    return st;
}

static void test_curve_text(void)
{
    size_t n = 0;
    struct lrf_error err;
    static const char bom[] = "\xEF\xBB\xBFlr,loss\n1e-5,2.5\n2e-5,2.25\n";
    CHECK_MSG(read_bytes(bom, sizeof bom - 1, &n, &err) == LRF_OK && n == 2, "%s", err.message);
    static const char spaced[] = "lr, loss\n 1e-5 , 2.5\n2e-5,\t2.25\n";
    CHECK_MSG(read_bytes(spaced, sizeof spaced - 1, &n, &err) == LRF_OK && n == 2, "%s",
              err.message);
    static const char nul[] = "lr,loss\n1e-5,2.5\n2e-5,2\0.25\n";
    CHECK(read_bytes(nul, sizeof nul - 1, &n, &err) == LRF_ERR_PARSE);
    CHECK(err.line == 3 && err.col == 7);
    CHECK_MSG(strstr(err.message, "NUL") != NULL, "%s", err.message);
}

/* The binned fit of a dense curve weights each bin (sigma/16 wide) by the kernel at
 * its mean: on a curve dropping by 1.5 the difference to the definition stays below
 * this (measured 2e-4 at the steep divergence wall). */
static const double BINNED_TOL = 1e-3;

/* A range-test-like curve: a drop of 1.5 over x = log10(lr) in [-7, 1], a wall past
 * -0.7, noise; spacing uneven when jitter > 0. */
static void make_curve(size_t m, double jitter, struct lrf_rng *rng, double *x, double *y,
                       double *rw)
{
    for (size_t i = 0; i < m; i++) {
        x[i] = -7 + 8.0 * ((double)i + jitter * lrf_rng_uniform(rng)) / (double)m;
        double wall = x[i] < -0.7 ? 0 : 6 * (x[i] + 0.7) * (x[i] + 0.7);
        y[i] = 2.3 - 1.5 / (1 + exp(-(x[i] + 3))) + wall + 0.1 * (lrf_rng_uniform(rng) - 0.5);
        rw[i] = 0.5 + lrf_rng_uniform(rng); /* as after bisquare passes */
    }
}

static double max_diff(const double *a, const double *b, size_t m)
{
    double d = 0;
    for (size_t i = 0; i < m; i++)
        d = fmax(d, fabs(a[i] - b[i]));
    return d;
}

static void test_local_linear(void)
{
    enum { M = 6000 };
    static double x[M], y[M], rw[M], fast[M], ref[M];
    struct lrf_rng rng = lrf_rng_seeded(11);
    const size_t sizes[] = {8, 100, 1000, 2000}; /* sparse: the windowed path */
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        make_curve(sizes[k], 0.9, &rng, x, y, rw);
        finder_local_linear(x, y, rw, sizes[k], 0.2, fast);
        finder_local_linear_ref(x, y, rw, sizes[k], 0.2, ref);
        CHECK_MSG(!memcmp(fast, ref, sizes[k] * sizeof *fast), "%zu points differ by %g", sizes[k],
                  max_diff(fast, ref, sizes[k]));
    }
    make_curve(M, 0.0, &rng, x, y, rw); /* dense: 1200 points within the reach */
    finder_local_linear(x, y, rw, M, 0.2, fast);
    finder_local_linear_ref(x, y, rw, M, 0.2, ref);
    CHECK_MSG(max_diff(fast, ref, M) < BINNED_TOL, "dense: %g", max_diff(fast, ref, M));
    make_curve(200, 0.5, &rng, x, y, rw);
    for (size_t i = 0; i + 1 < 200; i += 2) { /* unsorted and small: the definition */
        double t = x[i];
        x[i] = x[i + 1];
        x[i + 1] = t;
    }
    finder_local_linear(x, y, rw, 200, 0.2, fast);
    finder_local_linear_ref(x, y, rw, 200, 0.2, ref);
    CHECK(!memcmp(fast, ref, 200 * sizeof *fast));
}

static void test_valley_and_median(void)
{
    enum { N = 700 };
    static double y[N], v[N], scratch[2 * N];
    struct lrf_rng rng = lrf_rng_seeded(12);
    int same = 0, trials = 200;
    for (int t = 0; t < trials; t++) {
        size_t n = 1 + (size_t)(lrf_rng_uniform(&rng) * (N - 1));
        for (size_t i = 0; i < n; i++) /* coarse values: many ties */
            y[i] = floor(lrf_rng_uniform(&rng) * (t % 2 ? 8 : 1000)) - (double)i * 0.01 * (t % 3);
        if (t % 5 == 0)
            y[n / 2] = NAN;
        same += finder_valley(y, n, scratch) == finder_valley_ref(y, n, v);
        memcpy(v, y, n * sizeof *v);
        if (t % 5 != 0) {
            memcpy(scratch, y, n * sizeof *v);
            finder_sort(scratch, n);
            double want = n % 2 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2]);
            CHECK(finder_median_inplace(v, n) == want);
        }
    }
    CHECK_MSG(same == trials, "valley differs on %d of %d sequences", trials - same, trials);
}

int main(void)
{
    test_grid_without_overflow();
    test_curve_text();
    test_local_linear();
    test_valley_and_median();
    return check_summary();
}
