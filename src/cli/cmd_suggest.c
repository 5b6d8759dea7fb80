/* PLACEHOLDER: replaced by the module that implements 'lrfind suggest'. */
#include "cli/cli.h"

int cli_cmd_suggest(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_errorf("'suggest' is not available in this build yet");
    return CLI_EXIT_FAILURE;
}
