/* The published suggestion rules, ported from the anchors' source: numpy's gradient
 * and argmin (numpy.gradient, edge_order 1; numpy.argmin), fastai 2.x's valley, slide
 * and steep (fastai/callback/schedule.py), pytorch-lr-finder 0.2.2's suggest_lr
 * (torch_lr_finder/lr_finder.py). scripts/gen_finder_fixtures.py ports them again, in
 * Python, for tests/fixtures/finder/expected.txt. Indices are into the arrays passed in. */
#include <math.h>
#include <stdbool.h>

#include "finder/finder_internal.h"

long finder_argmin_np(const double *y, size_t n)
{
    long best = -1;
    for (size_t i = 0; i < n; i++) {
        if (isnan(y[i]))
            return (long)i; /* numpy/torch: NaN propagates, its first index wins */
        if (best < 0 || y[i] < y[best])
            best = (long)i;
    }
    return best;
}

void finder_grad_unit(const double *y, size_t n, double *g)
{
    g[0] = y[1] - y[0];
    g[n - 1] = y[n - 1] - y[n - 2];
    for (size_t i = 1; i + 1 < n; i++)
        g[i] = (y[i + 1] - y[i - 1]) / 2.0;
}

void finder_grad_x(const double *y, const double *x, size_t n, double *g)
{
    g[0] = (y[1] - y[0]) / (x[1] - x[0]);
    g[n - 1] = (y[n - 1] - y[n - 2]) / (x[n - 1] - x[n - 2]);
    bool uniform = true; /* numpy switches to the scalar-spacing formula then */
    for (size_t i = 1; i + 1 < n && uniform; i++)
        uniform = (x[i + 1] - x[i]) == (x[1] - x[0]);
    if (uniform) {
        double dx = x[1] - x[0];
        for (size_t i = 1; i + 1 < n; i++)
            g[i] = (y[i + 1] - y[i - 1]) / (2.0 * dx);
        return;
    }
    for (size_t i = 1; i + 1 < n; i++) {
        /* numpy's second-order interior formula for uneven spacing, same operation order. */
        double hl = x[i] - x[i - 1], hr = x[i + 1] - x[i];
        double a = -(hr) / (hl * (hl + hr));
        double b = (hr - hl) / (hl * hr);
        double c = hl / (hr * (hl + hr));
        g[i] = a * y[i - 1] + b * y[i] + c * y[i + 1];
    }
}

/* fastai's index arithmetic on the longest decreasing run [max_start, max_end]. */
static long valley_index(long max_start, long max_end, size_t n)
{
    double sections = (double)(max_end - max_start) / 3.0;
    /* Python int() truncates toward zero. */
    long idx = max_start + (long)sections + (long)(sections / 2.0);
    if (idx < 0)
        idx += (long)n; /* Python negative index */
    return idx;
}

long finder_valley_ref(const double *y, size_t n, double *lds)
{
    if (n == 0)
        return -1;
    /* lds[i]: longest strictly decreasing subsequence ending at i (kept in doubles: the
     * caller's scratch; exact for any realistic n). O(n^2) as in fastai. */
    long max_start = 0, max_end = 0;
    for (size_t i = 0; i < n; i++)
        lds[i] = 1;
    for (size_t i = 1; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (y[i] < y[j] && lds[i] < lds[j] + 1)
                lds[i] = lds[j] + 1;
            if (lds[max_end] < lds[i]) {
                max_end = (long)i;
                max_start = max_end - (long)lds[max_end];
            }
        }
    }
    return valley_index(max_start, max_end, n);
}

/* The number of distinct values of sorted v[0..n) moved to its front. */
static size_t unique_sorted(double *v, size_t n)
{
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || v[i] != v[u - 1])
            v[u++] = v[i];
    return u;
}

/* The position of value in sorted distinct v[0..u) (it is there). */
static size_t rank_of(const double *v, size_t u, double value)
{
    size_t lo = 0, hi = u;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

long finder_valley(const double *y, size_t n, double *scratch)
{
    if (n == 0)
        return -1;
    /* fastai's result in O(n log n): the run ending at i is L_i = 1 + the longest ending
     * at an earlier, strictly higher point, found with a Fenwick tree of maxima over the
     * values' ranks, highest first. fastai's max_end is the first i reaching a new
     * longest L_i (then L_i = the old longest + 1, so its max_start = i - L_i), which
     * keeps the answer identical to finder_valley_ref. NaN is never higher or lower. */
    double *vals = scratch, *tree = scratch + n;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(y[i]))
            vals[k++] = y[i];
    finder_sort(vals, k);
    size_t u = unique_sorted(vals, k);
    for (size_t i = 0; i < u; i++)
        tree[i] = 0;
    long max_start = 0, max_end = 0;
    double longest = 1;
    for (size_t i = 0; i < n; i++) {
        if (isnan(y[i]))
            continue;
        size_t pos = u - rank_of(vals, u, y[i]); /* 1-based, highest value first */
        double best = 0;
        for (size_t p = pos - 1; p > 0; p -= p & (~p + 1)) /* the strictly higher values */
            best = fmax(best, tree[p - 1]);
        double len = best + 1;
        for (size_t p = pos; p <= u; p += p & (~p + 1))
            tree[p - 1] = fmax(tree[p - 1], len);
        if (len > longest) {
            longest = len;
            max_end = (long)i;
            max_start = max_end - (long)len;
        }
    }
    return valley_index(max_start, max_end, n);
}

long finder_slide(const double *y, size_t n, double *g)
{
    const long lr_diff = 15;
    const double thresh = 0.005;
    long len = (long)n;
    if (len < lr_diff + 1)
        return -1; /* fastai raises IndexError on lrs[-16] */
    finder_grad_unit(y, n, g);
    long r = -1, l = r - lr_diff;
    long local = len + l;
    while (l >= -len && fabs(g[len + r] - g[len + l]) > thresh) {
        local = len + l;
        r -= 1;
        l -= 1;
    }
    return local;
}

long finder_steep(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return -1;
    long best = -1;
    double bestv = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        double d = (y[i + 1] - y[i]) / (log(x[i + 1]) - log(x[i]));
        if (isnan(d))
            return (long)i;
        if (best < 0 || d < bestv) {
            best = (long)i;
            bestv = d;
        }
    }
    return best;
}
