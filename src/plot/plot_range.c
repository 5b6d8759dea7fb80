/* The range-test plot: loss against lr on a log axis, raw points and the smoothed
 * line, the repeated-run band, each rule's suggestion and the divergence point. */
#include <math.h>
#include <string.h>

#include "plot/plot_internal.h"

/* The y axis shows the valley, not the blow-up: its top is the initial loss plus half
 * the initial-to-minimum drop, so a diverged tail (often 10-1000x the initial loss)
 * cannot squash the part of the curve the suggestions live in. */
static const double Y_TOP_ABOVE_START = 0.5;
/* Raw losses are noisier than the smoothed curve; let them pull the bottom down by at
 * most this fraction of the drop, so one lucky batch does not flatten the valley. */
static const double Y_RAW_BELOW = 0.25;
static const double Y_PAD = 0.04; /* headroom so curves do not touch the border */
static const double MIN_DECADES_FOR_POWERS = 2.0;
/* The share of an image's width and height inside the axes (the rest: tics, title, key). */
static const double PLOT_FRACTION_X = 0.88, PLOT_FRACTION_Y = 0.70;
enum { LABELS_MAX = 64 };
/* Markers within this fraction of the x axis from an edge get their label inwards. */
static const double LABEL_EDGE = 0.2;

static const char *const MARKER_COLORS[] = {"#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                                            "#e377c2", "#17becf", "#bcbd22"};
static const char RECOMMENDED_COLOR[] = "#d62728";

static int usable_lr(double lr)
{
    return isfinite(lr) && lr > 0;
}

static const double *curve_of(const struct lrf_plot_range_test *d)
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
    const double *c = curve_of(d);
    for (size_t i = 0; i < d->n; i++) {
        any_lr |= usable_lr(d->lr[i]);
        any_loss |= usable_lr(d->lr[i]) && isfinite(c[i]);
    }
    if (!any_lr)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "range-test plot: no positive finite lr for the log axis");
    if (!any_loss)
        return lrf_error_set(err, LRF_ERR_DATA, "range-test plot: no finite loss to draw");
    return LRF_OK;
}

struct extent {
    double lo, hi;
};

static void widen(struct extent *e, double v)
{
    if (!isfinite(v))
        return;
    if (v < e->lo)
        e->lo = v;
    if (v > e->hi)
        e->hi = v;
}

static struct extent y_range(const struct lrf_plot_range_test *d)
{
    const double *c = curve_of(d);
    size_t end = d->diverged_index >= 0 ? (size_t)d->diverged_index + 1 : d->n;
    struct extent curve = {INFINITY, -INFINITY}, all = {INFINITY, -INFINITY};
    struct extent raw = {INFINITY, -INFINITY};
    double start = (double)NAN;
    for (size_t i = 0; i < d->n; i++) {
        if (!usable_lr(d->lr[i]))
            continue;
        if (i < end && isfinite(c[i])) {
            widen(&curve, c[i]);
            if (isnan(start))
                start = c[i];
        }
        if (d->loss && i < end)
            widen(&raw, d->loss[i]);
        widen(&all, c[i]);
        if (d->loss)
            widen(&all, d->loss[i]);
        if (d->band_lo) {
            widen(&curve, i < end ? d->band_lo[i] : (double)NAN);
            widen(&all, d->band_lo[i]);
            widen(&all, d->band_hi[i]);
        }
    }
    if (!isfinite(curve.lo)) /* everything finite lies past the divergence point */
        curve = all, start = all.hi;
    double drop = start - curve.lo;
    struct extent y = {curve.lo, start + Y_TOP_ABOVE_START * drop};
    if (raw.lo < y.lo)
        y.lo = fmax(raw.lo, curve.lo - Y_RAW_BELOW * drop);
    if (y.hi < curve.hi && drop <= 0) /* loss only rose: show it whole */
        y.hi = curve.hi;
    if (y.hi > all.hi)
        y.hi = all.hi;
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
        if (usable_lr(d->lr[i]))
            widen(&x, d->lr[i]);
    if (x.hi <= x.lo) {
        x.lo *= 0.5;
        x.hi *= 2.0;
    }
    return x;
}

/* Where a marker sits: its own loss when that is on screen, else the drawn curve at the
 * nearest lr (log distance). A rule may measure on its own curve (e.g. a differently
 * smoothed one) whose value lies outside the clipped y range; pinning that to the border
 * would put the point far from the curve it annotates. */
static double marker_y(const struct lrf_plot_range_test *d, const struct lrf_plot_marker *m,
                       struct extent y_shown)
{
    if (isfinite(m->loss) && m->loss >= y_shown.lo && m->loss <= y_shown.hi)
        return m->loss;
    const double *c = curve_of(d);
    double best = INFINITY, y = (double)NAN;
    for (size_t i = 0; i < d->n; i++) {
        if (!usable_lr(d->lr[i]) || !isfinite(c[i]) || !usable_lr(m->lr))
            continue;
        double dist = fabs(log(d->lr[i] / m->lr));
        if (dist < best)
            best = dist, y = c[i];
    }
    return y;
}

static double clamp(double v, struct extent e)
{
    return v < e.lo ? e.lo : v > e.hi ? e.hi : v;
}

static void write_data(FILE *fp, const struct lrf_plot_range_test *d)
{
    fputs("$curve << EOD\n# lr loss smoothed\n", fp);
    for (size_t i = 0; i < d->n; i++) {
        plot_put_number(fp, usable_lr(d->lr[i]) ? d->lr[i] : (double)NAN);
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
            if (!usable_lr(d->lr[i]) || !isfinite(d->band_lo[i]) || !isfinite(d->band_hi[i]))
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

/* Rank of marker k by lr, so that labels of neighbouring markers get different heights. */
static size_t lr_rank(const struct lrf_plot_range_test *d, size_t k)
{
    size_t r = 0;
    for (size_t j = 0; j < d->n_markers; j++)
        r += d->markers[j].lr < d->markers[k].lr || (d->markers[j].lr == d->markers[k].lr && j < k);
    return r;
}

/* Point types: on text output gnuplot draws pt N as a letter, which would read like a
 * label, so markers get symbols there instead. */
static const char *marker_point(int term, int recommended)
{
    if (term)
        return recommended ? "'@'" : "'o'";
    return recommended ? "5" : "7";
}

static void marker_text(const struct lrf_plot_marker *m, const char *suffix, char *text,
                        size_t size)
{
    snprintf(text, size, "%s %.3g%s", m->name ? m->name : "suggestion", m->lr, suffix);
}

static void write_marker_title(FILE *fp, const struct lrf_plot_marker *m, const char *suffix)
{
    char text[256];
    marker_text(m, suffix, text, sizeof text);
    plot_put_string(fp, text);
}

static const char *marker_color(const struct lrf_plot_marker *m, size_t k)
{
    return m->recommended ? RECOMMENDED_COLOR
                          : MARKER_COLORS[k % (sizeof MARKER_COLORS / sizeof *MARKER_COLORS)];
}

/* The plot area in characters (columns x lines of the label font), estimated from the
 * output size, the font and the margins gnuplot leaves for tics, title and key. */
struct area {
    double width, height;
};

static struct area plot_area(const struct lrf_plot_output *out, enum lrf_plot_format fmt)
{
    struct area a;
    if (fmt == LRF_PLOT_TERM) {
        int w = out->term_width > 0 ? out->term_width : LRF_PLOT_TERM_WIDTH;
        int h = out->term_height > 0 ? out->term_height : LRF_PLOT_TERM_HEIGHT;
        a.width = w - 11.0; /* y tic labels, axis label and border */
        a.height = h - 6.0; /* title, x tics, x label */
        return a;
    }
    double w = out->width > 0 ? out->width : 900, h = out->height > 0 ? out->height : 600;
    /* png/svg: 10 pt sans is ~7 px wide, ~15 px a line; pdf: 9 pt at 150 px per inch. */
    double cw = fmt == LRF_PLOT_PDF ? 10.3 : 7.0, ch = fmt == LRF_PLOT_PDF ? 23.0 : 15.0;
    a.width = w * PLOT_FRACTION_X / cw;
    a.height = h * PLOT_FRACTION_Y / ch;
    return a;
}

/* What the parts of one range-test script share. */
struct range_plot {
    const struct lrf_plot_range_test *d;
    const struct lrf_plot_output *out;
    enum lrf_plot_format fmt;
    int term; /* text output (gnuplot's dumb terminal) */
    struct extent x, y;
    int have_div; /* the divergence point is drawn */
    double div_lr, div_y;
};

/* The divergence point: its lr and where it sits on the clipped y axis. */
static void find_divergence(struct range_plot *P)
{
    const struct lrf_plot_range_test *d = P->d;
    P->have_div = d->diverged_index >= 0 && usable_lr(d->lr[d->diverged_index]);
    P->div_lr = P->have_div ? d->lr[d->diverged_index] : (double)NAN;
    P->div_y = P->y.hi;
    if (P->have_div) {
        long i = d->diverged_index;
        double v = d->smoothed && isfinite(d->smoothed[i]) ? d->smoothed[i]
                                                           : (d->loss ? d->loss[i] : (double)NAN);
        P->div_y = isfinite(v) ? clamp(v, P->y) : P->y.hi;
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

static void write_divergence_line(FILE *fp, const struct range_plot *P)
{
    if (P->have_div && P->term) { /* no key in text: the label says what the X is */
        fprintf(fp,
                "set label %zu 'diverged %.3g' at %.10g, %.10g right offset char -1, char 0 "
                "front\n",
                P->d->n_markers + 1, P->div_lr, P->div_lr, P->div_y); /* 1..n_markers: markers */
    }
    if (P->have_div)
        fprintf(fp,
                "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 lw 1.5 lc rgb "
                "'#cc0000' back\n",
                P->div_lr, P->div_lr);
}

/* Labels beside each marker: name and lr. Neighbours by lr start on opposite sides
 * (and inwards near an edge), then plot_place_labels moves any that would overlap. */
static void write_labels(FILE *fp, const struct range_plot *P)
{
    const struct lrf_plot_range_test *d = P->d;
    struct plot_label labels[LABELS_MAX];
    size_t label_of[LABELS_MAX], nl = 0;
    struct area a = plot_area(P->out, P->fmt);
    for (size_t k = 0; k < d->n_markers && nl < LABELS_MAX; k++) {
        const struct lrf_plot_marker *m = &d->markers[k];
        double my = marker_y(d, m, P->y);
        if (!usable_lr(m->lr) || !isfinite(my))
            continue;
        int even = lr_rank(d, k) % 2 == 0;
        double pos = log(m->lr / P->x.lo) / log(P->x.hi / P->x.lo);
        char text[256];
        marker_text(m, "", text, sizeof text);
        struct plot_label *l = &labels[nl];
        l->x = pos * a.width;
        l->y = (clamp(my, P->y) - P->y.lo) / (P->y.hi - P->y.lo) * a.height;
        /* Bold text (the recommended label on images) is about a tenth wider. */
        l->len = (double)strlen(text) * (m->recommended && !P->term ? 1.1 : 1.0);
        l->priority = m->recommended;
        l->prefer_right = pos > 1 - LABEL_EDGE ? 0 : pos < LABEL_EDGE ? 1 : even;
        l->prefer_up = even;
        label_of[nl++] = k;
    }
    plot_place_labels(labels, nl, a.width, a.height);
    for (size_t i = 0; i < nl; i++) {
        const struct lrf_plot_marker *m = &d->markers[label_of[i]];
        fprintf(fp, "set label %zu ", label_of[i] + 1);
        write_marker_title(fp, m, "");
        fprintf(fp, " at %.10g, %.10g %s offset char %d, char %d noenhanced front", m->lr,
                clamp(marker_y(d, m, P->y), P->y), labels[i].right ? "left" : "right",
                labels[i].right ? 1 : -1, labels[i].dy);
        if (m->recommended && !P->term)
            fputs(" font ',11:Bold'", fp);
        fprintf(fp, " textcolor rgb '%s'\n", marker_color(m, label_of[i]));
    }
}

static const char *const PLOT_SEP = ", \\\n     ";

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
        sep = PLOT_SEP;
    }
    if (d->loss) {
        fprintf(fp, "%s$curve using 1:2 with %s lc rgb '#b0b0b0' title 'loss'", sep,
                P->term ? "dots" : "points pt 7 ps 0.35");
        sep = PLOT_SEP;
    }
    if (d->smoothed) {
        fprintf(fp, "%s$curve using 1:3 with lines lw 2 lc rgb '#1f77b4' title 'smoothed'", sep);
        sep = PLOT_SEP;
    }
    return sep;
}

/* The plot command: curves, then each marker as a one-point series so that the key
 * lists it with its lr, then the divergence point. */
static void write_plot(FILE *fp, const struct range_plot *P)
{
    const struct lrf_plot_range_test *d = P->d;
    const char *sep = plot_curves(fp, P);
    for (size_t k = 0; k < d->n_markers; k++) {
        const struct lrf_plot_marker *m = &d->markers[k];
        double my = marker_y(d, m, P->y);
        if (!usable_lr(m->lr) || !isfinite(my))
            continue;
        fprintf(fp,
                "%s'+' using (%.10g):(%.10g) every ::0::0 with points pt %s ps %.1f lc rgb '%s'",
                sep, m->lr, clamp(my, P->y), marker_point(P->term, m->recommended),
                m->recommended ? 2.0 : 1.3, marker_color(m, k));
        fputs(" title ", fp);
        write_marker_title(fp, m, m->recommended ? " (recommended)" : "");
        fputs(" noenhanced", fp);
        sep = PLOT_SEP;
    }
    if (P->have_div) {
        char text[64];
        snprintf(text, sizeof text, "diverged %.3g", P->div_lr);
        fprintf(fp,
                "%s'+' using (%.10g):(%.10g) every ::0::0 with points pt %s ps 1.6 lc rgb "
                "'#cc0000' title ",
                sep, P->div_lr, P->div_y, P->term ? "'X'" : "2");
        plot_put_string(fp, text);
    }
    fputc('\n', fp);
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
    write_data(fp, P.d);
    P.x = x_range(P.d);
    P.y = y_range(P.d);
    find_divergence(&P);
    fputs("set datafile missing '?'\n", fp);
    write_title(fp, &P);
    write_axes(fp, &P);
    write_divergence_line(fp, &P);
    write_labels(fp, &P);
    write_plot(fp, &P);
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
