/* A range test's result as a plot (see result_plot.h). */
#include "cli/result_plot.h"

#include <math.h>
#include <string.h>

#include "lrf/atomic_file.h"
#include "lrf/plot.h"

enum lrf_status cli_plot_result(const struct lrf_finder_result *r, const char *title,
                                const char *path, FILE *term, struct lrf_error *err)
{
    struct lrf_plot_marker markers[LRF_FINDER_RULE_COUNT];
    size_t nm = 0;
    for (int q = 0; q < LRF_FINDER_RULE_COUNT; q++) {
        const struct lrf_finder_suggestion *s = &r->suggestion[q];
        if (!s->valid)
            continue;
        markers[nm++] = (struct lrf_plot_marker){
            .name = lrf_finder_rule_name((enum lrf_finder_rule)q),
            .lr = s->lr, /* the label shows this value, so the marker sits there too */
            .loss = NAN, /* on the drawn smoothed curve (the rules' own curves differ) */
            .recommended = q == (int)r->recommended,
        };
    }
    struct lrf_plot_range_test data = {
        .title = title,
        .lr = r->lr,
        .loss = r->loss,
        .smoothed = r->smoothed,
        .n = r->n,
        .band_lo = r->runs > 1 ? r->loss_q1 : NULL,
        .band_hi = r->runs > 1 ? r->loss_q3 : NULL,
        .markers = markers,
        .n_markers = nm,
        .diverged_index = r->stop_reason == LRF_FINDER_STOP_DIVERGED ? r->stop_index : -1,
    };
    struct lrf_plot_output out = lrf_plot_output_default();
    out.path = path;
    out.term_out = term;
    char script[LRF_PATH_MAX];
    if (strcmp(path, "term") != 0 && !lrf_plot_gnuplot_available() &&
        lrf_plot_script_path_for(path, script, sizeof script, NULL) == LRF_OK)
        out.script_path = script; /* the data survives; the error says how to get gnuplot */
    return lrf_plot_range_test(&out, &data, err);
}
