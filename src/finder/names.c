/* The finder's name tables, the only ones: rules, stop reasons, smoothings, compat
 * modes, grid modes, stop rules, diagnostics, confidences, responses and trial modes,
 * as printed and parsed. */
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
    "too_short",     "no_finite",     "flat",  "rises_from_start", "diverged_at_once",
    "no_divergence", "unstable_runs", "noisy", "few_batches",      "loss_zero",
};
/* What each flag means and what the finder does about it (docs/finder.md "Regimes"). */
static const char *const diag_texts[LRF_FINDER_DIAG_COUNT] = {
    "too few finite points for a rule",
    "no finite loss at all",
    "the loss never clearly decreased",
    "the loss rises from the first lr",
    "the loss diverged within the first rungs",
    "the loss did not rise again before end_lr",
    "the runs' picks span more than unstable_decades",
    "the noise is large against the loss's drop",
    "the sweep revisited its batches: it measured batches it had already learned",
    "the training loss reached ~0: the batches are memorized",
};
static const char *const diag_responses[LRF_FINDER_DIAG_COUNT] = {
    "no suggestion (lower start_lr or raise num_iter)",
    "no suggestion (lower start_lr, check the data)",
    "no suggestion (raise end_lr)",
    "no suggestion (lower start_lr)",
    "no suggestion (lower start_lr)",
    "the pick stands; confidence at most medium",
    "the runs' median; confidence low",
    "confidence low",
    "trials on the held-out rows choose the answer when they are cheap; else confidence low",
    "capped where the loss reached ~0; trials as for few_batches",
};
static const char *const confidence_names[LRF_FINDER_CONFIDENCE_COUNT] = {"low", "medium", "high"};
static const char *const response_names[LRF_FINDER_RESPONSE_COUNT] = {"none", "cap", "trials"};
static const char *const trials_names[LRF_FINDER_TRIALS_MODE_COUNT] = {"auto", "off", "always"};

static int find_name(const char *const *names, int count, const char *name)
{
    for (int i = 0; name && i < count; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}

/* TYPE's name function NAME_FN and, with PARSE_FN, its parser, over TABLE[COUNT]. */
#define NAME_FUNCTION(NAME_FN, TYPE, TABLE, COUNT)                                                 \
    const char *NAME_FN(TYPE v)                                                                    \
    {                                                                                              \
        return (unsigned)v < (unsigned)(COUNT) ? TABLE[v] : NULL;                                  \
    }
#define PARSE_FUNCTION(PARSE_FN, TYPE, TABLE, COUNT)                                               \
    bool PARSE_FN(const char *name, TYPE *out)                                                     \
    {                                                                                              \
        int i = find_name(TABLE, COUNT, name);                                                     \
        if (i >= 0 && out)                                                                         \
            *out = (TYPE)i;                                                                        \
        return i >= 0;                                                                             \
    }

NAME_FUNCTION(lrf_finder_rule_name, enum lrf_finder_rule, rule_names, LRF_FINDER_RULE_COUNT)
PARSE_FUNCTION(lrf_finder_rule_parse, enum lrf_finder_rule, rule_names, LRF_FINDER_RULE_COUNT)
NAME_FUNCTION(lrf_finder_stop_name, enum lrf_finder_stop, stop_names, LRF_FINDER_STOP_COUNT)
NAME_FUNCTION(lrf_finder_stop_describe, enum lrf_finder_stop, stop_texts, LRF_FINDER_STOP_COUNT)
NAME_FUNCTION(lrf_finder_smoothing_name, enum lrf_finder_smoothing, smoothing_names,
              LRF_FINDER_SMOOTH_COUNT)
PARSE_FUNCTION(lrf_finder_smoothing_parse, enum lrf_finder_smoothing, smoothing_names,
               LRF_FINDER_SMOOTH_COUNT)
NAME_FUNCTION(lrf_finder_compat_name, enum lrf_finder_compat, compat_names, LRF_FINDER_COMPAT_COUNT)
PARSE_FUNCTION(lrf_finder_compat_parse, enum lrf_finder_compat, compat_names,
               LRF_FINDER_COMPAT_COUNT)
NAME_FUNCTION(lrf_finder_mode_name, enum lrf_finder_mode, mode_names, LRF_FINDER_MODE_COUNT)
PARSE_FUNCTION(lrf_finder_mode_parse, enum lrf_finder_mode, mode_names, LRF_FINDER_MODE_COUNT)
NAME_FUNCTION(lrf_finder_stop_rule_name, enum lrf_finder_stop_rule, stop_rule_names,
              LRF_FINDER_STOP_RULE_COUNT)
NAME_FUNCTION(lrf_finder_diag_name, int, diag_names, LRF_FINDER_DIAG_COUNT)
NAME_FUNCTION(lrf_finder_confidence_name, enum lrf_finder_confidence, confidence_names,
              LRF_FINDER_CONFIDENCE_COUNT)
NAME_FUNCTION(lrf_finder_response_name, enum lrf_finder_response, response_names,
              LRF_FINDER_RESPONSE_COUNT)
NAME_FUNCTION(lrf_finder_trials_name, enum lrf_finder_trials, trials_names,
              LRF_FINDER_TRIALS_MODE_COUNT)
PARSE_FUNCTION(lrf_finder_trials_parse, enum lrf_finder_trials, trials_names,
               LRF_FINDER_TRIALS_MODE_COUNT)
NAME_FUNCTION(lrf_finder_diag_describe, int, diag_texts, LRF_FINDER_DIAG_COUNT)
NAME_FUNCTION(lrf_finder_diag_response, int, diag_responses, LRF_FINDER_DIAG_COUNT)
