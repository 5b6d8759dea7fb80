/* Gradient accumulation (lrf/accumulate.h), the one implementation the range test and
 * the trainer step through: call order, the loss mean, and where a failure stops it. */
#include <math.h>

#include "check.h"
#include "lrf/accumulate.h"

enum { LOG_MAX = 64 };

/* A client that logs every call: 'm' for micro_step, 'a' for apply. */
struct client {
    char log[LOG_MAX];
    int calls;
    int fail_at; /* 0-based call that fails, -1 = none */
    double lr, momentum;
};

static enum lrf_status micro(void *user, double *loss)
{
    struct client *c = user;
    int k = c->calls;
    c->log[c->calls++] = 'm';
    if (k == c->fail_at)
        return LRF_ERR_NUMERIC;
    *loss = (double)(k + 1); /* 1, 2, 3, ... */
    return LRF_OK;
}

static enum lrf_status apply(void *user, double lr, double momentum)
{
    struct client *c = user;
    int k = c->calls;
    c->log[c->calls++] = 'a';
    c->lr = lr;
    c->momentum = momentum;
    return k == c->fail_at ? LRF_ERR_IO : LRF_OK;
}

static struct lrf_accumulator accumulator(struct client *c, size_t n, int fail_at)
{
    *c = (struct client){.fail_at = fail_at, .lr = NAN, .momentum = NAN};
    return (struct lrf_accumulator){c, micro, apply, n};
}

static void test_order_and_mean(void)
{
    struct client c;
    struct lrf_accumulator a = accumulator(&c, 4, -1);
    double loss = NAN;
    const char *failed = NULL;
    CHECK(lrf_accumulate_step(&a, 0.1, 0.9, &loss, &failed) == LRF_OK);
    CHECK(c.calls == 5 && !memcmp(c.log, "mmmma", 5));
    CHECK_CLOSE(loss, (1 + 2 + 3 + 4) / 4.0, 0, 0); /* the micro-batch mean */
    CHECK(c.lr == 0.1 && c.momentum == 0.9);
    CHECK_STR(failed, "apply");

    a = accumulator(&c, 1, -1);
    CHECK(lrf_accumulate_step(&a, 0.5, NAN, &loss, NULL) == LRF_OK);
    CHECK(c.calls == 2 && loss == 1.0 && isnan(c.momentum));
}

static void test_failures(void)
{
    struct client c;
    const char *failed = NULL;
    double loss = -1;
    /* The second micro-batch fails: no more calls, no apply, loss untouched. */
    struct lrf_accumulator a = accumulator(&c, 3, 1);
    CHECK(lrf_accumulate_step(&a, 0.1, 0.9, &loss, &failed) == LRF_ERR_NUMERIC);
    CHECK(c.calls == 2 && !memcmp(c.log, "mm", 2) && isnan(c.lr));
    CHECK_STR(failed, "micro_step");
    CHECK(loss == -1);
    /* apply fails: its status, and it is named. */
    a = accumulator(&c, 2, 2);
    CHECK(lrf_accumulate_step(&a, 0.1, 0.9, &loss, &failed) == LRF_ERR_IO);
    CHECK(c.calls == 3);
    CHECK_STR(failed, "apply");
}

int main(void)
{
    test_order_and_mean();
    test_failures();
    return check_summary();
}
