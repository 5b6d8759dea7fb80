/* Issue 13's bad inputs that reach training, end to end through lrfind: a label with
 * as many classes as rows (an identifier) is an error naming --label and --task, in
 * the range test and in train, and leaves nothing in the cache; a --val file with
 * text in a column the training file has as numeric, or a regression --val file
 * with a text or missing target, is an error naming the file, line and column. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdlib.h>

#include "check.h"
#include "cli_run.h"

/* Files in dir (recursively, one level of subdirectories); 0 when it does not exist. */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char sub[CLI_RUN_PATH_MAX + 300];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        DIR *s = opendir(sub);
        if (s) {
            closedir(s);
            n += count_files(sub);
        } else {
            n++;
        }
    }
    closedir(d);
    return n;
}

static void test_identifier_label(void)
{
    FILE *f = fopen(cli_path("ids.csv"), "wb");
    fputs("name,a,b\n", f);
    for (int i = 0; i < 80; i++)
        fprintf(f, "user%d,%d.5,%d.25\n", i, i % 7, (i * 13) % 11);
    fclose(f);
    char cache[CLI_RUN_PATH_MAX];
    snprintf(cache, sizeof cache, "%s/cache", cli_tmpdir);
    int before = count_files(cache);
    /* The auto rule picks 'name' (the last column is not integer), as --label does;
     * the range test and train refuse it alike. */
    static const char *const pre[] = {"", "", "train "};
    static const char *const post[] = {" -q --iters 10", " --label name -q", " --epochs 1"};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
        char args[1024];
        snprintf(args, sizeof args, "%s--data '%s'%s", pre[i], cli_path("ids.csv"), post[i]);
        CHECK_MSG(cli_run(args) == 1 &&
                      strstr(cli_err, "ids.csv: column 'name' (0): 80 classes in 80 rows") &&
                      strstr(cli_err, "--label NAME") && strstr(cli_err, "--task regression"),
                  "%s: %s", args, cli_err);
    }
    CHECK_MSG(count_files(cache) == before, "a failed parse left %d files in %s",
              count_files(cache) - before, cache);
}

static void test_val_file(void)
{
    cli_write_file(cli_path("tr.csv"), "x,y,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n");
    cli_write_file(cli_path("va.csv"), "x,y,label\n1,2,a\nfoo,4,b\n");
    char args[1024];
    snprintf(args, sizeof args, "train --data '%s' --val '%s' --epochs 1", cli_path("tr.csv"),
             cli_path("va.csv"));
    CHECK_MSG(cli_run(args) == 1 &&
                  strstr(cli_err, "va.csv:3: column 'x' (0): expected a number") &&
                  strstr(cli_err, "numeric in the training file"),
              "%s", cli_err);

    FILE *f = fopen(cli_path("rtr.csv"), "wb");
    fputs("a,b,y\n", f);
    for (int i = 0; i < 120; i++)
        fprintf(f, "%d,%d,%d.25\n", i % 9, i % 5, i);
    fclose(f);
    cli_write_file(cli_path("rva.csv"), "a,b,y\n1,2,3.5\n4,4,high\n");
    snprintf(args, sizeof args, "train --data '%s' --val '%s' --epochs 1", cli_path("rtr.csv"),
             cli_path("rva.csv"));
    CHECK_MSG(cli_run(args) == 1 &&
                  strstr(cli_err, "rva.csv:3: column 'y' (2): expected a finite number as a "
                                  "regression target, got 'high'"),
              "%s", cli_err);
    cli_write_file(cli_path("rva.csv"), "a,b,y\n1,2,3.5\n4,4,NA\n");
    CHECK_MSG(
        cli_run(args) == 1 &&
            strstr(cli_err, "rva.csv:3: column 'y' (2): expected a label, got a missing value"),
        "%s", cli_err);
}

int main(void)
{
    cli_run_init("test_cli_bad_training");
    test_identifier_label();
    test_val_file();
    cli_run_cleanup();
    return check_summary();
}
