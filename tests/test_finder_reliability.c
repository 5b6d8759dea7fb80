/* The finder on hostile input (issue 10): an lr grid whose end/start ratio overflows a
 * double stays finite (item 7); the curve reader takes a UTF-8 byte order mark and
 * blanks around fields, and refuses a NUL byte instead of cutting the row ("Messages"). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "lrf/finder.h"

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

int main(void)
{
    test_grid_without_overflow();
    test_curve_text();
    return check_summary();
}
