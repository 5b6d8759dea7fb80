/* gnuplot started before its plot's data exists. Started with a socket as its
 * standard input, it loads its libraries and, for png and pdf, renders a throw-away
 * plot to /dev/null with the same terminal (cairo, pango and fontconfig set themselves
 * up on the first plot), all while the caller computes the data; the real script is then a `load`
 * away. Its standard output and error are unlinked temporary files, so nothing is
 * left behind whatever happens to either process. Any failure on this path is
 * silent: plot_run then runs gnuplot the ordinary way, which defines the results
 * and the messages. */
#define _GNU_SOURCE /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lrf/atomic_file.h"
#include "plot/plot_internal.h"

extern char **environ;

struct lrf_plot_prestart {
    pid_t pid;  /* 0 once waited for */
    int in;     /* our end of gnuplot's standard input; -1 once closed */
    int out_fd; /* gnuplot's standard output and error (unlinked files) */
    int err_fd;
    int exit_status; /* once waited for */
};

/* An unlinked temporary file, or -1. */
static int anonymous_file(void)
{
    const char *base = getenv("TMPDIR");
    char path[LRF_PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/lrfind-plot.XXXXXX", base && base[0] ? base : "/tmp");
    if (n < 0 || (size_t)n >= sizeof path)
        return -1;
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* Sends all of text; false when gnuplot is gone (never SIGPIPE: a socket). */
static bool send_all(int fd, const char *text, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, text, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        text += k;
        n -= (size_t)k;
    }
    return true;
}

static void finish_process(struct lrf_plot_prestart *ps, bool stop)
{
    if (ps->in >= 0)
        close(ps->in);
    ps->in = -1;
    if (ps->pid <= 0)
        return;
    if (stop)
        kill(ps->pid, SIGTERM);
    int ws = 0;
    while (waitpid(ps->pid, &ws, 0) < 0 && errno == EINTR)
        continue;
    ps->exit_status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    ps->pid = 0;
}

void lrf_plot_prestart_end(struct lrf_plot_prestart *ps)
{
    if (!ps)
        return;
    finish_process(ps, true);
    close(ps->out_fd);
    close(ps->err_fd);
    free(ps);
}

static pid_t spawn(const char *program, int in, int out_fd, int err_fd)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -1;
    posix_spawn_file_actions_adddup2(&fa, in, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    char *argv[] = {(char *)program, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, program, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0 ? pid : -1;
}

/* Sends gnuplot its commands: with out, the warm-up of the cairo terminals (png, pdf):
 * the terminal, one plot into /dev/null, then everything reset (their output is the
 * same bytes after it); with script, the line that renders it. */
static bool send_commands(int fd, const struct lrf_plot_output *out, const char *script)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    if (!fp)
        return false;
    struct lrf_error err;
    bool ok = true;
    if (out) {
        ok = plot_write_terminal(fp, out, "/dev/null", &err) == LRF_OK &&
             fputs("plot x notitle\nset output\nreset\n", fp) >= 0;
    } else {
        fputs("load ", fp);
        plot_put_string(fp, script);
        fputc('\n', fp);
    }
    ok = fclose(fp) == 0 && ok;
    ok = ok && send_all(fd, text, len);
    free(text);
    return ok;
}

enum lrf_status lrf_plot_prestart(const struct lrf_plot_output *out, struct lrf_plot_prestart **ps,
                                  struct lrf_error *err)
{
    *ps = NULL;
    enum lrf_plot_format fmt;
    enum lrf_status st = lrf_plot_format_from_path(out ? out->path : NULL, &fmt, err);
    if (st != LRF_OK)
        return st;
    if (fmt == LRF_PLOT_TERM)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "plot prestart: not for the text plot");
    char program[LRF_PATH_MAX];
    if ((st = plot_locate_gnuplot(out, program, sizeof program, err)) != LRF_OK)
        return st;
    struct lrf_plot_prestart *p = malloc(sizeof *p);
    int sv[2] = {-1, -1};
    if (!p || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        free(p);
        return lrf_error_set(err, LRF_ERR_IO, "plot prestart: no socket: %s", strerror(errno));
    }
    *p = (struct lrf_plot_prestart){0, sv[0], anonymous_file(), anonymous_file(), 0};
    p->pid = p->out_fd >= 0 && p->err_fd >= 0 ? spawn(program, sv[1], p->out_fd, p->err_fd) : -1;
    close(sv[1]);
    /* svg gets no warm-up plot: its next plot would differ, and it has no fonts to set
     * up (starting is the whole gain there). */
    if (p->pid <= 0 || (fmt != LRF_PLOT_SVG && !send_commands(p->in, out, NULL))) {
        lrf_plot_prestart_end(p);
        return lrf_error_set(err, LRF_ERR_IO, "plot prestart: cannot start %s", program);
    }
    *ps = p;
    return LRF_OK;
}

bool plot_prestart_run(struct lrf_plot_prestart *ps, const char *script, int *exit_status)
{
    if (!ps || ps->in < 0)
        return false;
    bool ok = send_commands(ps->in, NULL, script);
    finish_process(ps, !ok); /* end of input: gnuplot exits after the script */
    *exit_status = ps->exit_status;
    return ok;
}
