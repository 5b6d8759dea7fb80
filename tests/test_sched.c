/* Schedule library: the reference's golden vectors, every crash configuration as a
 * named error, the SPEC parser, formatting round trips, run_length/auto options, and
 * hand-derived values of the non-PyTorch kinds. */
#include <stdlib.h>

#include "check.h"
#include "lrf/sched.h"

/* The golden vectors are PyTorch 1.13.1's torch.optim.lr_scheduler (Debian
 * python3-torch): param_groups[0]['lr'] after t step() calls, lr0 = 1 unless stated,
 * printed with 10 significant digits, so they carry up to 5e-10 relative rounding
 * (scripts/gen_sched_fixtures.py runs the same schedulers at full precision for
 * tests/fixtures/sched/traces.txt). */
static const double GOLDEN_REL_TOL = 1e-9;
/* Hand-derived values of published formulas: exact up to a few ulps. */
static const double FORMULA_REL_TOL = 1e-12;

static struct lrf_sched *parse_or_fail(const char *spec, double base_lr)
{
    struct lrf_sched_parse_options o = lrf_sched_parse_options_default();
    o.base_lr = base_lr;
    struct lrf_sched *s = NULL;
    struct lrf_error err;
    enum lrf_status st = lrf_sched_parse(spec, &o, &s, &err);
    CHECK_MSG(st == LRF_OK, "%s: %s", spec, err.message);
    return s;
}

static void golden(const char *spec, double base_lr, const double *lr, const double *mom, int n)
{
    struct lrf_sched *s = parse_or_fail(spec, base_lr);
    if (!s)
        return;
    for (int t = 0; t < n; t++) {
        double l, m;
        CHECK(lrf_sched_eval(s, t, &l, &m, NULL) == LRF_OK);
        if (!CHECK_CLOSE(l, lr[t], GOLDEN_REL_TOL, 1e-12))
            fprintf(stderr, "    %s t=%d\n", spec, t);
        if (mom && !CHECK_CLOSE(m, mom[t], GOLDEN_REL_TOL, 1e-12))
            fprintf(stderr, "    %s momentum t=%d\n", spec, t);
    }
    lrf_sched_destroy(s);
}

#define GOLDEN(spec, base, lrs) golden(spec, base, lrs, NULL, (int)(sizeof lrs / sizeof lrs[0]))
#define GOLDEN_M(spec, base, lrs, moms)                                                            \
    golden(spec, base, lrs, moms, (int)(sizeof lrs / sizeof lrs[0]))

static void test_golden(void)
{
    static const double step[] = {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25};
    GOLDEN("step(step_size=3,gamma=0.5)", 1, step);
    static const double ms[] = {1, 1, 0.1, 0.1, 0.1, 0.001, 0.001, 0.001};
    GOLDEN("multistep(milestones=[2,5,5],gamma=0.1)", 1, ms);
    static const double ex[] = {1, 0.9, 0.81, 0.729, 0.6561, 0.59049};
    GOLDEN("exponential(gamma=0.9)", 1, ex);
    static const double c3[] = {1 / 3., 1 / 3., 1 / 3., 1 / 3., 1 / 3., 1, 1, 1};
    GOLDEN("constant()", 1, c3);
    static const double lin[] = {
        0.3333333333, 0.4666666667, 0.6, 0.7333333333, 0.8666666667, 1, 1, 1};
    GOLDEN("linear()", 1, lin);
    static const double lin2[] = {1, 0.775, 0.55, 0.325, 0.1, 0.1, 0.1};
    GOLDEN("linear(start_factor=1.0,end_factor=0.1,total_iters=4)", 1, lin2);
    static const double poly[] = {1, 0.64, 0.36, 0.16, 0.04, 0, 0, 0};
    GOLDEN("polynomial(total_iters=5,power=2.0)", 1, poly);
    static const double cos6[] = {1,   0.9397114317, 0.775, 0.55, 0.325, 0.1602885683,
                                  0.1, 0.1602885683, 0.325, 0.55, 0.775, 0.9397114317,
                                  1,   0.9397114317, 0.775};
    GOLDEN("cosine(T_max=6,eta_min=0.1)", 1, cos6);
    static const double cawr[] = {1,
                                  0.7625,
                                  0.2875,
                                  1,
                                  0.9363620668,
                                  0.7625,
                                  0.525,
                                  0.2875,
                                  0.1136379332,
                                  1,
                                  0.9838147675,
                                  0.9363620668,
                                  0.8608757211,
                                  0.7625,
                                  0.6479390464,
                                  0.525,
                                  0.4020609536,
                                  0.2875,
                                  0.1891242789,
                                  0.1136379332,
                                  0.06618523251,
                                  1,
                                  0.9959363092};
    GOLDEN("cosine_restarts(T_0=3,T_mult=2,eta_min=0.05)", 1, cawr);
    static const double cyc[] = {0.1, 0.4, 0.7, 1, 0.55, 0.1, 0.4, 0.7, 1, 0.55, 0.1, 0.4};
    static const double cycm[] = {0.9,  0.8666666667, 0.8333333333, 0.8,
                                  0.85, 0.9,          0.8666666667, 0.8333333333,
                                  0.8,  0.85,         0.9,          0.8666666667};
    GOLDEN_M("cyclic(base_lr=0.1,max_lr=1,step_size_up=3,step_size_down=2)", 1, cyc, cycm);
    static const double tri2[] = {0.1,   0.55, 1,      0.55,  0.1,    0.325, 0.55,
                                  0.325, 0.1,  0.2125, 0.325, 0.2125, 0.1,   0.15625};
    GOLDEN("cyclic(base_lr=0.1,max_lr=1,step_size_up=2,step_size_down=2,mode=triangular2)", 1,
           tri2);
    static const double er[] = {0.1,          0.5275,       0.91225,      0.48581875, 0.1,
                                0.4482014219, 0.7615827016, 0.4142517832, 0.1,        0.3836122344};
    static const double erm[] = {0.9, 0.8525,       0.80975,      0.85713125,
                                 0.9, 0.8613109531, 0.8264908109, 0.8650831352,
                                 0.9, 0.8684875295};
    GOLDEN_M("cyclic(base_lr=0.1,max_lr=1,step_size_up=2,step_size_down=2,mode=exp_range,"
             "gamma=0.95)",
             1, er, erm);
    static const double oc[] = {
        0.04,         0.52,          1,     0.950484632,  0.8117456539, 0.6112620219, 0.3887419781,
        0.1882583461, 0.04951936799, 4e-06, 0.04951936799};
    static const double ocm[] = {0.95,         0.9,          0.85,         0.8549515566,
                                 0.8688255099, 0.8888739533, 0.9111260467, 0.9311744901,
                                 0.9450484434, 0.95,         0.9450484434};
    GOLDEN_M("onecycle(max_lr=1,total_steps=10)", 1, oc, ocm);
    static const double ocl[] = {
        0.04,         0.52,         1,     0.8571434286, 0.7142868571, 0.5714302857, 0.4285737143,
        0.2857171429, 0.1428605714, 4e-06, -0.1428525714};
    GOLDEN("onecycle(max_lr=1,total_steps=10,anneal_strategy=linear)", 1, ocl);
    static const double oc3[] = {0.04,          0.3497896542,  0.8792851591,   0.9450188923,
                                 0.4621423935,  0.05394792764, 0.03815169324,  0.03122461893,
                                 0.02108466989, 0.010634768,   0.002866570191, 4e-06,
                                 0.002866570191};
    static const double oc3m[] = {
        0.95, 0.9177302444, 0.8625744626, 0.8557271987, 0.906026834, 0.9485470909, 0.95,
        0.95, 0.95,         0.95,         0.95,         0.95,        0.95};
    GOLDEN_M("onecycle(max_lr=1,total_steps=12,three_phase=true)", 1, oc3, oc3m);
    static const double oca[] = {0.0004,          0.01,       0.009330129698,
                                 0.00750001,      0.00500002, 0.00250003,
                                 0.0006699103016, 4e-08,      0.0006699103016};
    static const double ocab[] = {0.95,  0.85,         0.8566987298, 0.875,       0.9,
                                  0.925, 0.9433012702, 0.95,         0.9433012702};
    GOLDEN_M("onecycle(max_lr=0.01,epochs=2,steps_per_epoch=4,pct_start=0.25)", 1e-3, oca, ocab);
    static const double seq[] = {0.25,         0.5,          0.75,          1, 0.9045084972,
                                 0.6545084972, 0.3454915028, 0.09549150281, 0, 0.09549150281};
    GOLDEN("seq(linear(start_factor=0.25,end_factor=1,total_iters=3),cosine(T_max=5),"
           "milestones=[3])",
           1, seq);
    static const double chain[] = {0.1, 0.09, 0.81, 0.729, 0.6561, 0.59049};
    GOLDEN("chain(constant(factor=0.1,total_iters=2),exponential(gamma=0.9))", 1, chain);
    static const double n1[] = {4e-06, 0.611262};
    golden("onecycle(max_lr=1,total_steps=1)", 1, n1, NULL, 1);
    static const double pct0[] = {0.904509};
    struct lrf_sched *s = parse_or_fail("onecycle(max_lr=1,total_steps=5,pct_start=0.0)", 1);
    CHECK_CLOSE(lrf_sched_lr(s, 0), pct0[0], 1e-6, 0); /* printed with 6 digits */
    lrf_sched_destroy(s);
    s = parse_or_fail("onecycle(max_lr=1,total_steps=1)", 1);
    CHECK_CLOSE(lrf_sched_lr(s, 1), n1[1], 1e-6, 0);
    lrf_sched_destroy(s);
    /* SequentialLR hand-off to a scheduler without a closed form: it inherits 0.1. */
    static const double inherit[] = {0.1, 0.1, 0.1, 0.05, 0.025};
    GOLDEN("seq(constant(factor=0.1),multiplicative(factor=0.5),milestones=[2])", 1, inherit);
}

static void test_plateau_golden(void)
{
    /* The reference lists the lr after each step(metric); row t here is after t steps,
     * so it is the reference shifted by one, behind the initial lr. */
    static const double metrics[] = {1.0, .995, .99, .98, .98, .98, .98, .98, .97, .97, .97, .97};
    static const double want[] = {1, 1, 1, .5, .5, .5, .25, .25, .25, .25, .25, .2, .2};
    struct lrf_sched *s = parse_or_fail("plateau(mode=min,factor=.5,patience=1,threshold=.01,"
                                        "threshold_mode=rel,cooldown=1,min_lr=.2)",
                                        1);
    if (!s)
        return;
    CHECK(lrf_sched_needs_metric(s));
    CHECK(!lrf_sched_has_momentum(s));
    double lr, mom;
    CHECK(lrf_sched_eval(s, 0, &lr, NULL, NULL) == LRF_ERR_STATE);
    for (int t = 0; t < 13; t++) {
        if (t > 0)
            CHECK(lrf_sched_step(s, metrics[t - 1], NULL) == LRF_OK);
        lrf_sched_current(s, &lr, &mom);
        CHECK_CLOSE(lr, want[t], 1e-15, 0);
        CHECK(isnan(mom));
        CHECK(lrf_sched_current_step(s) == t);
    }
    lrf_sched_reset(s);
    lrf_sched_current(s, &lr, NULL);
    CHECK(lr == 1 && lrf_sched_current_step(s) == 0);
    lrf_sched_destroy(s);
}

/* spec must fail with status, and the message must contain every needle. */
static void expect_error(const char *spec, enum lrf_status status, const char *needle,
                         const char *needle2)
{
    struct lrf_sched *s = (struct lrf_sched *)1;
    struct lrf_error err;
    lrf_error_clear(&err);
    enum lrf_status st = lrf_sched_parse(spec, NULL, &s, &err);
    CHECK_MSG(st == status, "%s: status %d, want %d (%s)", spec, st, status, err.message);
    CHECK_MSG(s == NULL, "%s: out not NULL on error", spec);
    CHECK_MSG(strstr(err.message, needle) != NULL, "%s: '%s' lacks '%s'", spec, err.message,
              needle);
    if (needle2)
        CHECK_MSG(strstr(err.message, needle2) != NULL, "%s: '%s' lacks '%s'", spec, err.message,
                  needle2);
}

static void test_crash_configs(void)
{
    const enum lrf_status A = LRF_ERR_INVALID_ARG;
    expect_error("cosine(T_max=0)", A, "T_max", NULL);
    expect_error("step(step_size=0)", A, "step_size", NULL);
    expect_error("linear(start_factor=0)", A, "start_factor", NULL);
    expect_error("linear(end_factor=1.5)", A, "end_factor", NULL);
    expect_error("constant(factor=0)", A, "factor", NULL);
    expect_error("constant(factor=2)", A, "factor", NULL);
    expect_error("cyclic(base_lr=0.1,max_lr=1,step_size_up=0,step_size_down=0)", A, "step_size_up",
                 "step_size_down");
    expect_error("cyclic(base_lr=0.1,max_lr=1,step_size_up=0,step_size_down=3)", A, "step_size_up",
                 NULL);
    expect_error("onecycle(max_lr=1,total_steps=10,pct_start=0.1)", A, "pct_start", "zero-width");
    expect_error("onecycle(max_lr=1,total_steps=2,pct_start=0.5)", A, "pct_start", NULL);
    expect_error("onecycle(max_lr=1,total_steps=0)", A, "total_steps", NULL);
    expect_error("onecycle(max_lr=1)", A, "total_steps", NULL);
    expect_error("onecycle(max_lr=1,epochs=3)", A, "steps_per_epoch", NULL);
    expect_error("onecycle(max_lr=1,total_steps=10,pct_start=1.5)", A, "pct_start", NULL);
    expect_error("onecycle(max_lr=1,total_steps=10,div_factor=0)", A, "div_factor", NULL);
    expect_error("onecycle(max_lr=1,total_steps=10,final_div_factor=0)", A, "final_div_factor",
                 NULL);
    expect_error("cosine_restarts(T_0=0)", A, "T_0", NULL);
    expect_error("cosine_restarts(T_0=2,T_mult=0)", A, "T_mult", NULL);
    expect_error("plateau(factor=1)", A, "factor", NULL);
    expect_error("seq(constant(),cosine(T_max=3))", A, "milestones", NULL);
    expect_error("seq(constant(),cosine(T_max=3),milestones=[1,2])", A, "milestones", NULL);
    expect_error("seq(constant(),linear(total_iters=0),milestones=[2])", A, "total_iters", NULL);
    expect_error("seq(plateau(),milestones=[])", A, "plateau", NULL);
    expect_error("chain(seq(constant(),milestones=[]))", A, "seq", NULL);
    expect_error("piecewise(boundaries=[5],values=[1])", A, "values", NULL);
    expect_error("step(step_size=2.5)", A, "step_size", "integer");
    expect_error("exponential()", A, "gamma", NULL);
    expect_error("cosine(T_max=5,eta_min=auto)", A, "eta_min=auto",
                 "needs a range test suggestion");
    expect_error("onecycle(max_lr=auto,total_steps=5)", A, "max_lr=auto", NULL);
    expect_error("wsd(num_decay_steps=5)", A, "num_training_steps", NULL);
    expect_error("warmup_cosine(min_lr=0.1,min_lr_rate=0.1,num_training_steps=5)", A, "min_lr",
                 NULL);
    expect_error("poly(max_iter=0)", A, "max_iter", NULL);
}

static void test_parser(void)
{
    /* unknown kind / key: the message lists the valid names */
    expect_error("cosinus(T_max=3)", LRF_ERR_PARSE, "unknown schedule kind 'cosinus'",
                 "cosine_restarts, cyclic, onecycle");
    expect_error("step(step_size=3,gama=0.5)", LRF_ERR_INVALID_ARG, "unknown key 'gama'",
                 "valid keys: step_size, gamma");
    expect_error("cyclic(base_lr=1,max_lr=2,mode=sin)", LRF_ERR_INVALID_ARG,
                 "triangular|triangular2|exp_range|sine", NULL);
    expect_error("onecycle(max_lr=1,total_steps=5,three_phase=yes)", LRF_ERR_INVALID_ARG,
                 "true or false", NULL);
    expect_error("step(step_size=3", LRF_ERR_PARSE, "column", NULL);
    expect_error("step(step_size=3) x", LRF_ERR_PARSE, "column 19", NULL);
    expect_error("step(step_size=3,step_size=4)", LRF_ERR_PARSE, "twice", NULL);
    expect_error("step(cosine(T_max=3))", LRF_ERR_PARSE, "nested", NULL);
    expect_error("multistep(milestones=3)", LRF_ERR_INVALID_ARG, "brackets", NULL);
    expect_error("multistep(milestones=[1,x])", LRF_ERR_INVALID_ARG, "integer", NULL);
    expect_error("", LRF_ERR_PARSE, "valid kinds", NULL);
    expect_error("seq(milestones=[])", LRF_ERR_INVALID_ARG, "at least one", NULL);

    /* spaces, lists, bools, nesting, None */
    struct lrf_sched *a =
        parse_or_fail("  seq ( linear( start_factor = 0.1 , total_iters = 5 ) , cosine(T_max=95) , "
                      "milestones = [ 5 ] ) ",
                      1);
    struct lrf_sched *b = parse_or_fail(
        "seq(linear(start_factor=0.1,total_iters=5),cosine(T_max=95),milestones=[5])", 1);
    if (a && b)
        for (long t = 0; t < 120; t++)
            CHECK(lrf_sched_lr(a, t) == lrf_sched_lr(b, t));
    CHECK(a && lrf_sched_get_kind(a) == LRF_SCHED_SEQ);
    lrf_sched_destroy(a);
    lrf_sched_destroy(b);
    a = parse_or_fail("onecycle(max_lr=0.1,total_steps=1000,pct_start=0.25,"
                      "anneal_strategy=linear,three_phase=True,cycle_momentum=false)",
                      1);
    CHECK(a && !lrf_sched_has_momentum(a) && lrf_sched_max_step(a) == 1000);
    lrf_sched_destroy(a);
    a = parse_or_fail("cyclic(base_lr=0.001,max_lr=0.01,step_size_up=20,step_size_down=None)", 1);
    CHECK(a && lrf_sched_has_momentum(a) && lrf_sched_max_step(a) == -1);
    lrf_sched_destroy(a);
    lrf_sched_destroy(NULL);
    CHECK(lrf_sched_kind_name(LRF_SCHED_COSINE_RESTARTS) != NULL &&
          !strcmp(lrf_sched_kind_name(LRF_SCHED_COSINE_RESTARTS), "cosine_restarts"));
    CHECK(lrf_sched_kind_name(LRF_SCHED_KIND_COUNT) == NULL);
}

static void round_trip(const char *spec, const char *want_spec, const char *want_torch)
{
    struct lrf_sched *s = parse_or_fail(spec, 0.5);
    if (!s)
        return;
    char text[1024], torch[1024];
    size_t need = lrf_sched_format_spec(s, NULL, 0);
    CHECK(lrf_sched_format_spec(s, text, sizeof text) == need && need < sizeof text);
    lrf_sched_format_torch(s, torch, sizeof torch);
    if (want_spec)
        CHECK_STR(text, want_spec);
    if (want_torch)
        CHECK_STR(torch, want_torch);
    struct lrf_sched *r = parse_or_fail(text, 0.5);
    if (r) {
        char again[1024];
        lrf_sched_format_spec(r, again, sizeof again);
        CHECK_STR(again, text);
        bool same = true;
        long max = lrf_sched_max_step(s) >= 0 ? lrf_sched_max_step(s) : 60;
        for (long t = 0; t <= max && !lrf_sched_needs_metric(s); t++)
            same &= lrf_sched_lr(s, t) == lrf_sched_lr(r, t);
        CHECK_MSG(same, "%s: values differ after the round trip", spec);
    }
    char small[8];
    CHECK(lrf_sched_format_spec(s, small, sizeof small) == need && strlen(small) == 7);
    lrf_sched_destroy(r);
    lrf_sched_destroy(s);
}

static void test_format(void)
{
    round_trip("onecycle( max_lr=0.1, total_steps=1000, pct_start=0.25, anneal_strategy=linear, "
               "three_phase=true)",
               "onecycle(max_lr=0.1,total_steps=1000,pct_start=0.25,anneal_strategy=linear,"
               "three_phase=true)",
               "torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=1000, "
               "pct_start=0.25, anneal_strategy='linear', three_phase=True)");
    round_trip("multistep(milestones=[30,60,90],gamma=0.1)",
               "multistep(milestones=[30,60,90],gamma=0.1)",
               "torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[30, 60, 90], "
               "gamma=0.1)");
    round_trip("seq(linear(start_factor=0.1,total_iters=5),cosine(T_max=95),milestones=[5])",
               "seq(linear(start_factor=0.1,total_iters=5),cosine(T_max=95),milestones=[5])",
               "torch.optim.lr_scheduler.SequentialLR(optimizer, schedulers=["
               "torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=5), "
               "torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=95)], "
               "milestones=[5])");
    round_trip("chain(constant(factor=0.1,total_iters=2),exponential(gamma=0.9))", NULL,
               "torch.optim.lr_scheduler.ChainedScheduler([torch.optim.lr_scheduler.ConstantLR("
               "optimizer, factor=0.1, total_iters=2), torch.optim.lr_scheduler.ExponentialLR("
               "optimizer, gamma=0.9)])");
    round_trip("cyclic(base_lr=0.001,max_lr=0.01,step_size_up=20,mode=exp_range,gamma=0.99)", NULL,
               "torch.optim.lr_scheduler.CyclicLR(optimizer, base_lr=0.001, max_lr=0.01, "
               "step_size_up=20, mode='exp_range', gamma=0.99)");
    round_trip("cyclic(base_lr=0.001,max_lr=0.01,scale_fn=triangular2,scale_mode=iterations)", NULL,
               "torch.optim.lr_scheduler.CyclicLR(optimizer, base_lr=0.001, max_lr=0.01, "
               "scale_mode='iterations', scale_fn=lambda x: 1 / (2.0 ** (x - 1)))");
    round_trip("plateau(mode=min,factor=0.5,patience=2,threshold=0.01,threshold_mode=rel,"
               "cooldown=1,min_lr=1e-4)",
               "plateau(mode=min,factor=0.5,patience=2,threshold=0.01,threshold_mode=rel,"
               "cooldown=1,min_lr=0.0001)",
               NULL);
    round_trip("cosine_restarts(T_0=10,T_mult=2,eta_min=1e-5)", NULL,
               "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=10, T_mult=2, "
               "eta_min=1e-05)");
    round_trip("linear(start_factor=0.33333333333333331)",
               "linear(start_factor=0.33333333333333331)", NULL);
    round_trip("multiplicative(factor=0.95)", NULL,
               "torch.optim.lr_scheduler.MultiplicativeLR(optimizer, lr_lambda=lambda t: 0.95)");
    round_trip("warmup_cosine(num_warmup_steps=5,num_training_steps=50,min_lr=0.05)", NULL,
               "transformers.get_cosine_with_min_lr_schedule_with_warmup(optimizer, "
               "num_warmup_steps=5, num_training_steps=50, num_cycles=0.5, min_lr_rate=0.1)");
    round_trip("inverse_sqrt(num_warmup_steps=4)", NULL,
               "transformers.get_inverse_sqrt_schedule(optimizer, num_warmup_steps=4, "
               "timescale=4)");
    round_trip("wsd(num_warmup_steps=2,num_decay_steps=3,num_training_steps=10)", NULL,
               "transformers.get_wsd_schedule(optimizer, num_warmup_steps=2, num_decay_steps=3, "
               "num_stable_steps=5, warmup_type='linear', decay_type='cosine', min_lr_ratio=0, "
               "num_cycles=0.5)");
    round_trip("inverse_time(decay_rate=0.5)", NULL,
               "torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda t: 1 / (1 + 0.5 * "
               "(t / 1)))");
    round_trip("piecewise(boundaries=[5,10],values=[0.1,0.05,0.01])", NULL,
               "torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda t: [0.1, 0.05, "
               "0.01][bisect.bisect_left([5, 10], t)] / 0.5)");
    round_trip("poly(max_iter=100)", NULL, NULL);
    round_trip("inv(gamma=1e-4,power=0.75)", NULL, NULL);
    round_trip("sigmoid(gamma=-0.5,stepsize=10)", NULL, NULL);
    round_trip("cyclic(base_lr=0.01,max_lr=0.1,step_size_up=4,mode=sine)", NULL, NULL);
}

/* A bare kind; the suggestion (auto_lr) for required lr keys left out. */
static void test_bare_kind_and_auto(void)
{
    struct lrf_sched_parse_options o = lrf_sched_parse_options_default();
    o.run_length = 100;
    o.auto_lr = 0.3;
    struct lrf_sched *s = NULL;
    /* A bare kind is KIND(), at the top and inside seq/chain. */
    CHECK(lrf_sched_parse("cosine", &o, &s, NULL) == LRF_OK);
    CHECK(s && lrf_sched_lr(s, 100) == 0.0 && lrf_sched_lr(s, 50) == 0.5);
    lrf_sched_destroy(s);
    CHECK(lrf_sched_parse(" cosine ", &o, &s, NULL) == LRF_OK);
    lrf_sched_destroy(s);
    CHECK(lrf_sched_parse("chain(linear, exponential(gamma=0.5))", &o, &s, NULL) == LRF_OK);
    CHECK(s && lrf_sched_get_kind(s) == LRF_SCHED_CHAIN);
    CHECK_CLOSE(s ? lrf_sched_lr(s, 1) : (double)NAN, (1.0 / 3 + (2.0 / 3) / 100) * 0.5, 1e-12, 0);
    lrf_sched_destroy(s);
    CHECK(lrf_sched_parse("cosine x", &o, &s, NULL) == LRF_ERR_PARSE && !s);
    /* With a suggestion at hand, a required lr left out is the suggestion ... */
    CHECK(lrf_sched_parse("onecycle", &o, &s, NULL) == LRF_OK);
    if (s) {
        char text[256];
        lrf_sched_format_spec(s, text, sizeof text);
        CHECK_STR(text, "onecycle(max_lr=0.3,total_steps=100)");
    }
    lrf_sched_destroy(s);
    CHECK(lrf_sched_parse("cyclic(step_size_up=10)", &o, &s, NULL) == LRF_OK);
    CHECK(s && lrf_sched_lr(s, 0) == 0.3 && lrf_sched_lr(s, 10) == 0.3);
    lrf_sched_destroy(s);
    o.auto_base_lr = 0.075; /* ... cyclic's lower bound its own */
    CHECK(lrf_sched_parse("cyclic(step_size_up=10)", &o, &s, NULL) == LRF_OK);
    CHECK(s && lrf_sched_lr(s, 0) == 0.075 && lrf_sched_lr(s, 10) == 0.3);
    lrf_sched_destroy(s);
    CHECK(lrf_sched_parse("cyclic(base_lr=0.01,step_size_up=10)", &o, &s, NULL) == LRF_OK);
    CHECK(s && lrf_sched_lr(s, 0) == 0.01 && lrf_sched_lr(s, 10) == 0.3);
    lrf_sched_destroy(s);
    /* ... but keys with a default keep it (eta_min is not "an lr to find"). */
    CHECK(lrf_sched_parse("cosine", &o, &s, NULL) == LRF_OK);
    CHECK(s && lrf_sched_lr(s, 100) == 0.0);
    lrf_sched_destroy(s);
    o.auto_lr = o.auto_base_lr = NAN;
    struct lrf_error missing;
    CHECK(lrf_sched_parse("onecycle", &o, &s, &missing) == LRF_ERR_INVALID_ARG && !s);
    CHECK(strstr(missing.message, "max_lr") != NULL);
}

static void test_options(void)
{
    struct lrf_sched_parse_options o = lrf_sched_parse_options_default();
    CHECK(o.base_lr == 1 && o.run_length == 0 && isnan(o.auto_lr) && isnan(o.auto_base_lr));
    o.run_length = 100;
    o.auto_lr = 0.3;
    struct lrf_sched *s = NULL;
    CHECK(lrf_sched_parse("onecycle(max_lr=auto)", &o, &s, NULL) == LRF_OK);
    if (s) {
        char text[256];
        lrf_sched_format_spec(s, text, sizeof text);
        CHECK_STR(text, "onecycle(max_lr=0.3,total_steps=100)");
        CHECK(lrf_sched_max_step(s) == 100);
        CHECK_CLOSE(lrf_sched_lr(s, 0), 0.3 / 25, 1e-15, 0);
    }
    lrf_sched_destroy(s);
    CHECK(lrf_sched_parse("onecycle(max_lr=auto,epochs=2,steps_per_epoch=7)", &o, &s, NULL) ==
          LRF_OK);
    CHECK(s && lrf_sched_max_step(s) == 14);
    lrf_sched_destroy(s);
    CHECK(lrf_sched_parse("cosine()", &o, &s, NULL) == LRF_OK);
    CHECK(s && lrf_sched_lr(s, 100) == 0.0); /* T_max = run length */
    lrf_sched_destroy(s);
    CHECK(lrf_sched_parse("linear(start_factor=0.5)", &o, &s, NULL) == LRF_OK);
    CHECK(s && lrf_sched_lr(s, 50) == 0.75);
    lrf_sched_destroy(s);
    CHECK(lrf_sched_parse("wsd(num_decay_steps=10)", &o, &s, NULL) == LRF_OK);
    CHECK(s && lrf_sched_lr(s, 89) == 1.0 && lrf_sched_lr(s, 100) == 0.0);
    lrf_sched_destroy(s);
    o.base_lr = NAN;
    CHECK(lrf_sched_parse("cosine()", &o, &s, NULL) == LRF_ERR_INVALID_ARG && !s);
    s = parse_or_fail("onecycle(max_lr=1,total_steps=4)", 1);
    double lr;
    struct lrf_error err;
    CHECK(lrf_sched_eval(s, -1, &lr, NULL, &err) == LRF_ERR_INVALID_ARG);
    CHECK(lrf_sched_eval(s, 5, &lr, NULL, &err) == LRF_ERR_STATE);
    CHECK(strstr(err.message, "total_steps") != NULL);
    CHECK(isnan(lrf_sched_lr(s, 5)));
    lrf_sched_destroy(s);
    /* a zero-width last phase: usable to N-1, t = N is the only failing step */
    s = parse_or_fail("onecycle(max_lr=1,total_steps=8,pct_start=1.0)", 1);
    CHECK(s && lrf_sched_max_step(s) == 7);
    CHECK(s && lrf_sched_lr(s, 7) == 1.0);
    CHECK(s && lrf_sched_eval(s, 8, &lr, NULL, &err) == LRF_ERR_STATE);
    lrf_sched_destroy(s);
    s = parse_or_fail("seq(linear(),onecycle(max_lr=1,total_steps=10),milestones=[5])", 1);
    CHECK(s && lrf_sched_max_step(s) == 15);
    CHECK(s && lrf_sched_eval(s, 16, &lr, NULL, NULL) == LRF_ERR_STATE);
    lrf_sched_destroy(s);
}

/* Non-PyTorch kinds at hand-derived points of their published formulas. */
static void test_formulas(void)
{
    struct {
        const char *spec;
        double base;
        long t;
        double want;
        const char *source;
    } cases[] = {
        {"inverse_time(decay_rate=0.5)", 0.1, 2, 0.05, "Keras InverseTimeDecay: 0.1/(1+0.5*2)"},
        {"inverse_time(decay_rate=1,decay_steps=4,staircase=true)", 1, 7, 0.5,
         "Keras: floor(7/4)=1"},
        {"poly(power=2,max_iter=10)", 1, 5, 0.25, "Caffe poly: (1-5/10)^2"},
        {"poly(power=2,max_iter=10)", 1, 15, 0.0, "clamped past max_iter"},
        {"inv(gamma=1,power=1)", 2, 1, 1.0, "Caffe inv: 2*(1+1)^-1"},
        {"sigmoid(gamma=1,stepsize=3)", 1, 3, 0.5, "Caffe sigmoid at stepsize"},
        {"inverse_sqrt(num_warmup_steps=4)", 1, 2, 0.5, "HF warm-up 2/4"},
        {"inverse_sqrt(num_warmup_steps=4)", 1, 16, 0.5, "HF: 1/sqrt((16+4-4)/4)"},
        {"inverse_sqrt()", 1, 30000, 0.5, "HF: timescale 10000, 1/sqrt(4)"},
        {"warmup_cosine(num_warmup_steps=10,num_training_steps=110)", 1, 5, 0.5, "HF warm-up"},
        {"warmup_cosine(num_warmup_steps=10,num_training_steps=110)", 1, 60, 0.5,
         "HF: half-way cosine"},
        {"warmup_cosine(num_warmup_steps=10,num_training_steps=110,min_lr_rate=0.2)", 1, 110, 0.2,
         "HF: floor at N"},
        {"warmup_cosine(num_warmup_steps=0,num_training_steps=10,min_lr=0.1)", 0.5, 10, 0.1,
         "HF: min_lr/base_lr rate"},
        {"wsd(num_warmup_steps=4,num_decay_steps=4,num_training_steps=16)", 1, 2, 0.5,
         "HF wsd linear warm-up"},
        {"wsd(num_warmup_steps=4,num_decay_steps=4,num_training_steps=16)", 1, 11, 1.0, "stable"},
        {"wsd(num_warmup_steps=4,num_decay_steps=4,num_training_steps=16)", 1, 14, 0.5,
         "cosine decay half-way"},
        {"wsd(num_warmup_steps=4,num_decay_steps=4,num_training_steps=16,min_lr_ratio=0.1)", 1, 20,
         0.1, "after the decay: min_lr_ratio"},
        {"piecewise(boundaries=[5],values=[1,0.5])", 1, 5, 1.0,
         "Keras: the boundary step belongs to the earlier piece"},
        {"piecewise(boundaries=[5],values=[1,0.5])", 1, 6, 0.5, "Keras"},
        {"cyclic(base_lr=0.1,max_lr=1,step_size_up=4,mode=sine)", 1, 2, 0.55, "sine: s=1/2"},
        {"cyclic(base_lr=0.1,max_lr=1,step_size_up=4,mode=sine)", 1, 4, 1.0, "sine peak"},
        {"cyclic(base_lr=0.1,max_lr=1,step_size_up=4,mode=sine)", 1, 8, 0.1, "sine trough"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct lrf_sched *s = parse_or_fail(cases[i].spec, cases[i].base);
        if (!s)
            continue;
        if (!CHECK_CLOSE(lrf_sched_lr(s, cases[i].t), cases[i].want, FORMULA_REL_TOL, 1e-15))
            fprintf(stderr, "    %s t=%ld (%s)\n", cases[i].spec, cases[i].t, cases[i].source);
        lrf_sched_destroy(s);
    }
    /* sine momentum mirrors the lr: max_momentum at the trough, base at the peak */
    struct lrf_sched *s = parse_or_fail("cyclic(base_lr=0.1,max_lr=1,step_size_up=4,mode=sine)", 1);
    double lr, m;
    CHECK(s && lrf_sched_eval(s, 4, &lr, &m, NULL) == LRF_OK);
    CHECK_CLOSE(m, 0.8, FORMULA_REL_TOL, 0);
    lrf_sched_destroy(s);
}

int main(void)
{
    test_golden();
    test_plateau_golden();
    test_crash_configs();
    test_parser();
    test_format();
    test_options();
    test_bare_kind_and_auto();
    test_formulas();
    return check_summary();
}
