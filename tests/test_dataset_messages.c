/* Messages that must say the right thing: an integer class label too large
 * to be one is "out of range" (issue 10), not "expected an integer". */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lrf/dataset.h"

struct message_case {
    const char *text;
    enum lrf_task task;
    long line, col;
    const char *want; /* a substring of the message */
    const char *not_want;
};

static const struct message_case cases[] = {
    {"a,label\n1,100000000000000000000000\n2,1\n", LRF_TASK_AUTO, 2, 0,
     "column 'label' (1): class label out of range", "expected an integer"},
    {"a,label\n1,1e23\n2,1\n", LRF_TASK_AUTO, 2, 0, "out of range", "expected an integer"},
    {"a,label\n1,-1e300\n2,1\n", LRF_TASK_AUTO, 2, 0, "out of range", "expected an integer"},
    {"a,label\n1,1.5\n2,1\n", LRF_TASK_CLASSIFICATION, 2, 0,
     "expected an integer class label, got '1.5'", NULL},
};

int main(void)
{
    struct lrf_dataset_options o = lrf_dataset_options_default();
    o.use_cache = false;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct message_case *c = &cases[i];
        struct lrf_dataset *ds = NULL;
        struct lrf_error err;
        o.task = c->task;
        enum lrf_status st =
            lrf_dataset_parse_buffer("m.csv", c->text, strlen(c->text), &o, &ds, &err);
        CHECK_MSG(st == LRF_ERR_DATA && err.line == c->line && err.col == c->col &&
                      strstr(err.message, c->want) &&
                      (!c->not_want || !strstr(err.message, c->not_want)),
                  "case %zu: %d %ld:%ld '%s'", i, (int)st, err.line, err.col, err.message);
        lrf_dataset_destroy(ds);
    }
    return check_summary();
}
