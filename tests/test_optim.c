/* Optimizers against PyTorch 1.13: parameters after 1 and 10 steps with a
 * per-step lr and momentum/beta1 (fixtures from scripts/gen_model_fixtures.py, and
 * scripts/gen_optim_eps_fixtures.py for tiny gradients where eps matters). */
#include <stdbool.h>

#include "check.h"
#include "fixture_reader.h"
#include "lrf/optim.h"

/* Float32 updates computed in a slightly different operation order than
 * PyTorch's kernels differ by a few ulp per step; 10 steps stay far below. */
static const double PARAM_REL_TOL = 1e-5;
/* Parameters near zero: an absolute floor at about 1 ulp of values ~1. */
static const double PARAM_ABS_TOL = 1e-6;

enum { N_MAX = 64, STEPS = 10 };

static void run_case(const char *name)
{
    char file[128];
    snprintf(file, sizeof file, "optim_%s.txt", name);
    struct fixture f;
    if (fixture_load(&f, file)) {
        CHECK_MSG(0, "fixture %s", file);
        return;
    }
    struct lrf_optim_config c =
        lrf_optim_config_default((enum lrf_optim_kind)(int)fixture_scalar(&f, "kind"));
    c.momentum = fixture_scalar(&f, "momentum");
    c.dampening = fixture_scalar(&f, "dampening");
    c.nesterov = fixture_scalar(&f, "nesterov") != 0;
    c.weight_decay = fixture_scalar(&f, "weight_decay");
    c.beta2 = fixture_scalar(&f, "beta2");
    c.eps = fixture_scalar(&f, "eps");
    c.amsgrad = fixture_scalar(&f, "amsgrad") != 0;
    c.alpha = fixture_scalar(&f, "alpha");
    c.centered = fixture_scalar(&f, "centered") != 0;
    c.lr_decay = fixture_scalar(&f, "lr_decay");
    c.initial_accumulator_value = fixture_scalar(&f, "initial_accumulator_value");
    CHECK_MSG(lrf_optim_validate(&c, NULL) == LRF_OK, "%s validates", name);

    long n;
    const double *p0 = fixture_get(&f, "params0", &n);
    const double *lr = fixture_get(&f, "lr", NULL);
    const double *mom = fixture_get(&f, "step_momentum", NULL);
    if (!p0 || !lr || !mom || n > N_MAX) {
        CHECK_MSG(0, "%s: fixture incomplete", name);
        fixture_free(&f);
        return;
    }
    static float slot_mem[LRF_OPTIM_SLOTS_MAX][N_MAX];
    float *slots[LRF_OPTIM_SLOTS_MAX];
    for (int s = 0; s < LRF_OPTIM_SLOTS_MAX; s++)
        slots[s] = slot_mem[s];
    double scalars[LRF_OPTIM_SCALARS];
    float p[N_MAX], g[N_MAX];
    for (long i = 0; i < n; i++)
        p[i] = (float)p0[i];
    lrf_optim_reset(&c, slots, scalars, (size_t)n);
    int bad1 = 0, bad10 = 0;
    for (int t = 0; t < STEPS; t++) {
        char gname[16];
        snprintf(gname, sizeof gname, "grad%d", t + 1);
        const double *gd = fixture_get(&f, gname, NULL);
        for (long i = 0; i < n && gd; i++)
            g[i] = (float)gd[i];
        lrf_optim_step(&c, p, g, slots, scalars, (size_t)n, lr[t], mom[t]);
        const double *want = t == 0           ? fixture_get(&f, "params1", NULL)
                             : t == STEPS - 1 ? fixture_get(&f, "params10", NULL)
                                              : NULL;
        for (long i = 0; i < n && want; i++) {
            bool ok = fabs((double)p[i] - want[i]) <= PARAM_REL_TOL * fabs(want[i]) + PARAM_ABS_TOL;
            int *bad = t == 0 ? &bad1 : &bad10;
            if (!ok && *bad < 3)
                fprintf(stderr, "    %s step %d param %ld: got %.9g want %.9g\n", name, t + 1, i,
                        (double)p[i], want[i]);
            *bad += !ok;
        }
    }
    CHECK_MSG(bad1 == 0, "%s: %d params differ after 1 step", name, bad1);
    CHECK_MSG(bad10 == 0, "%s: %d params differ after 10 steps", name, bad10);
    CHECK(lrf_optim_step_count(scalars) == STEPS);
    fixture_free(&f);
}

static void test_defaults_and_names(void)
{
    struct lrf_optim_config c = lrf_optim_config_default(LRF_OPTIM_ADAMW);
    CHECK_CLOSE(c.lr, 1e-3, 0, 0);
    CHECK_CLOSE(c.weight_decay, 1e-2, 0, 0);
    CHECK_CLOSE(c.momentum, 0.9, 0, 0);
    CHECK_CLOSE(c.beta2, 0.999, 0, 0);
    c = lrf_optim_config_default(LRF_OPTIM_ADAGRAD);
    CHECK_CLOSE(c.eps, 1e-10, 0, 0);
    c = lrf_optim_config_default(LRF_OPTIM_RMSPROP);
    CHECK_CLOSE(c.alpha, 0.99, 0, 0);
    CHECK_CLOSE(c.lr, 0.01, 0, 0);
    enum lrf_optim_kind k;
    for (int i = 0; i < LRF_OPTIM_COUNT; i++) {
        CHECK(lrf_optim_parse_kind(lrf_optim_kind_name((enum lrf_optim_kind)i), &k, NULL) ==
              LRF_OK);
        CHECK(k == (enum lrf_optim_kind)i);
    }
    struct lrf_error err;
    CHECK(lrf_optim_parse_kind("lamb", &k, &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "lamb") != NULL);
}

static void test_validate(void)
{
    struct lrf_error err;
    struct lrf_optim_config c = lrf_optim_config_default(LRF_OPTIM_SGD);
    c.nesterov = true;
    CHECK(lrf_optim_validate(&c, &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "nesterov") != NULL);
    c = lrf_optim_config_default(LRF_OPTIM_ADAM);
    c.momentum = 1.0;
    CHECK(lrf_optim_validate(&c, &err) == LRF_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "beta1") != NULL);
    c = lrf_optim_config_default(LRF_OPTIM_SGD);
    c.lr = -1;
    CHECK(lrf_optim_validate(&c, &err) == LRF_ERR_INVALID_ARG);
    c.lr = NAN;
    CHECK(lrf_optim_validate(&c, &err) == LRF_ERR_INVALID_ARG);
    c = lrf_optim_config_default(LRF_OPTIM_ADAM);
    c.amsgrad = true;
    CHECK(lrf_optim_state_slots(&c) == 3);
}

/* A schedule may switch SGD's momentum on mid-run: PyTorch then creates the
 * buffer as a copy of the gradient at that step. */
static void test_sgd_momentum_switched_on(void)
{
    struct lrf_optim_config c = lrf_optim_config_default(LRF_OPTIM_SGD);
    float buf[2], *slots[1] = {buf};
    double sc[LRF_OPTIM_SCALARS];
    float p[2] = {1, 2}, g[2] = {0.5f, -1};
    lrf_optim_reset(&c, slots, sc, 2);
    lrf_optim_step(&c, p, g, slots, sc, 2, 0.1, 0.0);
    CHECK_CLOSE(p[0], 0.95, 1e-7, 0);
    lrf_optim_step(&c, p, g, slots, sc, 2, 0.1, 0.9);
    CHECK_CLOSE(buf[0], 0.5, 0, 0); /* cloned, not 0.9*0 + 0.5*(1-dampening) by accident */
    CHECK_CLOSE(p[0], 0.9, 1e-7, 0);
    lrf_optim_step(&c, p, g, slots, sc, 2, 0.1, 0.9);
    CHECK_CLOSE(buf[0], 0.95, 1e-7, 0);
}

int main(void)
{
    static const char *const cases[] = {
        "sgd_plain", "sgd_momentum", "sgd_nesterov", "adam", "adam_amsgrad_wd", "adamw",
        "adamw_amsgrad", "rmsprop", "rmsprop_centered_momentum", "adagrad",
        /* Gradients 1e-9..1e-6, where eps decides (scripts/gen_optim_eps_fixtures.py). */
        "eps_adam", "eps_adamw", "eps_rmsprop", "eps_adagrad"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(cases[i]);
    test_defaults_and_names();
    test_validate();
    test_sgd_momentum_switched_on();
    return check_summary();
}
