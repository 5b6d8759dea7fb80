/* The range-test plot's parts: plot_range.c (checks, y and x ranges, data, axes, curves)
 * and plot_range_marks.c (suggestion markers and their labels, the divergence point, the
 * clipped tail). */
#ifndef LRF_PLOT_RANGE_H
#define LRF_PLOT_RANGE_H

#include <stdio.h>

#include "plot/plot_internal.h"

struct extent {
    double lo, hi;
};

/* What the parts of one range-test script share. */
struct range_plot {
    const struct lrf_plot_range_test *d;
    const struct lrf_plot_output *out;
    enum lrf_plot_format fmt;
    int term;         /* text output (gnuplot's dumb terminal) */
    struct extent x;  /* lr axis */
    struct extent y;  /* loss axis, padded */
    double clip_y;    /* where points above the axis are marked: just under its top */
    size_t n_clipped; /* raw or smoothed points above the axis */
    double clip_max;  /* the largest of them */
    int have_div;     /* the divergence point is drawn */
    double div_lr, div_y;
};

int plot_usable_lr(double lr);
/* The drawn curve: smoothed, else the raw loss. */
const double *plot_range_curve(const struct lrf_plot_range_test *d);
double plot_clamp(double v, struct extent e);
/* Where marker m sits: its own loss when on screen, else the drawn curve at its lr. */
double plot_range_marker_y(const struct range_plot *P, const struct lrf_plot_marker *m);

/* Finds the divergence point and the clipped tail (needs P->x, P->y). */
void plot_range_find_marks(struct range_plot *P);
/* The datablock of the clipped points ($clipped), when there are any. */
void plot_range_clipped_data(FILE *fp, const struct range_plot *P);
/* "set label"/"set arrow" lines: the divergence line, the recommended lr's line, labels. */
void plot_range_labels(FILE *fp, const struct range_plot *P);
/* The plot command's series after the curves: markers, clipped tail, divergence point. */
void plot_range_mark_series(FILE *fp, const struct range_plot *P, const char *sep);

/* Between two series of a plot command (one per line, for a readable kept script). */
#define PLOT_SERIES_SEP ", \\\n     "

#endif
