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

/* Moves the k-th smallest of v[0..n) to v[k], smaller ones before it, larger after
 * (Hoare's selection, median-of-three pivot): O(n) on average where a sort is
 * O(n log n), which matters for curves of a million points. */
static void select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        double a = v[lo], b = v[mid], c = v[hi];
        double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

double finder_median_inplace(double *v, size_t n)
{
    size_t half = n / 2;
    select_kth(v, n, half);
    if (n % 2)
        return v[half];
    double below = v[0]; /* the largest of v[0..half), all <= v[half] */
    for (size_t i = 1; i < half; i++)
        below = v[i] > below ? v[i] : below;
    return 0.5 * (below + v[half]);
}

double finder_quantile_sorted(const double *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (pos - (double)lo) * (v[hi] - v[lo]);
}
