/* lrfind: entry point. The top-level usage text and the command table live here, and
 * only here; the commands never call back into this file. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#ifndef LRF_VERSION
#define LRF_VERSION "unknown"
#endif

static int usage(void)
{
    fputs("Usage: lrfind [--data FILE.csv] [OPTIONS]      learning-rate range test\n"
          "       lrfind train [--data FILE.csv] [OPTIONS]  train with a schedule\n"
          "       lrfind schedule SPEC --steps N [OPTIONS]   print a schedule's values\n"
          "       lrfind suggest --curve FILE.csv [OPTIONS]  suggestions for a logged curve\n"
          "       lrfind inspect --data FILE.csv [OPTIONS]   show how a CSV is parsed\n"
          "\n"
          "Without --data the range test and training use the built-in dataset\n"
          "(a 12,000-image subset of Fashion-MNIST).\n"
          "\n"
          "Run 'lrfind COMMAND --help' for the options of a command.\n"
          "  -h, --help     show this help and exit\n"
          "      --version  show the version and exit\n"
          "\n",
          stdout);
    cli_find_usage();
    return cli_close_stdout(CLI_EXIT_OK);
}

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    {"schedule", cli_cmd_schedule}, {"inspect", cli_cmd_inspect}, {"train", cli_cmd_train},
    {"suggest", cli_cmd_suggest},   {"find", cli_cmd_find},
};

int main(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
        return usage();
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("lrfind %s\n", LRF_VERSION);
        return cli_close_stdout(CLI_EXIT_OK);
    }
    if (argc >= 2 && argv[1][0] != '-') {
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (!strcmp(argv[1], commands[i].name)) {
                int status = commands[i].run(argc - 1, argv + 1);
                return status == CLI_EXIT_HELP ? usage() : status;
            }
        return cli_usage_error("unknown command '%s' (expected one of: schedule, train, "
                               "suggest, inspect, find)",
                               argv[1]);
    }
    /* No subcommand: the range test, with argv[0] standing in as its name. */
    int status = cli_cmd_find(argc, argv);
    return status == CLI_EXIT_HELP ? usage() : status;
}
