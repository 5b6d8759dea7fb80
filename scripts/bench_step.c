/* Training-step throughput of lrfind's model + optimizer, the same workload as
 * /work/shared/bench/torch_step.py: MLP DIMS with ReLU, batch B, SGD momentum 0.9,
 * cross-entropy, data in memory (a 60000-row random matrix sliced as torch_step.py
 * does). Built and run by scripts/bench_step.sh.
 *
 * With "bound" as the fifth argument it instead times, in isolation, each
 * cblas_sgemm call of one training step (same shapes and transposes, repeated
 * as sgemm_peak.c does) and prints their sum: the time a step would take if it
 * were nothing but its matrix products at OpenBLAS's measured speed.
 *
 * Usage: bench_step [THREADS] [BATCH] [DIMS] [SECONDS] [bound] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "lrf/clock.h"
#include "lrf/model.h"
#include "lrf/optim.h"
#include "lrf/rng.h"

enum { ROWS = 60000 };

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

/* The step's GEMMs as src/model/model_pass.c issues them. */
static int bound(int B, const int *dims, int nd, double seconds)
{
    double total = 0, flops = 0;
    for (int l = 0; l < nd - 1; l++) {
        int in = dims[l], out = dims[l + 1];
        double f = time_gemm(B, out, in, 0, 1, seconds);             /* forward: X W^T */
        double w = time_gemm(out, in, B, 1, 0, seconds);             /* dW = dZ^T X */
        double d = l > 0 ? time_gemm(B, in, out, 0, 0, seconds) : 0; /* dX = dZ W */
        total += f + w + d;
        flops += 2.0 * B * in * out * (l > 0 ? 3 : 2);
        printf("  layer %d %dx%d: forward %.1f us, weight grad %.1f us, input grad %.1f us\n", l,
               in, out, f * 1e6, w * 1e6, d * 1e6);
    }
    printf("sgemm bound threads=%d B=%d: %.3f ms/step (%.1f MFLOP, %.1f GFLOP/s), %.0f samples/s\n",
           lrf_model_get_threads(), B, total * 1e3, flops / 1e6, flops / total / 1e9, B / total);
    return 0;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2;
    int B = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 128;
    const char *dims_text = argc > 3 ? argv[3] : "784,512,256,10";
    double seconds = argc > 4 ? strtod(argv[4], NULL) : 3.0;
    int dims[32], nd = 0;
    for (const char *p = dims_text; *p && nd < 32;) {
        char *end;
        dims[nd++] = (int)strtol(p, &end, 10);
        p = *end == ',' ? end + 1 : end;
        if (end == p && *p)
            break;
    }
    if (nd < 2 || B < 1 || threads < 1) {
        fprintf(stderr, "usage: bench_step [THREADS] [BATCH] [DIMS] [SECONDS]\n");
        return 2;
    }
    lrf_model_set_threads(threads);
    if (argc > 5 && !strcmp(argv[5], "bound"))
        return bound(B, dims, nd, seconds / 10);
    struct lrf_optim_config oc = lrf_optim_config_default(LRF_OPTIM_SGD);
    oc.lr = 0.01;
    oc.momentum = 0.9;
    struct lrf_model_config mc = lrf_model_config_default();
    mc.n_inputs = dims[0];
    mc.n_classes = dims[nd - 1];
    mc.n_hidden = nd - 2;
    for (int i = 0; i < nd - 2; i++)
        mc.hidden[i] = dims[i + 1];
    mc.max_batch = B;
    mc.optim_slots = lrf_optim_state_slots(&oc);
    struct lrf_rng rng = lrf_rng_seeded(0);
    struct lrf_model *m;
    struct lrf_error err;
    if (lrf_model_create(&mc, &rng, &m, &err) != LRF_OK) {
        fprintf(stderr, "bench_step: %s\n", err.message);
        return 1;
    }
    size_t D = (size_t)dims[0];
    float *X = malloc(ROWS * D * sizeof(float));
    int32_t *Y = malloc(ROWS * sizeof(int32_t));
    if (!X || !Y)
        return 1;
    for (size_t i = 0; i < ROWS * D; i++)
        X[i] = (float)(2 * lrf_rng_uniform(&rng) - 1);
    for (size_t i = 0; i < ROWS; i++)
        Y[i] = (int32_t)lrf_rng_below(&rng, (uint64_t)mc.n_classes);
    float *slots[LRF_MODEL_OPTIM_SLOTS_MAX];
    for (int s = 0; s < mc.optim_slots; s++)
        slots[s] = lrf_model_optim_slot(m, s);
    size_t np = lrf_model_n_params(m);
    float loss = 0;
    long n = 0;
    double t0 = 0;
    for (long i = 0;; i++) {
        if (i == 20) /* warm-up done, as torch_step.py */
            t0 = lrf_clock_seconds();
        size_t s = ((size_t)i * (size_t)B) % (ROWS - (size_t)B);
        lrf_model_forward_backward(m, X + s * D, Y + s, B, &loss, NULL);
        lrf_optim_step(&oc, lrf_model_params(m), lrf_model_grads(m), slots,
                       lrf_model_optim_scalars(m), np, oc.lr, oc.momentum);
        if (i >= 20) {
            n++;
            if (lrf_clock_seconds() - t0 >= seconds)
                break;
        }
    }
    double dt = (lrf_clock_seconds() - t0) / (double)n;
    double fl = 0;
    for (int i = 0; i < nd - 1; i++)
        fl += 6.0 * B * dims[i] * dims[i + 1];
    printf("lrfind threads=%d B=%d dims=%s: %.3f ms/step, %.0f samples/s, %.1f GFLOP/s "
           "(loss %.4f)\n",
           threads, B, dims_text, dt * 1e3, B / dt, fl / dt / 1e9, (double)loss);
    free(X);
    free(Y);
    lrf_model_destroy(m);
    return 0;
}
