/* lrfind --plot F.png with a core left beside the sweep (--threads 1 on a machine with
 * more cores) starts gnuplot before the sweep: the PNG is the same bytes as when that
 * gnuplot cannot be used (a stand-in that ignores its input forces the ordinary run),
 * and nothing is left in TMPDIR. */
#define _POSIX_C_SOURCE 200809L
#include <sys/stat.h>

#include "check.h"
#include "cli_run.h"
#include "lrf/plot.h"

#define QUICK "-q --iters 30 --start-lr 1e-4 --threads 1"

static char *slurp_all(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    char *buf = malloc(1 << 22);
    *n = fp && buf ? fread(buf, 1, 1 << 22, fp) : 0;
    if (fp)
        fclose(fp);
    return buf;
}

int main(void)
{
    cli_run_init("test_cli_plot_prestart");
    if (!lrf_plot_gnuplot_available() || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        check_skip("gnuplot started before the sweep", "needs gnuplot and 2 cores");
        cli_run_cleanup();
        return check_summary();
    }
    char tmp[CLI_RUN_PATH_MAX], stand_in[CLI_RUN_PATH_MAX], env[2 * CLI_RUN_PATH_MAX + 64];
    char args[2 * CLI_RUN_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", cli_path("tmp"));
    snprintf(stand_in, sizeof stand_in, "%s", cli_path("gnuplot-args-only"));
    mkdir(tmp, 0700);
    cli_write_file(stand_in,
                   "#!/bin/sh\n[ $# -eq 0 ] && exec cat >/dev/null\nexec gnuplot \"$@\"\n");
    chmod(stand_in, 0700);

    snprintf(env, sizeof env, "TMPDIR='%s'", tmp);
    snprintf(args, sizeof args, QUICK " --plot '%s'", cli_path("prestarted.png"));
    CHECK_MSG(cli_run_env(env, args) == 0, "%s", cli_err);
    snprintf(env, sizeof env, "TMPDIR='%s' LRF_GNUPLOT='%s'", tmp, stand_in);
    snprintf(args, sizeof args, QUICK " --plot '%s'", cli_path("ordinary.png"));
    CHECK_MSG(cli_run_env(env, args) == 0, "%s", cli_err);

    size_t na = 0, nb = 0;
    char *a = slurp_all(cli_path("prestarted.png"), &na),
         *b = slurp_all(cli_path("ordinary.png"), &nb);
    CHECK(na > 1000 && !memcmp(a, "\x89PNG", 4));
    CHECK_MSG(na == nb && !memcmp(a, b, na), "the PNGs differ (%zu and %zu bytes)", na, nb);
    free(a);
    free(b);
    char cmd[CLI_RUN_PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", tmp);
    CHECK_MSG(system(cmd) == 0, "files left in TMPDIR");
    cli_run_cleanup();
    return check_summary();
}
