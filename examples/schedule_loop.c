/* schedule_loop.c: liblrf's schedules (lrf/sched.h) driving a training loop of your own.
 *
 * The loop fits a line y = a x + b to a few embedded points with gradient descent and
 * heavy-ball momentum. Each step takes its lr (and its momentum, when the schedule
 * drives it, as one-cycle does) from the schedule, then steps the schedule, as a
 * PyTorch loop calls optimizer.step() then scheduler.step(). It prints one CSV row per
 * step: step,lr,momentum,loss.
 *
 * Usage: schedule_loop [SPEC [STEPS]]    (default: 'onecycle(max_lr=0.3)' over 100 steps)
 * Build: cc schedule_loop.c $(pkg-config --cflags --libs lrf) -o schedule_loop
 *    or: find_package(lrf) and target_link_libraries(schedule_loop PRIVATE lrf::lrf) */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lrf/sched.h"

enum { POINTS = 8 };
static const double xs[POINTS] = {0.0, 0.1, 0.3, 0.4, 0.5, 0.7, 0.8, 1.0};
static const double ys[POINTS] = {1.02, 1.18, 1.61, 1.79, 2.01, 2.38, 2.62, 2.99};

struct line {
    double a, b, va, vb; /* parameters and their momentum buffers */
};

/* One full-batch step on the mean squared error; returns the loss before the step. */
static double gd_step(struct line *p, double lr, double momentum)
{
    double ga = 0, gb = 0, loss = 0;
    for (int i = 0; i < POINTS; i++) {
        double r = p->a * xs[i] + p->b - ys[i];
        loss += r * r / POINTS;
        ga += 2 * r * xs[i] / POINTS;
        gb += 2 * r / POINTS;
    }
    p->va = momentum * p->va + ga; /* PyTorch's SGD: v = m v + g; w -= lr v */
    p->vb = momentum * p->vb + gb;
    p->a -= lr * p->va;
    p->b -= lr * p->vb;
    return loss;
}

int main(int argc, char **argv)
{
    const char *spec = argc > 1 ? argv[1] : "onecycle(max_lr=0.3)";
    char *end;
    errno = 0;
    long steps = argc > 2 ? strtol(argv[2], &end, 10) : 100;
    if (argc > 3 || (argc > 2 && (errno || *end || end == argv[2] || steps < 1))) {
        fprintf(stderr, "usage: schedule_loop [SPEC [STEPS]]\n");
        return 2;
    }

    struct lrf_sched_parse_options opts = lrf_sched_parse_options_default();
    opts.base_lr = 0.1;      /* the optimizer's own lr, for schedules that scale it */
    opts.run_length = steps; /* fills total_steps, T_max, total_iters when omitted */
    struct lrf_sched *s = NULL;
    struct lrf_error err;
    if (lrf_sched_parse(spec, &opts, &s, &err) != LRF_OK) {
        fprintf(stderr, "schedule_loop: %s\n", err.message); /* names the bad key or value */
        return 1;
    }

    struct line p = {0};
    printf("step,lr,momentum,loss\n");
    for (long t = 0; t < steps; t++) {
        double lr, momentum; /* momentum is NaN when the schedule does not drive it */
        lrf_sched_current(s, &lr, &momentum);
        double loss = gd_step(&p, lr, isnan(momentum) ? 0.9 : momentum);
        printf("%ld,%.17g,%.17g,%.17g\n", t, lr, momentum, loss);
        /* The loss is the metric of plateau(); the other kinds ignore it. */
        if (lrf_sched_step(s, loss, &err) != LRF_OK) {
            fprintf(stderr, "schedule_loop: step %ld: %s\n", t, err.message);
            lrf_sched_destroy(s);
            return 1;
        }
    }
    lrf_sched_destroy(s);
    printf("# fitted: y = %.3f x + %.3f\n", p.a, p.b);
    return 0;
}
