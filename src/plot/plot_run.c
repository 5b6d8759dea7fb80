/* Runs gnuplot on a generated script: private temporary directory, no shell, output
 * copied into place atomically, temporary directory removed on every path. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lrf/atomic_file.h"
#include "plot/plot_internal.h"

extern char **environ;

/* Bytes copied per read from gnuplot's output into the target. */
enum { COPY_CHUNK = 1 << 16 };

static const char INSTALL_HINT[] = "install it with: apt-get install gnuplot-nox";

/* Copies as much of src as fits; the truncation of a diagnostic is harmless. */
static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static const char *gnuplot_name(const struct lrf_plot_output *out)
{
    if (out && out->gnuplot && out->gnuplot[0])
        return out->gnuplot;
    const char *env = getenv("LRF_GNUPLOT");
    return env && env[0] ? env : "gnuplot";
}

static int is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Resolves name like execvp would; 1 and the full path in buf when found. */
static int find_program(const char *name, char *buf, size_t size)
{
    if (strchr(name, '/')) {
        snprintf(buf, size, "%s", name);
        return is_executable(buf);
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path;;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int n = len ? snprintf(buf, size, "%.*s/%s", (int)len, p, name)
                    : snprintf(buf, size, "./%s", name);
        if (n > 0 && (size_t)n < size && is_executable(buf))
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

int lrf_plot_gnuplot_available(void)
{
    char buf[LRF_PATH_MAX];
    return find_program(gnuplot_name(NULL), buf, sizeof buf);
}

static const char *format_ext(enum lrf_plot_format fmt)
{
    switch (fmt) {
    case LRF_PLOT_PNG:
        return "png";
    case LRF_PLOT_SVG:
        return "svg";
    case LRF_PLOT_PDF:
        return "pdf";
    default:
        return "txt";
    }
}

static enum lrf_status write_script_file(const char *path, const struct lrf_plot_output *out,
                                         const char *output_name, plot_script_fn fn,
                                         const void *ctx, struct lrf_error *err)
{
    struct lrf_atomic_file af;
    enum lrf_status st = lrf_atomic_open(&af, path, err);
    if (st != LRF_OK)
        return st;
    st = fn(af.fp, out, output_name, ctx, err);
    if (st != LRF_OK) {
        lrf_atomic_abort(&af);
        return st;
    }
    return lrf_atomic_commit(&af, err);
}

/* Removes the temporary directory and everything gnuplot or we put in it. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        char path[LRF_PATH_MAX];
        for (struct dirent *e; (e = readdir(d));) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            size_t dn = strlen(dir), fn = strlen(e->d_name);
            if (dn + 1 + fn >= sizeof path)
                continue;
            memcpy(path, dir, dn);
            path[dn] = '/';
            memcpy(path + dn + 1, e->d_name, fn + 1);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* gnuplot's error into buf: the "... line N: message" line (from "line N" on, since the
 * script's temporary path means nothing to the user), else the first non-empty line. */
static void error_line(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *fp = fopen(path, "r");
    if (!fp)
        return;
    char line[1024];
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *at = strstr(line, "\" line ");
        if (at) {
            copy_text(buf, size, at + 2);
            break;
        }
        char *s = line;
        while (*s == ' ' || *s == '\t' || *s == '^')
            s++;
        if (*s && !buf[0])
            copy_text(buf, size, s);
    }
    fclose(fp);
}

/* Copies the dumb terminal's text without its leading form feed and trailing blanks. */
static enum lrf_status copy_term_text(const char *path, FILE *to, struct lrf_error *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return lrf_error_set(err, LRF_ERR_IO, "gnuplot produced no text output");
    char line[4096];
    int blank_run = 0, started = 0;
    while (fgets(line, sizeof line, fp)) {
        char *s = line;
        while (*s == '\f')
            s++;
        size_t n = strlen(s);
        int had_newline = n && s[n - 1] == '\n';
        while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
            n--;
        if (!n) {
            /* Blank lines are held back so that leading and trailing ones are dropped. */
            blank_run += had_newline;
            continue;
        }
        for (; started && blank_run > 0; blank_run--)
            fputc('\n', to);
        blank_run = 0;
        started = 1;
        fwrite(s, 1, n, to);
        if (had_newline)
            fputc('\n', to);
    }
    fclose(fp);
    if (fflush(to) != 0 || ferror(to))
        return lrf_error_set(err, LRF_ERR_IO, "cannot write the text plot: %s", strerror(errno));
    return LRF_OK;
}

static enum lrf_status copy_into_place(const char *from, const char *to, struct lrf_error *err)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return lrf_error_set(err, LRF_ERR_IO, "gnuplot wrote no output for '%s'", to);
    struct lrf_atomic_file af;
    enum lrf_status st = lrf_atomic_open(&af, to, err);
    if (st != LRF_OK) {
        fclose(in);
        return st;
    }
    char buf[COPY_CHUNK];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        total += n;
        if (fwrite(buf, 1, n, af.fp) != n)
            break;
    }
    int read_failed = ferror(in);
    fclose(in);
    if (read_failed || total == 0) {
        lrf_atomic_abort(&af);
        return lrf_error_set(err, LRF_ERR_IO, "gnuplot wrote an empty or unreadable file for '%s'",
                             to);
    }
    return lrf_atomic_commit(&af, err);
}

static enum lrf_status spawn_gnuplot(const char *program, const char *script, const char *out_txt,
                                     const char *err_txt, int *exit_status, struct lrf_error *err)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return lrf_error_set(err, LRF_ERR_NOMEM, "cannot prepare to run gnuplot");
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_txt, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_txt, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char *argv[] = {(char *)program, (char *)script, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, program, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return lrf_error_set(err, LRF_ERR_UNSUPPORTED, "cannot run gnuplot (%s): %s; %s", program,
                             strerror(rc), INSTALL_HINT);
    int ws;
    while (waitpid(pid, &ws, 0) < 0) {
        if (errno != EINTR)
            return lrf_error_set(err, LRF_ERR_IO, "waiting for gnuplot: %s", strerror(errno));
    }
    if (WIFEXITED(ws))
        *exit_status = WEXITSTATUS(ws);
    else
        *exit_status = 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    return LRF_OK;
}

static enum lrf_status make_temp_dir(char *dir, size_t size, struct lrf_error *err)
{
    const char *base = getenv("TMPDIR");
    if (!base || !base[0])
        base = "/tmp";
    int n = snprintf(dir, size, "%s/lrfind-plot.XXXXXX", base);
    if (n < 0 || (size_t)n >= size)
        return lrf_error_set(err, LRF_ERR_IO, "temporary directory path too long");
    if (!mkdtemp(dir))
        return lrf_error_set(err, LRF_ERR_IO, "cannot create a temporary directory in %s: %s", base,
                             strerror(errno));
    return LRF_OK;
}

/* The private directory's files: the script, gnuplot's output and its streams. */
struct run_paths {
    char dir[LRF_PATH_MAX - 64];
    char script[LRF_PATH_MAX], image[LRF_PATH_MAX], out_txt[LRF_PATH_MAX], err_txt[LRF_PATH_MAX];
};

static enum lrf_status make_run_paths(struct run_paths *rp, enum lrf_plot_format fmt,
                                      struct lrf_error *err)
{
    enum lrf_status st = make_temp_dir(rp->dir, sizeof rp->dir, err);
    if (st != LRF_OK)
        return st;
    snprintf(rp->script, sizeof rp->script, "%s/plot.gp", rp->dir);
    snprintf(rp->image, sizeof rp->image, "%s/out.%s", rp->dir, format_ext(fmt));
    snprintf(rp->out_txt, sizeof rp->out_txt, "%s/stdout.txt", rp->dir);
    snprintf(rp->err_txt, sizeof rp->err_txt, "%s/stderr.txt", rp->dir);
    return LRF_OK;
}

/* gnuplot's failure as an error: its own message when it printed one. */
static enum lrf_status gnuplot_failed(const char *program, int status, const char *err_txt,
                                      struct lrf_error *err)
{
    char msg[400];
    error_line(err_txt, msg, sizeof msg);
    if (status == 127 && !msg[0])
        return lrf_error_set(err, LRF_ERR_UNSUPPORTED, "cannot run gnuplot (%s); %s", program,
                             INSTALL_HINT);
    if (msg[0])
        return lrf_error_set(err, LRF_ERR_IO, "gnuplot failed: %s", msg);
    return lrf_error_set(err, LRF_ERR_IO, "gnuplot failed with exit status %d", status);
}

enum lrf_status plot_locate_gnuplot(const struct lrf_plot_output *out, char *program, size_t size,
                                    struct lrf_error *err)
{
    const char *name = gnuplot_name(out);
    if (find_program(name, program, size))
        return LRF_OK;
    if (out->script_path)
        return lrf_error_set(err, LRF_ERR_UNSUPPORTED,
                             "gnuplot not found ('%s'); the plot script with its data was "
                             "written to %s; %s",
                             name, out->script_path, INSTALL_HINT);
    return lrf_error_set(err, LRF_ERR_UNSUPPORTED, "gnuplot not found ('%s'); %s", name,
                         INSTALL_HINT);
}

enum lrf_status plot_run(const struct lrf_plot_output *out, plot_script_fn fn, const void *ctx,
                         struct lrf_error *err)
{
    if (!out)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "plot output: none given");
    enum lrf_plot_format fmt;
    enum lrf_status st = lrf_plot_format_from_path(out->path, &fmt, err);
    if (st != LRF_OK)
        return st;
    /* The kept script is written before gnuplot is looked for: without gnuplot the
     * user still gets the data and can render it elsewhere. */
    if (out->script_path && (st = write_script_file(out->script_path, out, NULL, fn, ctx, err)))
        return st;
    char program[LRF_PATH_MAX];
    struct run_paths rp;
    if ((st = plot_locate_gnuplot(out, program, sizeof program, err)) ||
        (st = make_run_paths(&rp, fmt, err)))
        return st;
    st = write_script_file(rp.script, out, rp.image, fn, ctx, err);
    int status = 0;
    /* A prestarted gnuplot that did not render it leaves the work to a fresh one. */
    struct stat sb;
    bool done = st == LRF_OK && out->prestart && fmt != LRF_PLOT_TERM &&
                plot_prestart_run(out->prestart, rp.script, &status) && status == 0 &&
                stat(rp.image, &sb) == 0 && sb.st_size > 0;
    if (st == LRF_OK && !done)
        st = spawn_gnuplot(program, rp.script, rp.out_txt, rp.err_txt, &status, err);
    if (st == LRF_OK && status != 0)
        st = gnuplot_failed(program, status, rp.err_txt, err);
    if (st == LRF_OK) {
        if (fmt == LRF_PLOT_TERM)
            st = copy_term_text(rp.out_txt, out->term_out ? out->term_out : stdout, err);
        else
            st = copy_into_place(rp.image, out->path, err);
    }
    remove_tree(rp.dir);
    return st;
}
