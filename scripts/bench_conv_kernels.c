/* The measurement behind the convolution kernel choice (docs/model.md):
 * the three convolutions of cnn:32,64,128 at batch 128 on 3x32x32 (forward,
 * weight gradient, input gradient but for the first), NHWC activations, two
 * ways, interleaved round by round with 1 and 2 threads:
 *
 *   im2col: the input patches of a chunk of samples as a (pixels, 9*C) matrix,
 *     then OpenBLAS cblas_sgemm for the output (col * W^T), the weight gradient
 *     (dY^T * col, accumulated over chunks) and the patch gradient (dY * W),
 *     scattered back (col2im). Weights (out, 3, 3, in), chunk sizes 8..128;
 *   oneDNN: its convolution primitives (what PyTorch's CPU convolutions call),
 *     with the weight reorders each pass as the model does.
 *
 * Both produce the same numbers (checked); the GFLOP/s count the useful
 * multiply-adds only. Build and run: scripts/bench_conv_kernels.sh */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void omp_set_num_threads(int n); /* libgomp, oneDNN's threading */

enum { B = 128, LAYERS = 3, ROUNDS_DEFAULT = 5 };

struct shape {
    int C, H, W, O;
};
static const struct shape L[LAYERS] = {{3, 32, 32, 32}, {32, 16, 16, 64}, {64, 8, 8, 128}};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *randoms(size_t n, unsigned seed)
{
    float *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
    }
    return p;
}

/* ---- im2col + sgemm ------------------------------------------------------ */

static void im2col(const struct shape *s, const float *in, int nb, float *col)
{
    const size_t K = 9 * (size_t)s->C, C = (size_t)s->C;
    for (int b = 0; b < nb; b++)
        for (int y = 0; y < s->H; y++)
            for (int x = 0; x < s->W; x++) {
                float *row = col + (((size_t)b * s->H + y) * s->W + x) * K;
                for (int ky = 0; ky < 3; ky++) {
                    int iy = y + ky - 1;
                    float *seg = row + (size_t)ky * 3 * C;
                    if (iy < 0 || iy >= s->H) {
                        memset(seg, 0, 3 * C * sizeof(float));
                        continue;
                    }
                    const float *src = in + (((size_t)b * s->H + iy) * s->W) * C;
                    if (x >= 1 && x + 1 < s->W) { /* the three pixels are contiguous */
                        memcpy(seg, src + (size_t)(x - 1) * C, 3 * C * sizeof(float));
                        continue;
                    }
                    for (int kx = 0; kx < 3; kx++) {
                        int ix = x + kx - 1;
                        if (ix < 0 || ix >= s->W)
                            memset(seg + kx * C, 0, C * sizeof(float));
                        else
                            memcpy(seg + kx * C, src + (size_t)ix * C, C * sizeof(float));
                    }
                }
            }
}

static void col2im(const struct shape *s, const float *col, int nb, float *din)
{
    const size_t K = 9 * (size_t)s->C, C = (size_t)s->C;
    memset(din, 0, (size_t)nb * s->H * s->W * C * sizeof(float));
    for (int b = 0; b < nb; b++)
        for (int y = 0; y < s->H; y++)
            for (int x = 0; x < s->W; x++) {
                const float *row = col + (((size_t)b * s->H + y) * s->W + x) * K;
                for (int k = 0; k < 9; k++) {
                    int iy = y + k / 3 - 1, ix = x + k % 3 - 1;
                    if (iy < 0 || iy >= s->H || ix < 0 || ix >= s->W)
                        continue;
                    float *d = din + (((size_t)b * s->H + iy) * s->W + ix) * C;
                    for (size_t c = 0; c < C; c++)
                        d[c] += row[k * C + c];
                }
            }
}

/* One layer's forward + backward with weights w (O, 3, 3, C). */
static void im2col_pass(const struct shape *s, const float *in, const float *w, float *out,
                        const float *dout, float *dw, float *din, int chunk, float *col)
{
    const int K = 9 * s->C, P = s->H * s->W;
    for (int b0 = 0; b0 < B; b0 += chunk) {
        int nb = B - b0 < chunk ? B - b0 : chunk, M = nb * P;
        im2col(s, in + (size_t)b0 * P * s->C, nb, col);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, s->O, K, 1.0f, col, K, w, K, 0.0f,
                    out + (size_t)b0 * P * s->O, s->O);
    }
    for (int b0 = 0; b0 < B; b0 += chunk) {
        int nb = B - b0 < chunk ? B - b0 : chunk, M = nb * P;
        const float *dz = dout + (size_t)b0 * P * s->O;
        im2col(s, in + (size_t)b0 * P * s->C, nb, col);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, s->O, K, M, 1.0f, dz, s->O, col, K,
                    b0 ? 1.0f : 0.0f, dw, K);
        if (!din)
            continue;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, K, s->O, 1.0f, dz, s->O, w, K,
                    0.0f, col, K);
        col2im(s, col, nb, din + (size_t)b0 * P * s->C);
    }
}

/* ---- oneDNN ------------------------------------------------------------- */

#define CK(x)                                                                                      \
    do {                                                                                           \
        if ((x) != dnnl_success) {                                                                 \
            fprintf(stderr, "oneDNN: %s failed\n", #x);                                            \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static dnnl_engine_t eng;
static dnnl_stream_t strm;

struct dn {
    dnnl_primitive_t fwd, bww, bwd, re_f, re_b, re_dw;
    dnnl_memory_t src, w, wf, wb, dst, ddst, dsrc, dw, dwu;
};

static dnnl_memory_t mem(const dnnl_memory_desc_t *md, void *h)
{
    dnnl_memory_t m;
    CK(dnnl_memory_create(&m, md, eng, h ? h : DNNL_MEMORY_ALLOCATE));
    return m;
}

static dnnl_primitive_t reorder(const dnnl_memory_desc_t *a, const dnnl_memory_desc_t *b)
{
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t p;
    CK(dnnl_reorder_primitive_desc_create(&pd, a, eng, b, eng, NULL));
    CK(dnnl_primitive_create(&p, pd));
    return p;
}

/* wu: weights in (O, C, 3, 3) as the model keeps them. */
static void dn_init(struct dn *d, const struct shape *s, float *src, float *wu, float *dst,
                    float *ddst, float *dsrc, float *dwu)
{
    dnnl_dims_t sd = {B, s->C, s->H, s->W}, wd = {s->O, s->C, 3, 3}, dd = {B, s->O, s->H, s->W};
    dnnl_dims_t one = {1, 1}, pad = {1, 1};
    dnnl_memory_desc_t smd, dmd, any, wmd;
    CK(dnnl_memory_desc_init_by_tag(&smd, 4, sd, dnnl_f32, dnnl_nhwc));
    CK(dnnl_memory_desc_init_by_tag(&dmd, 4, dd, dnnl_f32, dnnl_nhwc));
    CK(dnnl_memory_desc_init_by_tag(&any, 4, wd, dnnl_f32, dnnl_format_tag_any));
    CK(dnnl_memory_desc_init_by_tag(&wmd, 4, wd, dnnl_f32, dnnl_oihw));
    dnnl_convolution_desc_t cd;
    dnnl_primitive_desc_t fpd, wpd, dpd;
    CK(dnnl_convolution_forward_desc_init(&cd, dnnl_forward_training, dnnl_convolution_direct, &smd,
                                          &any, NULL, &dmd, one, pad, pad));
    CK(dnnl_primitive_desc_create(&fpd, &cd, NULL, eng, NULL));
    CK(dnnl_convolution_backward_weights_desc_init(&cd, dnnl_convolution_direct, &smd, &any, NULL,
                                                   &dmd, one, pad, pad));
    CK(dnnl_primitive_desc_create(&wpd, &cd, NULL, eng, fpd));
    CK(dnnl_primitive_create(&d->fwd, fpd));
    CK(dnnl_primitive_create(&d->bww, wpd));
    const dnnl_memory_desc_t *wf = dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *dw = dnnl_primitive_desc_query_md(wpd, dnnl_query_diff_weights_md, 0);
    d->src = mem(&smd, src), d->dst = mem(&dmd, dst), d->ddst = mem(&dmd, ddst);
    d->w = mem(&wmd, wu), d->wf = mem(wf, NULL), d->re_f = reorder(&wmd, wf);
    d->dw = mem(dw, NULL), d->dwu = mem(&wmd, dwu), d->re_dw = reorder(dw, &wmd);
    d->bwd = NULL;
    if (dsrc) {
        CK(dnnl_convolution_backward_data_desc_init(&cd, dnnl_convolution_direct, &smd, &any, &dmd,
                                                    one, pad, pad));
        CK(dnnl_primitive_desc_create(&dpd, &cd, NULL, eng, fpd));
        CK(dnnl_primitive_create(&d->bwd, dpd));
        const dnnl_memory_desc_t *wb = dnnl_primitive_desc_query_md(dpd, dnnl_query_weights_md, 0);
        d->wb = mem(wb, NULL), d->re_b = reorder(&wmd, wb), d->dsrc = mem(&smd, dsrc);
    }
}

static void exec(dnnl_primitive_t p, int n, const dnnl_exec_arg_t *a)
{
    CK(dnnl_primitive_execute(p, strm, n, a));
}

static void dn_pass(const struct dn *d)
{
    exec(d->re_f, 2, (dnnl_exec_arg_t[]){{DNNL_ARG_FROM, d->w}, {DNNL_ARG_TO, d->wf}});
    exec(d->fwd, 3,
         (dnnl_exec_arg_t[]){
             {DNNL_ARG_SRC, d->src}, {DNNL_ARG_WEIGHTS, d->wf}, {DNNL_ARG_DST, d->dst}});
    exec(d->bww, 3,
         (dnnl_exec_arg_t[]){
             {DNNL_ARG_SRC, d->src}, {DNNL_ARG_DIFF_DST, d->ddst}, {DNNL_ARG_DIFF_WEIGHTS, d->dw}});
    exec(d->re_dw, 2, (dnnl_exec_arg_t[]){{DNNL_ARG_FROM, d->dw}, {DNNL_ARG_TO, d->dwu}});
    if (d->bwd) {
        exec(d->re_b, 2, (dnnl_exec_arg_t[]){{DNNL_ARG_FROM, d->w}, {DNNL_ARG_TO, d->wb}});
        exec(d->bwd, 3,
             (dnnl_exec_arg_t[]){{DNNL_ARG_DIFF_DST, d->ddst},
                                 {DNNL_ARG_WEIGHTS, d->wb},
                                 {DNNL_ARG_DIFF_SRC, d->dsrc}});
    }
    CK(dnnl_stream_wait(strm));
}

/* ---- the comparison ------------------------------------------------------ */

struct bufs {
    float *in, *w_ohwi, *w_oihw, *out, *dout, *dw, *din; /* im2col's */
    float *out2, *dw2, *din2;                            /* oneDNN's */
};

static double flops(void)
{
    double f = 0;
    for (int l = 0; l < LAYERS; l++)
        f += 2.0 * B * L[l].H * L[l].W * L[l].O * 9 * L[l].C * (l ? 3 : 2);
    return f;
}

/* max |a - b| / max |b| over the outputs and gradients of every layer. */
static double max_rel_diff(const struct bufs *b)
{
    double worst = 0;
    for (int l = 0; l < LAYERS; l++) {
        const struct shape *s = &L[l];
        size_t no = (size_t)B * s->H * s->W * s->O, nw = (size_t)s->O * 9 * s->C;
        const float *pairs[3][2] = {
            {b[l].out, b[l].out2}, {b[l].dw, b[l].dw2}, {b[l].din, b[l].din2}};
        size_t ns[3] = {no, nw, (size_t)B * s->H * s->W * s->C};
        for (int k = 0; k < (l ? 3 : 2); k++) {
            double scale = 0, diff = 0;
            for (size_t i = 0; i < ns[k]; i++) {
                float v = pairs[k][1][i], u = pairs[k][0][i];
                if (k == 1) { /* dW: im2col's is (O,3,3,C), oneDNN's (O,C,3,3) */
                    size_t o = i / (9 * (size_t)s->C), r = i % (9 * (size_t)s->C);
                    u = pairs[k][0][o * 9 * (size_t)s->C + (r % 9) * (size_t)s->C + r / 9];
                }
                scale = fmax(scale, fabs(v));
                diff = fmax(diff, fabs((double)u - v));
            }
            worst = fmax(worst, diff / scale);
        }
    }
    return worst;
}

/* oneDNN plans a kernel for the thread count in effect when it is created, as
 * the model does: one set of primitives per thread count. */
static void setup(struct bufs *b, struct dn d[3][LAYERS])
{
    for (int l = 0; l < LAYERS; l++) {
        const struct shape *s = &L[l];
        size_t ni = (size_t)B * s->H * s->W * s->C, no = (size_t)B * s->H * s->W * s->O;
        size_t nw = (size_t)s->O * 9 * s->C;
        b[l].in = randoms(ni, 1u + (unsigned)l), b[l].w_oihw = randoms(nw, 7u + (unsigned)l);
        b[l].dout = randoms(no, 13u + (unsigned)l), b[l].w_ohwi = randoms(nw, 0);
        for (size_t o = 0; o < (size_t)s->O; o++) /* the same weights, (O,3,3,C) */
            for (size_t c = 0; c < (size_t)s->C; c++)
                for (size_t k = 0; k < 9; k++)
                    b[l].w_ohwi[(o * 9 + k) * s->C + c] = b[l].w_oihw[(o * s->C + c) * 9 + k];
        b[l].out = randoms(no, 0), b[l].out2 = randoms(no, 0);
        b[l].dw = randoms(nw, 0), b[l].dw2 = randoms(nw, 0);
        b[l].din = l ? randoms(ni, 0) : NULL, b[l].din2 = l ? randoms(ni, 0) : NULL;
        for (int t = 1; t <= 2; t++) {
            omp_set_num_threads(t);
            dn_init(&d[t][l], s, b[l].in, b[l].w_oihw, b[l].out2, b[l].dout, b[l].din2, b[l].dw2);
        }
    }
}

static double time_im2col(const struct bufs *b, int chunk, float *col)
{
    double t = now();
    for (int l = 0; l < LAYERS; l++)
        im2col_pass(&L[l], b[l].in, b[l].w_ohwi, b[l].out, b[l].dout, b[l].dw, b[l].din, chunk,
                    col);
    return now() - t;
}

static double time_dnnl(const struct dn *d)
{
    double t = now();
    for (int l = 0; l < LAYERS; l++)
        dn_pass(&d[l]);
    return now() - t;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : ROUNDS_DEFAULT;
    static const int chunks[] = {8, 16, 32, 128};
    enum { NC = sizeof chunks / sizeof chunks[0] };
    CK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CK(dnnl_stream_create(&strm, eng, dnnl_stream_default_flags));
    struct bufs b[LAYERS];
    static struct dn d[3][LAYERS];
    setup(b, d);
    float *col = randoms((size_t)B * 32 * 32 * 9 * 64, 0);
    double F = flops(), best_i[3][NC], best_d[3];
    for (int t = 1; t <= 2; t++) {
        best_d[t] = 1e9;
        for (int c = 0; c < NC; c++)
            best_i[t][c] = 1e9;
    }
    printf("3 convolutions of cnn:32,64,128, batch %d, 3x32x32: %.2f GFLOP per pass\n", B, F / 1e9);
    for (int r = 0; r < rounds; r++)
        for (int t = 1; t <= 2; t++) {
            openblas_set_num_threads(t);
            omp_set_num_threads(t);
            printf("round %d threads %d:", r + 1, t);
            for (int c = 0; c < NC; c++) {
                double s = time_im2col(b, chunks[c], col);
                best_i[t][c] = fmin(best_i[t][c], s);
                printf("  im2col/%d %.1f ms", chunks[c], s * 1e3);
            }
            double s = time_dnnl(d[t]);
            best_d[t] = fmin(best_d[t], s);
            printf("  oneDNN %.1f ms\n", s * 1e3);
            fflush(stdout);
        }
    printf("same numbers: max relative difference im2col vs oneDNN %.2g\n", max_rel_diff(b));
    for (int t = 1; t <= 2; t++) {
        int bc = 0;
        for (int c = 1; c < NC; c++)
            bc = best_i[t][c] < best_i[t][bc] ? c : bc;
        printf("best of %d, %d thread(s): im2col+OpenBLAS (chunk %d) %.1f ms = %.0f GFLOP/s; "
               "oneDNN %.1f ms = %.0f GFLOP/s; oneDNN %.2fx faster\n",
               rounds, t, chunks[bc], best_i[t][bc] * 1e3, F / best_i[t][bc] / 1e9, best_d[t] * 1e3,
               F / best_d[t] / 1e9, best_i[t][bc] / best_d[t]);
    }
    return 0;
}
