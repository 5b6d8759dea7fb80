/* The range-test plot: loss against lr on a log axis, raw points and the smoothed
 * line, the repeated-run band, each rule's suggestion and the divergence point. */
#include <math.h>
#include <string.h>

#include "plot/plot_range.h"

/* The y axis shows the valley: at the bottom every raw point up to the divergence point
 * (an EMA lags, so the raw losses in the valley lie well below the smoothed curve); at the
 * top the flat start and the descent, raw noise included, up to the smoothed minimum, but at
 * most the initial loss plus half the initial-to-bottom drop. What rises past that (the
 * divergence tail, often 10-1000x the initial loss) is clipped and marked on the top edge,
 * so it cannot squash the part of the curve the suggestions live in. */
static const double Y_TOP_ABOVE_START = 0.5;
static const double Y_PAD = 0.04; /* headroom so curves do not touch the border */
static const double MIN_DECADES_FOR_POWERS = 2.0;

int plot_usable_lr(double lr)
{
    return isfinite(lr) && lr > 0;
}

const double *plot_range_curve(const struct lrf_plot_range_test *d)
{
    return d->smoothed ? d->smoothed : d->loss;
}

static enum lrf_status check_range(const struct lrf_plot_range_test *d, struct lrf_error *err)
{
    if (!d)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "range-test plot: data is NULL");
    if (!d->lr || d->n == 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "range-test plot: lr must hold at least one point");
    if (!d->loss && !d->smoothed)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "range-test plot: loss and smoothed are both NULL");
    if ((d->band_lo == NULL) != (d->band_hi == NULL))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "range-test plot: band_lo and band_hi must be given together");
    if (d->n_markers && !d->markers)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "range-test plot: markers is NULL");
    if (d->diverged_index >= (long)d->n)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "range-test plot: diverged_index %ld is past the last point %zu",
                             d->diverged_index, d->n - 1);
    int any_lr = 0, any_loss = 0;
    const double *c = plot_range_curve(d);
    for (size_t i = 0; i < d->n; i++) {
        any_lr |= plot_usable_lr(d->lr[i]);
        any_loss |= plot_usable_lr(d->lr[i]) && isfinite(c[i]);
    }
    if (!any_lr)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "range-test plot: no positive finite lr for the log axis");
    if (!any_loss)
        return lrf_error_set(err, LRF_ERR_DATA, "range-test plot: no finite loss to draw");
    return LRF_OK;
}

static void widen(struct extent *e, double v)
{
    if (!isfinite(v))
        return;
    if (v < e->lo)
        e->lo = v;
    if (v > e->hi)
        e->hi = v;
}

/* The index of the curve's minimum before end (n when none is finite). */
static size_t curve_argmin(const struct lrf_plot_range_test *d, size_t end)
{
    const double *c = plot_range_curve(d);
    size_t best = d->n;
    for (size_t i = 0; i < end; i++)
        if (plot_usable_lr(d->lr[i]) && isfinite(c[i]) && (best == d->n || c[i] < c[best]))
            best = i;
    return best;
}

/* The value range of point i: its curve value, raw loss and band. */
static void widen_point(struct extent *e, const struct lrf_plot_range_test *d, size_t i)
{
    widen(e, plot_range_curve(d)[i]);
    if (d->loss)
        widen(e, d->loss[i]);
    if (d->band_lo) {
        widen(e, d->band_lo[i]);
        widen(e, d->band_hi[i]);
    }
}

/* The shown y range before padding (see Y_TOP_ABOVE_START). */
static struct extent y_range(const struct lrf_plot_range_test *d)
{
    const double *c = plot_range_curve(d);
    size_t end = d->diverged_index >= 0 ? (size_t)d->diverged_index + 1 : d->n;
    size_t imin = curve_argmin(d, end);
    struct extent valley = {INFINITY, -INFINITY}, descent = {INFINITY, -INFINITY};
    struct extent all = {INFINITY, -INFINITY};
    double start = (double)NAN;
    for (size_t i = 0; i < d->n; i++) {
        if (!plot_usable_lr(d->lr[i]))
            continue;
        widen_point(&all, d, i);
        if (i >= end)
            continue;
        widen_point(&valley, d, i);
        if (i <= imin)
            widen_point(&descent, d, i);
        if (isnan(start) && isfinite(c[i]))
            start = c[i];
    }
    if (imin == d->n) /* everything finite lies past the divergence point */
        return all;
    double drop = start - valley.lo;
    struct extent y = {valley.lo, fmin(descent.hi, start + Y_TOP_ABOVE_START * drop)};
    if (!(drop > 0)) /* the loss only rose: show it whole */
        y.hi = valley.hi;
    return y;
}

/* Padding, and a non-empty range for a flat curve. */
static struct extent pad_range(struct extent y)
{
    double span = y.hi - y.lo;
    if (!(span > 1e-12 * fmax(1.0, fabs(y.lo)))) {
        span = fmax(fabs(y.lo) * 0.05, 1e-6);
        y.lo -= span;
        y.hi += span;
        span = y.hi - y.lo;
    }
    y.lo -= Y_PAD * span;
    y.hi += Y_PAD * span;
    return y;
}

static struct extent x_range(const struct lrf_plot_range_test *d)
{
    struct extent x = {INFINITY, -INFINITY};
    for (size_t i = 0; i < d->n; i++)
        if (plot_usable_lr(d->lr[i]))
            widen(&x, d->lr[i]);
    if (x.hi <= x.lo) {
        x.lo *= 0.5;
        x.hi *= 2.0;
    }
    return x;
}

static void write_data(FILE *fp, const struct lrf_plot_range_test *d)
{
    fputs("$curve << EOD\n# lr loss smoothed\n", fp);
    for (size_t i = 0; i < d->n; i++) {
        plot_put_number(fp, plot_usable_lr(d->lr[i]) ? d->lr[i] : (double)NAN);
        fputc(' ', fp);
        plot_put_number(fp, d->loss ? d->loss[i] : (double)NAN);
        fputc(' ', fp);
        plot_put_number(fp, d->smoothed ? d->smoothed[i] : (double)NAN);
        fputc('\n', fp);
    }
    fputs("EOD\n", fp);
    if (d->band_lo) {
        fputs("$band << EOD\n# lr low high\n", fp);
        for (size_t i = 0; i < d->n; i++) {
            if (!plot_usable_lr(d->lr[i]) || !isfinite(d->band_lo[i]) || !isfinite(d->band_hi[i]))
                continue;
            plot_put_number(fp, d->lr[i]);
            fputc(' ', fp);
            plot_put_number(fp, d->band_lo[i]);
            fputc(' ', fp);
            plot_put_number(fp, d->band_hi[i]);
            fputc('\n', fp);
        }
        fputs("EOD\n", fp);
    }
}

static void write_title(FILE *fp, const struct range_plot *P)
{
    fputs("set title ", fp);
    const char *title = P->d->title ? P->d->title : "learning-rate range test";
    char short_title[512];
    int width = P->out->term_width > 0 ? P->out->term_width : LRF_PLOT_TERM_WIDTH;
    if (P->term && strlen(title) > (size_t)width - 2 && width > 8 && width < 500) {
        /* The dumb terminal drops a title wider than the plot instead of clipping it. */
        snprintf(short_title, sizeof short_title, "%.*s...", width - 5, title);
        title = short_title;
    }
    plot_put_string(fp, title);
    fputs(" noenhanced\n", fp);
}

static void write_axes(FILE *fp, const struct range_plot *P)
{
    int term = P->term;
    fputs("set xlabel 'learning rate'\nset ylabel 'loss'\n", fp);
    fputs("set logscale x 10\n", fp);
    /* Powers of ten read best as 10^-3 on an image; text has no superscripts. Over less
     * than MIN_DECADES_FOR_POWERS gnuplot puts ticks between powers of ten, which a
     * 10^{%L} label would misname, so short sweeps get plain numbers. */
    if (log10(P->x.hi / P->x.lo) < MIN_DECADES_FOR_POWERS)
        fputs("set format x '%g'\n", fp);
    else
        fputs(term ? "set format x '%.0e'\n" : "set format x '10^{%L}'\n", fp);
    fputs("set format y '%g'\n", fp);
    if (!term) /* dotted grid lines only clutter text output */
        fputs("set grid xtics ytics\n", fp);
    fputs("set border 3\nset xtics nomirror\nset ytics nomirror\n", fp);
    /* Text has no room for a key under the plot: there the labels name everything. */
    fputs(term ? "set key off\n" : "set key outside below horizontal center\n", fp);
    fprintf(fp, "set xrange [%.10g:%.10g]\n", P->x.lo, P->x.hi);
    fprintf(fp, "set yrange [%.10g:%.10g]\n", P->y.lo, P->y.hi);
}

/* The curves: band, raw points, smoothed line. Returns the separator for the next. */
static const char *plot_curves(FILE *fp, const struct range_plot *P)
{
    const struct lrf_plot_range_test *d = P->d;
    const char *sep = "plot ";
    if (d->band_lo) {
        fprintf(fp,
                "%s$band using 1:2:3 with filledcurves fc rgb '#9ecae1' fs %s noborder "
                "title 'spread over runs'",
                sep, P->term ? "solid" : "transparent solid 0.45");
        sep = PLOT_SERIES_SEP;
    }
    if (d->loss) {
        fprintf(fp, "%s$curve using 1:2 with %s lc rgb '#b0b0b0' title 'loss'", sep,
                P->term ? "dots" : "points pt 7 ps 0.35");
        sep = PLOT_SERIES_SEP;
    }
    if (d->smoothed) {
        fprintf(fp, "%s$curve using 1:3 with lines lw 2 lc rgb '#1f77b4' title 'smoothed'", sep);
        sep = PLOT_SERIES_SEP;
    }
    return sep;
}

static enum lrf_status write_range(FILE *fp, const struct lrf_plot_output *out,
                                   const char *output_name, const void *ctx, struct lrf_error *err)
{
    struct range_plot P = {.d = ctx, .out = out};
    enum lrf_status st = check_range(P.d, err);
    if (st == LRF_OK)
        st = lrf_plot_format_from_path(out ? out->path : NULL, &P.fmt, err);
    if (st != LRF_OK)
        return st;
    P.term = P.fmt == LRF_PLOT_TERM;
    fputs("# lrfind range-test plot; render with: gnuplot THIS_FILE\n", fp);
    st = plot_write_terminal(fp, out, output_name, err);
    if (st != LRF_OK)
        return st;
    P.x = x_range(P.d);
    struct extent shown = y_range(P.d);
    P.y = pad_range(shown);
    P.clip_y = shown.hi + 0.5 * (P.y.hi - shown.hi); /* inside the headroom */
    plot_range_find_marks(&P);
    write_data(fp, P.d);
    plot_range_clipped_data(fp, &P);
    fputs("set datafile missing '?'\n", fp);
    write_title(fp, &P);
    write_axes(fp, &P);
    plot_range_labels(fp, &P);
    plot_range_mark_series(fp, &P, plot_curves(fp, &P));
    return ferror(fp) ? lrf_error_set(err, LRF_ERR_IO, "cannot write the plot script") : LRF_OK;
}

enum lrf_status lrf_plot_write_range_test_script(FILE *fp, const struct lrf_plot_output *out,
                                                 const char *output_name,
                                                 const struct lrf_plot_range_test *data,
                                                 struct lrf_error *err)
{
    return write_range(fp, out, output_name, data, err);
}

enum lrf_status lrf_plot_range_test(const struct lrf_plot_output *out,
                                    const struct lrf_plot_range_test *data, struct lrf_error *err)
{
    enum lrf_status st = check_range(data, err);
    if (st != LRF_OK)
        return st;
    return plot_run(out, write_range, data, err);
}
