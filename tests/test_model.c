/* Model: logits, loss and gradients against PyTorch; the fast path against the
 * naive double-precision reference; a finite-difference check of the
 * reference; bit-exact snapshot/restore; no allocation during a step. */
#define _GNU_SOURCE /* mallinfo2 */
#include <malloc.h>
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "fixture_reader.h"
#include "lrf/model.h"
#include "model_compare.h"

/* Float32 sgemm sums in a different order than PyTorch's: a few ulp of the
 * largest term; relative to the largest value of an array (gradients of a
 * batch span many magnitudes, tiny entries carry only absolute error). */
static const double FLOAT_REL_TOL = 1e-5;
/* The float fast path against the exact double reference, same scale rule. */
static const double FAST_VS_REF_TOL = 2e-5;
/* Central differences with h = 1e-5 in double: truncation ~h^2, rounding ~1e-16/h. */
static const double FD_STEP = 1e-5;
static const double FD_TOL = 1e-7;

static struct lrf_model *model_from_fixture(const struct fixture *f, int *batch, float **x,
                                            int32_t **y)
{
    long nd, nx, ny, np;
    const double *dims = fixture_get(f, "dims", &nd);
    const double *xv = fixture_get(f, "x", &nx), *yv = fixture_get(f, "y", &ny);
    const double *pv = fixture_get(f, "params", &np);
    if (!dims || !xv || !yv || !pv)
        return NULL;
    struct lrf_model_config c = lrf_model_config_default();
    c.n_inputs = (int)dims[0];
    c.n_classes = (int)dims[nd - 1];
    c.n_hidden = (int)nd - 2;
    for (int i = 0; i < c.n_hidden; i++)
        c.hidden[i] = (int)dims[i + 1];
    c.activation = (enum lrf_activation)(int)fixture_scalar(f, "activation");
    *batch = (int)fixture_scalar(f, "batch");
    c.max_batch = *batch;
    c.optim_slots = 1;
    struct lrf_rng rng = lrf_rng_seeded(1);
    struct lrf_model *m;
    if (lrf_model_create(&c, &rng, &m, NULL) != LRF_OK)
        return NULL;
    CHECK((long)lrf_model_n_params(m) == np);
    for (long i = 0; i < np; i++)
        lrf_model_params(m)[i] = (float)pv[i];
    *x = malloc((size_t)nx * sizeof(float));
    *y = malloc((size_t)ny * sizeof(int32_t));
    for (long i = 0; i < nx; i++)
        (*x)[i] = (float)xv[i];
    for (long i = 0; i < ny; i++)
        (*y)[i] = (int32_t)yv[i];
    return m;
}

static void test_fixture(const char *name)
{
    struct fixture f;
    if (fixture_load(&f, name)) {
        CHECK_MSG(0, "fixture %s", name);
        return;
    }
    int B;
    float *x = NULL;
    int32_t *y = NULL;
    struct lrf_model *m = model_from_fixture(&f, &B, &x, &y);
    CHECK_MSG(m != NULL, "%s: model", name);
    if (!m) {
        fixture_free(&f);
        return;
    }
    long nl, ng;
    const double *want_logits = fixture_get(&f, "logits", &nl);
    const double *want_grads = fixture_get(&f, "grads", &ng);
    double want_loss = fixture_scalar(&f, "loss");
    size_t np = lrf_model_n_params(m);

    double loss_sum;
    long correct;
    CHECK(lrf_model_evaluate(m, x, y, B, &loss_sum, &correct, NULL) == LRF_OK);
    CHECK_MSG(compare_f("logits", lrf_model_logits(m), want_logits, nl, FLOAT_REL_TOL) == 0,
              "%s: logits", name);
    CHECK_CLOSE(loss_sum / B, want_loss, FLOAT_REL_TOL, 0);

    float loss;
    CHECK(lrf_model_forward_backward(m, x, y, B, &loss, NULL) == LRF_OK);
    CHECK_CLOSE(loss, want_loss, FLOAT_REL_TOL, 0);
    CHECK_MSG(compare_f("grads", lrf_model_grads(m), want_grads, ng, FLOAT_REL_TOL) == 0,
              "%s: gradients", name);

    /* The naive double reference agrees with PyTorch and with the fast path. */
    double *p = malloc(np * sizeof(double)), *g = malloc(np * sizeof(double));
    for (size_t i = 0; i < np; i++)
        p[i] = lrf_model_params(m)[i];
    double ref_loss = lrf_model_reference_loss(m, p, x, y, B, g);
    CHECK_CLOSE(ref_loss, want_loss, FLOAT_REL_TOL, 0);
    CHECK_CLOSE(loss, ref_loss, FAST_VS_REF_TOL, 0);
    CHECK_MSG(compare_f("fast-vs-ref", lrf_model_grads(m), g, (long)np, FAST_VS_REF_TOL) == 0,
              "%s: fast path vs reference", name);

    /* Finite differences of the reference on a spread of parameters. */
    struct lrf_model_batch batch = {x, y, NULL, B};
    int bad = fd_mismatches(m, p, &batch, g, np / 37 + 1, FD_STEP, FD_TOL, name);
    CHECK_MSG(bad == 0, "%s: finite differences", name);
    free(p);
    free(g);
    free(x);
    free(y);
    lrf_model_destroy(m);
    fixture_free(&f);
}

static struct lrf_model *make_model(enum lrf_activation act, int max_batch, uint64_t seed)
{
    struct lrf_model_config c = lrf_model_config_default();
    c.n_inputs = 40;
    c.n_classes = 7;
    c.n_hidden = 2;
    c.hidden[0] = 33;
    c.hidden[1] = 20;
    c.activation = act;
    c.max_batch = max_batch;
    c.optim_slots = 2;
    struct lrf_rng rng = lrf_rng_seeded(seed);
    struct lrf_model *m = NULL;
    CHECK(lrf_model_create(&c, &rng, &m, NULL) == LRF_OK);
    return m;
}

static void fill_batch(float *x, int32_t *y, int B, int in, int classes, uint64_t seed)
{
    struct lrf_rng r = lrf_rng_seeded(seed);
    for (int i = 0; i < B * in; i++)
        x[i] = (float)(2 * lrf_rng_uniform(&r) - 1);
    for (int i = 0; i < B; i++)
        y[i] = (int32_t)lrf_rng_below(&r, (uint64_t)classes);
}

/* A toy update that touches parameters and both optimizer slots. */
static void toy_step(struct lrf_model *m)
{
    size_t n = lrf_model_n_params(m);
    float *p = lrf_model_params(m), *g = lrf_model_grads(m);
    float *s0 = lrf_model_optim_slot(m, 0), *s1 = lrf_model_optim_slot(m, 1);
    for (size_t i = 0; i < n; i++) {
        s0[i] = 0.9f * s0[i] + g[i];
        s1[i] += g[i] * g[i];
        p[i] -= 0.05f * s0[i];
    }
    lrf_model_optim_scalars(m)[0] += 1;
}

static void test_snapshot_restore(void)
{
    enum { B = 16 };
    struct lrf_model *m = make_model(LRF_ACT_GELU, B, 5);
    if (!m)
        return;
    float x[B * 40];
    int32_t y[B];
    fill_batch(x, y, B, 40, 7, 9);
    float loss;
    for (int i = 0; i < 3; i++) {
        lrf_model_forward_backward(m, x, y, B, &loss, NULL);
        toy_step(m);
    }
    size_t sz = lrf_model_snapshot_size(m), np = lrf_model_n_params(m);
    CHECK(sz > np * 3 * sizeof(float));
    char *snap = malloc(sz), *snap2 = malloc(sz);
    lrf_model_snapshot(m, snap);
    float losses_a[5], losses_b[5];
    for (int i = 0; i < 5; i++) {
        lrf_model_forward_backward(m, x, y, B, &losses_a[i], NULL);
        toy_step(m);
    }
    float *after_a = malloc(np * sizeof(float));
    memcpy(after_a, lrf_model_params(m), np * sizeof(float));
    CHECK(lrf_model_restore(m, snap, sz, NULL) == LRF_OK);
    lrf_model_snapshot(m, snap2);
    CHECK(memcmp(snap, snap2, sz) == 0);
    for (int i = 0; i < 5; i++) {
        lrf_model_forward_backward(m, x, y, B, &losses_b[i], NULL);
        toy_step(m);
    }
    CHECK(memcmp(losses_a, losses_b, sizeof losses_a) == 0);
    CHECK(memcmp(after_a, lrf_model_params(m), np * sizeof(float)) == 0);

    struct lrf_error err;
    CHECK(lrf_model_restore(m, snap, sz - 1, &err) == LRF_ERR_INVALID_ARG);
    struct lrf_model *other = make_model(LRF_ACT_GELU, B, 5);
    /* Same shapes but a different number of optimizer slots is refused. */
    struct lrf_model_config c = *lrf_model_get_config(m);
    c.optim_slots = 1;
    struct lrf_rng rng = lrf_rng_seeded(1);
    struct lrf_model *third = NULL;
    CHECK(lrf_model_create(&c, &rng, &third, NULL) == LRF_OK);
    CHECK(lrf_model_restore(third, snap, sz, &err) == LRF_ERR_INVALID_ARG);
    CHECK(lrf_model_restore(other, snap, sz, NULL) == LRF_OK);
    free(snap);
    free(snap2);
    free(after_a);
    lrf_model_destroy(m);
    lrf_model_destroy(other);
    lrf_model_destroy(third);
}

static void test_determinism_and_no_alloc(void)
{
    enum { B = 32 };
    struct lrf_model *a = make_model(LRF_ACT_RELU, B, 11), *b = make_model(LRF_ACT_RELU, B, 11);
    if (!a || !b)
        return;
    size_t np = lrf_model_n_params(a);
    CHECK(memcmp(lrf_model_params(a), lrf_model_params(b), np * sizeof(float)) == 0);
    /* PyTorch's init bound 1/sqrt(fan_in), first layer fan_in 40. */
    double bound = 1 / sqrt(40.0), lo = 0, hi = 0;
    struct lrf_layer_info first;
    lrf_model_layer_info(a, 0, &first);
    CHECK(first.kind == LRF_LAYER_LINEAR && first.weight_offset == 0 && first.n_weight == 40 * 33);
    CHECK(first.bias_offset == 40 * 33 && first.n_bias == 33 && first.has_activation);
    for (size_t i = 0; i < first.bias_offset + first.n_bias; i++) {
        double v = lrf_model_params(a)[i];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    CHECK(lo >= -bound && hi <= bound && hi > 0.9 * bound && lo < -0.9 * bound);

    float x[B * 40];
    int32_t y[B];
    fill_batch(x, y, B, 40, 7, 3);
    float la, lb;
    lrf_model_forward_backward(a, x, y, B, &la, NULL);
    lrf_model_forward_backward(b, x, y, B, &lb, NULL);
    CHECK(la == lb);
    CHECK(memcmp(lrf_model_grads(a), lrf_model_grads(b), np * sizeof(float)) == 0);

    /* Warm up (OpenBLAS sets up its buffers on first use), then steps must not
     * move the heap. Under ASan mallinfo2 reports nothing useful: skip. */
    float *params = lrf_model_params(a), *grads = lrf_model_grads(a);
    const float *logits = lrf_model_logits(a);
    size_t arena = lrf_model_arena_bytes(a);
    struct mallinfo2 before = mallinfo2();
    int smaller = 0;
    for (int i = 0; i < 20; i++) {
        lrf_model_forward_backward(a, x, y, B - (i % 3), &la, NULL);
        toy_step(a);
        double ls;
        long nc;
        lrf_model_evaluate(a, x, y, B, &ls, &nc, NULL);
        smaller += la < lb;
    }
    struct mallinfo2 after = mallinfo2();
    CHECK(smaller > 0);
    if (before.uordblks)
        CHECK_MSG(after.uordblks == before.uordblks && after.hblkhd == before.hblkhd,
                  "heap grew during steps: %zu -> %zu", before.uordblks, after.uordblks);
    CHECK(params == lrf_model_params(a) && grads == lrf_model_grads(a) &&
          logits == lrf_model_logits(a) && arena == lrf_model_arena_bytes(a));
    lrf_model_destroy(a);
    lrf_model_destroy(b);
}

static void test_accumulate_and_eval(void)
{
    enum { B = 24 };
    struct lrf_model *m = make_model(LRF_ACT_TANH, B, 2);
    if (!m)
        return;
    size_t np = lrf_model_n_params(m);
    float x[B * 40];
    int32_t y[B];
    fill_batch(x, y, B, 40, 7, 4);
    float full, l1, l2;
    lrf_model_forward_backward(m, x, y, B, &full, NULL);
    float *g_full = malloc(np * sizeof(float));
    memcpy(g_full, lrf_model_grads(m), np * sizeof(float));
    lrf_model_forward_backward(m, x, y, B / 2, &l1, NULL);
    /* Scale the first micro-batch's gradient by 1/2 through a second call. */
    lrf_model_forward_backward_acc(m, x + (B / 2) * 40, y + B / 2, B / 2, 1.0f, &l2, NULL);
    int bad = 0;
    for (size_t i = 0; i < np; i++)
        bad += fabsf(0.5f * lrf_model_grads(m)[i] - g_full[i]) > 1e-5f;
    CHECK_MSG(bad == 0, "accumulated gradient differs in %d entries", bad);
    CHECK_CLOSE(0.5 * ((double)l1 + (double)l2), full, 1e-5, 0);

    double ls;
    long nc;
    CHECK(lrf_model_evaluate(m, x, y, B, &ls, &nc, NULL) == LRF_OK);
    CHECK_CLOSE(ls / B, full, 1e-5, 0);
    const float *lg = lrf_model_logits(m);
    long want = 0;
    for (int r = 0; r < B; r++) {
        int arg = 0;
        for (int j = 1; j < 7; j++)
            arg = lg[r * 7 + j] > lg[r * 7 + arg] ? j : arg;
        want += arg == y[r];
    }
    CHECK(nc == want);

    struct lrf_error err;
    y[3] = 7;
    CHECK(lrf_model_forward_backward(m, x, y, B, &full, &err) == LRF_ERR_DATA);
    CHECK(strstr(err.message, "label") != NULL);
    y[3] = 0;
    CHECK(lrf_model_forward_backward(m, x, y, B + 1, &full, &err) == LRF_ERR_INVALID_ARG);
    CHECK(lrf_model_forward_backward(m, x, y, 0, &full, &err) == LRF_ERR_INVALID_ARG);
    /* Huge inputs: the loss is large but finite (stable log-sum-exp). */
    for (int i = 0; i < B * 40; i++)
        x[i] *= 1e4f;
    CHECK(lrf_model_forward_backward(m, x, y, B, &full, NULL) == LRF_OK);
    CHECK(isfinite(full));
    free(g_full);
    lrf_model_destroy(m);
}

static void test_spec(void)
{
    struct lrf_model_config c = lrf_model_config_default();
    char buf[128];
    struct lrf_error err;
    CHECK(lrf_model_parse_spec("mlp:1024,512:gelu", &c, NULL) == LRF_OK);
    CHECK(c.n_hidden == 2 && c.hidden[0] == 1024 && c.hidden[1] == 512);
    CHECK(c.activation == LRF_ACT_GELU);
    lrf_model_format_spec(&c, buf, sizeof buf);
    CHECK_STR(buf, "mlp:1024,512:gelu");
    CHECK(lrf_model_parse_spec("mlp", &c, NULL) == LRF_OK);
    lrf_model_format_spec(&c, buf, sizeof buf);
    CHECK_STR(buf, "mlp:512,256");
    CHECK(lrf_model_parse_spec("linear", &c, NULL) == LRF_OK && c.n_hidden == 0);
    lrf_model_format_spec(&c, buf, sizeof buf);
    CHECK_STR(buf, "linear");
    CHECK(lrf_model_parse_spec("mlp:64:tanh", &c, NULL) == LRF_OK && c.n_hidden == 1);
    CHECK(lrf_model_parse_spec("mlp:512,,256", &c, &err) == LRF_ERR_PARSE);
    CHECK(strstr(err.message, "column 9") != NULL);
    CHECK(lrf_model_parse_spec("mlp:0", &c, &err) == LRF_ERR_PARSE);
    CHECK(lrf_model_parse_spec("mlp:5:swish", &c, &err) == LRF_ERR_PARSE);
    CHECK(strstr(err.message, "swish") != NULL);
    CHECK(lrf_model_parse_spec("cnnx", &c, &err) == LRF_ERR_PARSE);
    CHECK(lrf_model_parse_spec("mlp:5x", &c, &err) == LRF_ERR_PARSE);
    struct lrf_rng r = lrf_rng_seeded(1);
    struct lrf_model *m = (struct lrf_model *)&r;
    c = lrf_model_config_default();
    CHECK(lrf_model_create(&c, &r, &m, &err) == LRF_ERR_INVALID_ARG && m == NULL);
    CHECK(strstr(err.message, "n_inputs") != NULL);
    lrf_model_destroy(NULL);
}

int main(void)
{
    lrf_model_set_threads(2);
    test_fixture("model_relu.txt");
    test_fixture("model_gelu.txt");
    test_fixture("model_tanh.txt");
    test_fixture("model_linear.txt");
    test_snapshot_restore();
    test_determinism_and_no_alloc();
    test_accumulate_and_eval();
    test_spec();
    return check_summary();
}
