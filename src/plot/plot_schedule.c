/* The schedule plot: lr against the step, momentum on a second y axis. */
#include <math.h>

#include "plot/plot_internal.h"

struct schedule_data {
    const double *lr, *momentum;
    size_t n;
    const char *title;
};

/* Below this many steps each value is also drawn as a point, so that a short schedule
 * (one or two steps) is still visible. */
enum { POINTS_BELOW = 60 };

/* Schedules longer than MAX_POINTS steps are reduced to BUCKETS buckets of steps. */
enum { MAX_POINTS = 20000, BUCKETS = 4000 };

static void put_row(FILE *fp, const struct schedule_data *d, size_t t)
{
    fprintf(fp, "%zu ", t);
    plot_put_number(fp, d->lr[t]);
    fputc(' ', fp);
    plot_put_number(fp, d->momentum ? d->momentum[t] : (double)NAN);
    fputc('\n', fp);
}

static enum lrf_status check_schedule(const struct schedule_data *d, struct lrf_error *err)
{
    if (!d->lr)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "schedule plot: lr is NULL");
    if (d->n == 0)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "schedule plot: n must be at least 1");
    return LRF_OK;
}

/* The $schedule datablock: every step, or for a long schedule, per bucket of steps,
 * its first step and the steps of its lowest and highest lr: the drawn envelope keeps
 * every peak and step edge while the script stays small (the image has ~1000 pixel
 * columns anyway). */
static void write_schedule_data(FILE *fp, const struct schedule_data *d)
{
    fputs("$schedule << EOD\n# step lr momentum\n", fp);
    if (d->n <= MAX_POINTS) {
        for (size_t t = 0; t < d->n; t++)
            put_row(fp, d, t);
        fputs("EOD\n", fp);
        return;
    }
    size_t bucket = (d->n + BUCKETS - 1) / BUCKETS;
    for (size_t b0 = 0; b0 < d->n; b0 += bucket) {
        size_t b1 = b0 + bucket < d->n ? b0 + bucket : d->n, lo = b0, hi = b0;
        for (size_t t = b0; t < b1; t++) {
            lo = d->lr[t] < d->lr[lo] ? t : lo;
            hi = d->lr[t] > d->lr[hi] ? t : hi;
        }
        size_t a = lo < hi ? lo : hi, c = lo < hi ? hi : lo;
        put_row(fp, d, b0);
        if (a != b0)
            put_row(fp, d, a);
        if (c != a && c != b0)
            put_row(fp, d, c);
    }
    if ((d->n - 1) % bucket != 0)
        put_row(fp, d, d->n - 1);
    fputs("EOD\n", fp);
}

static void write_schedule_plot(FILE *fp, const struct lrf_plot_output *out,
                                const struct schedule_data *d)
{
    fputs("set datafile missing '?'\n", fp);
    fputs("set title ", fp);
    plot_put_string(fp, d->title ? d->title : "learning-rate schedule");
    fputs(" noenhanced\n", fp);
    fputs("set xlabel 'step'\nset ylabel 'learning rate'\n", fp);
    enum lrf_plot_format fmt = LRF_PLOT_PNG;
    lrf_plot_format_from_path(out->path, &fmt, NULL);
    if (fmt != LRF_PLOT_TERM) /* dotted grid lines only clutter text output */
        fputs("set grid xtics ytics\n", fp);
    fputs("set border 3\nset xtics nomirror\nset ytics nomirror\n", fp);
    fputs("set format y '%g'\n", fp);
    fputs("set key outside below horizontal center\n", fp);
    fprintf(fp, "set xrange [0:%zu]\n", d->n > 1 ? d->n - 1 : 1);
    /* Start the lr axis at zero so that relative heights read true; gnuplot extends the
     * top automatically (and widens a flat range). */
    fputs("set yrange [0:*]\n", fp);
    if (d->momentum)
        fputs("set y2label 'momentum'\nset y2tics\nset border 11\nset format y2 '%g'\n", fp);
    const char *style = d->n < POINTS_BELOW ? "linespoints pt 7 ps 0.6" : "lines";
    fprintf(fp, "plot $schedule using 1:2 with %s lw 2 lc rgb '#1f77b4' title 'learning rate'",
            style);
    if (d->momentum) {
        fprintf(fp,
                ", \\\n     $schedule using 1:3 axes x1y2 with %s lw 2 dt 2 lc rgb "
                "'#d62728' title 'momentum'",
                style);
    }
    fputc('\n', fp);
}

static enum lrf_status write_schedule(FILE *fp, const struct lrf_plot_output *out,
                                      const char *output_name, const void *ctx,
                                      struct lrf_error *err)
{
    const struct schedule_data *d = ctx;
    enum lrf_status st = check_schedule(d, err);
    if (st != LRF_OK)
        return st;
    fputs("# lrfind schedule plot; render with: gnuplot THIS_FILE\n", fp);
    st = plot_write_terminal(fp, out, output_name, err);
    if (st != LRF_OK)
        return st;
    write_schedule_data(fp, d);
    write_schedule_plot(fp, out, d);
    return ferror(fp) ? lrf_error_set(err, LRF_ERR_IO, "cannot write the plot script") : LRF_OK;
}

enum lrf_status lrf_plot_write_schedule_script(FILE *fp, const struct lrf_plot_output *out,
                                               const char *output_name, const double *lr,
                                               const double *momentum, size_t n, const char *title,
                                               struct lrf_error *err)
{
    struct schedule_data d = {lr, momentum, n, title};
    return write_schedule(fp, out, output_name, &d, err);
}

enum lrf_status lrf_plot_schedule(const struct lrf_plot_output *out, const double *lr,
                                  const double *momentum, size_t n, const char *title,
                                  struct lrf_error *err)
{
    struct schedule_data d = {lr, momentum, n, title};
    enum lrf_status st = check_schedule(&d, err);
    if (st != LRF_OK)
        return st;
    return plot_run(out, write_schedule, &d, err);
}
