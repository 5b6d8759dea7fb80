/* Internals of the schedule module: the kind/key tables the parser and the
 * formatter share, the parsed node tree, and the formulas. */
#ifndef LRF_SCHED_INTERNAL_H
#define LRF_SCHED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "lrf/sched.h"

enum { SCHED_KEYS_MAX = 14 };

enum sched_ptype {
    SCHED_P_NUM,     /* any finite number */
    SCHED_P_INT,     /* an integer-valued number */
    SCHED_P_BOOL,    /* true/false */
    SCHED_P_ENUM,    /* one of the '|'-separated choices */
    SCHED_P_LR,      /* a number or "auto" */
    SCHED_P_INTLIST, /* [i, j, ...] */
    SCHED_P_LRLIST,  /* [x, y, ...], each a number or "auto" */
};

enum {
    SCHED_F_REQ = 1u,    /* no default: an error when missing (and not resolved otherwise) */
    SCHED_F_RUNLEN = 2u, /* defaults to parse option run_length when that is > 0 */
    SCHED_F_NONE = 4u,   /* may be "none" (PyTorch None); unset by default */
};

struct sched_key_def {
    const char *name;
    enum sched_ptype type;
    const char *def;     /* default as SPEC text; NULL when required or none */
    const char *choices; /* SCHED_P_ENUM: "a|b|c" */
    unsigned flags;
};

struct sched_kind_def {
    const char *name;  /* SPEC name */
    const char *torch; /* PyTorch class, NULL for the non-PyTorch kinds */
    bool composite;    /* takes nested schedules (seq, chain) */
    struct sched_key_def keys[SCHED_KEYS_MAX];
};

extern const struct sched_kind_def sched_kinds[LRF_SCHED_KIND_COUNT];

struct sched_value {
    bool set;   /* has a value (given, resolved, or defaulted) */
    bool shown; /* given by the user or resolved from run_length/auto: formatted back */
    double num; /* NUM/INT/BOOL/LR */
    int choice; /* ENUM index */
    double *list;
    size_t n;
};

/* Resolved parameters, named after PyTorch's attributes; each kind uses a few. */
struct sched_params {
    double gamma, factor, start_factor, end_factor, power, eta_min;
    long step_size, total_iters, T_max, T_0, T_mult;
    long *milestones;
    size_t n_milestones;
    /* cyclic */
    double base_lr, max_lr, up, down, base_m, max_m;
    int mode, scale_fn, scale_mode; /* mode: 0 tri, 1 tri2, 2 exp_range, 3 sine; scale_fn -1 none */
    bool cycle_momentum;
    /* onecycle */
    long total_steps;
    double end_step[3], initial_lr, min_lr;
    int n_phases;
    long zero_last; /* 1 when the last phase has zero width: t = N divides by zero */
    bool linear;
    /* plateau */
    bool mode_max, thr_abs;
    double threshold, eps;
    long patience, cooldown;
    /* non-PyTorch kinds */
    long warmup, training, decay_steps, stable;
    double cycles, min_rate, timescale, decay_rate, stepsize, max_iter;
    bool staircase;
    int warmup_type, decay_type; /* 0 linear, 1 cosine, 2 1-sqrt */
    double *boundaries, *values;
    size_t n_values;
};

struct sched_node {
    enum lrf_sched_kind kind;
    struct sched_value vals[SCHED_KEYS_MAX];
    struct sched_node **child;
    size_t n_child;
    struct sched_params p;
    double base; /* PyTorch's base_lrs[0]: the group's initial_lr when constructed */
};

/* Iteration state of a whole schedule: PyTorch's optimizer lr/momentum plus the
 * counters of the stateful kinds. */
struct sched_state {
    long t;
    double lr, mom;
    long *epoch; /* seq: each child's last_epoch */
    double best; /* plateau */
    long bad, cooldown_counter;
};

struct lrf_sched {
    struct sched_node *root;
    double base_lr;
    struct sched_state cur, cache;
    bool cache_valid;
};

/* sched_spec.c */
enum lrf_status sched_parse_node(const char *spec, const struct lrf_sched_parse_options *opts,
                                 struct sched_node **out, struct lrf_error *err);
void sched_node_free(struct sched_node *n);
int sched_key_index(enum lrf_sched_kind kind, const char *name);

/* sched_build.c: resolves values into params and validates (messages name the key). */
enum lrf_status sched_build_node(struct sched_node *n, const struct lrf_sched_parse_options *opts,
                                 struct lrf_error *err);

/* sched_formula.c */
bool sched_drives_momentum(const struct sched_node *n);
bool sched_has_closed_form(enum lrf_sched_kind kind);
/* Kinds whose get_lr() ignores the group lr (computed from base_lrs or own parameters). */
bool sched_is_absolute(enum lrf_sched_kind kind);
/* Value of an absolute kind at local step t; *mom written when it drives momentum.
 * LRF_ERR_STATE past a one-cycle's end. */
enum lrf_status sched_absolute(const struct sched_node *n, long t, double *lr, double *mom,
                               struct lrf_error *err);
/* PyTorch's _get_closed_form_lr() at t (kinds with a closed form). */
double sched_closed_form(const struct sched_node *n, long t);
/* The kind on its own, as PyTorch's step() produces it (closed form where it exists,
 * with the chainable form's degenerate cases). Not for plateau/seq/chain. */
enum lrf_status sched_standalone(const struct sched_node *n, long t, double *lr, double *mom,
                                 struct lrf_error *err);
/* PyTorch's chainable get_lr() at last_epoch t, given the group's current lr. */
enum lrf_status sched_chainable(const struct sched_node *n, long t, double cur, double *lr,
                                double *mom, struct lrf_error *err);

#endif
