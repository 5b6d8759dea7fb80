/* A range test's result drawn by the plot module: the curve, every valid rule's suggestion
 * (the recommended one highlighted), the divergence point and the band of repeated runs.
 * Shared by the range test (--plot) and lrfind suggest (--plot). */
#ifndef LRF_CLI_RESULT_PLOT_H
#define LRF_CLI_RESULT_PLOT_H

#include <stdio.h>

#include "lrf/finder.h"
#include "lrf/status.h"

/* Draws r to path (FILE.png|.svg|.pdf, or "term": text to term). Without gnuplot the
 * plot's self-contained script is kept beside the target (FILE.gp) and the error says how
 * to install gnuplot. */
enum lrf_status cli_plot_result(const struct lrf_finder_result *r, const char *title,
                                const char *path, FILE *term, struct lrf_error *err);

#endif
