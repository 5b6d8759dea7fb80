/* The robust rule's smoother: a Gaussian-weighted local-linear fit at every point.
 *
 * The definition (finder_local_linear_ref) visits every pair of points: O(m^2), which
 * made `lrfind suggest` take minutes on a 100k-point curve. The grid of a sweep is
 * sorted, so only the points within the kernel's reach (4 sigma) of x[i] matter and
 * they form a window that slides along the grid: O(m w), and the same sums in the same
 * order as the definition, so the same bits. When the grid is dense (more than
 * DENSE_POINTS points within the reach: a long sweep or a logged curve of 10^5..10^6
 * points) even w is too many: the points are then summed into bins sigma/16 wide
 * (exact moments around each bin's centre) and each bin weighted by the kernel at its
 * mean, O(m * 128) whatever m is. Unsorted grids take the bins as well, or the
 * definition when they are small. */
#include <math.h>
#include <stdlib.h>

#include "finder/finder_internal.h"

/* Beyond 4 sigma a point's weight is exp(-8) ~ 3e-4 of the centre's: ignored. */
#define REACH_SIGMAS 4.0
/* Bins per sigma in the dense path: the kernel varies by at most ~6% across a bin at
 * the centre, and the first-order error cancels within each bin. */
#define BINS_PER_SIGMA 16.0
/* A window wider than this (on average) makes the grid "dense". */
enum { DENSE_POINTS = 512, SMALL_UNSORTED = 4096 };

/* The kernel-weighted sums of one local-linear fit. */
struct sums {
    double s0, s1, s2, t0, t1;
};

static double solve(const struct sums *s, double y_here)
{
    double det = s->s0 * s->s2 - s->s1 * s->s1;
    if (s->s0 <= 0)
        return y_here;
    if (det > 1e-9 * s->s0 * s->s2)
        return (s->s2 * s->t0 - s->s1 * s->t1) / det;
    return s->t0 / s->s0; /* one effective point: fall back to the local mean */
}

/* Adds point j's contribution to the fit at x[i] (the definition's loop body). */
static void add_point(struct sums *s, double dx, double sigma, double rw, double y)
{
    double u = dx / sigma;
    double w = exp(-0.5 * u * u) * rw;
    s->s0 += w;
    s->s1 += w * dx;
    s->s2 += w * dx * dx;
    s->t0 += w * y;
    s->t1 += w * dx * y;
}

void finder_local_linear_ref(const double *x, const double *y, const double *rw, size_t m,
                             double sigma, double *out)
{
    double reach = REACH_SIGMAS * sigma;
    for (size_t i = 0; i < m; i++) {
        struct sums s = {0};
        for (size_t j = 0; j < m; j++) {
            double dx = x[j] - x[i];
            if (fabs(dx) > reach)
                continue;
            add_point(&s, dx, sigma, rw[j], y[j]);
        }
        out[i] = solve(&s, y[i]);
    }
}

/* Sorted x: the points within reach of x[i] are x[lo..hi], and lo, hi only move up. */
static void window_fit(const double *x, const double *y, const double *rw, size_t m, double sigma,
                       double *out)
{
    double reach = REACH_SIGMAS * sigma;
    size_t lo = 0, hi = 0;
    for (size_t i = 0; i < m; i++) {
        while (lo < i && fabs(x[lo] - x[i]) > reach)
            lo++;
        if (hi < i)
            hi = i;
        while (hi + 1 < m && !(fabs(x[hi + 1] - x[i]) > reach))
            hi++;
        struct sums s = {0};
        for (size_t j = lo; j <= hi; j++)
            add_point(&s, x[j] - x[i], sigma, rw[j], y[j]);
        out[i] = solve(&s, y[i]);
    }
}

/* One bin's moments around its centre c: sum of rw, rw u, rw u^2, rw y, rw u y with
 * u = x - c. */
struct bin {
    double w, u1, u2, y, uy;
};

/* Sums the points into bins of width h from xmin; NULL when out of memory. */
static struct bin *fill_bins(const double *x, const double *y, const double *rw, size_t m,
                             double xmin, double h, size_t nbins)
{
    struct bin *b = calloc(nbins, sizeof *b);
    for (size_t j = 0; b && j < m; j++) {
        size_t k = (size_t)((x[j] - xmin) / h);
        if (k >= nbins)
            k = nbins - 1;
        double u = x[j] - (xmin + ((double)k + 0.5) * h), w = rw[j];
        b[k].w += w;
        b[k].u1 += w * u;
        b[k].u2 += w * u * u;
        b[k].y += w * y[j];
        b[k].uy += w * u * y[j];
    }
    return b;
}

/* The fit at xi from the bins within reach: each bin weighted by the kernel at its
 * mean, its moments shifted from its centre to xi exactly. */
static double binned_fit_at(const struct bin *b, size_t nbins, double xmin, double h, double sigma,
                            double xi, double y_here)
{
    double reach = REACH_SIGMAS * sigma;
    long k0 = (long)((xi - xmin) / h), span = (long)ceil(reach / h) + 1;
    struct sums s = {0};
    for (long k = k0 - span; k <= k0 + span; k++) {
        if (k < 0 || k >= (long)nbins || !(b[k].w > 0))
            continue;
        double d = xmin + ((double)k + 0.5) * h - xi; /* centre - xi */
        double mean_dx = d + b[k].u1 / b[k].w;
        if (fabs(mean_dx) > reach)
            continue;
        double u = mean_dx / sigma, g = exp(-0.5 * u * u);
        s.s0 += g * b[k].w;
        s.s1 += g * (b[k].u1 + d * b[k].w);
        s.s2 += g * (b[k].u2 + 2 * d * b[k].u1 + d * d * b[k].w);
        s.t0 += g * b[k].y;
        s.t1 += g * (b[k].uy + d * b[k].y);
    }
    return solve(&s, y_here);
}

/* False when the bins cannot be allocated (the caller falls back). */
static bool binned_fit(const double *x, const double *y, const double *rw, size_t m, double sigma,
                       double xmin, double xmax, double *out)
{
    double h = sigma / BINS_PER_SIGMA;
    size_t nbins = (size_t)((xmax - xmin) / h) + 1;
    struct bin *b = fill_bins(x, y, rw, m, xmin, h, nbins);
    if (!b)
        return false;
    for (size_t i = 0; i < m; i++)
        out[i] = binned_fit_at(b, nbins, xmin, h, sigma, x[i], y[i]);
    free(b);
    return true;
}

void finder_local_linear(const double *x, const double *y, const double *rw, size_t m, double sigma,
                         double *out)
{
    if (m == 0)
        return;
    bool sorted = true;
    double xmin = x[0], xmax = x[0];
    for (size_t i = 1; i < m; i++) {
        sorted &= x[i] >= x[i - 1];
        xmin = fmin(xmin, x[i]);
        xmax = fmax(xmax, x[i]);
    }
    /* Points within the reach of one point, on average. */
    double range = xmax - xmin;
    double window = range > 0 ? (double)m * 2 * REACH_SIGMAS * sigma / range : (double)m;
    bool dense = window > DENSE_POINTS && range > 0;
    if ((dense || (!sorted && m > SMALL_UNSORTED)) &&
        binned_fit(x, y, rw, m, sigma, xmin, xmax, out))
        return;
    if (sorted)
        window_fit(x, y, rw, m, sigma, out);
    else
        finder_local_linear_ref(x, y, rw, m, sigma, out);
}
