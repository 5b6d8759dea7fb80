/* find_lr.c: the learning-rate range test of liblrf around a model of your own.
 *
 * The model is a logistic regression written here (nothing of lrfind's model), on a
 * synthetic two-class dataset, trained with minibatch SGD and heavy-ball momentum.
 * liblrf's finder (lrf/finder.h) drives it through three callbacks: step (one SGD
 * step at the lr it asks for), snapshot and restore (the weights, the momentum buffer
 * and the data cursor). It suggests max_lr; the program checks that its model is back
 * as before the sweep, then trains one-cycle at that max_lr (lrf/sched.h).
 *
 * Build: cc find_lr.c $(pkg-config --cflags --libs lrf) -lm -o find_lr
 *    or: find_package(lrf) and target_link_libraries(find_lr PRIVATE lrf::lrf) */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lrf/finder.h"
#include "lrf/sched.h"

enum { ROWS = 1024, FEATURES = 8, BATCH = 32, EPOCHS = 3 };

/* Everything a training step changes: what snapshot and restore copy. */
struct state {
    double w[FEATURES + 1], velocity[FEATURES + 1]; /* weights, bias last */
    size_t cursor;                                  /* next row */
};

struct trainer {
    double x[ROWS][FEATURES];
    int y[ROWS];
    struct state now, saved;
    double momentum; /* used when the finder passes NaN ("keep your own") */
};

/* A reproducible normal variate (splitmix64, Box-Muller): no libc RNG state. */
static double normal(uint64_t *s)
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        u[i] = ((double)((z ^ (z >> 31)) >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

/* y = 1 when a fixed direction's score plus noise is positive (the noise keeps any
 * linear model below 100% accuracy). */
static void make_data(struct trainer *t)
{
    uint64_t seed = 1;
    for (int i = 0; i < ROWS; i++) {
        double score = 0;
        for (int j = 0; j < FEATURES; j++) {
            t->x[i][j] = normal(&seed);
            score += (j % 2 ? -1.0 : 1.0) * (j + 1) * t->x[i][j] / FEATURES;
        }
        t->y[i] = score + 0.25 * normal(&seed) > 0;
    }
}

static double logit(const double *w, const double *x)
{
    double z = w[FEATURES];
    for (int j = 0; j < FEATURES; j++)
        z += w[j] * x[j];
    return z;
}

/* Cross-entropy of label y at logit z, without overflow: log(1 + e^z) - y z. */
static double cross_entropy(double z, int y)
{
    return fmax(z, 0) + log1p(exp(-fabs(z))) - y * z;
}

/* One SGD step on the next batch; returns the batch's mean cross-entropy. */
static double sgd_step(struct trainer *t, double lr, double momentum)
{
    double grad[FEATURES + 1] = {0}, loss = 0;
    for (int b = 0; b < BATCH; b++, t->now.cursor = (t->now.cursor + 1) % ROWS) {
        const double *x = t->x[t->now.cursor];
        double z = logit(t->now.w, x), err = 1 / (1 + exp(-z)) - t->y[t->now.cursor];
        loss += cross_entropy(z, t->y[t->now.cursor]);
        for (int j = 0; j < FEATURES; j++)
            grad[j] += err * x[j] / BATCH;
        grad[FEATURES] += err / BATCH;
    }
    for (int j = 0; j <= FEATURES; j++) { /* PyTorch's SGD: v = m v + g; w -= lr v */
        t->now.velocity[j] = momentum * t->now.velocity[j] + grad[j];
        t->now.w[j] -= lr * t->now.velocity[j];
    }
    return loss / BATCH;
}

/* The mean loss and the accuracy over all rows. */
static void evaluate(const struct trainer *t, double *loss, double *accuracy)
{
    int right = 0;
    *loss = 0;
    for (int i = 0; i < ROWS; i++) {
        double z = logit(t->now.w, t->x[i]);
        *loss += cross_entropy(z, t->y[i]) / ROWS;
        right += (z > 0) == t->y[i];
    }
    *accuracy = (double)right / ROWS;
}

/* --- the finder's callbacks ------------------------------------------------------ */
static enum lrf_status step(void *user, double lr, double momentum, double *loss)
{
    struct trainer *t = user;
    *loss = sgd_step(t, lr, isnan(momentum) ? t->momentum : momentum);
    return LRF_OK;
}

static enum lrf_status snapshot(void *user)
{
    struct trainer *t = user;
    t->saved = t->now;
    return LRF_OK;
}

static enum lrf_status restore(void *user)
{
    struct trainer *t = user;
    t->now = t->saved;
    return LRF_OK;
}

/* One-cycle at max_lr for EPOCHS epochs; the schedule also drives the momentum. */
static int train_one_cycle(struct trainer *t, double max_lr)
{
    char spec[64];
    snprintf(spec, sizeof spec, "onecycle(max_lr=%.17g)", max_lr);
    struct lrf_sched_parse_options opts = lrf_sched_parse_options_default();
    opts.run_length = EPOCHS * ROWS / BATCH; /* fills total_steps */
    struct lrf_sched *s = NULL;
    struct lrf_error err;
    if (lrf_sched_parse(spec, &opts, &s, &err) != LRF_OK) {
        fprintf(stderr, "find_lr: %s\n", err.message);
        return 1;
    }
    for (long i = 0; i < opts.run_length; i++) {
        double lr, momentum;
        lrf_sched_current(s, &lr, &momentum);
        sgd_step(t, lr, momentum);
        lrf_sched_step(s, NAN, NULL);
    }
    lrf_sched_destroy(s);
    return 0;
}

int main(void)
{
    struct trainer trainer = {0}, *t = &trainer;
    make_data(t);
    t->momentum = 0.9;
    struct state before = t->now;
    double loss, acc;
    evaluate(t, &loss, &acc);
    printf("data: %d rows, %d features; initial model: loss %.4f, accuracy %.3f\n", ROWS, FEATURES,
           loss, acc);

    /* 100 steps from 1e-7 to 1e4: the logistic loss grows only linearly in the weights,
     * so it needs a wider range than the default end (10) to show the divergence. */
    struct lrf_finder_config cfg = lrf_finder_config_default();
    cfg.end_lr = 1e4;
    cfg.total_steps = EPOCHS * ROWS / BATCH; /* so the hand-off SPEC is complete */
    struct lrf_finder_callbacks cb = {
        .user = t, .step = step, .snapshot = snapshot, .restore = restore};
    struct lrf_finder_result *r = NULL;
    struct lrf_error err;
    if (lrf_finder_run(&cfg, &cb, &r, &err) != LRF_OK) {
        fprintf(stderr, "find_lr: %s\n", err.message);
        lrf_finder_result_destroy(r);
        return 1;
    }
    bool restored = memcmp(&before, &t->now, sizeof before) == 0;
    printf("sweep: %zu steps, stopped: %s\n", r->n, lrf_finder_stop_name(r->stop_reason));
    printf("model restored: %s\n", restored ? "yes" : "no");
    if (!r->suggestion[r->recommended].valid) {
        printf("no suggestion: %s\n", r->advice);
        lrf_finder_result_destroy(r);
        return 1;
    }
    double max_lr = r->one_cycle_max_lr;
    printf("suggested max_lr: %.4g (rule %s)\n", max_lr, lrf_finder_rule_name(r->recommended));
    printf("schedule: %s\n", r->one_cycle_spec);
    lrf_finder_result_destroy(r);

    if (train_one_cycle(t, max_lr) != 0)
        return 1;
    evaluate(t, &loss, &acc);
    printf("after %d epochs of one-cycle: loss %.4f, accuracy %.3f\n", EPOCHS, loss, acc);
    return restored ? 0 : 1;
}
