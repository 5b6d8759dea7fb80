/* lrfind (the range test, issue 6): report, JSON, curve and plot files, the
 * hand-off to training from the restored model, --verify, Ctrl-C, bad options
 * and bad data. Runs on the built-in dataset with short sweeps. */
#define _XOPEN_SOURCE 700 /* posix_openpt */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cli_run.h"
#include "lrf/plot.h"

/* A short sweep keeps the suite fast; it still reaches divergence on the built-in data.
 * The MLP, not the built-in images' default CNN (tests/test_cli_image.c runs that). */
#define QUICK "-q --iters 40 --start-lr 1e-4 --model mlp"

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* Entries of the private directory other than stdout, stderr and the cache. */
static int stray_files(void)
{
    DIR *d = opendir(cli_tmpdir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.' && strcmp(e->d_name, "stdout") && strcmp(e->d_name, "stderr") &&
             strcmp(e->d_name, "cache");
    if (d)
        closedir(d);
    return n;
}

static void test_report(void)
{
    CHECK(cli_run(QUICK) == 0);
    CHECK(strstr(cli_out, "built-in Fashion-MNIST subset: 12000 rows") != NULL);
    CHECK(strstr(cli_out, "stopped: ") != NULL);
    CHECK(strstr(cli_out, "robust * ") != NULL);            /* the recommended rule is marked */
    CHECK(strncmp(cli_out, "Suggested max_lr: ", 18) == 0); /* the answer first */
    CHECK(strstr(cli_out, "onecycle(max_lr=") != NULL);
    CHECK(strstr(cli_out, "torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=") != NULL);
    CHECK(strstr(cli_out, "cosine(") != NULL);
    CHECK_MSG(cli_err[0] == '\0', "stderr: %s", cli_err); /* -q: no progress, no noise */
}

static void test_json_and_curve(void)
{
    char args[2048];
    snprintf(args, sizeof args, QUICK " --json --curve '%s'", cli_path("curve.csv"));
    CHECK(cli_run(args) == 0);
    static const char *const keys[] = {"\"suggested_lr\":",
                                       "\"rule\":\"robust\"",
                                       "\"suggestions\":{",
                                       "\"stop_reason\":",
                                       "\"iterations\":",
                                       "\"one_cycle\":{\"max_lr\":",
                                       "\"spec\":\"onecycle(max_lr=",
                                       "\"curve\":[{\"lr\":"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        CHECK_MSG(strstr(cli_out, keys[k]) != NULL, "missing %s", keys[k]);
    double lr = cli_json_number(cli_out, "suggested_lr");
    CHECK(lr > 1e-4 && lr < 10);
    double iters = cli_json_number(cli_out, "iterations");
    CHECK(iters >= 10 && iters <= 40);
    CHECK(strstr(cli_out, "\"smoothed\":") != NULL);

    /* The curve file is what `lrfind suggest --curve` reads. */
    static char curve[1 << 16];
    cli_slurp(cli_path("curve.csv"), curve, sizeof curve);
    CHECK(strncmp(curve, "lr,loss,smoothed\n", 17) == 0);
    int rows = 0;
    for (const char *p = curve; *p; p++)
        rows += *p == '\n';
    CHECK(rows == (int)iters + 1);
    snprintf(args, sizeof args, "suggest --curve '%s'", cli_path("curve.csv"));
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "robust") != NULL);
    unlink(cli_path("curve.csv"));
}

static void test_plots(void)
{
    char args[2048];
    if (!lrf_plot_gnuplot_available()) {
        check_skip("--plot svg and --plot term", "gnuplot not installed");
        return;
    }
    snprintf(args, sizeof args, QUICK " --plot '%s'", cli_path("curve.svg"));
    int st = cli_run(args);
    CHECK_MSG(st == 0, "exit %d: %s", st, cli_err);
    static char svg[1 << 17];
    cli_slurp(cli_path("curve.svg"), svg, sizeof svg);
    CHECK(strstr(svg, "<svg") != NULL);
    CHECK(strstr(svg, "robust") != NULL);
    unlink(cli_path("curve.svg"));

    /* The text plot (gnuplot's dumb terminal). */
    CHECK(cli_run(QUICK " --plot term") == 0);
    CHECK(strstr(cli_out, "learning rate") != NULL);
}

/* Without gnuplot: exit 1, the install hint, and the data kept as a script. */
static void test_plot_without_gnuplot(void)
{
    char args[2048];
    snprintf(args, sizeof args, QUICK " --plot '%s'", cli_path("nognuplot.png"));
    CHECK(cli_run_env("LRF_GNUPLOT=/nonexistent/gnuplot", args) == 1);
    CHECK(strstr(cli_err, "apt-get install gnuplot-nox") != NULL);
    CHECK(!file_exists(cli_path("nognuplot.png")));
    CHECK(file_exists(cli_path("nognuplot.gp")));
    unlink(cli_path("nognuplot.gp"));
    CHECK(stray_files() == 0);
}

/* --train starts from the restored initial model and data order, so it trains
 * exactly as `lrfind train` does from scratch with the same schedule and seed. */
static void test_train_after_sweep_matches_fresh_training(void)
{
    const char *sched = "--schedule 'onecycle(max_lr=0.05)' --epochs 1";
    char args[1024];
    snprintf(args, sizeof args, QUICK " --json --train %s", sched);
    CHECK(cli_run(args) == 0);
    const char *train = strstr(cli_out, "\"train\":");
    CHECK(train != NULL);
    double after_sweep = train ? cli_json_number(train, "val_accuracy") : (double)NAN;
    snprintf(args, sizeof args, "train --json --model mlp %s", sched);
    CHECK(cli_run(args) == 0);
    double fresh = cli_json_number(cli_out, "val_accuracy");
    CHECK_MSG(after_sweep == fresh, "after sweep %.6f, fresh %.6f", after_sweep, fresh);
    CHECK(fresh > 0.7); /* one epoch on 12,000 images */

    if (!lrf_plot_gnuplot_available()) {
        check_skip("--schedule-plot", "gnuplot not installed");
        return;
    }
    snprintf(args, sizeof args, QUICK " --train --epochs 1 --schedule-plot '%s'",
             cli_path("sched.svg"));
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "train:  onecycle(max_lr=") != NULL);
    CHECK(strstr(cli_out, "  epoch 1/1  train_loss ") != NULL);
    CHECK(file_exists(cli_path("sched.svg")));
    unlink(cli_path("sched.svg"));
}

/* --schedule cosine trains at the result's cosine lr; a bad SPEC is refused before
 * any data is loaded or swept (nothing on stdout). */
static void test_train_schedules(void)
{
    CHECK(cli_run(QUICK " --train --epochs 1 --schedule cosine") == 0);
    CHECK_MSG(strstr(cli_out, "train:  cosine(T_max=94) (base lr ") != NULL, "%s", cli_out);
    CHECK(strstr(cli_out, "  epoch 1/1  train_loss ") != NULL);
    CHECK(cli_run(QUICK " --train --schedule 'bogus(x=1)'") == 2);
    CHECK(strstr(cli_err, "--schedule: unknown schedule kind 'bogus'") != NULL);
    CHECK(cli_out[0] == '\0');
    CHECK(cli_run(QUICK " --train --schedule 'onecycle(max_lr=auto,pct_start=2)'") == 2);
    CHECK(strstr(cli_err, "pct_start") != NULL && cli_out[0] == '\0');
}

/* --epochs without --train: the run length of the schedules the report prints. */
static void test_epochs_without_train(void)
{
    CHECK(cli_run(QUICK " --epochs 5") == 0);
    CHECK_MSG(strstr(cli_out, "\nrun length: 5 epochs of 94 steps = 470 steps (--epochs") != NULL,
              "%s", cli_out);
    CHECK(strstr(cli_out, "total_steps=470") != NULL && strstr(cli_out, "T_max=470") != NULL);
    /* An lr left out of a --train SPEC is the suggestion: cyclic's bounds are the report's. */
    CHECK(cli_run(QUICK " --train --epochs 1 --schedule 'cyclic(step_size_up=20)'") == 0);
    const char *cyc = strstr(cli_out, "cyclic:    cyclic(base_lr=");
    const char *tr = strstr(cli_out, "train:  cyclic(base_lr=");
    size_t n = strlen("cyclic(base_lr=");
    CHECK(cyc && tr && strncmp(cyc + 11 + n, tr + 8 + n, 12) == 0);
}

static void test_verify(void)
{
    CHECK(cli_run(QUICK " --verify --json") == 0);
    CHECK(strstr(cli_out, "\"verify\":{\"trials\":[") != NULL);
    CHECK(strstr(cli_out, "\"suggestion_lost\":") != NULL);
    CHECK(cli_run(QUICK " --verify") == 0);
    CHECK(strstr(cli_out, "(suggested)") != NULL);
}

struct usage_case {
    const char *args;
    const char *message;
};

static void test_usage_errors(void)
{
    static const struct usage_case cases[] = {
        {"--iters 1", "--iters"},
        {"--start-lr -1", "--start-lr"},
        {"--start-lr abc", "--start-lr"},
        {"--mode log", "--mode"},
        {"--rule best", "--rule"},
        {"--smooth gauss", "--smooth"},
        {"--diverge 0.5", "--diverge"},
        {"--runs 0", "--runs"},
        {"--schedule cosine", "need --train"},
        {"--verify-epochs 2", "needs --verify"},
        {"--plot out.bmp", "--plot"},
        {"--bogus", "unknown option"},
        {"--iters", "needs a value"},
        {"--iters 5 extra", "unexpected argument"},
        {"--start-lr 1 --end-lr 0.1", "end_lr"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st = cli_run(cases[i].args);
        CHECK_MSG(st == 2, "'%s' exited %d", cases[i].args, st);
        CHECK_MSG(strstr(cli_err, cases[i].message) != NULL, "'%s': %s", cases[i].args, cli_err);
        CHECK(strncmp(cli_err, "lrfind: ", 8) == 0);
    }
    CHECK(cli_run("--help") == 0);
    CHECK(strstr(cli_out, "--start-lr") != NULL);
}

static void test_bad_data(void)
{
    char csv[CLI_RUN_PATH_MAX];
    snprintf(csv, sizeof csv, "%s", cli_path("ragged.csv"));
    cli_write_file(csv, "a,b,label\n1,2,0\n3,1\n");
    char args[2048];
    snprintf(args, sizeof args, "-q --data '%s' --curve '%s' --plot '%s'", csv, cli_path("c.csv"),
             cli_path("p.png"));
    CHECK(cli_run(args) == 1);
    char want[CLI_RUN_PATH_MAX + 32];
    snprintf(want, sizeof want, "lrfind: %s:3:", csv);
    CHECK_MSG(strncmp(cli_err, want, strlen(want)) == 0, "stderr: %s", cli_err);
    CHECK(!file_exists(cli_path("c.csv")) && !file_exists(cli_path("p.png")));
    snprintf(args, sizeof args, "-q --data '%s'", cli_path("missing.csv"));
    CHECK(cli_run(args) == 1);
    CHECK(strstr(cli_err, "missing.csv: cannot open") != NULL);
    unlink(csv);
    CHECK(stray_files() == 0);
}

/* Longest wait for the sweep to start: a bound for a broken run, not a timing
 * assumption (the test proceeds the moment the progress bar appears). */
enum { READY_TIMEOUT_MS = 120000, EXIT_TIMEOUT_MS = 120000 };

/* Reads what is available on fd into buf (appended at *len); false at EOF/error. */
static bool drain(int fd, char *buf, size_t size, size_t *len, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) <= 0)
        return true; /* nothing yet */
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0)
        return false; /* EIO once the child closed the terminal */
    size_t k = (size_t)n < size - 1 - *len ? (size_t)n : size - 1 - *len;
    memcpy(buf + *len, tmp, k);
    *len += k;
    buf[*len] = '\0';
    return true;
}

/* Starts lrfind with stderr on a pseudo-terminal (so it draws its progress bar), stdout
 * into the test's stdout file; returns the pid and the terminal's master side. */
static pid_t start_on_terminal(const char *const *argv, int *master_out)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master) || !ptsname(master)) {
        perror("posix_openpt");
        return -1;
    }
    char slave_name[256];
    snprintf(slave_name, sizeof slave_name, "%s", ptsname(master));
    pid_t pid = fork();
    if (pid == 0) {
        int slave = open(slave_name, O_RDWR | O_NOCTTY);
        int out = open(cli_path("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int in = open("/dev/null", O_RDONLY);
        if (slave < 0 || out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
            dup2(slave, 2) < 0)
            _exit(127);
        char cache[CLI_RUN_PATH_MAX];
        snprintf(cache, sizeof cache, "%s/cache", cli_tmpdir);
        setenv("XDG_CACHE_HOME", cache, 1);
        execv(LRFIND_EXE, (char *const *)argv);
        _exit(127);
    }
    *master_out = master;
    return pid;
}

/* Ctrl-C in the middle of a long sweep: a clean stop with the partial report, exit 1,
 * and no output file (not even a temporary one). The signal is sent once the sweep's
 * progress bar shows a finished rung: no sleep, no race with start-up. */
static void test_interrupt(void)
{
    const char *const argv[] = {"lrfind",  "--iters",           "100000",  "--end-lr", "1e-3",
                                "--curve", cli_path("int.csv"), "--model", "mlp",      NULL};
    int master = -1;
    pid_t pid = start_on_terminal(argv, &master);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    static char term[1 << 16];
    size_t len = 0;
    bool live = true, ready = false;
    for (int waited = 0; live && !ready && waited < READY_TIMEOUT_MS; waited += 100) {
        live = drain(master, term, sizeof term, &len, 100);
        ready = strstr(term, "range test [") != NULL;
    }
    CHECK_MSG(ready, "no progress bar on the terminal: '%s'", term);
    kill(pid, SIGINT);
    int st = 0;
    pid_t done = 0;
    for (int waited = 0; done == 0 && waited < EXIT_TIMEOUT_MS; waited += 100) {
        if (live)
            live = drain(master, term, sizeof term, &len, 100);
        else
            poll(NULL, 0, 100);
        done = waitpid(pid, &st, WNOHANG);
    }
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    for (int i = 0; live && i < 100; i++) /* the rest of what it wrote */
        live = drain(master, term, sizeof term, &len, 10);
    close(master);
    cli_slurp(cli_path("stdout"), cli_out, sizeof cli_out);
    CHECK_MSG(done == pid && WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d", st);
    CHECK_MSG(strstr(term, "interrupted after") != NULL, "terminal: %s", term);
    CHECK(strstr(cli_out, "stopped: ") != NULL);
    CHECK(!file_exists(cli_path("int.csv")));
    CHECK(stray_files() == 0);
}

int main(void)
{
    cli_run_init("test_cli_find");
    test_report();
    test_json_and_curve();
    test_plots();
    test_plot_without_gnuplot();
    test_train_after_sweep_matches_fresh_training();
    test_train_schedules();
    test_verify();
    test_epochs_without_train();
    test_usage_errors();
    test_bad_data();
    test_interrupt();
    cli_run_cleanup();
    return check_summary();
}
