/* The dataset options and decisions on the command line (issue 13): --sep,
 * --decimal, --drop, --missing and --task reach the loader (and are usage
 * errors when wrong or without --data), `--data -` reads standard input,
 * inspect prints every decision (text and JSON), the range test's report says
 * which column is the label and why (a regression target's too: the range
 * test's and training's figures for it are tests/test_cli_regression.c). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "cli_run.h"

#define FIX LRF_FIXTURES_DIR "/dataset/"

static void test_inspect_decisions(void)
{
    CHECK(cli_run("inspect --no-cache --data '" FIX "penguins_r2.csv'") == 0);
    CHECK_MSG(strstr(cli_out, "format:        ';' separator (sniffed), decimal ','") &&
                  strstr(cli_out, "'species' (column 1): named 'species'") &&
                  strstr(cli_out, "[R row names (values 1..n)]") &&
                  strstr(cli_out, "island             feature  categorical 3 levels: Biscoe, "
                                  "Dream, Torgersen") &&
                  strstr(cli_out, "2 missing (median 44.45 + indicator)") &&
                  strstr(cli_out, "task:          classification (auto: the label is text)") &&
                  strstr(cli_out, "note:          column '' (0) dropped"),
              "%s", cli_out);
    CHECK(cli_run("inspect --no-cache --json --data '" FIX "penguins_r.csv'") == 0);
    static const char *const keys[] = {
        "\"delimiter\":\",\"",
        "\"task\":\"classification\"",
        "\"label_why\":\"named 'species'\"",
        "\"missing\":19",
        "\"role\":\"dropped\"",
        "\"levels\":[\"female\",\"male\",\"(missing)\"]",
        "\"notes\":[\"column '' (0) dropped: R row names (values 1..n)\"]"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK_MSG(strstr(cli_out, keys[i]) != NULL, "JSON lacks %s", keys[i]);
}

static void test_options(void)
{
    CHECK(cli_run("inspect --no-cache --data '" FIX "boston_r.csv' --label medv") == 0 &&
          strstr(cli_out, "task:          regression (auto: the label has non-integer values)") &&
          strstr(cli_out, "targets:       5 .. 50"));
    CHECK(cli_run("inspect --no-cache --data '" FIX "boston_r.csv' --label medv --task "
                  "classification") == 1 &&
          strstr(cli_err, "column 'medv' (14): expected an integer class label"));
    CHECK(cli_run("inspect --no-cache --data '" FIX "breastcancer_r.csv' --drop Id --json") == 0 &&
          strstr(cli_out, "\"why\":\"--drop\"") && strstr(cli_out, "\"features\":10,"));
    CHECK(cli_run("inspect --no-cache --data '" FIX "pima_r.csv' --missing drop --json") == 0 &&
          strstr(cli_out, "\"rows\":392") && strstr(cli_out, "\"rows_dropped\":376"));
    CHECK(cli_run("inspect --no-cache --data '" FIX "pima_r.csv' --missing error") == 1 &&
          strstr(cli_err, "pima_r.csv:") && strstr(cli_err, "with --missing error"));
    CHECK(cli_run("inspect --no-cache --data '" FIX "penguins.tsv' --sep , --json") == 1);
    CHECK(cli_run("inspect --no-cache --data '" FIX "penguins.tsv' --sep tab") == 0);
    /* Usage errors: a bad value, or a data option without --data. */
    CHECK(cli_run("inspect --data x.csv --sep x") == 2 && strstr(cli_err, "--sep"));
    CHECK(cli_run("inspect --data x.csv --decimal ';'") == 2 && strstr(cli_err, "--decimal"));
    CHECK(cli_run("inspect --data x.csv --missing maybe") == 2 &&
          strstr(cli_err, "missing: expected impute, drop or error"));
    CHECK(cli_run("inspect --data x.csv --task guess") == 2 &&
          strstr(cli_err, "task: expected auto, classification or regression"));
    CHECK(cli_run("inspect --task regression") == 2 && strstr(cli_err, "need --data"));
    CHECK(cli_run("--drop a --iters 5") == 2 && strstr(cli_err, "need --data"));
    CHECK(cli_run("--data - --val - --iters 5") == 2 && strstr(cli_err, "only once"));
}

static void test_stdin_and_report(void)
{
    CHECK(cli_run("inspect --json --data - < '" FIX "penguins_r.csv.gz'") == 0 &&
          strstr(cli_out, "\"source\":\"<stdin>\"") && strstr(cli_out, "\"gzip\":true") &&
          strstr(cli_out, "\"stream\":true") && strstr(cli_out, "\"from_cache\":false"));
    CHECK(cli_run("--data - --iters 20 < '" FIX "credit_r.csv'") == 0);
    CHECK_MSG(strstr(cli_out, "label:  'Status' (column 1, the first column") &&
                  strstr(cli_out, "--label NAME changes it") &&
                  strstr(cli_out, "25 missing values imputed"),
              "%s", cli_out);
    CHECK(cli_run("--data '" FIX "boston_r.csv' --label medv --iters 20") == 0);
    CHECK_MSG(strstr(cli_out, "label:  'medv' (column 14, --label;") &&
                  strstr(cli_out, "regression (auto: the label has non-integer values)"),
              "%s", cli_out);
}

int main(void)
{
    cli_run_init("test_cli_data");
    test_inspect_decisions();
    test_options();
    test_stdin_and_report();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cli_tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", cli_tmpdir);
    return check_summary();
}
