/* PLACEHOLDER: replaced by the module that implements 'lrfind schedule'. */
#include "cli/cli.h"

int cli_cmd_schedule(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_errorf("'schedule' is not available in this build yet");
    return CLI_EXIT_FAILURE;
}
