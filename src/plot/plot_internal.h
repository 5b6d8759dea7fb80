/* Shared between the plot module's script writers and its gnuplot runner. */
#ifndef LRF_PLOT_INTERNAL_H
#define LRF_PLOT_INTERNAL_H

#include <stdio.h>

#include "lrf/plot.h"

/* Writes a complete script that renders to output_name (NULL = out->path). */
typedef enum lrf_status (*plot_script_fn)(FILE *fp, const struct lrf_plot_output *out,
                                          const char *output_name, const void *ctx,
                                          struct lrf_error *err);

/* Keeps out->script_path if asked, then renders the script with gnuplot to out->path
 * (or term_out) through a private temporary directory that is always removed. */
enum lrf_status plot_run(const struct lrf_plot_output *out, plot_script_fn fn, const void *ctx,
                         struct lrf_error *err);

/* Writes the "set terminal"/"set output" lines for out's format. */
enum lrf_status plot_write_terminal(FILE *fp, const struct lrf_plot_output *out,
                                    const char *output_name, struct lrf_error *err);

/* Writes s as a gnuplot single-quoted string ('' for a quote; control characters
 * become spaces because a gnuplot string cannot span lines). */
void plot_put_string(FILE *fp, const char *s);

/* Writes a number for a datablock; NaN/Inf become '?' (declared missing). */
void plot_put_number(FILE *fp, double v);

/* A text label beside a point, in character units of the plot area (origin bottom left). */
struct plot_label {
    double x, y;                 /* the point it annotates */
    double len;                  /* text width in characters */
    int priority;                /* placed first when higher (the recommended suggestion) */
    int prefer_right, prefer_up; /* the side and direction to try first */
    int fixed;                   /* in: already placed (right, dy given): an obstacle only */
    int right, dy; /* out: left-justified right of the point (1) or right-justified left of
                      it (0); vertical offset in lines */
    int hidden;    /* out: no free place near its point; not drawn */
};

/* The text's extent: columns [x0, x1) on line row. Returns 0 for a hidden label. */
struct plot_box {
    double x0, x1, row;
};
int plot_label_box(const struct plot_label *l, struct plot_box *out);
/* Two boxes closer than one free character on the same line. */
int plot_boxes_overlap(struct plot_box a, struct plot_box b);

/* Where labels may go: the plot area in characters, how many lines a label may move away
 * from its point, and what it should rather not cover (the drawn curve): soft obstacles,
 * covered only where no other place is free. */
struct plot_label_area {
    double width, height;
    int max_away; /* lines; <= 0 = 4 */
    const struct plot_box *soft;
    size_t n_soft;
};

/* Chooses for each label a side and a vertical offset (1..max_away lines) so that no two
 * shown labels overlap, none covers a marker point and all stay inside the area, avoiding
 * the soft obstacles where it can; greedy, by priority then input order. A label with no
 * such place is hidden. */
void plot_place_labels(struct plot_label *labels, size_t n, const struct plot_label_area *area);

#endif
