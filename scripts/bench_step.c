/* Training-step throughput of lrfind's model + optimizer, the same workload as
 * /work/shared/bench/torch_step.py: MLP DIMS with ReLU, batch B, SGD momentum 0.9,
 * cross-entropy, data in memory (a 60000-row random matrix sliced as torch_step.py
 * does). Built and run by scripts/bench_step.sh.
 *
 * "bound" mode instead times, in isolation, each cblas_sgemm call of one
 * training step (same shapes and transposes, repeated as sgemm_peak.c does) and
 * reports their sum: the time a step would take if it were nothing but its
 * matrix products at OpenBLAS's measured speed.
 *
 * As a program:  bench_step [THREADS] [BATCH] [DIMS] [SECONDS] [bound]
 * As a shared library (-DLRF_BENCH_NO_MAIN), for scripts/bench_step_paired.py:
 *   bench_init(B, "784,512,256,10") -> 0 on success
 *   bench_steps(threads, seconds)   -> samples/s of training steps
 *   bench_bound(threads, seconds)   -> samples/s of the sgemm bound
 * Both leave OpenBLAS at the thread count it had before the call. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "bench_common.h"
#include "lrf/clock.h"
#include "lrf/model.h"
#include "lrf/optim.h"
#include "lrf/rng.h"

enum { ROWS = 60000, DIMS_MAX = 32 };

int bench_init(int batch, const char *dims_text);
double bench_steps(int threads, double seconds);
double bench_bound(int threads, double seconds);

static struct {
    int B, nd, dims[DIMS_MAX];
    struct lrf_optim_config oc;
    struct lrf_model *m;
    float *X;
    int32_t *Y;
    float *slots[LRF_OPTIM_SLOTS_MAX];
    long cursor;
    float loss;
} bench;

int bench_init(int batch, const char *dims_text)
{
    int nd = 0;
    for (const char *p = dims_text; *p && nd < DIMS_MAX;) {
        char *end;
        bench.dims[nd++] = (int)strtol(p, &end, 10);
        if (end == p)
            return -1;
        p = *end == ',' ? end + 1 : end;
    }
    if (nd < 2 || batch < 1)
        return -1;
    bench.B = batch;
    bench.nd = nd;
    bench.oc = lrf_optim_config_default(LRF_OPTIM_SGD);
    bench.oc.lr = 0.01;
    bench.oc.momentum = 0.9;
    struct lrf_model_config mc = lrf_model_config_default();
    mc.n_inputs = bench.dims[0];
    mc.n_classes = bench.dims[nd - 1];
    mc.n_hidden = nd - 2;
    for (int i = 0; i < nd - 2; i++)
        mc.hidden[i] = bench.dims[i + 1];
    mc.max_batch = batch;
    mc.optim_slots = lrf_optim_state_slots(&bench.oc);
    struct lrf_rng rng = lrf_rng_seeded(0);
    struct lrf_error err;
    if (lrf_model_create(&mc, &rng, &bench.m, &err) != LRF_OK) {
        fprintf(stderr, "bench_step: %s\n", err.message);
        return -1;
    }
    size_t D = (size_t)bench.dims[0];
    bench.X = malloc(ROWS * D * sizeof(float));
    bench.Y = malloc(ROWS * sizeof(int32_t));
    if (!bench.X || !bench.Y)
        return -1;
    for (size_t i = 0; i < ROWS * D; i++)
        bench.X[i] = (float)(2 * lrf_rng_uniform(&rng) - 1);
    for (size_t i = 0; i < ROWS; i++)
        bench.Y[i] = (int32_t)lrf_rng_below(&rng, (uint64_t)mc.n_classes);
    for (int s = 0; s < mc.optim_slots; s++)
        bench.slots[s] = lrf_model_optim_slot(bench.m, s);
    return 0;
}

static void one_step(void)
{
    size_t B = (size_t)bench.B, D = (size_t)bench.dims[0];
    size_t s = ((size_t)bench.cursor++ * B) % (ROWS - B);
    lrf_model_forward_backward(bench.m, bench.X + s * D, bench.Y + s, bench.B, &bench.loss, NULL);
    lrf_optim_step(&bench.oc, lrf_model_params(bench.m), lrf_model_grads(bench.m), bench.slots,
                   lrf_model_optim_scalars(bench.m), lrf_model_n_params(bench.m), bench.oc.lr,
                   bench.oc.momentum);
}

double bench_steps(int threads, double seconds)
{
    int before = lrf_model_get_threads();
    lrf_model_set_threads(threads);
    double rate = bench_rate(one_step, bench.B, 3, seconds);
    lrf_model_set_threads(before);
    return rate;
}

/* Seconds per call of one sgemm shape, repeated for about `seconds`. */
static double time_gemm(int M, int N, int K, int ta, int tb, double seconds)
{
    float *A = malloc(sizeof(float) * (size_t)M * (size_t)K);
    float *B = malloc(sizeof(float) * (size_t)K * (size_t)N);
    float *C = malloc(sizeof(float) * (size_t)M * (size_t)N);
    for (long i = 0; i < (long)M * K; i++)
        A[i] = (float)(i % 97) / 97.0f;
    for (long i = 0; i < (long)K * N; i++)
        B[i] = (float)(i % 89) / 89.0f;
    long reps = 0;
    double t0 = lrf_clock_seconds(), t;
    do {
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    M, N, K, 1.f, A, ta ? M : K, B, tb ? K : N, 0.f, C, N);
        reps++;
    } while ((t = lrf_clock_seconds() - t0) < seconds);
    free(A);
    free(B);
    free(C);
    return t / (double)reps;
}

/* The step's GEMMs as src/model/model_pass.c issues them; verbose prints each. */
static double bound_seconds(double seconds, int verbose)
{
    double total = 0;
    int gemms = 3 * (bench.nd - 1) - 1;
    for (int l = 0; l < bench.nd - 1; l++) {
        int in = bench.dims[l], out = bench.dims[l + 1], B = bench.B;
        double f = time_gemm(B, out, in, 0, 1, seconds / gemms);             /* forward: X W^T */
        double w = time_gemm(out, in, B, 1, 0, seconds / gemms);             /* dW = dZ^T X */
        double d = l > 0 ? time_gemm(B, in, out, 0, 0, seconds / gemms) : 0; /* dX = dZ W */
        total += f + w + d;
        if (verbose)
            printf("  layer %d %dx%d: forward %.1f us, weight grad %.1f us, input grad %.1f us\n",
                   l, in, out, f * 1e6, w * 1e6, d * 1e6);
    }
    return total;
}

double bench_bound(int threads, double seconds)
{
    int before = lrf_model_get_threads();
    lrf_model_set_threads(threads);
    double s = bound_seconds(seconds, 0);
    lrf_model_set_threads(before);
    return bench.B / s;
}

#ifndef LRF_BENCH_NO_MAIN
int main(int argc, char **argv)
{
    int threads = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2;
    int B = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 128;
    const char *dims_text = argc > 3 ? argv[3] : "784,512,256,10";
    double seconds = argc > 4 ? strtod(argv[4], NULL) : 3.0;
    if (threads < 1 || bench_init(B, dims_text) != 0) {
        fprintf(stderr, "usage: bench_step [THREADS] [BATCH] [DIMS] [SECONDS] [bound]\n");
        return 2;
    }
    double flops = 0;
    for (int i = 0; i < bench.nd - 1; i++)
        flops += 2.0 * B * bench.dims[i] * bench.dims[i + 1] * (i > 0 ? 3 : 2);
    lrf_model_set_threads(threads);
    if (argc > 5 && !strcmp(argv[5], "bound")) {
        double s = bound_seconds(seconds / 3, 1);
        printf("sgemm bound threads=%d B=%d: %.3f ms/step (%.1f MFLOP, %.1f GFLOP/s), "
               "%.0f samples/s\n",
               threads, B, s * 1e3, flops / 1e6, flops / s / 1e9, B / s);
        return 0;
    }
    for (int i = 0; i < 17; i++) /* 20 warm-up steps in all, as torch_step.py */
        one_step();
    double sps = bench_steps(threads, seconds), dt = B / sps;
    printf("lrfind threads=%d B=%d dims=%s: %.3f ms/step, %.0f samples/s, %.1f GFLOP/s "
           "(loss %.4f)\n",
           threads, B, dims_text, dt * 1e3, sps, flops / dt / 1e9, (double)bench.loss);
    free(bench.X);
    free(bench.Y);
    lrf_model_destroy(bench.m);
    return 0;
}
#endif
