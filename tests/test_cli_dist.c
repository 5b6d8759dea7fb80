/* lrfind under mpirun (-np 2 and -np 3): --runs and --verify spread over the ranks
 * give one process's results exactly; --data-parallel gives its curve to float
 * precision with a batch the ranks do not divide; bad input met by one rank (a
 * bad row in the last shard, a file missing on rank 1, a batch smaller than the
 * ranks, more ranks than rows, a usage error) ends every rank with one message
 * from rank 0 and exit status 1 (2 for usage), never a hang (each job runs under
 * timeout). SKIPPED (77) without MPI. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli_run.h"
#include "lrf/dist.h"

/* Relative difference allowed between a data-parallel curve and one process's:
 * the same sums in another order (test_train_dist measures ~1e-7 per step). */
static const double CURVE_TOL = 1e-4;

#define MPIRUN                                                                                     \
    "OMPI_MCA_btl_vader_single_copy_mechanism=none timeout 300 mpirun --allow-run-as-root "        \
    "--oversubscribe --bind-to none"

/* lrfind ARGS on np ranks (np 0: without mpirun). */
static int run_np(int np, const char *args)
{
    char env[256];
    snprintf(env, sizeof env, MPIRUN " -np %d", np);
    return cli_run_env(np ? env : "", args);
}

/* Lines of stderr that lrfind printed (mpirun adds its own report). */
static int lrfind_lines(void)
{
    int n = 0;
    for (const char *p = cli_err; (p = strstr(p, "lrfind: ")); p++)
        n += p == cli_err || p[-1] == '\n';
    return n;
}

static void write_data(const char *name, int rows, int bad_row)
{
    FILE *f = fopen(cli_path(name), "w");
    fprintf(f, "x0,x1,x2,x3,label\n");
    for (int i = 0; i < rows; i++) {
        int k = (i * 7) % 3;
        fprintf(f, "%.3f,%s,%.3f,%d,%d\n", 0.1 * (i % 17) + k, i == bad_row ? "1e999" : "0.5",
                0.01 * i, i % 5 + k, k);
    }
    fclose(f);
}

static char *slurp_file(const char *name)
{
    static char bufs[2][1 << 16];
    static int next;
    char *b = bufs[next++ % 2];
    cli_slurp(cli_path(name), b, sizeof bufs[0]);
    return b;
}

/* The report's suggestion line ("onecycle(max_lr=...)" in the hand-off). */
static void suggestion(char *buf, size_t size)
{
    const char *p = strstr(cli_out, "onecycle(max_lr=");
    size_t n = p ? strcspn(p, ")") : 0;
    snprintf(buf, size, "%.*s", (int)n, p ? p : "");
}

static void test_runs_and_verify(void)
{
    char args[1024], one[256], many[256];
    snprintf(args, sizeof args,
             "--data '%s' --model mlp:16 --iters 25 --runs 4 --threads 1 --verify -q "
             "--curve '%s'",
             cli_path("d.csv"), cli_path("c0.csv"));
    CHECK(run_np(0, args) == 0);
    suggestion(one, sizeof one);
    const char *verify = strstr(cli_out, "verify:");
    char want[2048];
    snprintf(want, sizeof want, "%s", verify ? verify : "");
    char *c0 = strdup(slurp_file("c0.csv"));
    for (int np = 2; np <= 3; np++) {
        snprintf(args, sizeof args,
                 "--data '%s' --model mlp:16 --iters 25 --runs 4 --threads 1 --verify -q "
                 "--curve '%s'",
                 cli_path("d.csv"), cli_path("c1.csv"));
        int rc = run_np(np, args);
        CHECK_MSG(rc == 0, "np %d: exit %d: %s", np, rc, cli_err);
        suggestion(many, sizeof many);
        CHECK_STR(many, one);
        CHECK_MSG(!strcmp(slurp_file("c1.csv"), c0), "np %d: the curve differs", np);
        verify = strstr(cli_out, "verify:");
        CHECK_MSG(verify && !strcmp(verify, want), "np %d: verify differs:\n%s", np, verify);
    }
    free(c0);
}

/* lr,loss,smoothed rows of a curve file. */
static int read_curve(const char *name, double *loss, int max)
{
    FILE *f = fopen(cli_path(name), "r");
    char line[256];
    int n = 0;
    while (f && fgets(line, sizeof line, f) && n < max) {
        double lr, l, s;
        if (sscanf(line, "%lf,%lf,%lf", &lr, &l, &s) == 3)
            loss[n++] = l;
    }
    if (f)
        fclose(f);
    return n;
}

static void test_data_parallel(void)
{
    char args[1024];
    const char *common = "--model mlp:16 --iters 20 --batch 25 --threads 1 -q --train --epochs 1 "
                         "--schedule 'onecycle(max_lr=0.05)'";
    snprintf(args, sizeof args, "--data '%s' %s --curve '%s'", cli_path("d.csv"), common,
             cli_path("p0.csv"));
    CHECK(run_np(0, args) == 0);
    const char *epoch = strstr(cli_out, "epoch 1/");
    char want[128];
    snprintf(want, sizeof want, "%.60s", epoch ? epoch : "");
    double a[64], b[64];
    int n = read_curve("p0.csv", a, 64);
    CHECK(n == 20);
    for (int np = 2; np <= 3; np++) {
        snprintf(args, sizeof args, "--data '%s' %s --curve '%s' --data-parallel",
                 cli_path("d.csv"), common, cli_path("p1.csv"));
        int rc = run_np(np, args);
        CHECK_MSG(rc == 0, "np %d: exit %d: %s", np, rc, cli_err);
        CHECK(read_curve("p1.csv", b, 64) == n);
        int bad = 0;
        for (int i = 0; i < n; i++)
            bad += !(fabs(a[i] - b[i]) <= CURVE_TOL * fabs(a[i]));
        CHECK_MSG(bad == 0, "np %d: %d of %d losses differ", np, bad, n);
        epoch = strstr(cli_out, "epoch 1/");
        CHECK_MSG(epoch && !strncmp(epoch, want, 50), "np %d: training differs: %.60s", np,
                  epoch ? epoch : "");
        CHECK(strstr(cli_out, "400 rows") != NULL); /* the whole file's rows, not a shard's */
    }
}

/* One message from lrfind, exit status want, within the timeout. */
static void expect_failure(int np, const char *args, int want, const char *text)
{
    int rc = run_np(np, args);
    CHECK_MSG(rc == want, "np %d %s: exit %d (want %d)", np, args, rc, want);
    CHECK_MSG(lrfind_lines() == 1, "np %d %s: %d messages:\n%s", np, args, lrfind_lines(), cli_err);
    CHECK_MSG(strstr(cli_err, text) != NULL, "np %d: no '%s' in:\n%s", np, text, cli_err);
}

static void test_bad_input(void)
{
    char args[1024];
    write_data("bad.csv", 400, 380); /* line 382: in the last shard only */
    for (int np = 2; np <= 3; np++) {
        snprintf(args, sizeof args, "--data '%s' --iters 10 -q --data-parallel",
                 cli_path("bad.csv"));
        char where[64];
        snprintf(where, sizeof where, "(rank %d of %d", np - 1, np);
        expect_failure(np, args, 1, "bad.csv:382: column 'x1' (1): expected a finite number");
        CHECK(strstr(cli_err, where) != NULL);
    }
    /* Readable on rank 0, missing on rank 1 (one job, two command lines). */
    for (int dp = 0; dp <= 1; dp++) {
        snprintf(args, sizeof args,
                 "--data '%s' --iters 10 -q --runs 2 %s : -np 1 '%s' --data '%s' --iters 10 -q "
                 "--runs 2 %s",
                 cli_path("d.csv"), dp ? "--data-parallel" : "", LRFIND_EXE, cli_path("gone.csv"),
                 dp ? "--data-parallel" : "");
        expect_failure(1, args, 1, "gone.csv: cannot open");
        CHECK(strstr(cli_err, "(rank 1 of 2") != NULL);
    }
    snprintf(args, sizeof args, "--data '%s' --iters 10 -q --batch 2 --data-parallel",
             cli_path("d.csv"));
    expect_failure(3, args, 1, "batch 2 is smaller than the 3 ranks");
    write_data("tiny.csv", 2, -1);
    snprintf(args, sizeof args, "--data '%s' --iters 10 -q --data-parallel", cli_path("tiny.csv"));
    expect_failure(3, args, 1, "has no rows");
    expect_failure(2, "--runs 0", 2, "--runs");
}

int main(void)
{
    if (!lrf_dist_compiled() || system("command -v mpirun >/dev/null 2>&1") != 0) {
        printf("SKIPPED: lrfind was built without MPI or mpirun is missing "
               "(apt-get install libopenmpi-dev openmpi-bin)\n0 passed, 0 failed\n");
        return CHECK_EXIT_SKIPPED;
    }
    cli_run_init("cli_dist");
    write_data("d.csv", 400, -1);
    test_runs_and_verify();
    test_data_parallel();
    test_bad_input();
    cli_run_cleanup();
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}
