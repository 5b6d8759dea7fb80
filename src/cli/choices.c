/* The library's name tables as lists for messages and help text ("a, b or c"). */
#include <stdio.h>

#include "cli/cli.h"
#include "lrf/dataset.h"
#include "lrf/finder.h"
#include "lrf/optim.h"

const char *cli_choices(char *buf, size_t size, const char *(*name)(int), int first, int count)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = first; i < count && used < size; i++) {
        const char *sep = i == first ? "" : i + 1 == count ? " or " : ", ";
        int n = snprintf(buf + used, size - used, "%s%s", sep, name(i));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

int cli_choice_error(const char *option, const char *arg, const char *(*name)(int), int first,
                     int count)
{
    char names[256];
    return cli_usage_error("%s: expected %s, got '%s'", option,
                           cli_choices(names, sizeof names, name, first, count), arg);
}

/* cli_choices takes names by int; each library name function takes its enum. */
#define CLI_NAME_ADAPTER(NAME, FN, TYPE)                                                           \
    const char *NAME(int i)                                                                        \
    {                                                                                              \
        return FN((TYPE)i);                                                                        \
    }

CLI_NAME_ADAPTER(cli_rule_name, lrf_finder_rule_name, enum lrf_finder_rule)
CLI_NAME_ADAPTER(cli_smoothing_name, lrf_finder_smoothing_name, enum lrf_finder_smoothing)
CLI_NAME_ADAPTER(cli_compat_name, lrf_finder_compat_name, enum lrf_finder_compat)
CLI_NAME_ADAPTER(cli_mode_name, lrf_finder_mode_name, enum lrf_finder_mode)
CLI_NAME_ADAPTER(cli_optim_name, lrf_optim_kind_name, enum lrf_optim_kind)
CLI_NAME_ADAPTER(cli_normalize_name, lrf_normalize_name, enum lrf_normalize)
CLI_NAME_ADAPTER(cli_trials_name, lrf_finder_trials_name, enum lrf_finder_trials)
