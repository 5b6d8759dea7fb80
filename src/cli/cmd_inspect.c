/* PLACEHOLDER: replaced by the module that implements 'lrfind inspect'. */
#include "cli/cli.h"

int cli_cmd_inspect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_errorf("'inspect' is not available in this build yet");
    return CLI_EXIT_FAILURE;
}
