/* PLACEHOLDER: replaced by the module that implements 'lrfind train'. */
#include "cli/cli.h"

int cli_cmd_train(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_errorf("'train' is not available in this build yet");
    return CLI_EXIT_FAILURE;
}
