/* libFuzzer target: the curve reader (lrf_finder_read_curve, through an in-memory file)
 * and the offline analysis (lrf_finder_analyze) in lrfind's and both anchors' modes.
 * Every valid suggestion must be a finite positive lr at an index inside the curve. */
#define _GNU_SOURCE /* memfd_create */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lrf/finder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Curves above this many bytes are skipped: the robust rule is quadratic in the
 * points (issue 10 item 5), which would only slow the search down. */
enum { CURVE_BYTES_MAX = 1 << 16 };

static void check_result(const struct lrf_finder_result *r)
{
    for (int q = 0; q < LRF_FINDER_RULE_COUNT; q++) {
        const struct lrf_finder_suggestion *s = &r->suggestion[q];
        if (s->valid &&
            (!(isfinite(s->lr) && s->lr > 0) || s->index < 0 || (size_t)s->index >= r->n))
            abort(); /* a "valid" suggestion that is not a usable lr */
    }
    if (r->n > r->num_iter)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (size > CURVE_BYTES_MAX)
        return 0;
    if (fd < 0) {
        fd = memfd_create("fuzz_curve", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    double *lr = NULL, *loss = NULL;
    size_t n = 0;
    struct lrf_error err;
    if (lrf_finder_read_curve(path, &lr, &loss, &n, &err) == LRF_OK) {
        for (int c = 0; c < LRF_FINDER_COMPAT_COUNT; c++) {
            struct lrf_finder_config cfg = lrf_finder_config_compat((enum lrf_finder_compat)c);
            struct lrf_finder_result *r = NULL;
            if (lrf_finder_analyze(&cfg, lr, loss, n, &r, &err) == LRF_OK) {
                check_result(r);
                FILE *null = fopen("/dev/null", "w");
                if (null) {
                    lrf_finder_write_curve(r, null, &err);
                    fclose(null);
                }
            }
            lrf_finder_result_destroy(r);
        }
    }
    free(lr);
    free(loss);
    return 0;
}
