/* Training-step throughput of lrfind's CNN + SGD momentum 0.9 (cross-entropy,
 * random data in memory, consecutive batches), and where the step's time goes:
 * the convolutions (oneDNN, forward + both gradients, with their weight
 * reorders) and the linear head's sgemm calls, each timed in isolation on the
 * buffers a real step left behind, as a fraction of a full step. Built and run
 * by scripts/bench_cnn.sh; scripts/bench_cnn_paired.py loads it with ctypes
 * beside PyTorch.
 *
 * The model's thread count is part of its configuration (oneDNN plans its
 * kernels for it), so there is one model per thread count, 1 and 2.
 *
 * As a shared library (-DLRF_BENCH_NO_MAIN):
 *   bench_cnn_init(B, "32,64,128", C, H, W) -> 0 on success
 *   bench_cnn_steps(threads, seconds) -> samples/s of training steps
 *   bench_cnn_parts(threads, seconds, out[5]) -> seconds per step of: a full
 *       step, its convolutions, its sgemm calls; FLOPs per step; seconds per
 *       step of BatchNorm + ReLU + max-pool
 * As a program: bench_cnn [THREADS] [BATCH] [WIDTHS] [SECONDS] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "lrf/clock.h"
#include "lrf/model.h"
#include "lrf/optim.h"
#include "lrf/rng.h"
#include "model/model_internal.h"

enum { ROWS = 2048, THREADS_MAX = 2 };

int bench_cnn_init(int batch, const char *widths, int c, int h, int w);
double bench_cnn_steps(int threads, double seconds);
int bench_cnn_parts(int threads, double seconds, double *out);

static struct {
    int B, D;
    struct lrf_optim_config oc;
    struct lrf_model *models[THREADS_MAX + 1], *m;
    float *X;
    int32_t *Y;
    float *slots[LRF_OPTIM_SLOTS_MAX];
    long cursor;
    float loss;
} bench;

int bench_cnn_init(int batch, const char *widths, int c, int h, int w)
{
    char spec[128];
    snprintf(spec, sizeof spec, "cnn:%s", widths);
    struct lrf_model_config mc = lrf_model_config_default();
    struct lrf_error err;
    if (lrf_model_parse_spec(spec, &mc, &err) != LRF_OK) {
        fprintf(stderr, "bench_cnn: %s\n", err.message);
        return -1;
    }
    bench.B = batch;
    bench.D = c * h * w;
    bench.oc = lrf_optim_config_default(LRF_OPTIM_SGD);
    bench.oc.momentum = 0.9;
    mc.channels = c, mc.height = h, mc.width = w, mc.n_inputs = bench.D;
    mc.n_classes = 10;
    mc.max_batch = batch;
    mc.optim_slots = lrf_optim_state_slots(&bench.oc);
    struct lrf_rng rng = lrf_rng_seeded(0);
    for (int t = 1; t <= THREADS_MAX; t++) {
        mc.threads = t;
        struct lrf_rng init = lrf_rng_seeded(0);
        if (lrf_model_create(&mc, &init, &bench.models[t], &err) != LRF_OK) {
            fprintf(stderr, "bench_cnn: %s\n", err.message);
            return -1;
        }
    }
    bench.m = bench.models[1];
    bench.X = malloc((size_t)ROWS * (size_t)bench.D * sizeof(float));
    bench.Y = malloc(ROWS * sizeof(int32_t));
    if (!bench.X || !bench.Y)
        return -1;
    for (size_t i = 0; i < (size_t)ROWS * (size_t)bench.D; i++)
        bench.X[i] = (float)(2 * lrf_rng_uniform(&rng) - 1);
    for (size_t i = 0; i < ROWS; i++)
        bench.Y[i] = (int32_t)lrf_rng_below(&rng, 10);
    return 0;
}

static void one_step(void)
{
    for (int k = 0; k < bench.m->cfg.optim_slots; k++)
        bench.slots[k] = lrf_model_optim_slot(bench.m, k);
    size_t B = (size_t)bench.B, s = ((size_t)bench.cursor++ * B) % (ROWS - B + 1);
    lrf_model_forward_backward(bench.m, bench.X + s * (size_t)bench.D, bench.Y + s, bench.B,
                               &bench.loss, NULL);
    lrf_optim_step(&bench.oc, lrf_model_params(bench.m), lrf_model_grads(bench.m), bench.slots,
                   lrf_model_optim_scalars(bench.m), lrf_model_n_params(bench.m), 0.01, 0.9);
}

static void set_threads(int threads)
{
    bench.m = bench.models[threads < 1 ? 1 : threads > THREADS_MAX ? THREADS_MAX : threads];
}

double bench_cnn_steps(int threads, double seconds)
{
    set_threads(threads);
    return bench_rate(one_step, bench.B, 2, seconds);
}

static double step_flops(void)
{
    double f = 0;
    for (int l = 0; l < bench.m->n_layers; l++) {
        const struct layer *L = &bench.m->layers[l];
        double pass = 2.0 * bench.B * (double)L->out_h * L->out_w * (double)L->n_w;
        if (L->kind == LRF_LAYER_CONV2D || L->kind == LRF_LAYER_LINEAR)
            f += pass * (L->din ? 3 : 2); /* forward, weight gradient, input gradient */
    }
    return f;
}

/* Seconds per repetition of the step's convolutions (kind CONV2D) or its
 * linear layers, forward and backward, with the model's threads in effect. */
static double time_kind(enum lrf_layer_kind kind, double seconds)
{
    struct lrf_model *m = bench.m;
    struct model_threads saved;
    model_threads_enter(m, &saved);
    long reps = 0;
    double t0 = lrf_clock_seconds(), t;
    do {
        for (int l = 0; l < m->n_layers; l++) {
            struct layer *L = &m->layers[l];
            if (L->kind != kind)
                continue;
            if (kind == LRF_LAYER_CONV2D) {
                conv_forward(m, L, NULL);
                conv_backward(m, L, false, NULL);
            } else if (kind == LRF_LAYER_BATCHNORM) {
                bn_pool_forward(m, L, L + 1, m->layers[l - 1].out, bench.B, true);
                bn_pool_backward(m, L, L + 1, m->layers[l - 1].out, bench.B, false);
            } else {
                linear_forward(m, L, m->layers[l - 1].out, bench.B);
                linear_backward(m, L, m->layers[l - 1].out, bench.B, false);
            }
        }
        reps++;
    } while ((t = lrf_clock_seconds() - t0) < seconds);
    model_threads_leave(m, &saved);
    return t / (double)reps;
}

int bench_cnn_parts(int threads, double seconds, double *out)
{
    set_threads(threads);
    out[0] = bench.B / bench_cnn_steps(threads, seconds / 2);
    out[1] = time_kind(LRF_LAYER_CONV2D, seconds / 4);
    out[2] = time_kind(LRF_LAYER_LINEAR, seconds / 4);
    out[3] = step_flops();
    out[4] = time_kind(LRF_LAYER_BATCHNORM, seconds / 4);
    one_step(); /* leave consistent buffers (the parts overwrote gradients) */
    return 0;
}

#ifndef LRF_BENCH_NO_MAIN
int main(int argc, char **argv)
{
    int threads = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2;
    int B = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 128;
    const char *widths = argc > 3 ? argv[3] : "32,64,128";
    double seconds = argc > 4 ? strtod(argv[4], NULL) : 3.0;
    if (threads < 1 || bench_cnn_init(B, widths, 3, 32, 32) != 0) {
        fprintf(stderr, "usage: bench_cnn [THREADS] [BATCH] [WIDTHS] [SECONDS]\n");
        return 2;
    }
    double p[5];
    bench_cnn_parts(threads, seconds, p);
    printf("lrfind cnn:%s threads=%d B=%d: %.1f ms/step, %.0f samples/s, %.2f GFLOP/step, "
           "%.1f GFLOP/s; convolutions %.0f%%, sgemm %.2f%%, batchnorm+pool %.0f%% of the step "
           "(loss %.4f)\n",
           widths, threads, B, p[0] * 1e3, B / p[0], p[3] / 1e9, p[3] / p[0] / 1e9,
           100 * p[1] / p[0], 100 * p[2] / p[0], 100 * p[4] / p[0], (double)bench.loss);
    free(bench.X);
    free(bench.Y);
    for (int t = 1; t <= THREADS_MAX; t++)
        lrf_model_destroy(bench.models[t]);
    return 0;
}
#endif
