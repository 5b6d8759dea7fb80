/* A prestarted gnuplot (lrf_plot_prestart) renders the same bytes as a fresh one,
 * falls back to a fresh one when it cannot render (so results and messages are those
 * of the ordinary path), refuses "term" and a missing gnuplot, and leaves nothing in
 * TMPDIR whether it is used, unused, or its gnuplot fails. */
#define _DEFAULT_SOURCE /* usleep */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dataset_files.h"
#include "lrf/plot.h"

enum { N = 50 };
static double lr[N], loss[N], smoothed[N];
static char root[256], tmpdir[300];

static struct lrf_plot_range_test range_data(void)
{
    for (int i = 0; i < N; i++) {
        lr[i] = 1e-6 * pow(1e6, i / (double)(N - 1));
        loss[i] = 2.3 - 1.0 / (1 + exp(-2.0 * (log10(lr[i]) + 3)));
        smoothed[i] = i ? 0.8 * smoothed[i - 1] + 0.2 * loss[i] : loss[i];
    }
    static const struct lrf_plot_marker markers[] = {{"steep", 3e-4, NAN, 1}};
    struct lrf_plot_range_test d = {"prestart", lr, loss, smoothed, N, NULL, NULL, markers, 1, -1};
    return d;
}

/* The whole file into a malloc'd buffer (*n bytes), or NULL. */
static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = malloc(1 << 22);
    *n = fread(buf, 1, (1 << 22) - 1, fp);
    buf[*n] = '\0';
    fclose(fp);
    return buf;
}

/* Renders path with a prestarted gnuplot (prestart) or a fresh one; LRF_OK or the error. */
static enum lrf_status render(const char *path, const char *gnuplot, bool prestart,
                              struct lrf_error *err)
{
    struct lrf_plot_range_test d = range_data();
    struct lrf_plot_output out = lrf_plot_output_default();
    out.path = path;
    out.gnuplot = gnuplot;
    lrf_error_clear(err);
    if (prestart && lrf_plot_prestart(&out, &out.prestart, err) != LRF_OK)
        return err->status;
    usleep(20000); /* as the sweep would: the warm-up runs meanwhile */
    enum lrf_status st = lrf_plot_range_test(&out, &d, err);
    lrf_plot_prestart_end(out.prestart);
    return st;
}

/* Blanks a pdf's creation time (the one part that may differ between two runs). */
static void blank_date(char *buf, size_t n)
{
    static const char key[] = "/CreationDate (";
    for (size_t i = 0; i + sizeof key < n; i++)
        if (!memcmp(buf + i, key, sizeof key - 1))
            for (size_t j = i + sizeof key - 1; j < n && buf[j] != ')'; j++)
                buf[j] = 'x';
}

/* png, svg and pdf: the same bytes either way (but a pdf's creation time). */
static void test_same_output(void)
{
    static const char *const exts[] = {"png", "svg", "pdf"};
    for (int k = 0; k < 3; k++) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/fresh.%s", root, exts[k]);
        snprintf(b, sizeof b, "%s/prestarted.%s", root, exts[k]);
        struct lrf_error err;
        CHECK_MSG(render(a, NULL, false, &err) == LRF_OK, "%s", err.message);
        CHECK_MSG(render(b, NULL, true, &err) == LRF_OK, "%s", err.message);
        size_t na = 0, nb = 0;
        char *x = slurp(a, &na), *y = slurp(b, &nb);
        if (x && y && k == 2) {
            blank_date(x, na);
            blank_date(y, nb);
        }
        CHECK_MSG(x && y && na > 100 && na == nb && !memcmp(x, y, na), "%s differs", exts[k]);
        free(x);
        free(y);
    }
}

static void write_fake(const char *fake, const char *text)
{
    FILE *fp = fopen(fake, "w");
    fputs(text, fp);
    fclose(fp);
    chmod(fake, 0700);
}

/* A gnuplot that ignores its input without arguments (so a prestarted one renders
 * nothing) and, given a script, writes "fake" to its output: the fresh run's result.
 * Then one that always fails: the fresh run's message. */
static void test_fallback(void)
{
    char fake[512], path[512];
    snprintf(fake, sizeof fake, "%s/fakegnuplot", root);
    snprintf(path, sizeof path, "%s/fallback.svg", root);
    write_fake(fake, "#!/bin/sh\n[ $# -eq 0 ] && exec cat >/dev/null\n"
                     "out=$(sed -n \"s/^set output '\\(.*\\)'$/\\1/p\" \"$1\")\n"
                     "printf fake > \"$out\"\n");
    struct lrf_error err;
    CHECK_MSG(render(path, fake, true, &err) == LRF_OK, "%s", err.message);
    size_t n = 0;
    char *text = slurp(path, &n);
    CHECK(text && !strcmp(text, "fake"));
    free(text);
    unlink(path);
    write_fake(fake, "#!/bin/sh\necho '\"x.gp\" line 3: boom happened' >&2\nexit 1\n");
    CHECK(render(path, fake, true, &err) == LRF_ERR_IO);
    CHECK_MSG(strstr(err.message, "line 3: boom happened") != NULL, "%s", err.message);
    CHECK(access(path, F_OK) != 0);
}

static void test_refused(void)
{
    struct lrf_plot_output out = lrf_plot_output_default();
    struct lrf_plot_prestart *ps = NULL;
    struct lrf_error err;
    out.path = "term";
    CHECK(lrf_plot_prestart(&out, &ps, &err) == LRF_ERR_INVALID_ARG && !ps);
    char path[512];
    snprintf(path, sizeof path, "%s/never.png", root);
    out.path = path;
    out.gnuplot = "/nonexistent/gnuplot";
    CHECK(lrf_plot_prestart(&out, &ps, &err) == LRF_ERR_UNSUPPORTED && !ps);
    CHECK(strstr(err.message, "apt-get install gnuplot-nox") != NULL);
    lrf_plot_prestart_end(NULL);
}

/* Started and never used: ended without a trace. */
static void test_unused(void)
{
    struct lrf_plot_output out = lrf_plot_output_default();
    char path[512];
    snprintf(path, sizeof path, "%s/unused.png", root);
    out.path = path;
    struct lrf_plot_prestart *ps = NULL;
    struct lrf_error err;
    CHECK(lrf_plot_prestart(&out, &ps, &err) == LRF_OK && ps);
    lrf_plot_prestart_end(ps);
    CHECK(access(path, F_OK) != 0);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/lrf-test-prestart.XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", root);
    mkdir(tmpdir, 0700);
    setenv("TMPDIR", tmpdir, 1);
    if (lrf_plot_gnuplot_available()) {
        test_same_output();
        test_unused();
    } else {
        check_skip("rendering through a prestarted gnuplot", "gnuplot not installed");
    }
    test_fallback();
    test_refused();
    CHECK_MSG(count_dir_entries(tmpdir, NULL) == 0, "%d entries left in TMPDIR",
              count_dir_entries(tmpdir, NULL));
    remove_tree(root);
    return check_summary();
}
