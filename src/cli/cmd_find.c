/* PLACEHOLDER: replaced by the module that implements 'lrfind find'. */
#include "cli/cli.h"

int cli_cmd_find(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_errorf("'find' is not available in this build yet");
    return CLI_EXIT_FAILURE;
}
