/* The CNN's contract besides the numbers: configuration errors that name the
 * numbers, the layer list, PyTorch's initialization, batches shorter than
 * max_batch, snapshot/restore with BatchNorm statistics, no allocation in a
 * step, the scoped thread count, and the MSE loss's argument checks. */
#define _GNU_SOURCE /* mallinfo2 */
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "lrf/model.h"
#include "sanitizer_options.h"

/* Same network, batch padded to max_batch inside: only the convolution
 * kernels' blocking may differ (a few ulp). */
static const double PAD_REL_TOL = 1e-5;

static struct lrf_model_config small_cnn(int max_batch)
{
    struct lrf_model_config c = lrf_model_config_default();
    CHECK(lrf_model_parse_spec("cnn:6,10", &c, NULL) == LRF_OK);
    c.channels = 3, c.height = 12, c.width = 9;
    c.n_inputs = 3 * 12 * 9;
    c.n_classes = 5;
    c.max_batch = max_batch;
    c.optim_slots = 1;
    c.threads = 2;
    return c;
}

static struct lrf_model *create(const struct lrf_model_config *c, uint64_t seed)
{
    struct lrf_rng rng = lrf_rng_seeded(seed);
    struct lrf_model *m = NULL;
    struct lrf_error err;
    if (lrf_model_create(c, &rng, &m, &err) != LRF_OK)
        CHECK_MSG(0, "create: %s", err.message);
    return m;
}

static void fill(float *x, int32_t *y, int B, int n, uint64_t seed)
{
    struct lrf_rng r = lrf_rng_seeded(seed);
    for (int i = 0; i < B * n; i++)
        x[i] = (float)(4 * lrf_rng_uniform(&r) - 2);
    for (int i = 0; i < B; i++)
        y[i] = (int32_t)lrf_rng_below(&r, 5);
}

static void expect_error(const struct lrf_model_config *c, const char *a, const char *b)
{
    struct lrf_error err;
    enum lrf_status st = lrf_model_config_check(c, &err);
    CHECK(st == LRF_ERR_INVALID_ARG);
    if (st != LRF_OK)
        CHECK_MSG(strstr(err.message, a) && strstr(err.message, b), "message: %s", err.message);
}

static void test_config_errors(void)
{
    struct lrf_model_config c = small_cnn(4);
    CHECK(lrf_model_config_check(&c, NULL) == LRF_OK);
    c.channels = c.height = c.width = 0;
    expect_error(&c, "cnn:6,10 needs the input's shape", "324 features");
    c = small_cnn(4);
    c.width = 10;
    expect_error(&c, "3x12x10", "360 values, but there are 324 features");
    c = small_cnn(4);
    CHECK(lrf_model_parse_spec("cnn:4,4,4,4", &c, NULL) == LRF_OK);
    expect_error(&c, "12x9 image is too small for cnn:4,4,4,4", ">= 16");
    c = small_cnn(4);
    c.channels = -3;
    expect_error(&c, "-3x12x9", ">= 1");
    /* An MLP takes a shape as a check of the features, not as a need. */
    c = lrf_model_config_default();
    c.n_inputs = 784, c.n_classes = 10;
    CHECK(lrf_model_config_check(&c, NULL) == LRF_OK);
    c.channels = 1, c.height = 28, c.width = 27;
    expect_error(&c, "1x28x27", "756 values");
    c = small_cnn(4);
    c.loss = LRF_LOSS_MSE;
    expect_error(&c, "MSE", "n_classes must be 1 (got 5)");
    c.n_classes = 1;
    CHECK(lrf_model_config_check(&c, NULL) == LRF_OK);
    c = small_cnn(4);
    c.threads = -1;
    expect_error(&c, "threads", "-1");
}

static void test_spec(void)
{
    struct lrf_model_config c = lrf_model_config_default();
    char buf[64];
    CHECK(lrf_model_parse_spec("cnn", &c, NULL) == LRF_OK);
    CHECK(c.arch == LRF_ARCH_CNN && c.n_hidden == 3 && c.hidden[0] == 32 && c.hidden[2] == 128);
    lrf_model_format_spec(&c, buf, sizeof buf);
    CHECK_STR(buf, "cnn:32,64,128");
    CHECK(lrf_model_parse_spec("cnn:16", &c, NULL) == LRF_OK && c.n_hidden == 1);
    lrf_model_format_spec(&c, buf, sizeof buf);
    CHECK_STR(buf, "cnn:16");
    struct lrf_error err;
    CHECK(lrf_model_parse_spec("cnn:16:gelu", &c, &err) == LRF_ERR_PARSE);
    CHECK(strstr(err.message, "column 7") != NULL);
    CHECK(lrf_model_parse_spec("cnn:", &c, &err) == LRF_ERR_PARSE);
    CHECK(lrf_model_parse_spec("mlp:64", &c, NULL) == LRF_OK && c.arch == LRF_ARCH_MLP);
    lrf_model_format_spec(&c, buf, sizeof buf);
    CHECK_STR(buf, "mlp:64");
    CHECK_STR(lrf_layer_kind_name(LRF_LAYER_AVGPOOL), "avgpool");
    CHECK_STR(lrf_loss_name(LRF_LOSS_MSE), "mse");
}

static void test_layers_and_init(void)
{
    struct lrf_model_config c = small_cnn(4);
    struct lrf_model *m = create(&c, 7);
    if (!m)
        return;
    static const enum lrf_layer_kind want[] = {
        LRF_LAYER_CONV2D,    LRF_LAYER_BATCHNORM, LRF_LAYER_MAXPOOL, LRF_LAYER_CONV2D,
        LRF_LAYER_BATCHNORM, LRF_LAYER_MAXPOOL,   LRF_LAYER_AVGPOOL, LRF_LAYER_LINEAR};
    CHECK(lrf_model_n_layers(m) == 8);
    struct lrf_layer_info li[8];
    for (int l = 0; l < 8 && l < lrf_model_n_layers(m); l++) {
        lrf_model_layer_info(m, l, &li[l]);
        CHECK(li[l].kind == want[l]);
    }
    /* 12x9 -> pool 6x4 -> pool 3x2 (floor); global average -> 10 -> 5. */
    CHECK(li[2].out_h == 6 && li[2].out_w == 4 && li[5].out_h == 3 && li[5].out_w == 2);
    CHECK(li[6].out_c == 10 && li[6].out_h == 1 && li[7].in_c == 10 && li[7].out_c == 5);
    CHECK(li[0].n_weight == 6 * 3 * 9 && li[0].n_bias == 0 && li[1].weight_offset == 162);
    CHECK(li[1].has_activation && li[1].activation == LRF_ACT_RELU && li[1].n_bias == 6);
    CHECK(lrf_model_layer_in(m, 3) == 6 * 6 * 4 && lrf_model_layer_out(m, 7) == 5);
    size_t np = 162 + 12 + 10 * 6 * 9 + 20 + 10 * 5 + 5;
    CHECK(lrf_model_n_params(m) == np && lrf_model_n_stats(m) == 2 * (6 + 10));
    /* PyTorch's init: conv U(+-1/sqrt(27)); BatchNorm 1/0; running 0/1. */
    const float *p = lrf_model_params(m), *s = lrf_model_stats(m);
    double lo = 0, hi = 0, bound = 1 / sqrt(27.0);
    for (size_t i = 0; i < li[0].n_weight; i++)
        lo = fmin(lo, p[i]), hi = fmax(hi, p[i]);
    CHECK(lo >= -bound && hi <= bound && hi > 0.8 * bound && lo < -0.8 * bound);
    CHECK(p[162] == 1 && p[167] == 1 && p[168] == 0 && p[173] == 0);
    CHECK(s[0] == 0 && s[5] == 0 && s[6] == 1 && s[11] == 1);
    lrf_model_destroy(m);
}

/* A batch shorter than max_batch equals the same batch in a model sized to it. */
static void test_short_batch(void)
{
    enum { B = 3, MAXB = 8, N = 3 * 12 * 9 };
    struct lrf_model_config c = small_cnn(MAXB), c3 = small_cnn(B);
    struct lrf_model *big = create(&c, 5), *exact = create(&c3, 5);
    if (!big || !exact)
        return;
    float x[MAXB * N];
    int32_t y[MAXB];
    fill(x, y, MAXB, N, 1);
    float l8, la, lb;
    /* A full batch first, so that stale rows sit past the short one; one of
     * them NaN would poison the weight gradient if it were not cleared. */
    x[(MAXB - 1) * N + 5] = NAN;
    CHECK(lrf_model_forward_backward(big, x, y, MAXB, &l8, NULL) == LRF_OK && isnan(l8));
    struct lrf_rng r = lrf_rng_seeded(5);
    lrf_model_reset(big, &r);
    CHECK(lrf_model_forward_backward(big, x, y, B, &la, NULL) == LRF_OK);
    CHECK(lrf_model_forward_backward(exact, x, y, B, &lb, NULL) == LRF_OK);
    CHECK_CLOSE(la, lb, PAD_REL_TOL, 0);
    size_t np = lrf_model_n_params(big);
    int bad = 0;
    for (size_t i = 0; i < np; i++) {
        double a = lrf_model_grads(big)[i], b = lrf_model_grads(exact)[i];
        bad += !(fabs(a - b) <= PAD_REL_TOL * (fabs(b) + 1e-3));
    }
    CHECK_MSG(bad == 0, "%d gradients differ between a padded and an exact batch", bad);
    double sa, sb;
    long ca, cb;
    CHECK(lrf_model_evaluate(big, x, y, B, &sa, &ca, NULL) == LRF_OK);
    CHECK(lrf_model_evaluate(exact, x, y, B, &sb, &cb, NULL) == LRF_OK);
    CHECK_CLOSE(sa, sb, PAD_REL_TOL, 0);
    CHECK(ca == cb);
    lrf_model_destroy(big);
    lrf_model_destroy(exact);
}

static void toy_step(struct lrf_model *m)
{
    float *p = lrf_model_params(m), *g = lrf_model_grads(m), *s = lrf_model_optim_slot(m, 0);
    for (size_t i = 0; i < lrf_model_n_params(m); i++) {
        s[i] = 0.9f * s[i] + g[i];
        p[i] -= 0.05f * s[i];
    }
    lrf_model_optim_scalars(m)[0] += 1;
}

static void test_snapshot_and_no_alloc(void)
{
    enum { B = 6, N = 3 * 12 * 9 };
    struct lrf_model_config c = small_cnn(B);
    struct lrf_model *m = create(&c, 9);
    if (!m)
        return;
    float x[B * N], losses[2][5];
    int32_t y[B];
    fill(x, y, B, N, 2);
    size_t sz = lrf_model_snapshot_size(m), ns = lrf_model_n_stats(m);
    char *snap = malloc(sz);
    float *stats = malloc(ns * sizeof(float));
    lrf_model_forward_backward(m, x, y, B, &losses[0][0], NULL);
    toy_step(m);
    lrf_model_snapshot(m, snap);
    struct mallinfo2 before = mallinfo2();
    for (int run = 0; run < 2; run++) {
        for (int i = 0; i < 5; i++) {
            lrf_model_forward_backward(m, x, y, B - i % 3, &losses[run][i], NULL);
            toy_step(m);
            double ls;
            long nc;
            lrf_model_evaluate(m, x, y, B - i % 2, &ls, &nc, NULL);
        }
        if (run == 0) {
            memcpy(stats, lrf_model_stats(m), ns * sizeof(float));
            CHECK(lrf_model_restore(m, snap, sz, NULL) == LRF_OK);
        }
    }
    struct mallinfo2 after = mallinfo2();
    /* Under ASan mallinfo2 reports nothing useful: skip then. */
    if (before.uordblks)
        CHECK_MSG(after.uordblks == before.uordblks && after.hblkhd == before.hblkhd,
                  "heap grew during steps: %zu -> %zu", before.uordblks, after.uordblks);
    CHECK(memcmp(losses[0], losses[1], sizeof losses[0]) == 0);
    CHECK(memcmp(stats, lrf_model_stats(m), ns * sizeof(float)) == 0);
    /* The running statistics moved away from 0/1 and are in the snapshot. */
    CHECK(stats[0] != 0 && stats[6 + 10] != 1);
    free(snap);
    free(stats);
    lrf_model_destroy(m);
}

/* cfg.threads applies during the model's calls only. */
static void test_threads_scoped(void)
{
    lrf_model_set_threads(2);
    struct lrf_model_config c = small_cnn(2);
    c.threads = 1;
    struct lrf_model *m = create(&c, 1);
    if (!m)
        return;
    float x[2 * 324];
    int32_t y[2];
    fill(x, y, 2, 324, 3);
    float loss;
    CHECK(lrf_model_forward_backward(m, x, y, 2, &loss, NULL) == LRF_OK);
    CHECK(lrf_model_get_threads() == 2);
    lrf_model_destroy(m);
}

static void test_mse_arguments(void)
{
    struct lrf_model_config c = lrf_model_config_default();
    c.n_inputs = 4, c.n_classes = 1, c.loss = LRF_LOSS_MSE, c.max_batch = 3;
    c.n_hidden = 0; /* linear: with x = 0 the output is the bias */
    struct lrf_model *m = create(&c, 2);
    if (!m)
        return;
    float x[12] = {0}, t[3] = {1, 2, 3}, loss;
    int32_t y[3] = {0, 0, 0};
    struct lrf_error err;
    CHECK(lrf_model_forward_backward(m, x, y, 3, &loss, &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "targets") != NULL);
    struct lrf_model_batch b = {x, NULL, t, 3};
    CHECK(lrf_model_train_batch(m, &b, 1.0f, false, &loss, NULL) == LRF_OK);
    double bias = lrf_model_params(m)[lrf_model_n_params(m) - 1], want = 0;
    for (int i = 0; i < 3; i++)
        want += (bias - (double)t[i]) * (bias - (double)t[i]) / 3;
    CHECK_CLOSE(loss, want, 1e-6, 0);
    struct lrf_model_eval ev;
    CHECK(lrf_model_eval_batch(m, &b, &ev, NULL) == LRF_OK);
    CHECK_CLOSE(ev.loss_sum, 3 * want, 1e-6, 0);
    CHECK(ev.n_correct == 0);
    lrf_model_destroy(m);
}

int main(void)
{
    test_config_errors();
    test_spec();
    test_layers_and_init();
    test_short_batch();
    test_snapshot_and_no_alloc();
    test_threads_scoped();
    test_mse_arguments();
    return check_summary();
}
