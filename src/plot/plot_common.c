/* Output formats, gnuplot string quoting and the terminal preamble of every script. */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "plot/plot_internal.h"

enum { DEFAULT_WIDTH = 900, DEFAULT_HEIGHT = 600 };
/* pdfcairo sizes are in inches; 150 "pixels" per inch keeps the default font readable. */
static const double PDF_PIXELS_PER_INCH = 150.0;

struct lrf_plot_output lrf_plot_output_default(void)
{
    struct lrf_plot_output out;
    memset(&out, 0, sizeof out);
    return out;
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++)
        if (tolower((unsigned char)s[n - m + i]) != suffix[i])
            return 0;
    return 1;
}

enum lrf_status lrf_plot_format_from_path(const char *path, enum lrf_plot_format *format,
                                          struct lrf_error *err)
{
    if (!path || !path[0])
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "plot output: no path given (expected FILE.png, FILE.svg, "
                             "FILE.pdf or term)");
    enum lrf_plot_format f;
    if (!strcmp(path, "term"))
        f = LRF_PLOT_TERM;
    else if (ends_with_ci(path, ".png"))
        f = LRF_PLOT_PNG;
    else if (ends_with_ci(path, ".svg"))
        f = LRF_PLOT_SVG;
    else if (ends_with_ci(path, ".pdf"))
        f = LRF_PLOT_PDF;
    else
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "plot output '%s': unknown format (accepted: .png, .svg, .pdf, "
                             "or 'term' for text)",
                             path);
    if (format)
        *format = f;
    return LRF_OK;
}

enum lrf_status lrf_plot_script_path_for(const char *path, char *buf, size_t size,
                                         struct lrf_error *err)
{
    enum lrf_plot_format fmt;
    enum lrf_status st = lrf_plot_format_from_path(path, &fmt, err);
    if (st != LRF_OK)
        return st;
    /* Every accepted extension is four characters (".png", ".svg", ".pdf"). */
    size_t stem = fmt == LRF_PLOT_TERM ? 0 : strlen(path) - 4;
    int n = fmt == LRF_PLOT_TERM ? snprintf(buf, size, "lrfind-plot.gp")
                                 : snprintf(buf, size, "%.*s.gp", (int)stem, path);
    if (n < 0 || (size_t)n >= size)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "plot output '%s': path too long", path);
    return LRF_OK;
}

void plot_put_string(FILE *fp, const char *s)
{
    fputc('\'', fp);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '\'')
            fputs("''", fp);
        else if (*p < 0x20 || *p == 0x7f)
            fputc(' ', fp);
        else
            fputc(*p, fp);
    }
    fputc('\'', fp);
}

void plot_put_number(FILE *fp, double v)
{
    if (isfinite(v))
        fprintf(fp, "%.10g", v);
    else
        fputc('?', fp);
}

static int has_control_char(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 1;
    return 0;
}

enum lrf_status plot_write_terminal(FILE *fp, const struct lrf_plot_output *out,
                                    const char *output_name, struct lrf_error *err)
{
    enum lrf_plot_format fmt;
    enum lrf_status st = lrf_plot_format_from_path(out ? out->path : NULL, &fmt, err);
    if (st != LRF_OK)
        return st;
    int w = out->width > 0 ? out->width : DEFAULT_WIDTH;
    int h = out->height > 0 ? out->height : DEFAULT_HEIGHT;
    if (fmt == LRF_PLOT_TERM) {
        int tw = out->term_width > 0 ? out->term_width : LRF_PLOT_TERM_WIDTH;
        int th = out->term_height > 0 ? out->term_height : LRF_PLOT_TERM_HEIGHT;
        fprintf(fp, "set terminal dumb size %d,%d\n", tw, th);
        fputs("set output\n", fp);
        return LRF_OK;
    }
    const char *name = output_name ? output_name : out->path;
    /* A newline cannot be written inside a gnuplot string, so such a path cannot be set. */
    if (has_control_char(name))
        return lrf_error_set(err, LRF_ERR_INVALID_ARG,
                             "plot output '%s': path contains a control character", out->path);
    switch (fmt) {
    case LRF_PLOT_PNG:
        fprintf(fp,
                "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
                "    set terminal pngcairo size %d,%d enhanced font 'sans,10' background "
                "rgb 'white'\n"
                "} else {\n"
                "    set terminal png size %d,%d enhanced background rgb 'white'\n"
                "}\n",
                w, h, w, h);
        break;
    case LRF_PLOT_SVG:
        fprintf(fp,
                "set terminal svg size %d,%d dynamic enhanced font 'sans,10' background rgb "
                "'white'\n",
                w, h);
        break;
    case LRF_PLOT_PDF:
        fprintf(fp, "set terminal pdfcairo size %.2fin,%.2fin enhanced font 'sans,9'\n",
                w / PDF_PIXELS_PER_INCH, h / PDF_PIXELS_PER_INCH);
        break;
    default:
        break;
    }
    fputs("set output ", fp);
    plot_put_string(fp, name);
    fputc('\n', fp);
    return LRF_OK;
}
