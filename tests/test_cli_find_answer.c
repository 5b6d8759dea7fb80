/* The range test's answer (issues 12 and 15): the report opens with the suggestion and
 * its confidence, then the command to run, and the whole report fits an 80x24 terminal;
 * the command, pasted, trains; the run length follows the rule (at least 3 epochs and
 * 300 steps) and a shorter --epochs warns naming the minimum; too few rows to hold out
 * is an error naming the minimum; the text plot only on request; every file written is
 * listed; the JSON carries the regime and the confidence. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "cli_run.h"
#include "json_reader.h"

/* An 80x24 terminal shows 23 lines of output above the next prompt. */
enum { TERM_COLUMNS = 80, TERM_ROWS = 24 };

/* The rows text takes on a terminal TERM_COLUMNS wide. */
static int terminal_rows(const char *text)
{
    int rows = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        rows += len == 0 ? 1 : (int)((len + TERM_COLUMNS - 1) / TERM_COLUMNS);
        p += len + (nl != NULL);
    }
    return rows;
}

/* A small learnable table: rows rows, 4 features, classes c0.. (class k lifts feature k),
 * values from a fixed LCG. */
static void write_table(const char *name, int rows, int classes)
{
    static char text[1 << 16];
    size_t n = (size_t)snprintf(text, sizeof text, "f1,f2,f3,f4,class\n");
    unsigned long long z = 12345;
    for (int i = 0; i < rows && n < sizeof text; i++) {
        int k = i % classes;
        for (int j = 0; j < 4; j++) {
            z = z * 6364136223846793005ull + 1442695040888963407ull;
            double u = (double)(z >> 11) / 9007199254740992.0;
            n += (size_t)snprintf(text + n, sizeof text - n, "%.3f,", u + (j == k ? 1.5 : 0.0));
        }
        n += (size_t)snprintf(text + n, sizeof text - n, "c%d\n", k);
    }
    cli_write_file(cli_path(name), text);
}

/* lrfind run in the test's directory (relative paths, as a user types them). */
static int run_here(const char *args)
{
    char env[CLI_RUN_PATH_MAX + 16];
    snprintf(env, sizeof env, "env -C '%s'", cli_tmpdir);
    return cli_run_env(env, args);
}

/* The line after the first one, without its two-space indent and newline. */
static bool second_line(char *out, size_t size)
{
    const char *p = strchr(cli_out, '\n');
    if (!p || strncmp(p + 1, "  lrfind train ", 15) != 0)
        return false;
    const char *end = strchr(p + 1, '\n');
    snprintf(out, size, "%.*s", (int)(end ? end - p - 3 : (long)strlen(p + 3)), p + 3);
    return true;
}

static void test_answer_first(void)
{
    write_table("small.csv", 300, 3);
    CHECK(run_here("--data small.csv --batch 64 --seed 1 --curve curve.csv -q") == 0);
    CHECK_MSG(strncmp(cli_out, "Suggested max_lr: ", 18) == 0, "opens with '%.60s'", cli_out);
    CHECK(strstr(cli_out, " (one-cycle)  confidence: ") != NULL);
    int rows = terminal_rows(cli_out);
    CHECK_MSG(rows <= TERM_ROWS - 1, "the report takes %d rows of %d columns", rows, TERM_COLUMNS);
    char cmd[2048];
    CHECK(second_line(cmd, sizeof cmd));
    /* Every training option given, in order, then the schedule and the run length. */
    CHECK_MSG(strstr(cmd, "lrfind train --data small.csv --batch 64 --seed 1 --schedule "
                          "'onecycle(max_lr=") == cmd,
              "command: %s", cmd);
    CHECK(strstr(cmd, "--curve") == NULL && strstr(cli_out, "\nfiles:  curve.csv (curve)\n"));
    /* The run length: 270 rows to train, 5 steps of 64 per epoch: 60 epochs = 300 steps. */
    CHECK_MSG(strstr(cmd, "' --epochs 60") != NULL, "command: %s", cmd);
    CHECK(strstr(cli_out, "\nrun length: 60 epochs of 5 steps = 300 steps (") != NULL);
    /* The command pasted into a shell trains (without "lrfind" itself). */
    char args[2300];
    snprintf(args, sizeof args, "%s --json", cmd + strlen("lrfind "));
    CHECK_MSG(run_here(args) == 0, "'%s': %s", cmd, cli_err);
    CHECK(json_valid(cli_out) && strstr(cli_out, "\"schedule\":\"onecycle(max_lr=") != NULL);
}

static void test_json_trust(void)
{
    CHECK(run_here("--data small.csv --json -q") == 0);
    CHECK(json_valid(cli_out));
    char buf[512], conf_buf[32];
    const char *conf = json_str(cli_out, "confidence", conf_buf, sizeof conf_buf);
    CHECK(conf && (!strcmp(conf, "low") || !strcmp(conf, "medium") || !strcmp(conf, "high")));
    const char *why = json_str(cli_out, "confidence_reason", buf, sizeof buf);
    CHECK(why && why[0]);
    /* 270 rows in batches of 128 revisit their batches: few_batches and trials. */
    CHECK(strstr(cli_out, "{\"code\":\"few_batches\",\"meaning\":") != NULL);
    CHECK_JSON_STR(cli_out, "response.kind", "trials");
    CHECK(json_len(cli_out, "response.trials") == 4);
    CHECK_JSON_NUM(cli_out, "suggested_lr", json_num(cli_out, "one_cycle.max_lr", NULL));
    CHECK_JSON_NUM(cli_out, "run_length.epochs", 100);
    CHECK(strstr(json_str(cli_out, "next_command", buf, sizeof buf), "--epochs 100") != NULL);
    /* Trials off: the curve alone; the regime stays and the confidence says so. */
    CHECK(run_here("--data small.csv --json -q --trials off") == 0);
    CHECK_JSON_STR(cli_out, "confidence", "low");
    CHECK(json_len(cli_out, "response.trials") == 0);
    CHECK(strstr(json_str(cli_out, "warning", buf, sizeof buf), "--verify") != NULL);
}

static void test_epochs(void)
{
    CHECK(run_here("--data small.csv --epochs 2 --trials off") == 0); /* no --train needed */
    CHECK_MSG(strstr(cli_err, "warning: --epochs 2") && strstr(cli_err, "use --epochs 100"),
              "stderr: %s", cli_err);
    CHECK(strstr(cli_out, "--epochs 2\n") != NULL);
    CHECK(strstr(cli_out, "\nrun length: 2 epochs of 3 steps = 6 steps (--epochs;") != NULL);
}

static void test_too_few_rows(void)
{
    write_table("nine.csv", 9, 3);
    CHECK(run_here("--data nine.csv -q") == 1);
    CHECK_MSG(strstr(cli_err, "nine.csv: 9 rows") && strstr(cli_err, "at least 10 rows"),
              "stderr: %s", cli_err);
    CHECK(cli_out[0] == '\0');
    /* A class of one row: 30 rows, the last one alone in class c3. */
    write_table("lonely.csv", 29, 3);
    FILE *f = fopen(cli_path("lonely.csv"), "a");
    CHECK(f && fputs("0.5,0.5,0.5,0.5,c3\n", f) >= 0 && fclose(f) == 0);
    CHECK(run_here("--data lonely.csv -q") == 1);
    CHECK_MSG(strstr(cli_err, "class 'c3' has 1 row") && strstr(cli_err, "at least 2 rows"),
              "stderr: %s", cli_err);
    /* Without holding out, the range test runs. */
    CHECK(run_here("--data nine.csv -q --val-split 0") == 0);
}

static void test_text_plot_on_request(void)
{
    CHECK(run_here("--data small.csv --trials off") == 0);
    CHECK(strncmp(cli_out, "Suggested max_lr: ", 18) == 0); /* no plot above it */
    CHECK(run_here("--data small.csv --trials off --plot term") == 0);
    const char *answer = strstr(cli_out, "Suggested max_lr: ");
    CHECK(answer && answer != cli_out); /* the plot first, the report below it */
}

int main(void)
{
    cli_run_init("test_cli_find_answer");
    test_answer_first();
    test_json_trust();
    test_epochs();
    test_too_few_rows();
    test_text_plot_on_request();
    cli_run_cleanup();
    return check_summary();
}
