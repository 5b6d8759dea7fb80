/* The first 20 points of a range test of the default CNN (cnn:32,64,128 on
 * 3x32x32, batch 16) driven by lrfind's finder (exp grid, one SGD-momentum-0.9
 * step per rung on consecutive batches) against the same sweep in PyTorch
 * (tests/fixtures/model/sweep_cnn.txt from scripts/gen_model_cnn_fixtures.py).
 * Parameters and batches come from an integer hash both sides compute
 * exactly, so the fixture is only the losses. The finder's snapshot/restore
 * must bring back the parameters, the BatchNorm running statistics and the
 * optimizer state. */
#include <stdlib.h>

#include "check.h"
#include "fixture_reader.h"
#include "lrf/finder.h"
#include "lrf/model.h"
#include "lrf/optim.h"
#include "sanitizer_options.h"

/* "Within float noise": rounding differences (other summation orders in the
 * convolutions and statistics) grow step by step once the lr makes training
 * chaotic. The fixture measures PyTorch's own noise: the same sweep with
 * channels-last tensors and with 2 threads. A rung may differ from PyTorch by
 * as much as PyTorch differs from itself at that rung or any before it, and
 * always by SWEEP_FLOOR_REL (the first rungs agree to ~1e-7). */
static const double SWEEP_FLOOR_REL = 1e-5;

/* The fixture script's mix(): a 32-bit integer hash. */
static uint32_t mix(uint32_t i, uint32_t salt)
{
    uint32_t h = i * 0x9E3779B1u + salt * 0x85EBCA77u;
    h ^= h >> 16;
    h *= 0x7FEB352Du;
    h ^= h >> 15;
    h *= 0x846CA68Bu;
    h ^= h >> 16;
    return h;
}

struct sweep {
    struct lrf_model *m;
    struct lrf_optim_config oc;
    float *slots[LRF_OPTIM_SLOTS_MAX];
    float *x;
    int32_t *y;
    int B, n_in, classes;
    uint32_t batch_index, saved_index;
    void *snap;
    size_t snap_size;
};

/* Conv and linear tensors ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from the hash,
 * salt 100 + the tensor's index in model.parameters() order. */
static void hashed_params(struct lrf_model *m)
{
    uint32_t t = 0;
    for (int l = 0; l < lrf_model_n_layers(m); l++) {
        struct lrf_layer_info li;
        lrf_model_layer_info(m, l, &li);
        bool init = li.kind == LRF_LAYER_LINEAR || li.kind == LRF_LAYER_CONV2D;
        size_t off[2] = {li.weight_offset, li.bias_offset}, n[2] = {li.n_weight, li.n_bias};
        double bound = 1.0 / sqrt((double)li.in_c * (li.kind == LRF_LAYER_CONV2D ? 9 : 1));
        for (int k = 0; k < 2; k++) {
            if (!n[k])
                continue;
            for (size_t i = 0; init && i < n[k]; i++) {
                double u = (double)(mix((uint32_t)i, 100 + t) >> 8) / 16777216.0 * 2.0 - 1.0;
                lrf_model_params(m)[off[k] + i] = (float)(u * bound);
            }
            t++;
        }
    }
}

static void fill_batch(struct sweep *s)
{
    size_t n = (size_t)s->B * (size_t)s->n_in, base = s->batch_index * n;
    for (size_t i = 0; i < n; i++)
        s->x[i] = (float)((double)(mix((uint32_t)(base + i), 1) >> 20) / 1024.0 - 2.0);
    for (int r = 0; r < s->B; r++)
        s->y[r] =
            (int32_t)(mix(s->batch_index * (uint32_t)s->B + (uint32_t)r, 2) % (uint32_t)s->classes);
}

static enum lrf_status step(void *user, double lr, double momentum, double *loss)
{
    struct sweep *s = user;
    fill_batch(s);
    s->batch_index++;
    struct lrf_model_batch b = {s->x, s->y, NULL, s->B};
    float l;
    enum lrf_status st = lrf_model_train_batch(s->m, &b, 1.0f, false, &l, NULL);
    if (st)
        return st;
    double mom = isnan(momentum) ? s->oc.momentum : momentum;
    lrf_optim_step(&s->oc, lrf_model_params(s->m), lrf_model_grads(s->m), s->slots,
                   lrf_model_optim_scalars(s->m), lrf_model_n_params(s->m), lr, mom);
    *loss = l;
    return LRF_OK;
}

static enum lrf_status snapshot(void *user)
{
    struct sweep *s = user;
    lrf_model_snapshot(s->m, s->snap);
    s->saved_index = s->batch_index;
    return LRF_OK;
}

static enum lrf_status restore(void *user)
{
    struct sweep *s = user;
    s->batch_index = s->saved_index;
    return lrf_model_restore(s->m, s->snap, s->snap_size, NULL);
}

static bool open_sweep(struct sweep *s, const struct fixture *f)
{
    const double *w = fixture_get(f, "widths", NULL), *shape = fixture_get(f, "shape", NULL);
    struct lrf_model_config c = lrf_model_config_default();
    CHECK(lrf_model_parse_spec("cnn", &c, NULL) == LRF_OK);
    CHECK(c.n_hidden == 3 && c.hidden[0] == (int)w[0] && c.hidden[2] == (int)w[2]);
    c.channels = (int)shape[0], c.height = (int)shape[1], c.width = (int)shape[2];
    c.n_inputs = s->n_in = c.channels * c.height * c.width;
    c.n_classes = s->classes = (int)fixture_scalar(f, "classes");
    c.max_batch = s->B = (int)fixture_scalar(f, "batch");
    s->oc = lrf_optim_config_default(LRF_OPTIM_SGD);
    s->oc.momentum = 0.9;
    c.optim_slots = lrf_optim_state_slots(&s->oc);
    c.threads = 2;
    struct lrf_rng rng = lrf_rng_seeded(3);
    struct lrf_error err;
    if (lrf_model_create(&c, &rng, &s->m, &err) != LRF_OK) {
        CHECK_MSG(0, "create: %s", err.message);
        return false;
    }
    hashed_params(s->m);
    for (int k = 0; k < c.optim_slots; k++)
        s->slots[k] = lrf_model_optim_slot(s->m, k);
    lrf_optim_reset(&s->oc, s->slots, lrf_model_optim_scalars(s->m), lrf_model_n_params(s->m));
    s->x = malloc((size_t)s->B * (size_t)s->n_in * sizeof(float));
    s->y = malloc((size_t)s->B * sizeof(int32_t));
    s->snap_size = lrf_model_snapshot_size(s->m);
    s->snap = malloc(s->snap_size);
    return s->x && s->y && s->snap;
}

int main(void)
{
    struct fixture f;
    if (fixture_load(&f, "sweep_cnn.txt")) {
        CHECK_MSG(0, "fixture sweep_cnn.txt");
        return check_summary();
    }
    struct sweep s = {0};
    if (open_sweep(&s, &f)) {
        const double *grid = fixture_get(&f, "grid", NULL);
        long n;
        const double *want_lr = fixture_get(&f, "lr", NULL), *want = fixture_get(&f, "loss", &n);
        struct lrf_finder_config fc = lrf_finder_config_default();
        fc.start_lr = grid[0], fc.end_lr = grid[1], fc.num_iter = (size_t)grid[2];
        fc.diverge = 0; /* record every rung, as the PyTorch loop does */
        struct lrf_finder_callbacks cb = {
            .user = &s, .step = step, .snapshot = snapshot, .restore = restore};
        size_t ns = lrf_model_snapshot_size(s.m);
        char *before = malloc(ns), *after = malloc(ns);
        lrf_model_snapshot(s.m, before);
        struct lrf_finder_result *r = NULL;
        struct lrf_error err;
        CHECK(lrf_finder_run(&fc, &cb, &r, &err) == LRF_OK);
        CHECK(r && r->n == (size_t)n && n == 20);
        const double *cl = fixture_get(&f, "loss_channels_last", NULL);
        const double *t2 = fixture_get(&f, "loss_threads2", NULL);
        int bad = 0;
        double noise = SWEEP_FLOOR_REL;
        for (long k = 0; r && cl && t2 && k < n && k < (long)r->n; k++) {
            CHECK_CLOSE(r->lr[k], want_lr[k], 1e-8, 0); /* 9 digits in the fixture */
            noise = fmax(noise, fmax(fabs(cl[k] - want[k]), fabs(t2[k] - want[k])) / want[k]);
            double rel = fabs(r->loss[k] - want[k]) / fabs(want[k]);
            if (!(rel <= noise) && bad++ < 5)
                fprintf(stderr, "    rung %ld lr %g: loss %.9g, PyTorch %.9g (noise %.2g)\n", k,
                        r->lr[k], r->loss[k], want[k], noise);
        }
        CHECK_MSG(bad == 0, "%d of %ld rungs differ from PyTorch by more than its own noise", bad,
                  n);
        /* Restored: parameters, running statistics and optimizer state. */
        lrf_model_snapshot(s.m, after);
        CHECK(memcmp(before, after, ns) == 0);
        lrf_finder_result_destroy(r);
        free(before);
        free(after);
    }
    lrf_model_destroy(s.m);
    free(s.x), free(s.y), free(s.snap);
    fixture_free(&f);
    return check_summary();
}
