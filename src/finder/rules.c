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

long finder_valley(const double *y, size_t n, double *lds)
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
    double sections = (double)(max_end - max_start) / 3.0;
    /* Python int() truncates toward zero. */
    long idx = max_start + (long)sections + (long)(sections / 2.0);
    if (idx < 0)
        idx += (long)n; /* Python negative index */
    return idx;
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
