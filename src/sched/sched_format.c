/* A schedule rendered back as a SPEC and as the equivalent PyTorch (or HF
 * transformers) constructor line. Numbers use the shortest of %.15g/%.17g that reads
 * back exactly, so parse(format(s)) rebuilds the same schedule. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int w = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (w > 0)
        o->len += (size_t)w;
}

static void put_num(struct out *o, double v)
{
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.15g", v);
    if (strtod(tmp, NULL) != v)
        snprintf(tmp, sizeof tmp, "%.17g", v);
    put(o, "%s", tmp);
}

static void choice_name(const char *choices, int idx, char *buf, size_t size)
{
    const char *c = choices;
    for (int i = 0; i < idx && *c; i++)
        c += strcspn(c, "|") + (c[strcspn(c, "|")] == '|');
    size_t len = strcspn(c, "|");
    snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), c);
}

/* One key's value; python selects Python syntax ('str', True, [a, b]). */
static void put_value(struct out *o, const struct sched_node *n, int ki, bool python)
{
    const struct sched_key_def *kd = &sched_kinds[n->kind].keys[ki];
    const struct sched_value *v = &n->vals[ki];
    char name[32];
    switch (kd->type) {
    case SCHED_P_BOOL:
        put(o, "%s", v->num != 0 ? (python ? "True" : "true") : (python ? "False" : "false"));
        break;
    case SCHED_P_ENUM:
        choice_name(kd->choices, v->choice, name, sizeof name);
        put(o, python ? "'%s'" : "%s", name);
        break;
    case SCHED_P_INTLIST:
    case SCHED_P_LRLIST:
        put(o, "[");
        for (size_t i = 0; i < v->n; i++) {
            put(o, i ? (python ? ", " : ",") : "");
            put_num(o, v->list[i]);
        }
        put(o, "]");
        break;
    default:
        put_num(o, v->num);
        break;
    }
}

static void put_keys(struct out *o, const struct sched_node *n, bool python, bool first)
{
    const struct sched_kind_def *kd = &sched_kinds[n->kind];
    for (int i = 0; i < SCHED_KEYS_MAX && kd->keys[i].name; i++) {
        if (!n->vals[i].shown)
            continue;
        if (python && n->kind == LRF_SCHED_CYCLIC && !strcmp(kd->keys[i].name, "scale_fn"))
            continue; /* rendered as a lambda by the caller */
        put(o, "%s%s=", first ? "" : (python ? ", " : ","), kd->keys[i].name);
        put_value(o, n, i, python);
        first = false;
    }
}

static void spec_node(struct out *o, const struct sched_node *n)
{
    put(o, "%s(", sched_kinds[n->kind].name);
    for (size_t i = 0; i < n->n_child; i++) {
        put(o, i ? "," : "");
        spec_node(o, n->child[i]);
    }
    put_keys(o, n, false, n->n_child == 0);
    put(o, ")");
}

size_t lrf_sched_format_spec(const struct lrf_sched *s, char *buf, size_t size)
{
    struct out o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    spec_node(&o, s->root);
    return o.len;
}

static void torch_lambda(struct out *o, const struct sched_node *n)
{
    const struct sched_params *p = &n->p;
    put(o, "torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda t: ");
    switch (n->kind) {
    case LRF_SCHED_INVERSE_TIME:
        put(o, "1 / (1 + ");
        put_num(o, p->decay_rate);
        put(o, p->staircase ? " * (t // " : " * (t / ");
        put_num(o, p->timescale);
        put(o, "))");
        break;
    case LRF_SCHED_INV:
        put(o, "(1 + ");
        put_num(o, p->gamma);
        put(o, " * t) ** -");
        put_num(o, p->power);
        break;
    case LRF_SCHED_SIGMOID:
        put(o, "1 / (1 + math.exp(-");
        put_num(o, p->gamma);
        put(o, " * (t - ");
        put_num(o, p->stepsize);
        put(o, ")))");
        break;
    case LRF_SCHED_POLY:
        put(o, "(1 - min(t, ");
        put_num(o, p->max_iter);
        put(o, ") / ");
        put_num(o, p->max_iter);
        put(o, ") ** ");
        put_num(o, p->power);
        break;
    case LRF_SCHED_PIECEWISE:
        put(o, "[");
        for (size_t i = 0; i < p->n_values; i++) {
            put(o, i ? ", " : "");
            put_num(o, p->values[i]);
        }
        put(o, "][bisect.bisect_left([");
        for (size_t i = 0; i + 1 < p->n_values; i++) {
            put(o, i ? ", " : "");
            put_num(o, p->boundaries[i]);
        }
        put(o, "], t)] / ");
        put_num(o, n->base);
        break;
    default:
        put(o, "1");
        break;
    }
    put(o, ")");
}

static void torch_node(struct out *o, const struct sched_node *n);

static const char *hf_ramp_name(int type)
{
    return type == 0 ? "linear" : type == 1 ? "cosine" : "1-sqrt";
}

/* The kinds Hugging Face's transformers provides; false for any other. */
static bool torch_hf(struct out *o, const struct sched_node *n)
{
    const struct sched_params *p = &n->p;
    switch (n->kind) {
    case LRF_SCHED_WARMUP_COSINE:
        put(o,
            "transformers.get_cosine_with_min_lr_schedule_with_warmup(optimizer, "
            "num_warmup_steps=%ld, num_training_steps=%ld, num_cycles=",
            p->warmup, p->training);
        put_num(o, p->cycles);
        put(o, ", min_lr_rate=");
        put_num(o, p->min_rate);
        break;
    case LRF_SCHED_INVERSE_SQRT:
        put(o, "transformers.get_inverse_sqrt_schedule(optimizer, num_warmup_steps=%ld, timescale=",
            p->warmup);
        put_num(o, p->timescale);
        break;
    case LRF_SCHED_WSD:
        put(o,
            "transformers.get_wsd_schedule(optimizer, num_warmup_steps=%ld, num_decay_steps=%ld, "
            "num_stable_steps=%ld, warmup_type='%s', decay_type='%s', min_lr_ratio=",
            p->warmup, p->decay_steps, p->stable, hf_ramp_name(p->warmup_type),
            hf_ramp_name(p->decay_type));
        put_num(o, p->min_rate);
        put(o, ", num_cycles=");
        put_num(o, p->cycles);
        break;
    default:
        return false;
    }
    put(o, ")");
    return true;
}

/* SequentialLR and ChainedScheduler around their children. */
static void torch_composite(struct out *o, const struct sched_node *n)
{
    put(o, "torch.optim.lr_scheduler.%s(%s[", sched_kinds[n->kind].torch,
        n->kind == LRF_SCHED_SEQ ? "optimizer, schedulers=" : "");
    for (size_t i = 0; i < n->n_child; i++) {
        put(o, i ? ", " : "");
        torch_node(o, n->child[i]);
    }
    put(o, "]");
    if (n->kind == LRF_SCHED_SEQ)
        put_keys(o, n, true, false);
    put(o, ")");
}

/* A PyTorch class with its keyword arguments (cyclic: a scale_fn lambda too). */
static void torch_class(struct out *o, const struct sched_node *n)
{
    const struct sched_params *p = &n->p;
    put(o, "torch.optim.lr_scheduler.%s(optimizer", sched_kinds[n->kind].torch);
    put_keys(o, n, true, false);
    if (n->kind == LRF_SCHED_CYCLIC && p->scale_fn >= 0) {
        put(o, ", scale_fn=lambda x: ");
        if (p->scale_fn == 0)
            put(o, "1.0");
        else if (p->scale_fn == 1)
            put(o, "1 / (2.0 ** (x - 1))");
        else {
            put_num(o, p->gamma);
            put(o, " ** x");
        }
    }
    put(o, ")");
    if (n->kind == LRF_SCHED_CYCLIC && p->mode == 3)
        put(o, "  # mode='sine' is an lrfind extension, not in PyTorch");
}

static void torch_node(struct out *o, const struct sched_node *n)
{
    if (torch_hf(o, n))
        return;
    if (n->kind == LRF_SCHED_MULTIPLICATIVE) {
        put(o, "torch.optim.lr_scheduler.MultiplicativeLR(optimizer, lr_lambda=lambda t: ");
        put_num(o, n->p.factor);
        put(o, ")");
    } else if (n->kind == LRF_SCHED_SEQ || n->kind == LRF_SCHED_CHAIN) {
        torch_composite(o, n);
    } else if (!sched_kinds[n->kind].torch) {
        torch_lambda(o, n);
    } else {
        torch_class(o, n);
    }
}

size_t lrf_sched_format_torch(const struct lrf_sched *s, char *buf, size_t size)
{
    struct out o = {buf, size, 0};
    if (size)
        buf[0] = '\0';
    torch_node(&o, s->root);
    return o.len;
}
