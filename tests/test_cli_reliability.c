/* lrfind on hostile input (issue 10): a training whose loss becomes NaN fails (item 3),
 * --batch beyond the rows is capped and said so (item 6), an lr range whose ratio
 * overflows still sweeps finite lrs (item 7), and the messages: a number too small or
 * out of range says so; a curve CSV with a byte order mark or "lr, loss" is read, one
 * with a NUL byte is refused at its position; Ctrl-C during `lrfind schedule --plot`
 * leaves no temporary files (item 10). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_run.h"

static const char *rows_csv(int rows)
{
    static char text[1 << 15];
    size_t n = (size_t)snprintf(text, sizeof text, "a,b,label\n");
    for (int i = 0; i < rows && n < sizeof text; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%d,%d,%d\n", i % 13, (i * 7) % 11,
                              (i % 13 + (i * 7) % 11) % 3);
    static char path[CLI_RUN_PATH_MAX]; /* cli_path's buffers are reused by cli_run */
    snprintf(path, sizeof path, "%s", cli_path("rows.csv"));
    cli_write_file(path, text);
    return path;
}

static void test_train_nonfinite(const char *csv)
{
    char args[1024];
    snprintf(args, sizeof args, "train --data '%s' --lr 1e308 --epochs 2", csv);
    CHECK(cli_run(args) == 1);
    CHECK_MSG(strstr(cli_err, "NaN") || strstr(cli_err, "infinite"), "%s", cli_err);
    CHECK(strstr(cli_out, "epoch 1/2") == NULL); /* no epoch reported as if it trained */
    snprintf(args, sizeof args, "train --data '%s' --lr 1e308 --epochs 2 --json", csv);
    CHECK(cli_run(args) == 1);
    CHECK(strstr(cli_out, "\"diverged\":true") != NULL);
}

static void test_batch_capped(const char *csv)
{
    char args[1024];
    snprintf(args, sizeof args, "train --data '%s' --batch 1048576 --epochs 1", csv);
    CHECK(cli_run(args) == 0);
    CHECK_MSG(strstr(cli_out, "batch 270 (--batch 1048576 capped to the 270 training rows)"), "%s",
              cli_out);
    /* One batch: the default one-cycle's range test finds nothing; a constant lr, warned. */
    CHECK_MSG(strstr(cli_err, "Training at the constant --lr instead") &&
                  strstr(cli_out, "schedule:  constant\n"),
              "%s", cli_err);
    snprintf(args, sizeof args, "-q --data '%s' --batch 1048576 --iters 20 --json", csv);
    CHECK(cli_run(args) == 0);
    CHECK(strstr(cli_out, "\"batch\":270,\"batch_requested\":1048576") != NULL);
}

static void test_grid_overflow(const char *csv)
{
    char args[1024];
    snprintf(args, sizeof args, "-q --data '%s' --start-lr 1e-300 --end-lr 1e300 --iters 30 --json",
             csv);
    CHECK(cli_run(args) == 0);
    /* Every recorded lr is a number: an inf lr would be written as null. */
    const char *curve = strstr(cli_out, "\"curve\":[");
    CHECK(curve && !strstr(curve, "\"lr\":null"));
    CHECK(cli_json_number(cli_out, "points") > 1);
}

static void test_number_messages(void)
{
    CHECK(cli_run("--start-lr 1e-320") == 2);
    CHECK_MSG(strstr(cli_err, "--start-lr") && strstr(cli_err, "too small"), "%s", cli_err);
    CHECK(cli_run("--seed 18446744073709551615") == 2);
    CHECK_MSG(strstr(cli_err, "--seed") && strstr(cli_err, "out of range"), "%s", cli_err);
}

static int suggest_bytes(const char *bytes, size_t size)
{
    const char *path = cli_path("curve.csv");
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(bytes, 1, size, f);
        fclose(f);
    }
    char args[1024];
    snprintf(args, sizeof args, "suggest --curve '%s'", path);
    return cli_run(args);
}

static void test_curve_messages(void)
{
    static const char bom[] = "\xEF\xBB\xBFlr,loss\n1e-5,2.5\n2e-5,2.25\n";
    CHECK_MSG(suggest_bytes(bom, sizeof bom - 1) == 0, "%s", cli_err);
    static const char spaced[] = "lr, loss\n1e-5, 2.5\n2e-5, 2.25\n";
    CHECK_MSG(suggest_bytes(spaced, sizeof spaced - 1) == 0, "%s", cli_err);
    static const char nul[] = "lr,loss\n1e-5,2.5\n2e-5,2\0.25\n";
    CHECK(suggest_bytes(nul, sizeof nul - 1) == 1);
    CHECK_MSG(strstr(cli_err, "curve.csv:3:7:") && strstr(cli_err, "NUL"), "%s", cli_err);
}

/* SIGTERM to the process group (as a terminal's Ctrl-C reaches it, but a background
 * job of a shell ignores SIGINT) while gnuplot draws a schedule: lrfind removes its
 * temporary directory, writes no plot and exits 1. The "gnuplot" here is a stand-in
 * that waits to be stopped. */
static void test_schedule_interrupted(void)
{
    char fake[CLI_RUN_PATH_MAX], started[CLI_RUN_PATH_MAX], tmp[CLI_RUN_PATH_MAX];
    snprintf(fake, sizeof fake, "%s", cli_path("slowplot"));
    snprintf(started, sizeof started, "%s", cli_path("started"));
    snprintf(tmp, sizeof tmp, "%s", cli_path("tmp"));
    char text[2 * CLI_RUN_PATH_MAX];
    snprintf(text, sizeof text, "#!/bin/sh\ntouch '%s'\nexec sleep 30\n", started);
    cli_write_file(fake, text);
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "chmod +x '%s' && mkdir '%s' && "
             "(TMPDIR='%s' LRF_GNUPLOT='%s' setsid '%s' schedule 'cosine(T_max=4)' --steps 4 "
             "--plot '%s/p.svg' >/dev/null 2>'%s/err' & pid=$!; "
             "i=0; while [ ! -e '%s' ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; "
             "kill -TERM -$pid; wait $pid; echo $? > '%s/status')",
             fake, tmp, tmp, fake, LRFIND_EXE, cli_tmpdir, cli_tmpdir, started, cli_tmpdir);
    CHECK(system(cmd) == 0);
    char status[16];
    cli_slurp(cli_path("status"), status, sizeof status);
    CHECK_MSG(atoi(status) == 1, "exit status %s", status);
    char left[64];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l > '%s/left'", tmp, cli_tmpdir);
    CHECK(system(cmd) == 0);
    cli_slurp(cli_path("left"), left, sizeof left);
    CHECK_MSG(atoi(left) == 0, "%s entries left in TMPDIR", left);
    CHECK(access(cli_path("p.svg"), F_OK) != 0);
}

int main(void)
{
    cli_run_init("test_cli_reliability");
    const char *csv = rows_csv(300);
    test_train_nonfinite(csv);
    test_batch_capped(csv);
    test_grid_overflow(csv);
    test_number_messages();
    test_curve_messages();
    test_schedule_interrupted();
    cli_run_cleanup();
    return check_summary();
}
