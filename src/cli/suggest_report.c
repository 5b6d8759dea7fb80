#include "cli/suggest_report.h"

#include <math.h>
#include <string.h>

#include "cli/cli.h"

bool cli_finder_rule_shown(const struct lrf_finder_result *r, enum lrf_finder_rule rule)
{
    switch (r->compat) {
    case LRF_FINDER_COMPAT_TORCH_LR_FINDER:
        return rule == LRF_FINDER_RULE_STEEPEST;
    case LRF_FINDER_COMPAT_FASTAI:
        return rule == LRF_FINDER_RULE_VALLEY || rule == LRF_FINDER_RULE_SLIDE ||
               rule == LRF_FINDER_RULE_MINIMUM || rule == LRF_FINDER_RULE_STEEP;
    default:
        return true;
    }
}

static void print_smoothing(FILE *fp, const struct lrf_finder_config *cfg)
{
    switch (cfg->smoothing) {
    case LRF_FINDER_SMOOTH_EMA_DEBIASED:
        fprintf(fp, "bias-corrected EMA, beta %g", cfg->beta);
        break;
    case LRF_FINDER_SMOOTH_EMA:
        fprintf(fp, "EMA, smooth_f %g", cfg->smooth_f);
        break;
    default:
        fputs("none", fp);
        break;
    }
}

void cli_finder_print_text(FILE *fp, const struct lrf_finder_result *r,
                           const struct lrf_finder_config *cfg)
{
    bool exact = r->compat != LRF_FINDER_COMPAT_NONE;
    fprintf(fp, "points: %zu", r->n);
    if (r->runs > 1)
        fprintf(fp, " (median of %zu runs)", r->runs);
    fputs("; smoothing: ", fp);
    print_smoothing(fp, cfg);
    if (exact)
        fprintf(fp, "; compat: %s", lrf_finder_compat_name(r->compat));
    fprintf(fp, "\nstopped: %s", lrf_finder_stop_describe(r->stop_reason));
    if (r->stop_index >= 0 && (size_t)r->stop_index < r->n)
        fprintf(fp, " (point %ld, lr " CLI_LR_FMT ")", r->stop_index, r->lr[r->stop_index]);
    fputc('\n', fp);
    for (int q = 0; q < LRF_FINDER_RULE_COUNT; q++) {
        if (!cli_finder_rule_shown(r, (enum lrf_finder_rule)q))
            continue;
        const struct lrf_finder_suggestion *s = &r->suggestion[q];
        bool rec = q == (int)r->recommended;
        fprintf(fp, "%-9s%s ", lrf_finder_rule_name((enum lrf_finder_rule)q), rec ? "*" : " ");
        if (!s->valid) {
            fprintf(fp, "none  (%s)\n", s->diagnosis);
            continue;
        }
        fprintf(fp, exact ? "%.17g" : CLI_LR_FMT, s->lr); /* compat: every digit */
        if (r->compat == LRF_FINDER_COMPAT_TORCH_LR_FINDER)
            fprintf(fp, "  (pytorch-lr-finder prints: Suggested LR: %.2E)", s->lr);
        if (r->runs > 1)
            fprintf(fp, "  [" CLI_LR_FMT " .. " CLI_LR_FMT " over runs]", s->lr_low, s->lr_high);
        if (s->diagnosis[0])
            fprintf(fp, "  (%s)", s->diagnosis);
        fputc('\n', fp);
    }
    if (isfinite(r->one_cycle_max_lr)) {
        fprintf(fp, "one-cycle: %s\n           %s\n", r->one_cycle_spec, r->one_cycle_torch);
        fprintf(fp, "cyclic:    %s\n           %s\n", r->cyclic_spec, r->cyclic_torch);
        fprintf(fp, "cosine:    lr " CLI_LR_FMT ", %s\n           %s\n", r->cosine_lr,
                r->cosine_spec, r->cosine_torch);
    } else {
        fprintf(fp, "no %s suggestion for this curve\n", lrf_finder_rule_name(r->recommended));
    }
    cli_finder_print_trust(fp, r);
    if (r->advice[0])
        fprintf(fp, "advice: %s\n", r->advice);
}

void cli_finder_print_trust(FILE *fp, const struct lrf_finder_result *r)
{
    if (r->compat != LRF_FINDER_COMPAT_NONE)
        return;
    fprintf(fp, "confidence %s: %s\n", lrf_finder_confidence_name(r->confidence),
            r->confidence_reason);
    if (r->warning[0])
        fprintf(fp, "WARNING: %s\n", r->warning);
    if (!r->diagnostics && r->response == LRF_FINDER_RESPONSE_NONE)
        return;
    fputs("diagnosis:", fp);
    for (int b = 0; b < LRF_FINDER_DIAG_COUNT; b++)
        if (r->diagnostics & (1u << b))
            fprintf(fp, " %s", lrf_finder_diag_name(b));
    if (!r->diagnostics)
        fputs(" none", fp);
    if (r->response_text[0])
        fprintf(fp, "; %s", r->response_text);
    fputc('\n', fp);
}

void cli_finder_print_rules_compact(FILE *fp, const struct lrf_finder_result *r)
{
    int shown = 0;
    for (int q = 0; q < LRF_FINDER_RULE_COUNT; q++) {
        if (!cli_finder_rule_shown(r, (enum lrf_finder_rule)q))
            continue;
        const struct lrf_finder_suggestion *s = &r->suggestion[q];
        fputs(shown == 0 ? "rules:  " : shown % 3 == 0 ? "\n        " : "  ", fp);
        fprintf(fp, "%s%s ", lrf_finder_rule_name((enum lrf_finder_rule)q),
                q == (int)r->recommended ? " *" : "");
        if (s->valid)
            fprintf(fp, CLI_LR_FMT, s->lr);
        else
            fputs("none", fp);
        shown++;
    }
    if (shown)
        fputc('\n', fp);
}

void cli_finder_print_trials(FILE *fp, const struct lrf_finder_result *r)
{
    if (!r->n_trials)
        return;
    bool metric = true;
    for (size_t k = 0; k < r->n_trials; k++)
        metric = metric && (r->trial[k].diverged || isfinite(r->trial[k].metric));
    fprintf(fp, "trials (held-out %s):", metric ? "acc" : "loss");
    for (size_t k = 0; k < r->n_trials; k++) {
        const struct lrf_finder_trial *t = &r->trial[k];
        fprintf(fp, "%s" CLI_LR_FMT " ", k ? "  " : " ", t->max_lr);
        if (t->diverged)
            fputs("diverged", fp);
        else
            fprintf(fp, "%.3g", metric ? t->metric : t->loss);
        fputs(t->max_lr == r->max_lr ? "*" : "", fp);
    }
    fputc('\n', fp);
}

struct named_number {
    const char *name;
    double value; /* counts too: exact in a double far beyond any real one */
};

static void json_numbers(struct cli_json *j, const struct named_number *v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        cli_json_field_number(j, v[k].name, v[k].value);
}

static void json_regime(struct cli_json *j, const struct lrf_finder_regime *g)
{
    const struct named_number regime[] = {
        {"few_batches", (double)g->few_batches}, {"revisit_epochs", g->revisit_epochs},
        {"zero_loss_frac", g->zero_loss_frac},   {"trial_candidates", (double)g->trial_candidates},
        {"trial_budget", g->trial_budget},       {"trial_se_max", g->trial_se_max},
    };
    cli_json_key(j, "regime");
    cli_json_object_begin(j);
    json_numbers(j, regime, sizeof regime / sizeof regime[0]);
    cli_json_object_end(j);
}

/* Every field of the finder config the result came from, robust constants included:
 * the run is reproducible from the JSON alone. */
static void json_config(struct cli_json *j, const struct lrf_finder_config *c)
{
    const struct named_number nums[] = {
        {"start_lr", c->start_lr},
        {"end_lr", c->end_lr},
        {"num_iter", (double)c->num_iter},
        {"beta", c->beta},
        {"smooth_f", c->smooth_f},
        {"diverge", c->diverge},
        {"momentum", c->momentum},
        {"runs", (double)c->runs},
        {"accumulate", (double)c->accumulate},
        {"batches_per_rung", (double)c->batches_per_rung},
        {"skip_start", (double)c->skip_start},
        {"skip_end", (double)c->skip_end},
        {"total_steps", (double)c->total_steps},
        {"batches_per_epoch", (double)c->batches_per_epoch},
        {"trial_rows", (double)c->trial_rows},
    };
    const struct lrf_finder_robust *r = &c->robust;
    const struct named_number robust[] = {
        {"bandwidth_decades", r->bandwidth_decades},
        {"min_sigma_points", r->min_sigma_points},
        {"robust_iters", r->robust_iters},
        {"rise_level", r->rise_level},
        {"floor_level", r->floor_level},
        {"floor_position", r->floor_position},
        {"floor_noise", r->floor_noise},
        {"clip_factor", r->clip_factor},
        {"descent_frac", r->descent_frac},
        {"flat_rel", r->flat_rel},
        {"flat_noise", r->flat_noise},
        {"min_points", (double)r->min_points},
        {"unstable_decades", r->unstable_decades},
        {"cyclic_base_div", r->cyclic_base_div},
        {"cosine_div", r->cosine_div},
    };
    cli_json_key(j, "config");
    cli_json_object_begin(j);
    cli_json_field_string(j, "mode", lrf_finder_mode_name(c->mode));
    cli_json_field_string(j, "smoothing", lrf_finder_smoothing_name(c->smoothing));
    cli_json_field_string(j, "stop_rule", lrf_finder_stop_rule_name(c->stop_rule));
    cli_json_field_string(j, "compat", lrf_finder_compat_name(c->compat));
    cli_json_field_string(j, "rule", lrf_finder_rule_name(c->rule));
    cli_json_field_bool(j, "grid_include_end", c->grid_include_end);
    cli_json_field_bool(j, "stop_on_nonfinite", c->stop_on_nonfinite);
    cli_json_field_bool(j, "val_loss", c->val_loss);
    json_numbers(j, nums, sizeof nums / sizeof nums[0]);
    cli_json_field_string(j, "trials", lrf_finder_trials_name(c->trials));
    cli_json_key(j, "robust");
    cli_json_object_begin(j);
    json_numbers(j, robust, sizeof robust / sizeof robust[0]);
    cli_json_object_end(j);
    json_regime(j, &c->regime);
    cli_json_object_end(j);
}

static void json_suggestions(struct cli_json *j, const struct lrf_finder_result *r)
{
    cli_json_key(j, "suggestions");
    cli_json_object_begin(j);
    for (int q = 0; q < LRF_FINDER_RULE_COUNT; q++) {
        if (!cli_finder_rule_shown(r, (enum lrf_finder_rule)q))
            continue;
        cli_json_field_number(j, lrf_finder_rule_name((enum lrf_finder_rule)q),
                              r->suggestion[q].valid ? r->suggestion[q].lr : (double)NAN);
    }
    cli_json_object_end(j);
    cli_json_key(j, "rules");
    cli_json_object_begin(j);
    for (int q = 0; q < LRF_FINDER_RULE_COUNT; q++) {
        const struct lrf_finder_suggestion *s = &r->suggestion[q];
        cli_json_key(j, lrf_finder_rule_name((enum lrf_finder_rule)q));
        cli_json_object_begin(j);
        cli_json_field_bool(j, "valid", s->valid);
        cli_json_field_int(j, "index", s->index);
        cli_json_field_number(j, "lr", s->lr);
        cli_json_field_number(j, "lr_low", s->lr_low);
        cli_json_field_number(j, "lr_high", s->lr_high);
        cli_json_field_string(j, "diagnosis", s->diagnosis);
        cli_json_object_end(j);
    }
    cli_json_object_end(j);
}

static void json_smoothing(struct cli_json *j, const struct lrf_finder_config *cfg)
{
    cli_json_key(j, "smoothing");
    cli_json_object_begin(j);
    cli_json_field_string(j, "kind", lrf_finder_smoothing_name(cfg->smoothing));
    cli_json_field_number(j, cfg->smoothing == LRF_FINDER_SMOOTH_EMA ? "smooth_f" : "beta",
                          cfg->smoothing == LRF_FINDER_SMOOTH_EMA ? cfg->smooth_f : cfg->beta);
    cli_json_field_number(j, "diverge", cfg->diverge);
    cli_json_field_string(j, "stop_rule", lrf_finder_stop_rule_name(cfg->stop_rule));
    cli_json_object_end(j);
}

/* Ends a hand-off schedule's object with its SPEC and PyTorch line. */
static void json_spec_end(struct cli_json *j, const char *spec, const char *torch)
{
    cli_json_field_string(j, "spec", spec);
    cli_json_field_string(j, "torch", torch);
    cli_json_object_end(j);
}

static void json_handoff(struct cli_json *j, const struct lrf_finder_result *r)
{
    cli_json_key(j, "one_cycle");
    cli_json_object_begin(j);
    cli_json_field_number(j, "max_lr", r->one_cycle_max_lr);
    json_spec_end(j, r->one_cycle_spec, r->one_cycle_torch);
    cli_json_key(j, "cyclic");
    cli_json_object_begin(j);
    cli_json_field_number(j, "base_lr", r->cyclic_base_lr);
    cli_json_field_number(j, "max_lr", r->cyclic_max_lr);
    json_spec_end(j, r->cyclic_spec, r->cyclic_torch);
    cli_json_key(j, "cosine");
    cli_json_object_begin(j);
    cli_json_field_number(j, "lr", r->cosine_lr);
    json_spec_end(j, r->cosine_spec, r->cosine_torch);
}

/* The regime, the response and the confidence (issue 12). */
static void json_trust(struct cli_json *j, const struct lrf_finder_result *r)
{
    cli_json_field_string(j, "confidence", lrf_finder_confidence_name(r->confidence));
    cli_json_field_string(j, "confidence_reason", r->confidence_reason);
    cli_json_field_string(j, "warning", r->warning);
    cli_json_key(j, "diagnosis");
    cli_json_array_begin(j);
    for (int b = 0; b < LRF_FINDER_DIAG_COUNT; b++) {
        if (!(r->diagnostics & (1u << b)))
            continue;
        cli_json_object_begin(j);
        cli_json_field_string(j, "code", lrf_finder_diag_name(b));
        cli_json_field_string(j, "meaning", lrf_finder_diag_describe(b));
        cli_json_field_string(j, "response", lrf_finder_diag_response(b));
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
    cli_json_key(j, "response");
    cli_json_object_begin(j);
    cli_json_field_string(j, "kind", lrf_finder_response_name(r->response));
    cli_json_field_string(j, "text", r->response_text);
    cli_json_field_number(j, "rule_lr", r->rule_lr);
    cli_json_field_number(j, "max_lr", r->max_lr);
    cli_json_field_number(j, "epochs_swept", r->epochs_swept);
    cli_json_field_number(j, "zero_loss_lr", r->zero_loss_lr);
    cli_json_key(j, "trials");
    cli_json_array_begin(j);
    for (size_t k = 0; k < r->n_trials; k++) {
        cli_json_object_begin(j);
        cli_json_field_number(j, "max_lr", r->trial[k].max_lr);
        cli_json_field_number(j, "loss", r->trial[k].loss);
        cli_json_field_number(j, "metric", r->trial[k].metric);
        cli_json_field_bool(j, "diverged", r->trial[k].diverged);
        cli_json_object_end(j);
    }
    cli_json_array_end(j);
    cli_json_object_end(j);
}

void cli_finder_json_fields(struct cli_json *j, const struct lrf_finder_result *r,
                            const struct lrf_finder_config *cfg)
{
    cli_json_field_number(j, "suggested_lr", r->max_lr);
    cli_json_field_string(j, "rule", lrf_finder_rule_name(r->recommended));
    cli_json_field_string(j, "compat", lrf_finder_compat_name(r->compat));
    json_suggestions(j, r);
    json_smoothing(j, cfg);
    cli_json_field_string(j, "stop_reason", lrf_finder_stop_name(r->stop_reason));
    cli_json_field_int(j, "stop_index", r->stop_index);
    cli_json_field_int(j, "points", (long long)r->n);
    cli_json_field_int(j, "runs", (long long)r->runs);
    cli_json_key(j, "diagnostics");
    cli_json_array_begin(j);
    for (int b = 0; b < LRF_FINDER_DIAG_COUNT; b++)
        if (r->diagnostics & (1u << b))
            cli_json_string(j, lrf_finder_diag_name(b));
    cli_json_array_end(j);
    cli_json_field_string(j, "advice", r->advice);
    json_trust(j, r);
    json_handoff(j, r);
    json_config(j, cfg);
}
