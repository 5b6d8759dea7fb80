/* libFuzzer target: the schedule SPEC parser (lrf_sched_parse) on arbitrary text.
 * An accepted SPEC is evaluated over its first steps, and rendered back with
 * lrf_sched_format_spec, which promises that parse(format(s)) is the same schedule:
 * the re-parsed one must give the same lr and momentum at every step checked. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lrf/sched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { STEPS_CHECKED = 64, SPEC_MAX = 4096 };

static bool same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SPEC_MAX)
        return 0;
    char *spec = malloc(size + 1);
    if (!spec)
        return 0;
    memcpy(spec, data, size);
    spec[size] = '\0';
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.base_lr = 0.1;
    so.run_length = 100;
    so.auto_lr = 0.03;
    struct lrf_sched *s = NULL, *again = NULL;
    struct lrf_error err;
    if (lrf_sched_parse(spec, &so, &s, &err) == LRF_OK) {
        char text[SPEC_MAX * 2], torch[SPEC_MAX * 2];
        lrf_sched_format_spec(s, text, sizeof text);
        lrf_sched_format_torch(s, torch, sizeof torch);
        if (lrf_sched_parse(text, &so, &again, &err) != LRF_OK)
            abort(); /* format_spec wrote a SPEC the parser refuses */
        long max = lrf_sched_max_step(s);
        for (long t = 0; t < STEPS_CHECKED && (max < 0 || t <= max); t++) {
            if (lrf_sched_needs_metric(s))
                break;
            double lr1, m1, lr2, m2;
            enum lrf_status a = lrf_sched_eval(s, t, &lr1, &m1, &err);
            enum lrf_status b = lrf_sched_eval(again, t, &lr2, &m2, &err);
            if (a != b || (a == LRF_OK && (!same(lr1, lr2) || !same(m1, m2))))
                abort(); /* parse(format(s)) is not the same schedule */
        }
        double lr, mom;
        for (int k = 0; k < STEPS_CHECKED && lrf_sched_step(s, 1.0, &err) == LRF_OK; k++)
            lrf_sched_current(s, &lr, &mom);
    }
    lrf_sched_destroy(again);
    lrf_sched_destroy(s);
    free(spec);
    return 0;
}
