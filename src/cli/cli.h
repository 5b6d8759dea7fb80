/* Shared by the lrfind subcommands: error reporting with the right exit code,
 * strict number parsing for options, checked stdout, and Ctrl-C handling. */
#ifndef LRF_CLI_H
#define LRF_CLI_H

#include <stdbool.h>

#include "lrf/status.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2 };

/* Shared by several commands: --epochs of a training (default and limit), --threads. */
enum { CLI_EPOCHS_DEFAULT = 3, CLI_EPOCHS_MAX = 100000, CLI_THREADS_MAX = 256 };

/* The subcommands, dispatched by main.c's command table; argv[0] is the subcommand
 * name (or "lrfind" for the range test). Each returns the exit status. */
int cli_cmd_find(int argc, char **argv);
int cli_cmd_schedule(int argc, char **argv);
int cli_cmd_inspect(int argc, char **argv);
int cli_cmd_train(int argc, char **argv);
int cli_cmd_suggest(int argc, char **argv);
int cli_cmd_cache(int argc, char **argv);
int cli_cmd_predict(int argc, char **argv);

/* A command's answer to --help: main.c, which owns the command table, prints that
 * command's usage (the range test's is the top-level usage, which includes it). */
enum { CLI_EXIT_HELP = -1 };

/* Each command's usage on stdout; the range test's options are part of the top-level
 * usage. */
void cli_find_usage(void);
void cli_schedule_usage(void);
void cli_inspect_usage(void);
void cli_train_usage(void);
void cli_suggest_usage(void);
void cli_cache_usage(void);
void cli_predict_usage(void);

/* A warning on stderr when LRFIND_CACHE_MAX is set but not a size (the cache then keeps
 * its default cap): every command that writes the cache calls it. */
void cli_cache_env_check(void);

/* Prints "lrfind: message" on stderr. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "lrfind: FILE:LINE:COL: message" for err; returns CLI_EXIT_FAILURE. */
int cli_fail(const struct lrf_error *err);

/* Prints "lrfind: message" and a pointer to --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The usage error for what getopt_long returned as c = ':' (a missing value) or
 * '?' (an unknown option); argv[optind - 1] names the option. Returns CLI_EXIT_USAGE. */
int cli_option_error(int c, char **argv);

/* Strict option values: the whole text must be a finite number (in range).
 * On failure they print a usage error naming the option and return false. */
bool cli_parse_double(const char *option, const char *text, double *out);
bool cli_parse_long(const char *option, const char *text, long min, long max, long *out);

/* Writes the names name(first) .. name(count - 1) of a library name table as
 * "a, b or c" into buf (truncated to size) and returns buf: messages and help text
 * list the library's names instead of copies of them. */
const char *cli_choices(char *buf, size_t size, const char *(*name)(int), int first, int count);

/* The usage error "OPTION: expected a, b or c, got 'ARG'"; returns CLI_EXIT_USAGE. */
int cli_choice_error(const char *option, const char *arg, const char *(*name)(int), int first,
                     int count);

/* The library's name tables as cli_choices takes them. */
const char *cli_rule_name(int i);
const char *cli_smoothing_name(int i);
const char *cli_compat_name(int i);
const char *cli_mode_name(int i);
const char *cli_optim_name(int i);
const char *cli_normalize_name(int i);
const char *cli_trials_name(int i);

/* An output path given to option, checked before any work (lrf_output_check): a
 * directory, a dangling symlink, a missing directory or "" is a usage error naming the
 * option. Returns CLI_EXIT_OK or CLI_EXIT_USAGE (printed). */
int cli_check_output(const char *option, const char *path);

/* A plot's output path: its extension (.png, .svg, .pdf) or "term", then, for a file,
 * cli_check_output. CLI_EXIT_OK or CLI_EXIT_USAGE (printed). */
int cli_check_plot_output(const char *option, const char *path);

/* Learning rates in text output: 3 significant digits everywhere, as the finder's SPECs
 * print them (JSON carries every digit). cli_lr_shown(lr) is the value so printed: what a
 * hand-off trains with, so that the command printed reproduces the training run. */
#define CLI_LR_FMT "%.3g"
double cli_lr_shown(double lr);

/* Flushes and closes stdout; returns CLI_EXIT_FAILURE (after a message) if output failed. */
int cli_close_stdout(int status);

/* True when stderr is a terminal (progress bars go there). */
bool cli_stderr_is_tty(void);

#endif
