/* lrfind: entry point. The top-level usage text and the command table live here, and
 * only here; the commands never call back into this file. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#ifndef LRF_VERSION
#define LRF_VERSION "unknown"
#endif

static void usage(void)
{
    fputs("Usage: lrfind [--data FILE.csv] [OPTIONS]      learning-rate range test\n"
          "       lrfind train [--data FILE.csv] [OPTIONS]  train with a schedule\n"
          "       lrfind schedule SPEC --steps N [OPTIONS]   print a schedule's values\n"
          "       lrfind suggest --curve FILE.csv [OPTIONS]  suggestions for a logged curve\n"
          "       lrfind inspect --data FILE.csv [OPTIONS]   show how a CSV is parsed\n"
          "       lrfind predict --model M.lrf --data X.csv  predictions of a saved model\n"
          "       lrfind cache list|clean                    the cache of parsed CSVs\n"
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
}

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    void (*usage)(void); /* printed when run answers CLI_EXIT_HELP */
};

static const struct command commands[] = {
    {"schedule", cli_cmd_schedule, cli_schedule_usage},
    {"inspect", cli_cmd_inspect, cli_inspect_usage},
    {"train", cli_cmd_train, cli_train_usage},
    {"suggest", cli_cmd_suggest, cli_suggest_usage},
    {"cache", cli_cmd_cache, cli_cache_usage},
    {"predict", cli_cmd_predict, cli_predict_usage},
    {"find", cli_cmd_find, usage},
};
enum { COMMANDS = sizeof commands / sizeof commands[0] };

static int run(const struct command *c, int argc, char **argv)
{
    int status = c->run(argc, argv);
    if (status != CLI_EXIT_HELP)
        return status;
    c->usage();
    return cli_close_stdout(CLI_EXIT_OK);
}

int main(int argc, char **argv)
{
    const struct command *find = &commands[COMMANDS - 1];
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage();
        return cli_close_stdout(CLI_EXIT_OK);
    }
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("lrfind %s\n", LRF_VERSION);
        return cli_close_stdout(CLI_EXIT_OK);
    }
    if (argc >= 2 && argv[1][0] != '-') {
        for (size_t i = 0; i < COMMANDS; i++)
            if (!strcmp(argv[1], commands[i].name))
                return run(&commands[i], argc - 1, argv + 1);
        return cli_usage_error("unknown command '%s' (expected one of: schedule, train, "
                               "suggest, inspect, predict, cache, find)",
                               argv[1]);
    }
    /* No subcommand: the range test, with argv[0] standing in as its name. */
    return run(find, argc, argv);
}
