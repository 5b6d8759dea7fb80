/* Comparing a model's float arrays with reference values (PyTorch fixtures or
 * the double reference): errors are measured against the largest value of the
 * array, because gradients of a batch span many magnitudes and tiny entries
 * carry only absolute error. */
#ifndef LRF_TEST_MODEL_COMPARE_H
#define LRF_TEST_MODEL_COMPARE_H

#include <math.h>
#include <stdio.h>

#include "lrf/model.h"

static inline double max_abs(const double *v, long n)
{
    double m = 0;
    for (long i = 0; i < n; i++)
        m = fabs(v[i]) > m ? fabs(v[i]) : m;
    return m;
}

/* Counts entries with |got - want| > tol * max|want|; prints the first few. */
static inline int compare_f(const char *what, const float *got, const double *want, long n,
                            double tol)
{
    double scale = max_abs(want, n), lim = tol * (scale > 0 ? scale : 1);
    int bad = 0;
    for (long i = 0; i < n; i++)
        if (!(fabs((double)got[i] - want[i]) <= lim) && bad++ < 3)
            fprintf(stderr, "    %s[%ld]: got %.9g want %.9g\n", what, i, (double)got[i], want[i]);
    return bad;
}

/* Central differences (step h) of the double reference at every stride-th
 * parameter of p against its analytic gradient g: the count of mismatches
 * beyond tol * max(1, max|g|), the first few printed. */
static inline int fd_mismatches(const struct lrf_model *m, double *p,
                                const struct lrf_model_batch *b, const double *g, size_t stride,
                                double h, double tol, const char *name)
{
    size_t np = lrf_model_n_params(m);
    double gscale = max_abs(g, (long)np);
    int bad = 0;
    for (size_t i = 0; i < np; i += stride) {
        double keep = p[i];
        p[i] = keep + h;
        double lp = lrf_model_reference(m, p, b, NULL);
        p[i] = keep - h;
        double lm = lrf_model_reference(m, p, b, NULL);
        p[i] = keep;
        double fd = (lp - lm) / (2 * h);
        if (fabs(fd - g[i]) > tol * (gscale > 1 ? gscale : 1) && bad++ < 3)
            fprintf(stderr, "    %s fd[%zu]: analytic %.12g numeric %.12g\n", name, i, g[i], fd);
    }
    return bad;
}

#endif
