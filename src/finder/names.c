/* The finder's name tables, the only ones: rules, stop reasons, smoothings, compat
 * modes, grid modes, stop rules and diagnostics, as printed and parsed. */
#include <string.h>

#include "lrf/finder.h"

static const char *const rule_names[LRF_FINDER_RULE_COUNT] = {
    "robust", "steepest", "valley", "slide", "minimum", "steep",
};
static const char *const stop_names[LRF_FINDER_STOP_COUNT] = {
    "end", "diverged", "nonfinite", "interrupted", "callback_error",
};
static const char *const stop_texts[LRF_FINDER_STOP_COUNT] = {
    "end of the range reached without divergence",
    "the smoothed loss diverged",
    "the loss became NaN or infinite",
    "interrupted",
    "a callback failed",
};
static const char *const smoothing_names[LRF_FINDER_SMOOTH_COUNT] = {"ema_debiased", "ema", "none"};
static const char *const compat_names[LRF_FINDER_COMPAT_COUNT] = {"none", "torch-lr-finder",
                                                                  "fastai"};
static const char *const mode_names[LRF_FINDER_MODE_COUNT] = {"exp", "linear"};
static const char *const stop_rule_names[LRF_FINDER_STOP_RULE_COUNT] = {"relative", "ratio"};
static const char *const diag_names[LRF_FINDER_DIAG_COUNT] = {
    "too_short",        "no_finite",     "flat",          "rises_from_start",
    "diverged_at_once", "no_divergence", "unstable_runs", "noisy",
};

static int find_name(const char *const *names, int count, const char *name)
{
    for (int i = 0; name && i < count; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}

const char *lrf_finder_rule_name(enum lrf_finder_rule rule)
{
    return (unsigned)rule < LRF_FINDER_RULE_COUNT ? rule_names[rule] : NULL;
}

bool lrf_finder_rule_parse(const char *name, enum lrf_finder_rule *out)
{
    int i = find_name(rule_names, LRF_FINDER_RULE_COUNT, name);
    if (i >= 0 && out)
        *out = (enum lrf_finder_rule)i;
    return i >= 0;
}

const char *lrf_finder_stop_name(enum lrf_finder_stop stop)
{
    return (unsigned)stop < LRF_FINDER_STOP_COUNT ? stop_names[stop] : NULL;
}

const char *lrf_finder_stop_describe(enum lrf_finder_stop stop)
{
    return (unsigned)stop < LRF_FINDER_STOP_COUNT ? stop_texts[stop] : NULL;
}

const char *lrf_finder_smoothing_name(enum lrf_finder_smoothing s)
{
    return (unsigned)s < LRF_FINDER_SMOOTH_COUNT ? smoothing_names[s] : NULL;
}

bool lrf_finder_smoothing_parse(const char *name, enum lrf_finder_smoothing *out)
{
    int i = find_name(smoothing_names, LRF_FINDER_SMOOTH_COUNT, name);
    if (i >= 0 && out)
        *out = (enum lrf_finder_smoothing)i;
    return i >= 0;
}

const char *lrf_finder_compat_name(enum lrf_finder_compat c)
{
    return (unsigned)c < LRF_FINDER_COMPAT_COUNT ? compat_names[c] : NULL;
}

bool lrf_finder_compat_parse(const char *name, enum lrf_finder_compat *out)
{
    int i = find_name(compat_names, LRF_FINDER_COMPAT_COUNT, name);
    if (i >= 0 && out)
        *out = (enum lrf_finder_compat)i;
    return i >= 0;
}

const char *lrf_finder_mode_name(enum lrf_finder_mode mode)
{
    return (unsigned)mode < LRF_FINDER_MODE_COUNT ? mode_names[mode] : NULL;
}

bool lrf_finder_mode_parse(const char *name, enum lrf_finder_mode *out)
{
    int i = find_name(mode_names, LRF_FINDER_MODE_COUNT, name);
    if (i >= 0 && out)
        *out = (enum lrf_finder_mode)i;
    return i >= 0;
}

const char *lrf_finder_stop_rule_name(enum lrf_finder_stop_rule rule)
{
    return (unsigned)rule < LRF_FINDER_STOP_RULE_COUNT ? stop_rule_names[rule] : NULL;
}

const char *lrf_finder_diag_name(int bit)
{
    return bit >= 0 && bit < LRF_FINDER_DIAG_COUNT ? diag_names[bit] : NULL;
}
