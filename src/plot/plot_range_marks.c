/* The range-test plot's marks: each rule's suggestion (a point and a label, the recommended
 * one larger, bold, boxed and with a line down to the lr axis, so it is the first thing the
 * eye finds), the divergence point, and the tail clipped off the top of the y axis (drawn as
 * triangles on the top edge, with the largest value in the key). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot_range.h"

/* The share of an image's width and height inside the axes (the rest: tics, title, key). */
static const double PLOT_FRACTION_X = 0.88, PLOT_FRACTION_Y = 0.70;
/* Text plots have few lines: a label two lines off already reads as another point's. */
enum { LABELS_MAX = 64, TERM_LINES_AWAY = 2, CURVE_BOXES_MAX = 8192 };
/* Markers within this fraction of the x axis from an edge get their label inwards. */
static const double LABEL_EDGE = 0.2;

static const char *const MARKER_COLORS[] = {"#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                                            "#e377c2", "#17becf", "#bcbd22"};
static const char RECOMMENDED_COLOR[] = "#d62728";
static const char DIVERGED_COLOR[] = "#cc0000";

double plot_clamp(double v, struct extent e)
{
    return v < e.lo ? e.lo : v > e.hi ? e.hi : v;
}

/* Where a marker sits: its own loss when that is on screen, else the drawn curve at the
 * nearest lr (log distance). A rule may measure on its own curve (e.g. a differently
 * smoothed one) whose value lies outside the clipped y range; pinning that to the border
 * would put the point far from the curve it annotates. */
double plot_range_marker_y(const struct range_plot *P, const struct lrf_plot_marker *m)
{
    if (isfinite(m->loss) && m->loss >= P->y.lo && m->loss <= P->y.hi)
        return m->loss;
    const struct lrf_plot_range_test *d = P->d;
    const double *c = plot_range_curve(d);
    double best = INFINITY, y = (double)NAN;
    for (size_t i = 0; i < d->n; i++) {
        if (!plot_usable_lr(d->lr[i]) || !isfinite(c[i]) || !plot_usable_lr(m->lr))
            continue;
        double dist = fabs(log(d->lr[i] / m->lr));
        if (dist < best)
            best = dist, y = c[i];
    }
    return y;
}

/* The higher of point i's drawn and raw loss (-inf when neither is finite). */
static double point_top(const struct lrf_plot_range_test *d, size_t i)
{
    const double *c = plot_range_curve(d);
    double v = isfinite(c[i]) ? c[i] : (double)-INFINITY;
    if (d->loss && isfinite(d->loss[i]) && d->loss[i] > v)
        v = d->loss[i];
    return v;
}

/* The divergence point (its lr, where it sits on the clipped axis) and the clipped tail. */
void plot_range_find_marks(struct range_plot *P)
{
    const struct lrf_plot_range_test *d = P->d;
    P->have_div = d->diverged_index >= 0 && plot_usable_lr(d->lr[d->diverged_index]);
    P->div_lr = P->have_div ? d->lr[d->diverged_index] : (double)NAN;
    P->div_y = P->y.hi;
    if (P->have_div) {
        long i = d->diverged_index;
        double v = d->smoothed && isfinite(d->smoothed[i]) ? d->smoothed[i]
                                                           : (d->loss ? d->loss[i] : (double)NAN);
        P->div_y = isfinite(v) ? plot_clamp(v, P->y) : P->y.hi;
    }
    P->n_clipped = 0;
    P->clip_max = -INFINITY;
    for (size_t i = 0; i < d->n; i++) {
        double v = point_top(d, i);
        if (!plot_usable_lr(d->lr[i]) || !(v > P->y.hi))
            continue;
        P->n_clipped++;
        P->clip_max = fmax(P->clip_max, v);
    }
}

void plot_range_clipped_data(FILE *fp, const struct range_plot *P)
{
    const struct lrf_plot_range_test *d = P->d;
    if (!P->n_clipped)
        return;
    fputs("$clipped << EOD\n# lr, of each point above the y axis\n", fp);
    for (size_t i = 0; i < d->n; i++) {
        if (plot_usable_lr(d->lr[i]) && point_top(d, i) > P->y.hi) {
            plot_put_number(fp, d->lr[i]);
            fputc('\n', fp);
        }
    }
    fputs("EOD\n", fp);
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

/* A point (lr, loss) in the character grid of the plot area. */
static void to_area(const struct range_plot *P, struct area a, double lr, double loss, double *x,
                    double *y)
{
    *x = log(lr / P->x.lo) / log(P->x.hi / P->x.lo) * a.width;
    *y = (plot_clamp(loss, P->y) - P->y.lo) / (P->y.hi - P->y.lo) * a.height;
}

/* The text plot's divergence label, right-justified left of its X: placed first, so the
 * suggestion labels keep clear of it. */
static void divergence_label(const struct range_plot *P, struct area a, struct plot_label *l)
{
    char text[64];
    snprintf(text, sizeof text, "diverged %.3g", P->div_lr);
    memset(l, 0, sizeof *l);
    to_area(P, a, P->div_lr, P->div_y, &l->x, &l->y);
    l->len = (double)strlen(text);
    l->fixed = 1;
}

/* The drawn curve as soft obstacles for the labels: its cells in the character grid,
 * sampled every half character along each segment. NULL (none) when out of memory. */
static struct plot_box *curve_cells(const struct range_plot *P, struct area a, size_t *n)
{
    const struct lrf_plot_range_test *d = P->d;
    const double *c = plot_range_curve(d);
    struct plot_box *cells = malloc(CURVE_BOXES_MAX * sizeof *cells);
    *n = 0;
    for (size_t i = 0; cells && i + 1 < d->n; i++) {
        if (!plot_usable_lr(d->lr[i]) || !plot_usable_lr(d->lr[i + 1]) || !isfinite(c[i]) ||
            !isfinite(c[i + 1]))
            continue;
        double x0, y0, x1, y1;
        to_area(P, a, d->lr[i], c[i], &x0, &y0);
        to_area(P, a, d->lr[i + 1], c[i + 1], &x1, &y1);
        int steps = (int)ceil(2 * fmax(fabs(x1 - x0), fabs(y1 - y0))) + 1;
        for (int k = 0; k <= steps && *n < CURVE_BOXES_MAX; k++) {
            double t = (double)k / steps, x = x0 + t * (x1 - x0);
            cells[(*n)++] = (struct plot_box){x - 0.5, x + 0.5, round(y0 + t * (y1 - y0))};
        }
    }
    return cells;
}

/* Labels beside each marker: name and lr. Neighbours by lr start on opposite sides (and
 * inwards near an edge); plot_place_labels moves any that would overlap, or hides it. */
static size_t place_labels(const struct range_plot *P, struct plot_label *labels, size_t *label_of)
{
    const struct lrf_plot_range_test *d = P->d;
    struct area a = plot_area(P->out, P->fmt);
    size_t nl = 0;
    for (size_t k = 0; k < d->n_markers && nl < LABELS_MAX - 1; k++) {
        const struct lrf_plot_marker *m = &d->markers[k];
        double my = plot_range_marker_y(P, m);
        if (!plot_usable_lr(m->lr) || !isfinite(my))
            continue;
        int even = lr_rank(d, k) % 2 == 0;
        char text[256];
        marker_text(m, "", text, sizeof text);
        struct plot_label *l = &labels[nl];
        memset(l, 0, sizeof *l);
        to_area(P, a, m->lr, my, &l->x, &l->y);
        double pos = l->x / a.width;
        /* Bold text (the recommended label on images) is about a fifth wider. */
        l->len = (double)strlen(text) * (m->recommended && !P->term ? 1.2 : 1.0);
        l->priority = m->recommended;
        l->prefer_right = pos > 1 - LABEL_EDGE ? 0 : pos < LABEL_EDGE ? 1 : even;
        l->prefer_up = even;
        label_of[nl++] = k;
    }
    if (P->have_div && P->term) {
        divergence_label(P, a, &labels[nl]);
        label_of[nl++] = SIZE_MAX;
    }
    struct plot_label_area la = {a.width, a.height, P->term ? TERM_LINES_AWAY : 0, NULL, 0};
    struct plot_box *cells = curve_cells(P, a, &la.n_soft);
    la.soft = cells;
    plot_place_labels(labels, nl, &la);
    free(cells);
    return nl;
}

void plot_range_labels(FILE *fp, const struct range_plot *P)
{
    const struct lrf_plot_range_test *d = P->d;
    if (P->have_div)
        fprintf(fp,
                "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 lw 1.5 lc rgb "
                "'%s' back\n",
                P->div_lr, P->div_lr, DIVERGED_COLOR);
    if (!P->term) /* the recommended label in a frame that hides the grid behind it */
        fprintf(fp, "set style textbox 2 opaque border lc rgb '%s' lw 1.5 margins 2,2\n",
                RECOMMENDED_COLOR);
    struct plot_label labels[LABELS_MAX];
    size_t label_of[LABELS_MAX];
    size_t nl = place_labels(P, labels, label_of);
    for (size_t i = 0; i < nl; i++) {
        if (label_of[i] == SIZE_MAX) { /* the divergence label; 1..n_markers: markers */
            fprintf(fp,
                    "set label %zu 'diverged %.3g' at %.10g, %.10g right offset char -1, char 0 "
                    "front\n",
                    d->n_markers + 1, P->div_lr, P->div_lr, P->div_y);
            continue;
        }
        if (labels[i].hidden)
            continue;
        const struct lrf_plot_marker *m = &d->markers[label_of[i]];
        double my = plot_clamp(plot_range_marker_y(P, m), P->y);
        fprintf(fp, "set label %zu ", label_of[i] + 1);
        write_marker_title(fp, m, "");
        fprintf(fp, " at %.10g, %.10g %s offset char %d, char %d noenhanced front", m->lr, my,
                labels[i].right ? "left" : "right", labels[i].right ? 1 : -1, labels[i].dy);
        if (m->recommended && !P->term)
            fputs(" font ',12:Bold' boxed bs 2", fp);
        fprintf(fp, " textcolor rgb '%s'\n", marker_color(m, label_of[i]));
        if (m->recommended && !P->term) /* a line down to its lr on the axis */
            fprintf(fp,
                    "set arrow from %.10g, graph 0 to %.10g, %.10g nohead lw 2 lc rgb '%s' "
                    "back\n",
                    m->lr, m->lr, my, RECOMMENDED_COLOR);
    }
}

/* The tail clipped off the top: one triangle per point on the top edge. */
static void write_clipped_series(FILE *fp, const struct range_plot *P, const char *sep)
{
    char text[96];
    snprintf(text, sizeof text, "%zu point%s above the axis (up to %.3g)", P->n_clipped,
             P->n_clipped == 1 ? "" : "s", P->clip_max);
    fprintf(fp, "%s$clipped using 1:(%.10g) with points pt %s ps 0.9 lc rgb '%s' title ", sep,
            P->clip_y, P->term ? "'^'" : "9", DIVERGED_COLOR);
    plot_put_string(fp, text);
}

void plot_range_mark_series(FILE *fp, const struct range_plot *P, const char *sep)
{
    const struct lrf_plot_range_test *d = P->d;
    /* The recommended marker last, so that no other is drawn over it. */
    for (size_t q = 0; q < 2 * d->n_markers; q++) {
        size_t k = q % d->n_markers;
        const struct lrf_plot_marker *m = &d->markers[k];
        if ((q < d->n_markers) == (m->recommended != 0))
            continue;
        double my = plot_range_marker_y(P, m);
        if (!plot_usable_lr(m->lr) || !isfinite(my))
            continue;
        fprintf(fp,
                "%s'+' using (%.10g):(%.10g) every ::0::0 with points pt %s ps %.1f lc rgb '%s'",
                sep, m->lr, plot_clamp(my, P->y), marker_point(P->term, m->recommended),
                m->recommended ? 2.2 : 1.2, marker_color(m, k));
        fputs(" title ", fp);
        write_marker_title(fp, m, m->recommended ? " (recommended)" : "");
        fputs(" noenhanced", fp);
        sep = PLOT_SERIES_SEP;
    }
    if (P->n_clipped) {
        write_clipped_series(fp, P, sep);
        sep = PLOT_SERIES_SEP;
    }
    if (P->have_div) {
        char text[64];
        snprintf(text, sizeof text, "diverged %.3g", P->div_lr);
        fprintf(fp,
                "%s'+' using (%.10g):(%.10g) every ::0::0 with points pt %s ps 1.6 lc rgb "
                "'%s' title ",
                sep, P->div_lr, P->div_y, P->term ? "'X'" : "2", DIVERGED_COLOR);
        plot_put_string(fp, text);
    }
    fputc('\n', fp);
}
