/* Every reference trace of tests/fixtures/sched/traces.txt (PyTorch 1.13 runs and the
 * published formulas of the non-PyTorch kinds, see scripts/gen_sched_fixtures.py),
 * checked through both the random-access and the iteration API. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "check.h"
#include "lrf/sched.h"

/* The agreement target. Stateless kinds use the closed form, PyTorch the
 * chainable recursion; they differ by rounding only (< 1e-13 relative on these traces
 * except next to exact zeros). */
static const double TRACE_REL_TOL = 1e-9;
/* Next to a zero of the schedule (cosine at T_max with eta_min = 0, linear one-cycle at
 * N) a relative bound is meaningless: PyTorch's recursion leaves ~1e-17 residues there. */
static const double TRACE_ABS_TOL = 1e-15;

enum { MAX_ROWS = 512 };

struct trace {
    char name[64], spec[2048], source[16];
    double base_lr;
    long rows;
    double lr[MAX_ROWS], mom[MAX_ROWS], metric[MAX_ROWS];
    bool has_mom, has_metric;
};

/* The numbers of a fixture line; -1 when anything else follows them (a damaged line). */
static long read_values(const char *s, double *out)
{
    long n = 0;
    char *end;
    while (n < MAX_ROWS) {
        double v = strtod(s, &end);
        if (end == s)
            break;
        out[n++] = v;
        s = end;
    }
    s += strspn(s, " \t\r\n");
    return *s ? -1 : n;
}

static int traces_checked, kinds_seen[LRF_SCHED_KIND_COUNT];

static void check_trace(const struct trace *tr)
{
    struct lrf_sched_parse_options o = lrf_sched_parse_options_default();
    o.base_lr = tr->base_lr;
    struct lrf_sched *s = NULL;
    struct lrf_error err;
    enum lrf_status st = lrf_sched_parse(tr->spec, &o, &s, &err);
    CHECK_MSG(st == LRF_OK, "%s: %s: %s", tr->name, tr->spec, err.message);
    if (st)
        return;
    traces_checked++;
    kinds_seen[lrf_sched_get_kind(s)]++;
    CHECK_MSG(lrf_sched_has_momentum(s) == tr->has_mom, "%s: has_momentum", tr->name);
    bool random_access = !lrf_sched_needs_metric(s);
    int bad = 0;
    for (long t = 0; t < tr->rows && bad < 3; t++) {
        double lr, mom;
        if (t > 0) {
            st = lrf_sched_step(s, tr->has_metric ? tr->metric[t - 1] : 0.0, &err);
            CHECK_MSG(st == LRF_OK, "%s: step %ld: %s", tr->name, t, err.message);
            if (st) {
                bad++;
                continue;
            }
        }
        lrf_sched_current(s, &lr, &mom);
        double tol_abs = TRACE_ABS_TOL;
        if (!CHECK_CLOSE(lr, tr->lr[t], TRACE_REL_TOL, tol_abs)) {
            fprintf(stderr, "    %s t=%ld (step API) %s\n", tr->name, t, tr->spec);
            bad++;
        }
        if (tr->has_mom && !CHECK_CLOSE(mom, tr->mom[t], TRACE_REL_TOL, tol_abs)) {
            fprintf(stderr, "    %s t=%ld momentum %s\n", tr->name, t, tr->spec);
            bad++;
        }
        if (random_access) {
            double l2, m2;
            st = lrf_sched_eval(s, t, &l2, &m2, &err);
            if (!CHECK_CLOSE(l2, tr->lr[t], TRACE_REL_TOL, tol_abs)) {
                fprintf(stderr, "    %s t=%ld (eval) %s\n", tr->name, t, tr->spec);
                bad++;
            }
        }
    }
    if (!strcmp(tr->source, "torch-x")) { /* PyTorch raised at the next step */
        CHECK_MSG(lrf_sched_step(s, 0.0, &err) == LRF_ERR_STATE, "%s: step past the end", tr->name);
        double lr;
        CHECK_MSG(lrf_sched_eval(s, tr->rows, &lr, NULL, &err) == LRF_ERR_STATE,
                  "%s: eval past the end", tr->name);
        CHECK(lrf_sched_current_step(s) == tr->rows - 1);
    }
    /* Random access backwards after the walk (seq/chain re-simulate). */
    if (random_access && tr->rows > 2) {
        double lr;
        CHECK(lrf_sched_eval(s, 1, &lr, NULL, NULL) == LRF_OK);
        CHECK_CLOSE(lr, tr->lr[1], TRACE_REL_TOL, TRACE_ABS_TOL);
    }
    lrf_sched_reset(s);
    double lr0, m0;
    lrf_sched_current(s, &lr0, &m0);
    CHECK_CLOSE(lr0, tr->lr[0], TRACE_REL_TOL, TRACE_ABS_TOL);
    lrf_sched_destroy(s);
}

int main(void)
{
    const char *path = LRF_FIXTURES_DIR "/sched/traces.txt";
    FILE *fp = fopen(path, "r");
    CHECK_MSG(fp != NULL, "cannot open %s", path);
    if (!fp)
        return check_summary();
    static struct trace tr;
    bool open_trace = false, has_lr = true;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, fp) > 0) {
        if (line[0] == 'T') {
            CHECK_MSG(has_lr, "%s: no lr line", tr.name);
            if (open_trace)
                check_trace(&tr);
            memset(&tr, 0, sizeof tr);
            char base[64];
            int n = sscanf(line, "T %63[^|]|%2047[^|]|%63[^|]|%ld|%15s", tr.name, tr.spec, base,
                           &tr.rows, tr.source);
            CHECK_MSG(n == 5 && tr.rows <= MAX_ROWS, "bad trace header: %s", line);
            tr.base_lr = strtod(base, NULL);
            open_trace = n == 5;
        } else if (line[0] == 'L') {
            CHECK_MSG(read_values(line + 1, tr.lr) == tr.rows, "%s: lr line", tr.name);
            has_lr = true;
        } else if (line[0] == 'P') {
            CHECK_MSG(read_values(line + 1, tr.mom) == tr.rows, "%s: momentum line", tr.name);
            tr.has_mom = true;
        } else if (line[0] == 'M') {
            /* the metric fed before each step after the first */
            CHECK_MSG(read_values(line + 1, tr.metric) == tr.rows - 1, "%s: metric line", tr.name);
            tr.has_metric = true;
        } else if (line[0] != '#' && line[0] != '\n') {
            CHECK_MSG(0, "unknown fixture line: %s", line);
        }
        if (line[0] == 'T' && open_trace)
            has_lr = false;
        else if (line[0] == 'L' && !open_trace)
            CHECK_MSG(0, "lr line outside a trace");
    }
    CHECK_MSG(has_lr, "%s: no lr line", tr.name);
    if (open_trace)
        check_trace(&tr);
    free(line);
    fclose(fp);
    printf("%d traces checked\n", traces_checked);
    CHECK(traces_checked >= 150);
    for (int k = 0; k < LRF_SCHED_KIND_COUNT; k++)
        CHECK_MSG(kinds_seen[k] > 0, "no trace for kind %s", lrf_sched_kind_name(k));
    return check_summary();
}
