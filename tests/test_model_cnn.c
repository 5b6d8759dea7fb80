/* The layer-list model against PyTorch (fixtures from
 * scripts/gen_model_cnn_fixtures.py): the CNN and the MSE loss in train mode
 * (logits, loss, every parameter gradient, the gradient w.r.t. the input of
 * each layer kind, BatchNorm running statistics), in eval mode, and after SGD
 * steps; the fast path against the double reference and the reference
 * against finite differences; the chw and hwc input layouts. */
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "fixture_reader.h"
#include "lrf/model.h"
#include "lrf/optim.h"
#include "model/model_internal.h"
#include "model_compare.h"
#include "sanitizer_options.h"

/* Float32 kernels sum in another order than PyTorch's (and BatchNorm's
 * statistics are accumulated in double here, in float there): a few ulp of the
 * largest term, relative to the largest value of an array. */
static const double FLOAT_REL_TOL = 1e-5;
/* The float fast path against the exact double reference, same scale rule. */
static const double FAST_VS_REF_TOL = 2e-5;
/* Central differences with h = 1e-6 in double: truncation ~h^2 * f''' is tiny
 * away from ReLU/max-pool kinks (a random draw of parameters avoids them),
 * rounding ~1e-16/h. */
static const double FD_STEP = 1e-6;
static const double FD_TOL = 1e-6;

static bool same_array(const struct fixture *f, const char *name, const float *got, long n,
                       double tol)
{
    long want_n;
    const double *want = fixture_get(f, name, &want_n);
    if (!want || want_n != n) {
        fprintf(stderr, "    %s: fixture has %ld values, model %ld\n", name, want_n, n);
        return false;
    }
    return compare_f(name, got, want, n, tol) == 0;
}

/* The fixture's model, data and batch, with the fixture's parameters. */
struct fcase {
    struct fixture f;
    struct lrf_model *m;
    float *x, *t;
    int32_t *y;
    int B;
    struct lrf_model_batch batch;
};

static struct lrf_model_config fixture_config(const struct fixture *f, enum lrf_layout layout)
{
    struct lrf_model_config c = lrf_model_config_default();
    long nw;
    const double *w = fixture_get(f, "widths", &nw);
    c.arch = (enum lrf_model_arch)(int)fixture_scalar(f, "arch");
    c.loss = (enum lrf_loss)(int)fixture_scalar(f, "loss_kind");
    c.n_classes = (int)fixture_scalar(f, "classes");
    c.max_batch = (int)fixture_scalar(f, "batch");
    c.n_hidden = (int)nw;
    for (long i = 0; i < nw; i++)
        c.hidden[i] = (int)w[i];
    if (c.arch == LRF_ARCH_CNN) {
        const double *s = fixture_get(f, "shape", NULL);
        c.channels = (int)s[0], c.height = (int)s[1], c.width = (int)s[2];
        c.n_inputs = c.channels * c.height * c.width;
        c.layout = layout;
    } else {
        c.n_inputs = (int)fixture_scalar(f, "n_inputs");
    }
    c.optim_slots = 1;
    c.threads = 2;
    return c;
}

/* x in the fixture is chw; for hwc it is re-laid pixel by pixel. */
static void load_inputs(struct fcase *k, const struct lrf_model_config *c)
{
    long nx, ny;
    const double *xv = fixture_get(&k->f, "x", &nx), *yv = fixture_get(&k->f, "y", &ny);
    k->x = malloc((size_t)nx * sizeof(float));
    k->t = malloc((size_t)ny * sizeof(float));
    k->y = malloc((size_t)ny * sizeof(int32_t));
    size_t C = (size_t)c->channels, HW = (size_t)c->height * (size_t)c->width;
    size_t n = (size_t)c->n_inputs;
    for (long i = 0; i < nx; i++) {
        size_t b = (size_t)i / n, j = (size_t)i % n;
        bool hwc = c->arch == LRF_ARCH_CNN && c->layout == LRF_LAYOUT_HWC;
        k->x[i] = (float)xv[hwc ? b * n + (j % C) * HW + j / C : (size_t)i];
    }
    for (long i = 0; i < ny; i++) {
        k->t[i] = (float)yv[i];
        k->y[i] = (int32_t)yv[i];
    }
    bool mse = c->loss == LRF_LOSS_MSE;
    k->batch = (struct lrf_model_batch){k->x, mse ? NULL : k->y, mse ? k->t : NULL, k->B};
}

static bool case_open(struct fcase *k, const char *name, enum lrf_layout layout)
{
    memset(k, 0, sizeof *k);
    if (fixture_load(&k->f, name)) {
        CHECK_MSG(0, "fixture %s", name);
        return false;
    }
    struct lrf_model_config c = fixture_config(&k->f, layout);
    k->B = c.max_batch;
    struct lrf_rng rng = lrf_rng_seeded(1);
    struct lrf_error err;
    if (lrf_model_create(&c, &rng, &k->m, &err) != LRF_OK) {
        CHECK_MSG(0, "%s: create: %s", name, err.message);
        fixture_free(&k->f);
        return false;
    }
    long np;
    const double *p = fixture_get(&k->f, "params", &np);
    CHECK_MSG((long)lrf_model_n_params(k->m) == np, "%s: %zu params, fixture %ld", name,
              lrf_model_n_params(k->m), np);
    for (long i = 0; i < np && i < (long)lrf_model_n_params(k->m); i++)
        lrf_model_params(k->m)[i] = (float)p[i];
    load_inputs(k, &c);
    return true;
}

static void case_close(struct fcase *k)
{
    lrf_model_destroy(k->m);
    free(k->x), free(k->t), free(k->y);
    fixture_free(&k->f);
}

static void sgd_step(struct lrf_model *m)
{
    struct lrf_optim_config oc = lrf_optim_config_default(LRF_OPTIM_SGD);
    oc.momentum = 0.9;
    oc.weight_decay = 5e-4;
    float *slots[LRF_OPTIM_SLOTS_MAX] = {lrf_model_optim_slot(m, 0)};
    lrf_optim_step(&oc, lrf_model_params(m), lrf_model_grads(m), slots, lrf_model_optim_scalars(m),
                   lrf_model_n_params(m), 0.1, 0.9);
}

/* Train pass, eval pass, SGD step, second pass and step: as the fixture. */
static void check_passes(struct fcase *k, const char *name)
{
    struct lrf_model *m = k->m;
    const long np = (long)lrf_model_n_params(m), ns = (long)lrf_model_n_stats(m);
    const long nout = (long)k->B * lrf_model_get_config(m)->n_classes;
    float loss;
    CHECK(lrf_model_train_batch(m, &k->batch, 1.0f, false, &loss, NULL) == LRF_OK);
    CHECK_CLOSE(loss, fixture_scalar(&k->f, "loss"), FLOAT_REL_TOL, 0);
    CHECK_MSG(same_array(&k->f, "logits", lrf_model_logits(m), nout, FLOAT_REL_TOL), "%s", name);
    CHECK_MSG(same_array(&k->f, "grads", lrf_model_grads(m), np, FLOAT_REL_TOL), "%s", name);
    if (ns)
        CHECK_MSG(same_array(&k->f, "stats1", lrf_model_stats(m), ns, FLOAT_REL_TOL), "%s", name);

    struct lrf_model_eval ev;
    CHECK(lrf_model_eval_batch(m, &k->batch, &ev, NULL) == LRF_OK);
    CHECK_CLOSE(ev.loss_sum / k->B, fixture_scalar(&k->f, "eval_loss"), FLOAT_REL_TOL, 0);
    CHECK_MSG(same_array(&k->f, "eval_logits", lrf_model_logits(m), nout, FLOAT_REL_TOL), "%s",
              name);

    sgd_step(m);
    CHECK_MSG(same_array(&k->f, "params_sgd1", lrf_model_params(m), np, FLOAT_REL_TOL), "%s", name);
    CHECK(lrf_model_train_batch(m, &k->batch, 1.0f, false, &loss, NULL) == LRF_OK);
    CHECK_CLOSE(loss, fixture_scalar(&k->f, "loss2"), FLOAT_REL_TOL, 0);
    sgd_step(m);
    CHECK_MSG(same_array(&k->f, "params_sgd2", lrf_model_params(m), np, FLOAT_REL_TOL), "%s", name);
    if (ns)
        CHECK_MSG(same_array(&k->f, "stats2", lrf_model_stats(m), ns, FLOAT_REL_TOL), "%s", name);
}

/* The gradient w.r.t. the input of every layer lrfind materializes. */
static void check_input_grads(struct fcase *k, const char *name)
{
    struct lrf_model *m = k->m;
    const double *p0 = fixture_get(&k->f, "params", NULL);
    for (size_t i = 0; i < lrf_model_n_params(m); i++)
        lrf_model_params(m)[i] = (float)p0[i];
    int checked = 0;
    for (int l = 1; l < lrf_model_n_layers(m); l++) {
        char key[16];
        snprintf(key, sizeof key, "din%d", l);
        long n = 0;
        for (int i = 0; i < k->f.n; i++)
            if (!strcmp(k->f.names[i], key))
                n = k->f.counts[i];
        if (!n)
            continue;
        float loss;
        CHECK(model_train_pass(m, &k->batch, 1.0f, false, l, &loss, NULL) == LRF_OK);
        CHECK_MSG(same_array(&k->f, key, m->layers[l].din, (long)k->B * lrf_model_layer_in(m, l),
                             FLOAT_REL_TOL),
                  "%s: input gradient of layer %d (%s)", name, l,
                  lrf_layer_kind_name(m->layers[l].kind));
        checked++;
    }
    CHECK_MSG(checked >= 1, "%s: no input gradient checked", name);
}

/* The fast path against the double reference, and the reference against
 * central differences on a spread of parameters. */
static void check_reference(struct fcase *k, const char *name)
{
    struct lrf_model *m = k->m;
    size_t np = lrf_model_n_params(m);
    double *p = malloc(np * sizeof(double)), *g = malloc(np * sizeof(double));
    const double *p0 = fixture_get(&k->f, "params", NULL);
    for (size_t i = 0; i < np; i++)
        lrf_model_params(m)[i] = (float)p0[i], p[i] = (double)(float)p0[i];
    float loss;
    CHECK(lrf_model_train_batch(m, &k->batch, 1.0f, false, &loss, NULL) == LRF_OK);
    double ref = lrf_model_reference(m, p, &k->batch, g);
    CHECK_CLOSE(ref, fixture_scalar(&k->f, "loss"), FLOAT_REL_TOL, 0);
    CHECK_CLOSE(loss, ref, FAST_VS_REF_TOL, 0);
    CHECK_MSG(compare_f("fast-vs-ref", lrf_model_grads(m), g, (long)np, FAST_VS_REF_TOL) == 0,
              "%s: fast path vs reference", name);
    int bad = fd_mismatches(m, p, &k->batch, g, np / 29 + 1, FD_STEP, FD_TOL, name);
    CHECK_MSG(bad == 0, "%s: finite differences", name);
    free(p);
    free(g);
}

static void test_case(const char *name)
{
    struct fcase k;
    if (!case_open(&k, name, LRF_LAYOUT_CHW))
        return;
    check_passes(&k, name);
    check_input_grads(&k, name);
    check_reference(&k, name);
    case_close(&k);
}

/* The same images stored pixel-interleaved give bit-identical results. */
static void test_layout_hwc(const char *name)
{
    struct fcase a, b;
    if (!case_open(&a, name, LRF_LAYOUT_CHW))
        return;
    if (!case_open(&b, name, LRF_LAYOUT_HWC)) {
        case_close(&a);
        return;
    }
    float la, lb;
    CHECK(lrf_model_train_batch(a.m, &a.batch, 1.0f, false, &la, NULL) == LRF_OK);
    CHECK(lrf_model_train_batch(b.m, &b.batch, 1.0f, false, &lb, NULL) == LRF_OK);
    CHECK(la == lb);
    size_t np = lrf_model_n_params(a.m);
    CHECK(memcmp(lrf_model_grads(a.m), lrf_model_grads(b.m), np * sizeof(float)) == 0);
    CHECK(memcmp(a.x, b.x, sizeof(float)) == 0 || a.x[1] != b.x[1]);
    case_close(&a);
    case_close(&b);
}

int main(void)
{
    test_case("cnn_small.txt");
    test_case("cnn_odd.txt");
    test_case("mse_cnn.txt");
    test_case("mse_mlp.txt");
    test_layout_hwc("cnn_small.txt");
    return check_summary();
}
