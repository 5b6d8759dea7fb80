/* Order statistics on small arrays of doubles, shared by the robust rule and the
 * aggregation of repeated runs: one comparison, one median, one quantile. */
#include <math.h>
#include <stdlib.h>

#include "finder/finder_internal.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void finder_sort(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
}

double finder_median_inplace(double *v, size_t n)
{
    finder_sort(v, n);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double finder_quantile_sorted(const double *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (pos - (double)lo) * (v[hi] - v[lo]);
}
