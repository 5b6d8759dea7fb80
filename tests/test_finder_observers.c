/* Observers (progress, interrupted) have their own context, separate from the client's
 * user pointer, so two finders can run in one process at once, each with its own
 * progress count and its own stop request: here in two threads. */
#include <pthread.h>
#include <string.h>

#include "check.h"
#include "lrf/finder.h"

/* A client: plain SGD on f(w) = w^2 / 2 from w = 1 (diverges once lr > 2). */
struct client {
    double w, saved;
    long progress_seen; /* progress calls that received this client as their context */
};

static enum lrf_status step(void *user, double lr, double momentum, double *loss)
{
    (void)momentum;
    struct client *c = user;
    *loss = 0.5 * c->w * c->w;
    c->w -= lr * c->w;
    return LRF_OK;
}

static enum lrf_status snapshot(void *user)
{
    struct client *c = user;
    c->saved = c->w;
    return LRF_OK;
}

static enum lrf_status restore(void *user)
{
    struct client *c = user;
    c->w = c->saved;
    return LRF_OK;
}

struct observer {
    long progress_calls; /* rungs reported */
    long stop_after;     /* interrupted() is true after this many rungs (-1: never) */
    bool in_order;       /* every report was the next rung of run 0 */
};

static void on_progress(void *ctx, const struct lrf_finder_progress *p)
{
    struct observer *o = ctx;
    o->in_order &= p->run == 0 && p->iter == (size_t)o->progress_calls;
    o->progress_calls++;
}

static void count_on_client(void *ctx, const struct lrf_finder_progress *p)
{
    (void)p;
    struct client *c = ctx;
    c->progress_seen++;
}

static bool on_interrupted(void *ctx)
{
    struct observer *o = ctx;
    return o->stop_after >= 0 && o->progress_calls >= o->stop_after;
}

struct job {
    struct client client;
    struct observer obs;
    struct lrf_finder_result *result;
    enum lrf_status status;
};

static void *run_job(void *arg)
{
    struct job *j = arg;
    struct lrf_finder_config cfg = lrf_finder_config_default();
    cfg.start_lr = 1e-3;
    cfg.end_lr = 10;
    cfg.num_iter = 200;
    struct lrf_finder_callbacks cb = {
        .user = &j->client,
        .step = step,
        .snapshot = snapshot,
        .restore = restore,
        .observer = &j->obs,
        .progress = on_progress,
        .interrupted = on_interrupted,
    };
    struct lrf_error err;
    j->status = lrf_finder_run(&cfg, &cb, &j->result, &err);
    return NULL;
}

static void test_two_finders_at_once(void)
{
    struct job a = {.client = {1.0, 0, 0}, .obs = {.stop_after = -1, .in_order = true}};
    struct job b = {.client = {1.0, 0, 0}, .obs = {.stop_after = 10, .in_order = true}};
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, run_job, &a) == 0);
    CHECK(pthread_create(&tb, NULL, run_job, &b) == 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    /* a ran its sweep with its own count; b stopped at its own request. */
    CHECK(a.status == LRF_OK && a.result && a.result->stop_reason != LRF_FINDER_STOP_INTERRUPTED);
    CHECK(a.result && a.obs.progress_calls == (long)a.result->n && a.result->n > 10);
    CHECK(b.status == LRF_ERR_INTERRUPTED && b.result);
    CHECK(b.result && b.result->stop_reason == LRF_FINDER_STOP_INTERRUPTED && b.result->n == 10);
    CHECK(b.obs.progress_calls == 10);
    CHECK(a.obs.in_order && b.obs.in_order);
    CHECK(a.client.w == 1.0 && b.client.w == 1.0); /* both restored */
    lrf_finder_result_destroy(a.result);
    lrf_finder_result_destroy(b.result);
}

/* Without an observer the observers get the client's pointer, as before. */
static void test_observer_defaults_to_user(void)
{
    struct client c = {1.0, 0, 0};
    struct lrf_finder_config cfg = lrf_finder_config_default();
    cfg.num_iter = 20;
    struct lrf_finder_callbacks cb = {.user = &c, .step = step, .progress = count_on_client};
    struct lrf_finder_result *r = NULL;
    struct lrf_error err;
    CHECK(lrf_finder_run(&cfg, &cb, &r, &err) == LRF_OK);
    CHECK(r && c.progress_seen == (long)r->n);
    lrf_finder_result_destroy(r);
}

int main(void)
{
    test_two_finders_at_once();
    test_observer_defaults_to_user();
    return check_summary();
}
