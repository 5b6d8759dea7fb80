/* Finder rules and compat modes pinned to the published algorithms: every curve of
 * tests/fixtures/finder (written by scripts/gen_finder_fixtures.py from the anchors'
 * pseudo-code with numpy) is analysed in the three modes, and the kept points, stop
 * reason, every smoothed value, every rule's index and lr, and lrfind's answer (the
 * robust pick capped where the loss reached ~0) are compared. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lrf/finder.h"

/* Same operations in the same order as numpy/Python, so agreement is to the last bits;
 * the margin only covers libm's pow/log differing by an ulp across platforms. */
static const double SMOOTH_REL = 1e-12;
static const double LR_REL = 1e-12;

enum { MODES = 3, CURVES_MAX = 64 };
static const char *const mode_names[MODES] = {"tlf", "fastai", "lrfind"};
static const enum lrf_finder_compat mode_compat[MODES] = {
    LRF_FINDER_COMPAT_TORCH_LR_FINDER, LRF_FINDER_COMPAT_FASTAI, LRF_FINDER_COMPAT_NONE};

struct entry {
    char name[64];
    struct lrf_finder_result *res[MODES];
};
static struct entry table[CURVES_MAX];
static int ntable;

static struct lrf_finder_result *get(const char *name, const char *mode)
{
    int m = -1;
    for (int i = 0; i < MODES; i++)
        if (!strcmp(mode, mode_names[i]))
            m = i;
    if (m < 0)
        return NULL;
    for (int i = 0; i < ntable; i++)
        if (!strcmp(table[i].name, name))
            return table[i].res[m];
    if (ntable == CURVES_MAX)
        return NULL;
    struct entry *e = &table[ntable++];
    snprintf(e->name, sizeof e->name, "%s", name);
    char path[1024];
    snprintf(path, sizeof path, "%s/finder/%s.csv", LRF_FIXTURES_DIR, name);
    double *lr, *loss;
    size_t n;
    struct lrf_error err;
    if (lrf_finder_read_curve(path, &lr, &loss, &n, &err) != LRF_OK) {
        CHECK_MSG(0, "read %s: %s", path, err.message);
        return NULL;
    }
    for (int i = 0; i < MODES; i++) {
        struct lrf_finder_config cfg = lrf_finder_config_compat(mode_compat[i]);
        enum lrf_status st = lrf_finder_analyze(&cfg, lr, loss, n, &e->res[i], &err);
        CHECK_MSG(st == LRF_OK, "analyze %s %s: %s", name, mode_names[i], err.message);
    }
    free(lr);
    free(loss);
    return e->res[m];
}

static void test_expected(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/finder/expected.txt", LRF_FIXTURES_DIR);
    FILE *fp = fopen(path, "r");
    CHECK_MSG(fp != NULL, "cannot open %s", path);
    if (!fp)
        return;
    char line[512];
    int lines = 0, bad = 0;
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#')
            continue;
        char name[64], mode[16], key[16], a[64], b[64], c[64], extra[8];
        int k = sscanf(line, "%63s %15s %15s %63s %63s %63s %7s", name, mode, key, a, b, c, extra);
        /* Every line is complete: n <points> <stop>, smoothed <i> <v>, rule <r> <i> <lr> or
         * rule <r> invalid. A damaged fixture fails instead of checking less. */
        bool complete = (!strcmp(key, "n") && k == 5) || (!strcmp(key, "smoothed") && k == 5) ||
                        (!strcmp(key, "answer") && k == 5) ||
                        (!strcmp(key, "rule") && (k == 6 || (k == 5 && !strcmp(b, "invalid"))));
        if (!complete) {
            CHECK_MSG(0, "expected.txt: incomplete or unknown line: %s", line);
            continue;
        }
        struct lrf_finder_result *r = get(name, mode);
        if (!r) {
            CHECK_MSG(0, "no result for %s %s", name, mode);
            continue;
        }
        lines++;
        int before = check_failed;
        if (!strcmp(key, "n")) {
            CHECK_MSG(r->n == strtoul(a, NULL, 10), "%s %s: n %zu, want %s", name, mode, r->n, a);
            CHECK_MSG(!strcmp(lrf_finder_stop_name(r->stop_reason), b), "%s %s: stop %s, want %s",
                      name, mode, lrf_finder_stop_name(r->stop_reason), b);
        } else if (!strcmp(key, "smoothed")) {
            size_t i = strtoul(a, NULL, 10);
            CHECK(i < r->n);
            if (i < r->n)
                CHECK_CLOSE(r->smoothed[i], strtod(b, NULL), SMOOTH_REL, 0);
        } else if (!strcmp(key, "answer")) {
            /* The answer without trials: the robust pick capped where the loss reached ~0
             * (src/finder/regime.c), and that lr. */
            double want = !strcmp(a, "invalid") ? (double)NAN : strtod(a, NULL);
            double zero = !strcmp(b, "none") ? (double)NAN : strtod(b, NULL);
            CHECK_CLOSE(r->max_lr, want, LR_REL, 0);
            CHECK_CLOSE(r->one_cycle_max_lr, want, LR_REL, 0);
            CHECK_CLOSE(r->zero_loss_lr, zero, LR_REL, 0);
            CHECK(!(r->diagnostics & LRF_FINDER_DIAG_LOSS_ZERO) == isnan(zero));
        } else if (!strcmp(key, "rule")) {
            enum lrf_finder_rule rule;
            CHECK(lrf_finder_rule_parse(a, &rule));
            const struct lrf_finder_suggestion *s = &r->suggestion[rule];
            if (!strcmp(b, "invalid")) {
                CHECK_MSG(!s->valid, "%s %s %s: valid (lr %g), want invalid", name, mode, a, s->lr);
                CHECK_MSG(s->valid || s->diagnosis[0], "%s %s %s: invalid without a diagnosis",
                          name, mode, a);
            } else {
                CHECK_MSG(s->valid, "%s %s %s: invalid (%s), want %s", name, mode, a, s->diagnosis,
                          c);
                CHECK_MSG(s->index == strtol(b, NULL, 10), "%s %s %s: index %ld, want %s", name,
                          mode, a, s->index, b);
                CHECK_CLOSE(s->lr, strtod(c, NULL), LR_REL, 0);
            }
        }
        bad += check_failed != before;
    }
    fclose(fp);
    CHECK_MSG(lines > 1000, "only %d expectations read", lines);
    if (bad)
        fprintf(stderr, "%d expectation lines failed\n", bad);
}

/* Diagnoses and advice on the degenerate fixtures. */
static void test_diagnostics(void)
{
    struct lrf_finder_result *r;
    r = get("flat", "lrfind");
    CHECK(r && (r->diagnostics & LRF_FINDER_DIAG_FLAT) && strstr(r->advice, "raise end_lr"));
    CHECK(r && isnan(r->one_cycle_max_lr) && r->one_cycle_spec[0] == '\0');
    r = get("mono_inc", "lrfind");
    CHECK(r && (r->diagnostics & LRF_FINDER_DIAG_RISES_FROM_START) &&
          strstr(r->advice, "lower start_lr"));
    r = get("mono_dec", "lrfind");
    CHECK(r && (r->diagnostics & LRF_FINDER_DIAG_NO_DIVERGENCE) &&
          r->suggestion[LRF_FINDER_RULE_ROBUST].valid && strstr(r->advice, "raise end_lr"));
    r = get("all_nan", "lrfind");
    CHECK(r && (r->diagnostics & LRF_FINDER_DIAG_NO_FINITE) &&
          r->stop_reason == LRF_FINDER_STOP_NONFINITE);
    r = get("diverge_at_once", "lrfind");
    CHECK(r && (r->diagnostics & LRF_FINDER_DIAG_DIVERGED_AT_ONCE) &&
          strstr(r->advice, "lower start_lr"));
    r = get("tiny", "lrfind");
    CHECK(r && (r->diagnostics & LRF_FINDER_DIAG_TOO_SHORT));
    r = get("negative", "lrfind");
    CHECK(r && r->stop_reason == LRF_FINDER_STOP_END && r->suggestion[0].valid);
    /* Corners: a NaN first point stops lrfind at once with nothing to hand off; the
     * near-zero and zero-crossing curves keep a valid pick and hand-off. */
    r = get("nan_first", "lrfind");
    CHECK(r && r->n == 1 && r->stop_reason == LRF_FINDER_STOP_NONFINITE &&
          (r->diagnostics & LRF_FINDER_DIAG_NO_FINITE) && isnan(r->one_cycle_max_lr));
    r = get("nan_first", "tlf");
    CHECK(r && r->n == 100 && r->stop_reason == LRF_FINDER_STOP_END);
    static const char *const floor_curves[] = {"near_zero", "cross_zero"};
    for (int i = 0; i < 2; i++) {
        r = get(floor_curves[i], "lrfind");
        CHECK(r && r->stop_reason == LRF_FINDER_STOP_DIVERGED && r->n == 189);
        CHECK(r && r->suggestion[LRF_FINDER_RULE_ROBUST].valid && r->max_lr > 0 &&
              r->one_cycle_max_lr == r->max_lr);
    }
    r = get("clean", "lrfind");
    CHECK(r && r->diagnostics == 0 && r->advice[0] == '\0');
    if (r) {
        char want[64];
        snprintf(want, sizeof want, "onecycle(max_lr=%.3g)", r->one_cycle_max_lr);
        CHECK_STR(r->one_cycle_spec, want);
        CHECK(strstr(r->one_cycle_torch, "OneCycleLR(optimizer, max_lr=") != NULL);
        CHECK_CLOSE(r->cyclic_base_lr, r->one_cycle_max_lr / 4, 1e-15, 0);
        CHECK(strncmp(r->cyclic_spec, "cyclic(base_lr=", 15) == 0);
        CHECK(strncmp(r->cosine_torch, "torch.optim.lr_scheduler.CosineAnnealingLR", 42) == 0);
    }
}

int main(void)
{
    test_expected();
    test_diagnostics();
    for (int i = 0; i < ntable; i++)
        for (int m = 0; m < MODES; m++)
            lrf_finder_result_destroy(table[i].res[m]);
    return check_summary();
}
