/* The dataset's reading and typing options, shared by the range test, train
 * and inspect (--sep, --decimal, --drop, --missing, --task), and the printing
 * of what a load decided (inspect's text and JSON, the reports' label line). */
#ifndef LRF_CLI_DATA_OPTIONS_H
#define LRF_CLI_DATA_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/json.h"
#include "lrf/dataset.h"

/* getopt_long values, outside the commands' own and CLI_TOPT_FIRST..LAST. */
enum {
    CLI_DOPT_SEP = 0x1100,
    CLI_DOPT_DECIMAL,
    CLI_DOPT_DROP,
    CLI_DOPT_MISSING,
    CLI_DOPT_TASK,
};

#define CLI_DATA_LONG_OPTIONS                                                                      \
    {"sep", required_argument, NULL, CLI_DOPT_SEP},                                                \
        {"decimal", required_argument, NULL, CLI_DOPT_DECIMAL},                                    \
        {"drop", required_argument, NULL, CLI_DOPT_DROP},                                          \
        {"missing", required_argument, NULL, CLI_DOPT_MISSING},                                    \
    {                                                                                              \
        "task", required_argument, NULL, CLI_DOPT_TASK                                             \
    }

#define CLI_DATA_OPTIONS_USAGE                                                                     \
    "      --sep C             field separator: , ; tab or | (default: sniffed)\n"                 \
    "      --decimal C         decimal mark . or , (default: , with ; when the file\n"             \
    "                          writes numbers so, else .)\n"                                       \
    "      --drop COL,...      leave out these columns (header names or 0-based numbers)\n"        \
    "      --missing HOW       missing values (empty, NA, N/A, NaN, null, None, ?):\n"             \
    "                          impute (default: median + indicator, a level for\n"                 \
    "                          categories), drop (the rows) or error\n"                            \
    "      --task TASK         auto (default), classification or regression\n"

/* Handles getopt_long's result c if it is one of these options: 1 = handled
 * (into o), 0 = not one of them, -1 = bad value (a usage error was printed). */
int cli_data_option(struct lrf_dataset_options *o, int c, const char *arg);

/* True when any of these options was given (they need --data). */
bool cli_data_options_given(const struct lrf_dataset_options *o);

/* The decisions of a load (format, columns, label, task, notes) as inspect
 * prints them, and as JSON fields inside an open object. */
void cli_data_print_decisions(FILE *fp, const struct lrf_dataset *ds);
void cli_data_json_decisions(struct cli_json *j, const struct lrf_dataset *ds);

/* "label 'species' (named 'species'; --label NAME changes it), classification
 * (...), 19 missing values (imputed)": the reports' line about the label. */
void cli_data_print_label(FILE *fp, const struct lrf_dataset *ds);

#endif
