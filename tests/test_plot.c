/* Plot module, script generation: formats, gnuplot string quoting, axes, markers,
 * y clipping, argument checks. Needs no gnuplot (see test_plot_render.c for that). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lrf/plot.h"
#include "plot/plot_internal.h"

enum { N = 100 };
static double lr[N], loss[N], smoothed[N], band_lo[N], band_hi[N];

/* A typical sweep: flat at ln(10), a valley near 1e-2, then a blow-up to 1e6. */
static void make_curve(void)
{
    for (int i = 0; i < N; i++) {
        lr[i] = 1e-7 * pow(1e8, i / (double)(N - 1));
        double x = log10(lr[i]);
        double v = 2.3 - 1.8 / (1 + exp(-2.0 * (x + 3)));
        if (x > -0.5)
            v += pow(10, 3 * (x + 0.5));
        loss[i] = v + 0.05 * ((i * 7919) % 11 - 5) / 5.0;
        smoothed[i] = i ? 0.9 * smoothed[i - 1] + 0.1 * loss[i] : loss[i];
        band_lo[i] = smoothed[i] - 0.1;
        band_hi[i] = smoothed[i] + 0.1;
    }
}

static const struct lrf_plot_marker markers[] = {{"steepest", 3e-4, NAN, 0},
                                                 {"valley", 1.2e-3, NAN, 1},
                                                 {"min/10", 1e-2, 0.9, 0},
                                                 {"offscreen", 1e-5, -50.0, 0}};

static struct lrf_plot_range_test range_data(void)
{
    struct lrf_plot_range_test d = {
        "it's \"fashion\"\nmnist", lr, loss, smoothed, N, NULL, NULL, markers, 4, 97};
    return d;
}

/* Runs a script writer into a heap string (caller frees); NULL on failure. */
static char *range_script(const char *path, const char *output_name,
                          const struct lrf_plot_range_test *d, enum lrf_status *st,
                          struct lrf_error *err)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&buf, &size);
    struct lrf_plot_output out = lrf_plot_output_default();
    out.path = path;
    *st = lrf_plot_write_range_test_script(fp, &out, output_name, d, err);
    fclose(fp);
    return buf;
}

static void test_formats(void)
{
    enum lrf_plot_format f = LRF_PLOT_FORMAT_COUNT;
    struct lrf_error err;
    CHECK(lrf_plot_format_from_path("a.png", &f, NULL) == LRF_OK && f == LRF_PLOT_PNG);
    CHECK(lrf_plot_format_from_path("dir/A.PNG", &f, NULL) == LRF_OK && f == LRF_PLOT_PNG);
    CHECK(lrf_plot_format_from_path("a.svg", &f, NULL) == LRF_OK && f == LRF_PLOT_SVG);
    CHECK(lrf_plot_format_from_path("a.pdf", &f, NULL) == LRF_OK && f == LRF_PLOT_PDF);
    CHECK(lrf_plot_format_from_path("term", &f, NULL) == LRF_OK && f == LRF_PLOT_TERM);
    lrf_error_clear(&err);
    CHECK(lrf_plot_format_from_path("a.jpg", &f, &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, ".png, .svg, .pdf") != NULL);
    CHECK(strstr(err.message, "a.jpg") != NULL);
    CHECK(lrf_plot_format_from_path("png", &f, NULL) == LRF_ERR_INVALID_ARG);
    CHECK(lrf_plot_format_from_path(NULL, &f, NULL) == LRF_ERR_INVALID_ARG);
    CHECK(lrf_plot_format_from_path("", &f, NULL) == LRF_ERR_INVALID_ARG);

    char buf[64];
    CHECK(lrf_plot_script_path_for("dir/lr.png", buf, sizeof buf, NULL) == LRF_OK);
    CHECK_STR(buf, "dir/lr.gp");
    CHECK(lrf_plot_script_path_for("a.b.PDF", buf, sizeof buf, NULL) == LRF_OK);
    CHECK_STR(buf, "a.b.gp");
    CHECK(lrf_plot_script_path_for("term", buf, sizeof buf, NULL) == LRF_OK);
    CHECK_STR(buf, "lrfind-plot.gp");
    CHECK(lrf_plot_script_path_for("x.jpg", buf, sizeof buf, NULL) == LRF_ERR_INVALID_ARG);
    CHECK(lrf_plot_script_path_for("a-rather-long-name.svg", buf, 8, NULL) == LRF_ERR_INVALID_ARG);
}

static void test_range_script(void)
{
    struct lrf_plot_range_test d = range_data();
    enum lrf_status st;
    struct lrf_error err;
    lrf_error_clear(&err);
    char *s = range_script("out.png", "/tmp/it's here/out.png", &d, &st, &err);
    CHECK_MSG(st == LRF_OK, "%s", err.message);
    CHECK(s && strstr(s, "set logscale x 10\n"));
    CHECK(s && strstr(s, "set format x '10^{%L}'"));
    CHECK(s && strstr(s, "set xlabel 'learning rate'"));
    CHECK(s && strstr(s, "set ylabel 'loss'"));
    CHECK(s && strstr(s, "pngcairo"));
    /* A quote doubles inside a gnuplot single-quoted string; a newline becomes a space. */
    CHECK(s && strstr(s, "set output '/tmp/it''s here/out.png'\n"));
    CHECK(s && strstr(s, "set title 'it''s \"fashion\" mnist' noenhanced\n"));
    CHECK(s && strstr(s, "set key outside below"));
    CHECK(s && strstr(s, "'valley 0.0012'"));
    CHECK(s && strstr(s, "'valley 0.0012 (recommended)'"));
    CHECK(s && strstr(s, "'steepest 0.0003'"));
    CHECK(s && strstr(s, "'min/10 0.01'"));
    /* A marker loss inside the y range is kept; one outside it moves onto the curve. */
    CHECK(s && strstr(s, " at 0.01, 0.9 "));
    double oy = NAN;
    const char *off = s ? strstr(s, "'offscreen 1e-05' at 1e-05, ") : NULL;
    CHECK(off && sscanf(off, "'offscreen 1e-05' at 1e-05, %lf", &oy) == 1);
    CHECK_CLOSE(oy, smoothed[(int)lround(2.0 * (N - 1) / 8.0)], 0.02, 0);
    CHECK(s && strstr(s, "'diverged "));
    CHECK(s && strstr(s, "set arrow from"));
    CHECK(s && strstr(s, "with lines") && strstr(s, "title 'smoothed'"));
    CHECK(s && strstr(s, "title 'loss'"));
    CHECK(s && !strstr(s, "filledcurves"));
    /* The data rides along: one row per point between the datablock markers. */
    const char *block = s ? strstr(s, "$curve << EOD\n") : NULL;
    const char *end = block ? strstr(block, "\nEOD\n") : NULL;
    int rows = 0;
    for (const char *p = block; p && p < end; p++)
        rows += *p == '\n';
    CHECK_MSG(rows == N + 1, "rows %d", rows); /* + the comment line */

    /* y clipping: the tail reaches 1e6 but the top stays near the initial loss. */
    double ylo = NAN, yhi = NAN;
    const char *yr = s ? strstr(s, "set yrange [") : NULL;
    CHECK(yr && sscanf(yr, "set yrange [%lf:%lf]", &ylo, &yhi) == 2);
    double min_s = INFINITY;
    for (int i = 0; i < 97; i++)
        min_s = fmin(min_s, smoothed[i]);
    CHECK_MSG(yhi < 1.6 * smoothed[0] && yhi > smoothed[0], "yhi %g", yhi);
    CHECK_MSG(ylo <= min_s, "ylo %g min %g", ylo, min_s);
    double xlo = NAN, xhi = NAN;
    const char *xr = s ? strstr(s, "set xrange [") : NULL;
    CHECK(xr && sscanf(xr, "set xrange [%lf:%lf]", &xlo, &xhi) == 2);
    CHECK_CLOSE(xlo, 1e-7, 1e-9, 0);
    CHECK_CLOSE(xhi, 10, 1e-9, 0);
    free(s);

    /* With a band: filledcurves; with "term": dumb terminal at the default size. */
    d.band_lo = band_lo;
    d.band_hi = band_hi;
    s = range_script("term", NULL, &d, &st, &err);
    CHECK(st == LRF_OK);
    CHECK(s && strstr(s, "filledcurves"));
    CHECK(s && strstr(s, "set terminal dumb size 79,22\n"));
    CHECK(s && strstr(s, "set key off"));
    CHECK(s && strstr(s, "set label 5 'diverged ")); /* after the 4 marker labels */
    CHECK(s && !strstr(s, "set output '"));
    free(s);
}

/* The marks: the valley's raw points on screen, the clipped tail marked, the recommended
 * suggestion standing out. */
static void test_range_marks(void)
{
    struct lrf_plot_range_test d = range_data();
    enum lrf_status st;
    char *s = range_script("out.png", NULL, &d, &st, NULL);
    double ylo = NAN, yhi = NAN;
    const char *yr = s ? strstr(s, "set yrange [") : NULL;
    CHECK(st == LRF_OK && yr && sscanf(yr, "set yrange [%lf:%lf]", &ylo, &yhi) == 2);
    /* Every raw point of the valley is on screen (the EMA lags below its curve)... */
    double min_raw = INFINITY;
    for (int i = 0; i <= 97; i++)
        min_raw = fmin(min_raw, loss[i]);
    CHECK_MSG(ylo <= min_raw, "ylo %g min raw %g", ylo, min_raw);
    /* ... and the tail above the axis is marked on its top edge, counted in the key. */
    int above = 0;
    for (int i = 0; i < N; i++)
        above += fmax(loss[i], smoothed[i]) > yhi;
    char key[64];
    snprintf(key, sizeof key, "'%d points above the axis (up to ", above);
    CHECK(above > 0 && s && strstr(s, "$clipped << EOD\n") && strstr(s, key));
    CHECK(s && strstr(s, "$clipped using 1:("));
    /* The recommended suggestion stands out: framed bold label, a line down to its lr, its
     * point drawn after (over) the others. */
    CHECK(s && strstr(s, "'valley 0.0012' at 0.0012, "));
    CHECK(s && strstr(s, "font ',12:Bold' boxed bs 2"));
    CHECK(s && strstr(s, "set arrow from 0.0012, graph 0 to 0.0012, "));
    const char *rec = s ? strstr(s, "title 'valley 0.0012 (recommended)'") : NULL;
    const char *other = s ? strstr(s, "title 'steepest 0.0003'") : NULL;
    CHECK(rec && other && rec > other);
    free(s);
}

static void test_range_edge_cases(void)
{
    struct lrf_plot_range_test d = range_data();
    enum lrf_status st;
    struct lrf_error err;

    /* Non-finite losses are written as gnuplot's missing value, not as "nan". */
    double l2[3] = {2.0, NAN, INFINITY}, r2[3] = {1e-3, 1e-2, 3e-2};
    struct lrf_plot_range_test small = {NULL, r2, l2, NULL, 3, NULL, NULL, NULL, 0, -1};
    char *s = range_script("a.svg", NULL, &small, &st, &err);
    CHECK(st == LRF_OK);
    CHECK(s && strstr(s, "set datafile missing '?'"));
    CHECK(s && strstr(s, "0.01 ? ?\n"));
    CHECK(s && !strstr(s, "nan") && !strstr(s, "inf"));
    CHECK(s && strstr(s, "set terminal svg"));
    CHECK(s && strstr(s, "set format x '%g'")); /* < 2 decades: no 10^{%L} labels */
    CHECK(s && strstr(s, "set output 'a.svg'"));
    free(s);

    /* A path the script cannot hold (a newline) is refused, not mangled. */
    lrf_error_clear(&err);
    s = range_script("a.png", "bad\nname.png", &d, &st, &err);
    CHECK(st == LRF_ERR_INVALID_ARG);
    free(s);

    struct lrf_plot_range_test bad = d;
    bad.n = 0;
    s = range_script("a.png", NULL, &bad, &st, &err);
    CHECK(st == LRF_ERR_INVALID_ARG);
    free(s);
    bad = d;
    bad.diverged_index = N;
    s = range_script("a.png", NULL, &bad, &st, &err);
    CHECK(st == LRF_ERR_INVALID_ARG && strstr(err.message, "diverged_index"));
    free(s);
    bad = d;
    bad.band_lo = band_lo;
    s = range_script("a.png", NULL, &bad, &st, &err);
    CHECK(st == LRF_ERR_INVALID_ARG && strstr(err.message, "band"));
    free(s);
    bad = d;
    bad.loss = bad.smoothed = NULL;
    s = range_script("a.png", NULL, &bad, &st, &err);
    CHECK(st == LRF_ERR_INVALID_ARG);
    free(s);
    double zeros[3] = {0, -1, NAN};
    bad = small;
    bad.lr = zeros;
    s = range_script("a.png", NULL, &bad, &st, &err);
    CHECK(st == LRF_ERR_INVALID_ARG && strstr(err.message, "log axis"));
    free(s);
    double nans[3] = {NAN, NAN, NAN};
    bad = small;
    bad.loss = nans;
    s = range_script("a.png", NULL, &bad, &st, &err);
    CHECK(st == LRF_ERR_DATA);
    free(s);
    s = range_script("a.gif", NULL, &d, &st, &err);
    CHECK(st == LRF_ERR_INVALID_ARG);
    free(s);

    /* A flat curve still gets a non-empty y range. */
    double flat[3] = {1.5, 1.5, 1.5};
    bad = small;
    bad.loss = flat;
    s = range_script("a.png", NULL, &bad, &st, &err);
    double ylo = NAN, yhi = NAN;
    const char *yr = s ? strstr(s, "set yrange [") : NULL;
    CHECK(st == LRF_OK && yr && sscanf(yr, "set yrange [%lf:%lf]", &ylo, &yhi) == 2);
    CHECK(ylo < 1.5 && yhi > 1.5);
    free(s);
}

static void test_range_lagging_ema(void)
{
    enum lrf_status st;
    struct lrf_error err;
    char *s;
    /* A lagging EMA (beta 0.98 on a short sweep): the raw losses fall to 0.9 while the
     * smoothed curve only reaches 1.9, then the tail explodes. The raw valley is shown
     * whole, the tail is clipped: the axis does not reach 2.3 + the tail. */
    double lag_lr[20], lag_raw[20], lag_s[20];
    for (int i = 0; i < 20; i++) {
        lag_lr[i] = 1e-4 * pow(10, i / 4.0);
        lag_raw[i] = i < 6 ? 2.3 : i < 17 ? 2.3 - 0.14 * (i - 5) : 50.0 * (i - 16);
        lag_s[i] = i ? 0.9 * lag_s[i - 1] + 0.1 * lag_raw[i] : lag_raw[i];
    }
    struct lrf_plot_range_test lag = {NULL, lag_lr, lag_raw, lag_s, 20, NULL, NULL, NULL, 0, 19};
    s = range_script("a.png", NULL, &lag, &st, &err);
    double lo = NAN, hi = NAN;
    const char *lr_line = s ? strstr(s, "set yrange [") : NULL;
    CHECK(st == LRF_OK && lr_line && sscanf(lr_line, "set yrange [%lf:%lf]", &lo, &hi) == 2);
    CHECK_MSG(lo <= 2.3 - 0.14 * 11 && hi < 2.5 && hi > 2.3, "y range %g..%g", lo, hi);
    CHECK(s && strstr(s, "'3 points above the axis (up to 150)'"));
    free(s);
}

static void test_schedule_script(void)
{
    double l[5] = {0.1, 0.2, 0.3, 0.2, 0.1}, m[5] = {0.95, 0.9, 0.85, 0.9, 0.95};
    char *buf = NULL;
    size_t size = 0;
    struct lrf_plot_output out = lrf_plot_output_default();
    out.path = "term";
    out.term_width = 100;
    out.term_height = 30;
    FILE *fp = open_memstream(&buf, &size);
    enum lrf_status st =
        lrf_plot_write_schedule_script(fp, &out, NULL, l, m, 5, "onecycle(max_lr=0.3)", NULL);
    fclose(fp);
    CHECK(st == LRF_OK);
    CHECK(buf && strstr(buf, "set terminal dumb size 100,30\n"));
    CHECK(buf && strstr(buf, "axes x1y2"));
    CHECK(buf && strstr(buf, "set y2label 'momentum'"));
    CHECK(buf && strstr(buf, "set xlabel 'step'"));
    CHECK(buf && strstr(buf, "set title 'onecycle(max_lr=0.3)' noenhanced"));
    CHECK(buf && strstr(buf, "\n2 0.3 0.85\n"));
    free(buf);

    buf = NULL;
    out.path = "s.pdf";
    fp = open_memstream(&buf, &size);
    st = lrf_plot_write_schedule_script(fp, &out, NULL, l, NULL, 5, NULL, NULL);
    fclose(fp);
    CHECK(st == LRF_OK);
    CHECK(buf && strstr(buf, "pdfcairo"));
    CHECK(buf && !strstr(buf, "axes x1y2"));
    CHECK(buf && strstr(buf, "\n2 0.3 ?\n"));
    free(buf);

    /* A million steps: reduced, but the step edge, a one-step spike and the end stay. */
    enum { LONG = 1000000 };
    double *big = malloc(LONG * sizeof *big);
    for (size_t t = 0; big && t < LONG; t++)
        big[t] = t < 300000 ? 0.1 : 0.01;
    if (big)
        big[777777] = 0.5;
    buf = NULL;
    fp = open_memstream(&buf, &size);
    st = lrf_plot_write_schedule_script(fp, &out, NULL, big, NULL, LONG, NULL, NULL);
    fclose(fp);
    CHECK(st == LRF_OK);
    int rows = 0;
    for (const char *p = buf ? strstr(buf, "<< EOD\n") : NULL; p && strncmp(p, "\nEOD", 4); p++)
        rows += *p == '\n';
    CHECK_MSG(rows > 4000 && rows <= 3 * 4000 + 2, "rows %d", rows);
    CHECK(buf && strstr(buf, "\n300000 0.01 ?\n"));
    CHECK(buf && strstr(buf, "\n777777 0.5 ?\n"));
    CHECK(buf && strstr(buf, "\n999999 0.01 ?\nEOD\n"));
    free(buf);
    free(big);

    struct lrf_error err;
    lrf_error_clear(&err);
    CHECK(lrf_plot_schedule(&out, l, NULL, 0, NULL, &err) == LRF_ERR_INVALID_ARG);
    CHECK(lrf_plot_schedule(&out, NULL, NULL, 5, NULL, &err) == LRF_ERR_INVALID_ARG);
    out.path = "s.bmp";
    CHECK(lrf_plot_schedule(&out, l, NULL, 5, NULL, &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "accepted") != NULL);
}

/* The placement's promise, checked on the result alone: no two shown labels overlap (one
 * free character between them), none covers a marker point, all inside the area, each within
 * max_away lines of its point. Returns the number of violations. */
static int placement_violations(const struct plot_label *l, size_t n, double w, double h,
                                int max_away)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        struct plot_box bi;
        if (!plot_label_box(&l[i], &bi))
            continue;
        bad += bi.x0 < 0 || bi.x1 > w || bi.row < 0.5 || bi.row > h - 0.5;
        bad += !l[i].fixed && (l[i].dy == 0 || abs(l[i].dy) > max_away);
        for (size_t j = 0; j < n; j++) {
            struct plot_box bj, pj = {l[j].x - 0.5, l[j].x + 0.5, l[j].y};
            bad += j > i && plot_label_box(&l[j], &bj) && plot_boxes_overlap(bi, bj);
            bad += plot_boxes_overlap(bi, pj) && fabs(bi.row - pj.row) < 1 && bi.x0 < pj.x1 &&
                   pj.x0 < bi.x1;
        }
    }
    return bad;
}

static void test_label_placement(void)
{
    /* Three labels on nearly the same spot and one at the right edge of a 100x30 area. */
    struct plot_label l[4] = {
        {.x = 50, .y = 15, .len = 12, .prefer_right = 1, .prefer_up = 1},
        {.x = 50.5, .y = 15.2, .len = 12, .priority = 1, .prefer_right = 1, .prefer_up = 1},
        {.x = 51, .y = 15, .len = 14},
        {.x = 99, .y = 10, .len = 10, .prefer_right = 1, .prefer_up = 1},
    };
    struct plot_label_area area = {100, 30, 0, NULL, 0};
    plot_place_labels(l, 4, &area);
    CHECK(placement_violations(l, 4, 100, 30, 4) == 0);
    for (int i = 0; i < 4; i++)
        CHECK(!l[i].hidden);
    CHECK(l[1].right == 1 && l[1].dy == 1); /* the priority label keeps its first choice */
    CHECK(l[3].right == 0);                 /* no room on the right: it goes left */

    /* A soft obstacle (the curve) is avoided when another place is free... */
    struct plot_box curve[3] = {{55, 56, 16}, {56, 57, 16}, {57, 58, 16}};
    struct plot_label one = {.x = 50, .y = 15, .len = 12, .prefer_right = 1, .prefer_up = 1};
    struct plot_label_area soft = {100, 30, 0, curve, 3};
    plot_place_labels(&one, 1, &soft);
    CHECK(!one.hidden && !(one.right == 1 && one.dy == 1));
    /* ... and covered when nothing else is: a curve is no reason to hide a label. */
    struct plot_box wall[12];
    for (int r = 0; r < 12; r++) /* every line within 4 of the point */
        wall[r] = (struct plot_box){0, 100, 10 + r};
    soft.soft = wall;
    soft.n_soft = 12;
    plot_place_labels(&one, 1, &soft);
    CHECK(!one.hidden && one.right == 1 && one.dy == 1);

    /* A fixed label stays where it is and the others keep clear of it. */
    struct plot_label fx[2] = {
        {.x = 60, .y = 10, .len = 10, .fixed = 1, .right = 0, .dy = 0},
        {.x = 61, .y = 10, .len = 12, .prefer_up = 1},
    };
    plot_place_labels(fx, 2, &area);
    CHECK(fx[0].right == 0 && fx[0].dy == 0 && !fx[0].hidden);
    CHECK(placement_violations(fx, 2, 100, 30, 4) == 0);
}

static void test_label_crowds(void)
{
    /* Crowds, seeded: whatever the input, the promise holds; labels that cannot be placed
     * are hidden, never drawn over another, and the priority label is always shown. */
    uint64_t state = 12345;
    int violations = 0, hidden = 0, priority_hidden = 0;
    for (int trial = 0; trial < 2000; trial++) {
        struct plot_label c[12];
        size_t n = 2 + (size_t)(trial % 11);
        double w = 30 + trial % 90, h = 8 + trial % 23;
        for (size_t i = 0; i < n; i++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            double u = (double)(state >> 11) / 9007199254740992.0;
            double v = (double)((state >> 20) & 0xffff) / 65536.0;
            c[i] = (struct plot_label){.x = u * w,
                                       .y = 1 + v * (h - 2),
                                       .len = 6 + (double)(i % 9),
                                       .priority = i == 0,
                                       .prefer_right = (int)(i & 1),
                                       .prefer_up = (int)((i >> 1) & 1)};
        }
        struct plot_label_area ar = {w, h, trial % 2 ? 2 : 0, NULL, 0};
        plot_place_labels(c, n, &ar);
        violations += placement_violations(c, n, w, h, trial % 2 ? 2 : 4);
        for (size_t i = 0; i < n; i++)
            hidden += c[i].hidden;
        priority_hidden += c[0].hidden && w >= 40 && h >= 12;
    }
    CHECK_MSG(violations == 0, "%d violations", violations);
    CHECK(hidden > 0); /* the crowds were crowded enough to need hiding */
    CHECK_MSG(priority_hidden == 0, "%d", priority_hidden);
}

int main(void)
{
    make_curve();
    test_formats();
    test_range_script();
    test_range_marks();
    test_range_edge_cases();
    test_range_lagging_ema();
    test_schedule_script();
    test_label_placement();
    test_label_crowds();
    return check_summary();
}
