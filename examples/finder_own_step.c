/* A range test driven by your own C training step (docs/finder.md): SGD with momentum
 * on a one-weight regression, wrapped as step/snapshot/restore callbacks. Build with
 * the project (target example_finder_own_step) or against an installed library:
 *   cc -std=c11 -Iinclude examples/finder_own_step.c build/liblrf.a -lopenblas -lcsv -lm -lpthread
 */
#include <stdio.h>

#include "lrf/finder.h"

struct my_trainer {
    double w, velocity; /* everything a training step changes ... */
    unsigned batch;     /* ... including the data cursor */
    double saved_w, saved_velocity;
    unsigned saved_batch;
};

static enum lrf_status my_step(void *user, double lr, double momentum, double *loss)
{
    struct my_trainer *t = user;
    double x = 1.0 + 0.1 * (t->batch++ % 7), y = 3.0 * x; /* next batch */
    double err = t->w * x - y, grad = 2 * err * x;
    double mu = momentum == momentum ? momentum : 0.9; /* NaN: keep your own setting */
    t->velocity = mu * t->velocity + grad;
    t->w -= lr * t->velocity;
    *loss = err * err; /* the raw loss of this step, before any smoothing */
    return LRF_OK;
}

static enum lrf_status my_snapshot(void *user)
{
    struct my_trainer *t = user;
    t->saved_w = t->w, t->saved_velocity = t->velocity, t->saved_batch = t->batch;
    return LRF_OK;
}

static enum lrf_status my_restore(void *user)
{
    struct my_trainer *t = user;
    t->w = t->saved_w, t->velocity = t->saved_velocity, t->batch = t->saved_batch;
    return LRF_OK;
}

int main(void)
{
    struct my_trainer t = {0};
    struct lrf_finder_config cfg = lrf_finder_config_default(); /* 1e-7..10, 100 steps */
    struct lrf_finder_callbacks cb = {
        .user = &t, .step = my_step, .snapshot = my_snapshot, .restore = my_restore};
    struct lrf_finder_result *r = NULL;
    struct lrf_error err;
    enum lrf_status st = lrf_finder_run(&cfg, &cb, &r, &err);
    if (st != LRF_OK && !r) {
        fprintf(stderr, "finder: %s\n", err.message);
        return 1;
    }
    printf("stopped: %s after %zu steps\n", lrf_finder_stop_name(r->stop_reason), r->n);
    if (r->suggestion[LRF_FINDER_RULE_ROBUST].valid)
        printf("%s\n%s\n", r->one_cycle_spec, r->one_cycle_torch);
    else
        printf("advice: %s\n", r->advice);
    lrf_finder_result_destroy(r); /* t is back in its state before the sweep */
    return st == LRF_OK ? 0 : 1;
}
