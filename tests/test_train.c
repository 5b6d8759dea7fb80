/* Trainer: model + SGD against PyTorch over 10 steps; bit-exact
 * snapshot/restore of model, optimizer and data order; gradient accumulation;
 * evaluation; epochs with a schedule; determinism. */
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "fixture_reader.h"
#include "lrf/train.h"

/* 10 float32 training steps vs PyTorch: rounding differences of ~1e-7 per
 * operation grow through the momentum and the network but stay below this. */
static const double TRAIN_REL_TOL = 1e-5;

/* The model's forward/backward and SGD (nesterov, weight decay, changing lr and
 * momentum) for 10 steps on a fixed batch, vs torch.optim.SGD. */
static void test_torch_sgd_trajectory(const char *name)
{
    struct fixture f;
    if (fixture_load(&f, name)) {
        CHECK_MSG(0, "fixture %s", name);
        return;
    }
    long nd, nx, np, n1, n10;
    const double *dims = fixture_get(&f, "dims", &nd), *xv = fixture_get(&f, "x", &nx);
    const double *yv = fixture_get(&f, "y", NULL), *pv = fixture_get(&f, "params", &np);
    const double *lr = fixture_get(&f, "sgd_lr", NULL),
                 *mom = fixture_get(&f, "sgd_momentum", NULL);
    const double *losses = fixture_get(&f, "sgd_losses", NULL);
    const double *p1 = fixture_get(&f, "sgd_params1", &n1),
                 *p10 = fixture_get(&f, "sgd_params10", &n10);
    if (!dims || !xv || !yv || !pv || !lr || !mom || !losses || !p1 || !p10) {
        CHECK_MSG(0, "%s incomplete", name);
        fixture_free(&f);
        return;
    }
    int B = (int)fixture_scalar(&f, "batch");
    struct lrf_model_config mc = lrf_model_config_default();
    mc.n_inputs = (int)dims[0];
    mc.n_classes = (int)dims[nd - 1];
    mc.n_hidden = (int)nd - 2;
    for (int i = 0; i < mc.n_hidden; i++)
        mc.hidden[i] = (int)dims[i + 1];
    mc.activation = (enum lrf_activation)(int)fixture_scalar(&f, "activation");
    mc.max_batch = B;
    struct lrf_optim_config oc = lrf_optim_config_default(LRF_OPTIM_SGD);
    oc.momentum = 0.9;
    oc.nesterov = true;
    oc.weight_decay = 1e-3;
    mc.optim_slots = lrf_optim_state_slots(&oc);
    struct lrf_rng rng = lrf_rng_seeded(0);
    struct lrf_model *m;
    CHECK(lrf_model_create(&mc, &rng, &m, NULL) == LRF_OK);
    float *x = malloc((size_t)nx * sizeof(float));
    int32_t *y = malloc((size_t)B * sizeof(int32_t));
    for (long i = 0; i < nx; i++)
        x[i] = (float)xv[i];
    for (int i = 0; i < B; i++)
        y[i] = (int32_t)yv[i];
    float *p = lrf_model_params(m);
    for (long i = 0; i < np; i++)
        p[i] = (float)pv[i];
    float *slots[LRF_OPTIM_SLOTS_MAX] = {lrf_model_optim_slot(m, 0)};
    int bad_loss = 0, bad1 = 0, bad10 = 0;
    for (int t = 0; t < 10; t++) {
        float loss;
        lrf_model_forward_backward(m, x, y, B, &loss, NULL);
        bad_loss += fabs((double)loss - losses[t]) > TRAIN_REL_TOL * fabs(losses[t]);
        lrf_optim_step(&oc, p, lrf_model_grads(m), slots, lrf_model_optim_scalars(m), (size_t)np,
                       lr[t], mom[t]);
        const double *want = t == 0 ? p1 : t == 9 ? p10 : NULL;
        if (!want)
            continue;
        double scale = 0;
        for (long i = 0; i < np; i++)
            scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
        int *bad = t == 0 ? &bad1 : &bad10;
        for (long i = 0; i < np; i++)
            *bad += fabs((double)p[i] - want[i]) > TRAIN_REL_TOL * scale;
    }
    CHECK_MSG(bad_loss == 0, "%s: %d of 10 losses differ", name, bad_loss);
    CHECK_MSG(bad1 == 0, "%s: %d params differ after 1 step", name, bad1);
    CHECK_MSG(bad10 == 0, "%s: %d params differ after 10 steps", name, bad10);
    free(x);
    free(y);
    lrf_model_destroy(m);
    fixture_free(&f);
}

/* A small separable 3-class problem as CSV text: class k has feature k high. */
static struct lrf_dataset *make_dataset(int rows, uint64_t seed)
{
    size_t cap = (size_t)rows * 128 + 128, len = 0;
    char *csv = malloc(cap);
    len += (size_t)snprintf(csv, cap, "label,a,b,c,d,e,f\n");
    struct lrf_rng r = lrf_rng_seeded(seed);
    for (int i = 0; i < rows; i++) {
        int k = (int)lrf_rng_below(&r, 3);
        len += (size_t)snprintf(csv + len, cap - len, "%d", k);
        for (int j = 0; j < 6; j++) {
            double v = lrf_rng_uniform(&r) + (j % 3 == k ? 1.0 : 0.0);
            len += (size_t)snprintf(csv + len, cap - len, ",%.4f", v);
        }
        csv[len++] = '\n';
    }
    struct lrf_dataset_options opt = lrf_dataset_options_default();
    opt.use_cache = false;
    opt.threads = 1;
    struct lrf_dataset *ds = NULL;
    struct lrf_error err;
    if (lrf_dataset_parse_buffer("synthetic.csv", csv, len, &opt, &ds, &err) != LRF_OK)
        fprintf(stderr, "    parse: %s\n", err.message);
    free(csv);
    return ds;
}

struct fixture_data {
    struct lrf_dataset *ds;
    struct lrf_split split;
    struct lrf_norm *norm;
    struct lrf_train_data data;
};

static bool data_init(struct fixture_data *d, int rows)
{
    memset(d, 0, sizeof *d);
    d->ds = make_dataset(rows, 42);
    if (!d->ds)
        return false;
    if (lrf_dataset_split(d->ds, 0.25, 1, &d->split, NULL) != LRF_OK)
        return false;
    if (lrf_norm_create(d->ds, d->split.train, d->split.n_train, LRF_NORMALIZE_STANDARD, &d->norm,
                        NULL) != LRF_OK)
        return false;
    d->data.train = d->ds;
    d->data.train_rows = d->split.train;
    d->data.n_train = d->split.n_train;
    d->data.val = d->ds;
    d->data.val_rows = d->split.val;
    d->data.n_val = d->split.n_val;
    d->data.norm = d->norm;
    return true;
}

static void data_free(struct fixture_data *d)
{
    lrf_norm_destroy(d->norm);
    lrf_split_free(&d->split);
    lrf_dataset_destroy(d->ds);
}

static struct lrf_trainer *make_trainer(const struct fixture_data *d, enum lrf_optim_kind kind,
                                        size_t batch, size_t accumulate)
{
    struct lrf_train_config c = lrf_train_config_default();
    lrf_model_parse_spec("mlp:16,8", &c.model, NULL);
    c.optim = lrf_optim_config_default(kind);
    if (kind == LRF_OPTIM_SGD) {
        c.optim.lr = 0.1;
        c.optim.momentum = 0.9;
    }
    c.batch_size = batch;
    c.accumulate = accumulate;
    c.seed = 3;
    c.eval_subset = 50;
    struct lrf_trainer *t = NULL;
    struct lrf_error err;
    if (lrf_trainer_create(&c, &d->data, &t, &err) != LRF_OK)
        fprintf(stderr, "    trainer: %s\n", err.message);
    return t;
}

static void test_snapshot_restore(const struct fixture_data *d, enum lrf_optim_kind kind)
{
    struct lrf_trainer *t = make_trainer(d, kind, 16, 1);
    CHECK(t != NULL);
    if (!t)
        return;
    double l, a[12], b[12];
    CHECK(lrf_trainer_restore(t) == LRF_ERR_STATE);
    for (int i = 0; i < 5; i++)
        lrf_trainer_step(t, 0.05, NAN, &l);
    CHECK(lrf_trainer_snapshot(t) == LRF_OK);
    struct lrf_model *m = lrf_trainer_model(t);
    size_t np = lrf_model_n_params(m);
    /* 12 steps cross an epoch boundary (150 rows / 16 = 9 batches): the data
     * order of the next epoch must come back too. */
    for (int i = 0; i < 12; i++)
        lrf_trainer_step(t, 0.05 * (i + 1), 0.8, &a[i]);
    float *pa = malloc(np * sizeof(float));
    memcpy(pa, lrf_model_params(m), np * sizeof(float));
    CHECK(lrf_trainer_restore(t) == LRF_OK);
    for (int i = 0; i < 12; i++)
        lrf_trainer_step(t, 0.05 * (i + 1), 0.8, &b[i]);
    CHECK_MSG(memcmp(a, b, sizeof a) == 0, "%s: losses after restore differ",
              lrf_optim_kind_name(kind));
    CHECK(memcmp(pa, lrf_model_params(m), np * sizeof(float)) == 0);
    /* A different data order for another run. */
    CHECK(lrf_trainer_restore(t) == LRF_OK);
    CHECK(lrf_trainer_reseed(t, 1) == LRF_OK);
    lrf_trainer_step(t, 0.05, 0.8, &b[0]);
    CHECK(b[0] != a[0]);
    free(pa);
    lrf_trainer_destroy(t);
}

static void test_accumulate(const struct fixture_data *d)
{
    /* Two micro-batches of 16 average to the gradient of the batch of 32 made
     * of the same rows (the shuffled order does not depend on the batch size). */
    struct lrf_trainer *full = make_trainer(d, LRF_OPTIM_SGD, 32, 1);
    struct lrf_trainer *acc = make_trainer(d, LRF_OPTIM_SGD, 16, 2);
    if (!full || !acc) {
        CHECK(0);
        lrf_trainer_destroy(full);
        lrf_trainer_destroy(acc);
        return;
    }
    double lf, la;
    for (int i = 0; i < 3; i++) {
        lrf_trainer_step(full, 0.1, NAN, &lf);
        lrf_trainer_step(acc, 0.1, NAN, &la);
        CHECK_CLOSE(la, lf, 1e-5, 0);
    }
    struct lrf_model *mf = lrf_trainer_model(full), *ma = lrf_trainer_model(acc);
    size_t np = lrf_model_n_params(mf);
    int bad = 0;
    for (size_t i = 0; i < np; i++)
        bad += fabsf(lrf_model_params(mf)[i] - lrf_model_params(ma)[i]) > 1e-5f;
    CHECK_MSG(bad == 0, "accumulated training differs in %d params", bad);
    /* micro_step + apply is what step does. */
    double l1, l2;
    CHECK(lrf_trainer_apply(acc, 0.1, NAN) == LRF_ERR_STATE);
    CHECK(lrf_trainer_micro_step(acc, &l1) == LRF_OK);
    CHECK(lrf_trainer_micro_step(acc, &l2) == LRF_OK);
    CHECK(lrf_trainer_apply(acc, 0.1, NAN) == LRF_OK);
    lrf_trainer_step(full, 0.1, NAN, &lf);
    CHECK_CLOSE(0.5 * (l1 + l2), lf, 1e-5, 0);
    lrf_trainer_destroy(full);
    lrf_trainer_destroy(acc);
}

static void test_eval_and_fit(const struct fixture_data *d)
{
    struct lrf_trainer *t = make_trainer(d, LRF_OPTIM_ADAM, 16, 1);
    struct lrf_trainer *u = make_trainer(d, LRF_OPTIM_ADAM, 16, 1);
    if (!t || !u) {
        CHECK(0);
        return;
    }
    double v1, v2, l, lu;
    CHECK(lrf_trainer_eval_subset(t, &v1) == LRF_OK);
    CHECK(lrf_trainer_eval_subset(t, &v2) == LRF_OK);
    CHECK(v1 == v2 && isfinite(v1));
    /* Evaluating changes nothing: t (evaluated) and u (not) step alike. */
    lrf_trainer_step(t, 1e-2, NAN, &l);
    lrf_trainer_step(u, 1e-2, NAN, &lu);
    CHECK(l == lu);

    long spe = lrf_trainer_steps_per_epoch(t);
    CHECK(spe == 10); /* 150 training rows, batch 16, last batch kept */
    struct lrf_sched_parse_options so = lrf_sched_parse_options_default();
    so.base_lr = 1e-2;
    so.run_length = lrf_trainer_run_steps(t, 4);
    struct lrf_sched *s = NULL;
    struct lrf_error err;
    CHECK(lrf_sched_parse("onecycle(max_lr=0.02)", &so, &s, &err) == LRF_OK);
    struct lrf_train_epoch ep[4];
    int done = 0;
    CHECK(lrf_trainer_fit(t, s, 4, ep, &done, NULL, NULL, &err) == LRF_OK);
    CHECK(done == 4);
    CHECK(ep[3].train_loss < ep[0].train_loss);
    CHECK(ep[3].val_accuracy > 0.8);
    CHECK(ep[0].samples == 150 && ep[0].samples_per_second > 0);
    CHECK(ep[3].step_seconds <= ep[3].seconds);
    /* The last step of a one-cycle run is at its lowest lr, momentum at its top. */
    CHECK_CLOSE(ep[3].lr, lrf_sched_lr(s, so.run_length - 1), 1e-12, 0);
    CHECK_CLOSE(ep[3].momentum, 0.95, 1e-3, 0);
    double vl, va;
    CHECK(lrf_trainer_evaluate(t, &vl, &va, NULL) == LRF_OK);
    CHECK_CLOSE(vl, ep[3].val_loss, 1e-12, 0);
    /* Too short a schedule is refused up front. */
    struct lrf_sched *short_s = NULL;
    so.run_length = 5;
    CHECK(lrf_sched_parse("onecycle(max_lr=0.02)", &so, &short_s, NULL) == LRF_OK);
    CHECK(lrf_trainer_fit(u, short_s, 1, NULL, NULL, NULL, NULL, &err) == LRF_ERR_INVALID_ARG);
    lrf_sched_destroy(s);
    lrf_sched_destroy(short_s);
    lrf_trainer_destroy(t);
    lrf_trainer_destroy(u);
}

static bool stop_after_3(void *user, int epoch, long step, long steps, double loss)
{
    (void)epoch, (void)steps, (void)loss;
    *(long *)user = step;
    return step == 3;
}

static void test_determinism_and_errors(const struct fixture_data *d)
{
    struct lrf_trainer *a = make_trainer(d, LRF_OPTIM_RMSPROP, 16, 1);
    struct lrf_trainer *b = make_trainer(d, LRF_OPTIM_RMSPROP, 16, 1);
    if (!a || !b) {
        CHECK(0);
        return;
    }
    int same = 1;
    for (int i = 0; i < 20; i++) {
        double la, lb;
        lrf_trainer_step(a, 1e-3, NAN, &la);
        lrf_trainer_step(b, 1e-3, NAN, &lb);
        same &= la == lb;
    }
    CHECK(same);
    long last = 0;
    int done = -1;
    CHECK(lrf_trainer_fit(a, NULL, 2, NULL, &done, stop_after_3, &last, NULL) ==
          LRF_ERR_INTERRUPTED);
    CHECK(last == 3 && done == 0);
    lrf_trainer_destroy(a);
    lrf_trainer_destroy(b);

    struct lrf_train_config c = lrf_train_config_default();
    struct lrf_trainer *t = NULL;
    struct lrf_error err;
    c.batch_size = 0;
    CHECK(lrf_trainer_create(&c, &d->data, &t, &err) == LRF_ERR_INVALID_ARG && !t);
    c = lrf_train_config_default();
    c.optim.lr = -1;
    CHECK(lrf_trainer_create(&c, &d->data, &t, &err) == LRF_ERR_INVALID_ARG && !t);
    c = lrf_train_config_default();
    struct lrf_train_data nodata = {0};
    CHECK(lrf_trainer_create(&c, &nodata, &t, &err) == LRF_ERR_INVALID_ARG);
    lrf_trainer_destroy(NULL);
}

int main(void)
{
    lrf_model_set_threads(2);
    test_torch_sgd_trajectory("model_relu.txt");
    test_torch_sgd_trajectory("model_gelu.txt");
    test_torch_sgd_trajectory("model_tanh.txt");
    struct fixture_data d;
    if (!data_init(&d, 200)) {
        CHECK_MSG(0, "synthetic dataset");
        return check_summary();
    }
    test_snapshot_restore(&d, LRF_OPTIM_SGD);
    test_snapshot_restore(&d, LRF_OPTIM_ADAM);
    test_accumulate(&d);
    test_eval_and_fit(&d);
    test_determinism_and_errors(&d);
    data_free(&d);
    return check_summary();
}
