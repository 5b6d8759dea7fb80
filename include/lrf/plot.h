/* Plots through gnuplot, run at run time as an external program (Debian: gnuplot-nox).
 *
 * Each plot is one self-contained gnuplot script: the data travels inside it as
 * datablocks ($curve << EOD ... EOD), so a kept script (script_path) can be rerun
 * with `gnuplot FILE.gp` later, anywhere. To render, the script is written into a
 * private temporary directory (mkdtemp under $TMPDIR or /tmp), gnuplot is spawned
 * without a shell with that script as its only argument, its output is copied to
 * the target through an atomic file (the target appears whole or not at all) and
 * the temporary directory is removed, on success and on every failure.
 *
 * The format comes from the output path's extension: .png (pngcairo when gnuplot
 * has it, else png), .svg, .pdf (pdfcairo). The path "term" draws the plot as text
 * with gnuplot's dumb terminal and writes it to term_out.
 *
 * Errors: an unknown extension is LRF_ERR_INVALID_ARG naming the accepted ones;
 * no gnuplot is LRF_ERR_UNSUPPORTED with a message that says
 * "apt-get install gnuplot-nox" (script_path, when given, is still written first);
 * gnuplot failing is LRF_ERR_IO with gnuplot's error (its "line N: ..." message, else
 * the first line of its stderr). */
#ifndef LRF_PLOT_H
#define LRF_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "lrf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum lrf_plot_format {
    LRF_PLOT_PNG = 0,
    LRF_PLOT_SVG = 1,
    LRF_PLOT_PDF = 2,
    LRF_PLOT_TERM = 3, /* gnuplot's dumb terminal: text to term_out */
    LRF_PLOT_FORMAT_COUNT
};

/* Default text size: fits an 80x24 terminal with the prompt line left over. */
enum { LRF_PLOT_TERM_WIDTH = 79, LRF_PLOT_TERM_HEIGHT = 22 };

struct lrf_plot_output {
    const char *path; /* FILE.png|FILE.svg|FILE.pdf, or "term" */
    FILE *term_out;   /* for "term": where the text goes (NULL = stdout) */
    int term_width;   /* for "term": characters; <= 0 = LRF_PLOT_TERM_WIDTH */
    int term_height;  /* for "term": lines; <= 0 = LRF_PLOT_TERM_HEIGHT */
    /* Optional additions (zero = default). */
    const char *script_path; /* also keep the self-contained script here (NULL = don't) */
    const char *gnuplot;     /* program to run; NULL = $LRF_GNUPLOT, else "gnuplot" on PATH */
    int width, height;       /* image size in pixels (pdf: pixels/150 inches); <= 0 = 900x600 */
    struct lrf_plot_prestart *prestart; /* gnuplot started ahead (lrf_plot_prestart), or NULL */
};

/* An output description with every field at its default (path NULL, term to stdout). */
struct lrf_plot_output lrf_plot_output_default(void);

/* The format of an output path by its extension (case-insensitive), or "term". */
enum lrf_status lrf_plot_format_from_path(const char *path, enum lrf_plot_format *format,
                                          struct lrf_error *err);

/* lr (and momentum on a second y axis; NULL if the schedule has none) against the step
 * 0..n-1. title may be NULL. */
enum lrf_status lrf_plot_schedule(const struct lrf_plot_output *out, const double *lr,
                                  const double *momentum, size_t n, const char *title,
                                  struct lrf_error *err);

struct lrf_plot_marker {
    const char *name; /* e.g. the rule's name: "steepest", "valley" */
    double lr;
    double loss;     /* where to draw it; NaN (or outside the plot's clipped y range) =
                        on the drawn curve at the nearest lr */
    int recommended; /* nonzero: highlighted */
};

struct lrf_plot_range_test {
    const char *title; /* e.g. dataset and model; NULL = "learning-rate range test" */
    const double *lr, *loss, *smoothed; /* n each; loss or smoothed may be NULL */
    size_t n;
    const double *band_lo, *band_hi; /* NULL unless repeated runs: per-lr spread */
    const struct lrf_plot_marker *markers;
    size_t n_markers;
    long diverged_index; /* index into lr where the sweep diverged; -1 none */
};

/* Loss against lr on a log axis: raw points, smoothed line, band, markers labelled with
 * name and lr (the recommended one highlighted), divergence line; y clipped so a diverged
 * tail does not squash the valley. */
enum lrf_status lrf_plot_range_test(const struct lrf_plot_output *out,
                                    const struct lrf_plot_range_test *data, struct lrf_error *err);

/* The conventional kept-script path for an output path: "dir/lr.png" -> "dir/lr.gp",
 * "term" -> "lrfind-plot.gp". For a CLI that keeps the script only when gnuplot is
 * missing: if (!lrf_plot_gnuplot_available()) out.script_path = <this>. */
enum lrf_status lrf_plot_script_path_for(const char *path, char *buf, size_t size,
                                         struct lrf_error *err);

/* gnuplot started ahead of a plot whose data is still being computed (a range test's
 * sweep), so that its start-up overlaps that work instead of following it: it loads and,
 * for png and pdf, renders a throw-away plot into /dev/null with out's terminal (cairo
 * and the fonts set themselves up on a first plot). Give it to the plot as
 * out.prestart: the plot then only has the script to render, with the same result and
 * messages as without it (any failure of the prestarted gnuplot falls back to running
 * gnuplot as usual). Only for files (png, svg, pdf), not "term". LRF_ERR_UNSUPPORTED
 * without gnuplot. Every prestart, used or not, is ended with lrf_plot_prestart_end
 * (which stops an unused gnuplot); it leaves no file behind, even if either process is
 * killed. */
struct lrf_plot_prestart;
enum lrf_status lrf_plot_prestart(const struct lrf_plot_output *out, struct lrf_plot_prestart **ps,
                                  struct lrf_error *err);
void lrf_plot_prestart_end(struct lrf_plot_prestart *ps);

/* Nonzero when the gnuplot program (see lrf_plot_output.gnuplot) can be run. */
int lrf_plot_gnuplot_available(void);

/* The self-contained gnuplot scripts the plot functions run, written to fp. output_name
 * is the file the script sets as output (NULL = out->path; ignored for "term"). Exposed
 * for callers that want the script only, and for tests. */
enum lrf_status lrf_plot_write_schedule_script(FILE *fp, const struct lrf_plot_output *out,
                                               const char *output_name, const double *lr,
                                               const double *momentum, size_t n, const char *title,
                                               struct lrf_error *err);
enum lrf_status lrf_plot_write_range_test_script(FILE *fp, const struct lrf_plot_output *out,
                                                 const char *output_name,
                                                 const struct lrf_plot_range_test *data,
                                                 struct lrf_error *err);

#ifdef __cplusplus
}
#endif

#endif
