/* Plot module, running gnuplot: real png/svg/pdf/term output (when gnuplot is
 * installed), atomic replacement, no temporary files left behind, and the errors for
 * a missing or failing gnuplot (simulated, so they are tested everywhere). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "lrf/plot.h"

enum { N = 60 };
static double lr[N], loss[N], smoothed[N], mom[N];
static char root[256], tmpdir[300];

static void make_curve(void)
{
    for (int i = 0; i < N; i++) {
        lr[i] = 1e-6 * pow(1e7, i / (double)(N - 1));
        double x = log10(lr[i]);
        loss[i] = 2.3 - 1.5 / (1 + exp(-2.0 * (x + 3))) + (x > -0.5 ? pow(10, 3 * (x + 0.5)) : 0);
        smoothed[i] = i ? 0.8 * smoothed[i - 1] + 0.2 * loss[i] : loss[i];
        mom[i] = 0.95 - 0.1 * i / (double)N;
    }
}

static const struct lrf_plot_marker markers[] = {{"steepest", 3e-4, NAN, 0},
                                                 {"valley", 1e-3, NAN, 1}};

static struct lrf_plot_range_test range_data(void)
{
    struct lrf_plot_range_test d = {
        "test: it's a plot", lr, loss, smoothed, N, NULL, NULL, markers, 2, 57};
    return d;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

/* The first bytes of a file, or "" when it cannot be read. */
static size_t read_head(const char *path, char *buf, size_t size)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        buf[0] = '\0';
        return 0;
    }
    size_t n = fread(buf, 1, size - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return n;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void test_render_files(void)
{
    struct lrf_plot_range_test d = range_data();
    struct lrf_plot_output out = lrf_plot_output_default();
    struct lrf_error err;
    char path[512], head[64];
    static const struct {
        const char *ext, *magic;
        size_t magic_len;
    } formats[] = {{"png", "\x89PNG", 4}, {"svg", "<svg", 4}, {"pdf", "%PDF", 4}};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        /* A quote and a space in the directory name: the path never enters a shell. */
        snprintf(path, sizeof path, "%s/it's dir/range.%s", root, formats[i].ext);
        out.path = path;
        lrf_error_clear(&err);
        enum lrf_status st = lrf_plot_range_test(&out, &d, &err);
        CHECK_MSG(st == LRF_OK, "%s: %s", formats[i].ext, err.message);
        size_t n = read_head(path, head, sizeof head);
        if (!strcmp(formats[i].ext, "svg")) /* svg starts with an XML declaration */
            CHECK_MSG(n > 0 && strstr(head, "<?xml") == head, "svg head");
        else
            CHECK_MSG(n >= formats[i].magic_len &&
                          !memcmp(head, formats[i].magic, formats[i].magic_len),
                      "%s magic", formats[i].ext);
    }
    /* The svg really holds an <svg> element and the axis label. */
    snprintf(path, sizeof path, "%s/it's dir/range.svg", root);
    FILE *fp = fopen(path, "r");
    char *text = calloc(1, 1 << 20);
    size_t n = fp && text ? fread(text, 1, (1 << 20) - 1, fp) : 0;
    if (fp)
        fclose(fp);
    CHECK(n > 0 && strstr(text, "<svg") && strstr(text, "learning rate"));
    free(text);

    /* Overwriting replaces the file whole; schedule plots render too. */
    snprintf(path, sizeof path, "%s/it's dir/range.png", root);
    out.path = path;
    CHECK(lrf_plot_schedule(&out, lr, mom, N, "onecycle", &err) == LRF_OK);
    CHECK(read_head(path, head, sizeof head) >= 4 && !memcmp(head, "\x89PNG", 4));
    snprintf(path, sizeof path, "%s/it's dir", root);
    CHECK_MSG(count_entries(path) == 3, "entries %d", count_entries(path));
}

static void test_render_term(void)
{
    struct lrf_plot_range_test d = range_data();
    struct lrf_plot_output out = lrf_plot_output_default();
    struct lrf_error err;
    FILE *fp = tmpfile();
    out.path = "term";
    out.term_out = fp;
    lrf_error_clear(&err);
    CHECK_MSG(lrf_plot_range_test(&out, &d, &err) == LRF_OK, "%s", err.message);
    CHECK(lrf_plot_schedule(&out, lr, NULL, N, NULL, &err) == LRF_OK);
    char buf[16384];
    rewind(fp);
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    CHECK(strstr(buf, "learning rate") != NULL);
    CHECK(strstr(buf, "loss") != NULL);
    CHECK(strstr(buf, "1e-03") != NULL); /* log-axis tick labels */
    CHECK(strstr(buf, "step") != NULL);
    CHECK(strstr(buf, "valley 0.001") != NULL);
    CHECK(!strchr(buf, '\f'));
    /* No line is wider than the default width. */
    int widest = 0, col = 0;
    for (const char *p = buf; *p; p++) {
        col = *p == '\n' ? 0 : col + 1;
        widest = col > widest ? col : widest;
    }
    CHECK_MSG(widest <= LRF_PLOT_TERM_WIDTH, "widest line %d", widest);
}

static void test_kept_script(void)
{
    struct lrf_plot_range_test d = range_data();
    struct lrf_plot_output out = lrf_plot_output_default();
    char path[512], script[512], head[64];
    snprintf(path, sizeof path, "%s/kept.png", root);
    snprintf(script, sizeof script, "%s/kept.gp", root);
    out.path = path;
    out.script_path = script;
    CHECK(lrf_plot_range_test(&out, &d, NULL) == LRF_OK);
    CHECK(file_exists(path));
    CHECK(read_head(script, head, sizeof head) > 0 && strstr(head, "# lrfind range-test") == head);

    /* The kept script is self-contained: run on its own it renders the same target. */
    unlink(path);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "gnuplot '%s' 2>/dev/null", script); /* root has no quotes */
    CHECK(system(cmd) == 0);
    CHECK(read_head(path, head, sizeof head) >= 4 && !memcmp(head, "\x89PNG", 4));
}

/* Without gnuplot: UNSUPPORTED with the install hint, the kept script still written and
 * no output file. */
static void test_missing_gnuplot(void)
{
    struct lrf_plot_range_test d = range_data();
    struct lrf_plot_output out = lrf_plot_output_default();
    struct lrf_error err;
    char path[512], script[512], empty[512];
    snprintf(path, sizeof path, "%s/missing.png", root);
    snprintf(script, sizeof script, "%s/missing.gp", root);
    out.path = path;
    out.script_path = script;
    out.gnuplot = "/nonexistent/gnuplot";
    lrf_error_clear(&err);
    CHECK(lrf_plot_range_test(&out, &d, &err) == LRF_ERR_UNSUPPORTED);
    CHECK(strstr(err.message, "apt-get install gnuplot-nox") != NULL);
    CHECK(strstr(err.message, script) != NULL);
    CHECK(!file_exists(path));
    CHECK(file_exists(script));

    /* The same through PATH, as on a machine without the package. */
    snprintf(empty, sizeof empty, "%s/emptybin", root);
    mkdir(empty, 0700);
    const char *old = getenv("PATH");
    char *saved = old ? strdup(old) : NULL;
    setenv("PATH", empty, 1);
    unsetenv("LRF_GNUPLOT");
    CHECK(!lrf_plot_gnuplot_available());
    out.gnuplot = NULL;
    out.script_path = NULL;
    lrf_error_clear(&err);
    CHECK(lrf_plot_schedule(&out, lr, NULL, N, NULL, &err) == LRF_ERR_UNSUPPORTED);
    CHECK(strstr(err.message, "apt-get install gnuplot-nox") != NULL);
    if (saved) {
        setenv("PATH", saved, 1);
        free(saved);
    }
    CHECK(!file_exists(path));
}

/* A gnuplot that fails: LRF_ERR_IO with its error line, nothing written. */
static void test_failing_gnuplot(void)
{
    char fake[512], path[512];
    snprintf(fake, sizeof fake, "%s/fakegnuplot", root);
    FILE *fp = fopen(fake, "w");
    fputs("#!/bin/sh\necho 'junk' >&2\necho '\"x.gp\" line 3: boom happened' >&2\nexit 1\n", fp);
    fclose(fp);
    chmod(fake, 0700);
    struct lrf_plot_range_test d = range_data();
    struct lrf_plot_output out = lrf_plot_output_default();
    struct lrf_error err;
    snprintf(path, sizeof path, "%s/failing.svg", root);
    out.path = path;
    out.gnuplot = fake;
    lrf_error_clear(&err);
    CHECK(lrf_plot_range_test(&out, &d, &err) == LRF_ERR_IO);
    CHECK_MSG(strstr(err.message, "line 3: boom happened") != NULL, "%s", err.message);
    CHECK(!file_exists(path));
    /* A "gnuplot" that succeeds but writes nothing is an error too. */
    fp = fopen(fake, "w");
    fputs("#!/bin/sh\nexit 0\n", fp);
    fclose(fp);
    lrf_error_clear(&err);
    CHECK(lrf_plot_range_test(&out, &d, &err) == LRF_ERR_IO);
    CHECK(!file_exists(path));
}

static void test_unknown_extension(void)
{
    struct lrf_plot_range_test d = range_data();
    struct lrf_plot_output out = lrf_plot_output_default();
    struct lrf_error err;
    char path[512];
    snprintf(path, sizeof path, "%s/plot.jpg", root);
    out.path = path;
    lrf_error_clear(&err);
    CHECK(lrf_plot_range_test(&out, &d, &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, ".png") && strstr(err.message, "term"));
    CHECK(!file_exists(path));
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    char path[1024];
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            remove_dir(path);
        else
            unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

int main(void)
{
    make_curve();
    const char *base = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/lrf-test-plot.XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    /* Our own TMPDIR, so that leftovers of the plot runner can be counted. */
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", root);
    mkdir(tmpdir, 0700);
    setenv("TMPDIR", tmpdir, 1);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/it's dir", root);
    mkdir(dir, 0700);

    if (lrf_plot_gnuplot_available()) {
        test_render_files();
        test_render_term();
        test_kept_script();
    } else {
        check_skip("png/svg/pdf/term rendering and the kept script",
                   "gnuplot not installed: apt-get install gnuplot-nox");
    }
    test_missing_gnuplot();
    test_failing_gnuplot();
    test_unknown_extension();
    CHECK_MSG(count_entries(tmpdir) == 0, "%d entries left in TMPDIR", count_entries(tmpdir));
    remove_dir(root);
    return check_summary();
}
