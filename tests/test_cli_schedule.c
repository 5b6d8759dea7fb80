/* `lrfind schedule`: the CSV/JSON contract, exit codes 0/1/2 and stderr messages. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "check.h"

enum { OUT_MAX = 1 << 16 };

/* Runs `lrfind schedule ARGS` through the shell; stdout (or stdout+stderr when
 * merge_stderr) goes into out. Returns the exit status. */
static int run(const char *args, bool merge_stderr, char *out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' schedule %s %s", LRFIND_EXE, args,
             merge_stderr ? "2>&1" : "2>/dev/null");
    FILE *p = popen(cmd, "r");
    out[0] = '\0';
    if (!p)
        return -1;
    size_t n = fread(out, 1, OUT_MAX - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char out[OUT_MAX];

static void test_csv(void)
{
    CHECK(run("'step(step_size=3,gamma=0.5)' --steps 5", false, out) == 0);
    CHECK_STR(out, "step,lr,momentum\n0,1,\n1,1,\n2,1,\n3,0.5,\n4,0.5,\n");
    CHECK(run("'cosine(T_max=6,eta_min=0.1)' --steps 2 --lr 1", false, out) == 0);
    CHECK_STR(out, "step,lr,momentum\n0,1,\n1,0.93971143170299742,\n");
    /* 17 significant digits and the momentum column */
    CHECK(run("'onecycle(max_lr=1,total_steps=10)' --steps 3", false, out) == 0);
    CHECK_STR(out, "step,lr,momentum\n0,0.040000000000000036,0.94999999999999996\n"
                   "1,0.52000000000000002,0.89999999999999991\n2,1,0.84999999999999998\n");
    /* --lr scales base-relative kinds; spaces in the SPEC */
    CHECK(run("'exponential( gamma = 0.5 )' --steps 2 --lr 0.1", false, out) == 0);
    CHECK_STR(out, "step,lr,momentum\n0,0.10000000000000001,\n1,0.050000000000000003,\n");
    CHECK(run("'plateau(factor=0.5,patience=0)' --steps 4 --metrics 1,1,1", false, out) == 0);
    CHECK_STR(out, "step,lr,momentum\n0,1,\n1,1,\n2,0.5,\n3,0.25,\n");
    /* one-cycle stepped exactly to N extrapolates; N+1 fails with exit 1, nothing printed */
    CHECK(run("'onecycle(max_lr=1,total_steps=10)' --steps 11", false, out) == 0);
    CHECK(run("'onecycle(max_lr=1,total_steps=10)' --steps 12", true, out) == 1);
    CHECK(strstr(out, "lrfind: onecycle: stepped to t=11, past total_steps=10") != NULL);
    CHECK(strstr(out, "step,lr") == NULL);
}

static void test_json(void)
{
    CHECK(run("'cyclic(base_lr=0.1,max_lr=1,step_size_up=2)' --steps 3 --format json", false,
              out) == 0);
    CHECK_STR(out,
              "{\"kind\":\"cyclic\",\"spec\":\"cyclic(base_lr=0.1,max_lr=1,step_size_up=2)\","
              "\"pytorch\":\"torch.optim.lr_scheduler.CyclicLR(optimizer, base_lr=0.1, max_lr=1, "
              "step_size_up=2)\",\"base_lr\":1,\"steps\":3,"
              "\"lr\":[0.10000000000000001,0.55000000000000004,1],"
              "\"momentum\":[0.90000000000000002,0.85000000000000009,0.80000000000000004]}\n");
    CHECK(run("'step(step_size=1)' --steps 2 --format json", false, out) == 0);
    CHECK(strstr(out, "\"momentum\":null") != NULL);
}

static void test_usage_errors(void)
{
    CHECK(run("'cosinus(T_max=3)' --steps 3", true, out) == 2);
    CHECK(strstr(out, "lrfind: unknown schedule kind 'cosinus'") != NULL);
    CHECK(strstr(out, "valid kinds: step, multistep") != NULL);
    CHECK(run("'step(step_size=3,gama=1)' --steps 3", true, out) == 2);
    CHECK(strstr(out, "unknown key 'gama'") != NULL && strstr(out, "step_size, gamma") != NULL);
    CHECK(run("'cosine(T_max=0)' --steps 3", true, out) == 2);
    CHECK(strstr(out, "T_max") != NULL);
    CHECK(run("'cosine(T_max=5)'", true, out) == 2);
    CHECK(strstr(out, "--steps") != NULL);
    CHECK(run("'cosine(T_max=5)' --steps 0", true, out) == 2);
    CHECK(run("'cosine(T_max=5)' --steps abc", true, out) == 2);
    CHECK(run("'cosine(T_max=5)' --steps 3 --lr x", true, out) == 2);
    CHECK(run("'cosine(T_max=5)' --steps 3 --format xml", true, out) == 2);
    CHECK(run("'cosine(T_max=5)' --steps 3 --bogus", true, out) == 2);
    CHECK(run("--steps 3", true, out) == 2);
    CHECK(strstr(out, "missing SPEC") != NULL);
    CHECK(run("'plateau()' --steps 5 --metrics 1,2", true, out) == 2);
    CHECK(strstr(out, "plateau needs one metric per step") != NULL);
    CHECK(run("'plateau()' --steps 3 --metrics 1,x", true, out) == 2);
    CHECK(run("'cosine(T_max=5)' --steps 3 --plot out.bmp", true, out) == 2); /* before work */
    CHECK(strstr(out, "--plot") != NULL && strstr(out, ".png") != NULL);
    CHECK(run("'cosine(T_max=5)' --steps 3 --plot /nonexistent-dir/out.png", true, out) == 2);
    CHECK(strstr(out, "--plot") != NULL);
    /* --steps is the run length of lengths left out; auto needs a range test. */
    CHECK(run("cosine --steps 5", false, out) == 0);
    CHECK(strstr(out, "\n4,0.095491502812526") != NULL); /* T_max = 5 */
    CHECK(run("'onecycle(max_lr=0.1)' --steps 4 --format json", false, out) == 0);
    CHECK(strstr(out, "\"spec\":\"onecycle(max_lr=0.1,total_steps=4)\"") != NULL);
    CHECK(run("cosine --steps 4 --lr auto", true, out) == 2);
    CHECK(strstr(out, "runs none") != NULL);
    CHECK(run("onecycle --steps 4", true, out) == 2);
    CHECK(strstr(out, "max_lr") != NULL && strstr(out, "runs no range test") != NULL);
    CHECK(run("--help", false, out) == 0);
    CHECK(strstr(out, "Usage: lrfind schedule SPEC --steps N") != NULL);
}

int main(void)
{
    test_csv();
    test_json();
    test_usage_errors();
    return check_summary();
}
