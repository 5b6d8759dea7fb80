/* lrfind (the range test, issue 6): report, JSON, curve and plot files, the
 * hand-off to training from the restored model, --verify, Ctrl-C, bad options
 * and bad data. Runs on the built-in dataset with short sweeps. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "check.h"
#include "cli_run.h"
#include "lrf/plot.h"

/* A short sweep keeps the suite fast; it still reaches divergence on the built-in data. */
#define QUICK "-q --iters 40 --start-lr 1e-4"

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
    CHECK(strstr(cli_out, "robust   * ") != NULL); /* the recommended rule is marked */
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
    snprintf(args, sizeof args, "train --json %s", sched);
    CHECK(cli_run(args) == 0);
    double fresh = cli_json_number(cli_out, "val_accuracy");
    CHECK_MSG(after_sweep == fresh, "after sweep %.6f, fresh %.6f", after_sweep, fresh);
    CHECK(fresh > 0.7); /* one epoch on 12,000 images */

    snprintf(args, sizeof args, QUICK " --train --epochs 1 --schedule-plot '%s'",
             cli_path("sched.svg"));
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "train:  onecycle(max_lr=") != NULL);
    CHECK(strstr(cli_out, "epoch 1: ") != NULL);
    CHECK(file_exists(cli_path("sched.svg")));
    unlink(cli_path("sched.svg"));
}

/* --schedule cosine trains at the result's cosine lr; a bad SPEC is refused before
 * any data is loaded or swept (nothing on stdout). */
static void test_train_schedules(void)
{
    CHECK(cli_run(QUICK " --train --epochs 1 --schedule cosine") == 0);
    CHECK_MSG(strstr(cli_out, "train:  cosine(T_max=94) (base lr ") != NULL, "%s", cli_out);
    CHECK(strstr(cli_out, "epoch 1: ") != NULL);
    CHECK(cli_run(QUICK " --train --schedule 'bogus(x=1)'") == 2);
    CHECK(strstr(cli_err, "--schedule: unknown schedule kind 'bogus'") != NULL);
    CHECK(cli_out[0] == '\0');
    CHECK(cli_run(QUICK " --train --schedule 'onecycle(max_lr=auto,pct_start=2)'") == 2);
    CHECK(strstr(cli_err, "pct_start") != NULL && cli_out[0] == '\0');
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
        {"--epochs 2", "need --train"},
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

/* Ctrl-C in the middle of a long sweep: a clean stop with the partial report,
 * exit 1, and no output file (not even a temporary one). */
static void test_interrupt(void)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "XDG_CACHE_HOME='%s/cache' '%s' -q --iters 100000 --end-lr 1e-3 --curve '%s' "
             ">'%s' 2>'%s' & pid=$!; sleep 1; kill -INT $pid; wait $pid",
             cli_tmpdir, LRFIND_EXE, cli_path("int.csv"), cli_path("stdout"), cli_path("stderr"));
    int st = system(cmd);
    cli_slurp(cli_path("stdout"), cli_out, sizeof cli_out);
    cli_slurp(cli_path("stderr"), cli_err, sizeof cli_err);
    CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d", st);
    CHECK(strstr(cli_err, "interrupted after") != NULL);
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
    test_usage_errors();
    test_bad_data();
    test_interrupt();
    cli_run_cleanup();
    return check_summary();
}
