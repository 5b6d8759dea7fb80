/* Printing a finder result: the rule table, stop reason, advice and hand-off as text,
 * and the same as JSON fields. Shared by `lrfind suggest` and the range test. */
#ifndef LRF_CLI_SUGGEST_REPORT_H
#define LRF_CLI_SUGGEST_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/json.h"
#include "lrf/finder.h"

/* True when the rule is one the result's compat anchor prints (all rules without compat). */
bool cli_finder_rule_shown(const struct lrf_finder_result *r, enum lrf_finder_rule rule);

/* Writes the report as text. Compat results print lrs with 17 significant digits so
 * they can be compared with the anchor's output. */
void cli_finder_print_text(FILE *fp, const struct lrf_finder_result *r,
                           const struct lrf_finder_config *cfg);

/* The confidence with its reason, the low-confidence warning and the diagnosis line
 * (codes and the response); nothing in compat modes. */
void cli_finder_print_trust(FILE *fp, const struct lrf_finder_result *r);

/* The rules' picks on two lines ("rules:   robust * 0.0709  steepest ..."), and the
 * trials the finder ran (none: nothing). */
void cli_finder_print_rules_compact(FILE *fp, const struct lrf_finder_result *r);
void cli_finder_print_trials(FILE *fp, const struct lrf_finder_result *r);

/* Emits, into an open JSON object: suggested_lr (the answer, max_lr), rule, suggestions
 * (rule -> lr or null), rules (details), smoothing, stop_reason, stop_index, points,
 * diagnostics, advice, confidence, confidence_reason, warning, diagnosis (code, meaning,
 * response per flag), response (kind, text, rule_lr, max_lr, epochs_swept,
 * zero_loss_lr, trials), one_cycle, cyclic, cosine, and config (every field of cfg,
 * robust and regime included). */
void cli_finder_json_fields(struct cli_json *j, const struct lrf_finder_result *r,
                            const struct lrf_finder_config *cfg);

#endif
