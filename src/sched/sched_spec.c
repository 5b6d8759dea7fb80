/* SPEC text -> node tree: KIND(key=value, ..., CHILD(...), ...). Values are checked
 * against the kind table (type, choices); defaults and run-length values are filled in
 * here, range checks happen in sched_build.c. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"

enum { SPEC_DEPTH_MAX = 8, SPEC_WORD_MAX = 64, SPEC_LIST_MAX = 4096 };

struct spec_parser {
    const char *spec;
    const char *p;
    const struct lrf_sched_parse_options *opts;
    struct lrf_error *err;
};

static long col(const struct spec_parser *ps)
{
    return (long)(ps->p - ps->spec) + 1;
}

static void skip_ws(struct spec_parser *ps)
{
    while (*ps->p && isspace((unsigned char)*ps->p))
        ps->p++;
}

/* Reads an identifier into buf; returns its length (0: none). */
static size_t read_ident(struct spec_parser *ps, char *buf, size_t size)
{
    size_t n = 0;
    while (isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_')
        n++;
    if (n == 0 || isdigit((unsigned char)ps->p[0]))
        return 0;
    size_t k = n < size - 1 ? n : size - 1;
    memcpy(buf, ps->p, k);
    buf[k] = '\0';
    ps->p += n;
    return n;
}

/* A value word: everything up to a separator. */
static size_t read_word(struct spec_parser *ps, char *buf, size_t size)
{
    size_t n = 0;
    while (ps->p[n] && !strchr(",()[]=", ps->p[n]) && !isspace((unsigned char)ps->p[n]))
        n++;
    size_t k = n < size - 1 ? n : size - 1;
    memcpy(buf, ps->p, k);
    buf[k] = '\0';
    ps->p += n;
    return n;
}

static void key_list(enum lrf_sched_kind kind, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < SCHED_KEYS_MAX && sched_kinds[kind].keys[i].name; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                         sched_kinds[kind].keys[i].name);
        if (w < 0 || (size_t)w >= size - used)
            break;
        used += (size_t)w;
    }
    if (!buf[0])
        snprintf(buf, size, "(none)");
}

static enum lrf_status word_number(struct spec_parser *ps, enum lrf_sched_kind kind,
                                   const struct sched_key_def *kd, const char *word, long at,
                                   double *out)
{
    const char *kn = sched_kinds[kind].name;
    if ((kd->type == SCHED_P_LR || kd->type == SCHED_P_LRLIST) && !strcmp(word, "auto")) {
        if (isnan(ps->opts->auto_lr))
            return lrf_error_set(ps->err, LRF_ERR_INVALID_ARG,
                                 "%s: %s=auto needs a range test suggestion (column %ld)", kn,
                                 kd->name, at);
        *out = ps->opts->auto_lr;
        return LRF_OK;
    }
    char *end;
    errno = 0;
    double v = strtod(word, &end);
    if (!word[0] || *end || errno == ERANGE || !isfinite(v))
        return lrf_error_set(
            ps->err, LRF_ERR_INVALID_ARG, "%s: %s expects a %s, got '%s' (column %ld)", kn,
            kd->name,
            kd->type == SCHED_P_INT || kd->type == SCHED_P_INTLIST ? "integer" : "finite number",
            word, at);
    if ((kd->type == SCHED_P_INT || kd->type == SCHED_P_INTLIST) &&
        (v != floor(v) || fabs(v) > 1e15))
        return lrf_error_set(ps->err, LRF_ERR_INVALID_ARG,
                             "%s: %s expects an integer, got '%s' (column %ld)", kn, kd->name, word,
                             at);
    *out = v;
    return LRF_OK;
}

static enum lrf_status parse_list(struct spec_parser *ps, enum lrf_sched_kind kind,
                                  const struct sched_key_def *kd, struct sched_value *v)
{
    ps->p++; /* '[' */
    size_t cap = 8;
    v->list = malloc(cap * sizeof *v->list);
    if (!v->list)
        return lrf_error_set(ps->err, LRF_ERR_NOMEM, "out of memory");
    skip_ws(ps);
    if (*ps->p == ']') {
        ps->p++;
        return LRF_OK;
    }
    for (;;) {
        char word[SPEC_WORD_MAX];
        skip_ws(ps);
        long at = col(ps);
        if (read_word(ps, word, sizeof word) >= sizeof word)
            return lrf_error_set(ps->err, LRF_ERR_INVALID_ARG,
                                 "%s: %s: value too long (column %ld)", sched_kinds[kind].name,
                                 kd->name, at);
        if (v->n == SPEC_LIST_MAX)
            return lrf_error_set(ps->err, LRF_ERR_INVALID_ARG, "%s: %s has more than %d items",
                                 sched_kinds[kind].name, kd->name, SPEC_LIST_MAX);
        if (v->n == cap) {
            double *grown = realloc(v->list, 2 * cap * sizeof *v->list);
            if (!grown)
                return lrf_error_set(ps->err, LRF_ERR_NOMEM, "out of memory");
            v->list = grown;
            cap *= 2;
        }
        enum lrf_status st = word_number(ps, kind, kd, word, at, &v->list[v->n]);
        if (st)
            return st;
        v->n++;
        skip_ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == ']') {
            ps->p++;
            return LRF_OK;
        }
        return lrf_error_set(ps->err, LRF_ERR_PARSE,
                             "%s: expected ',' or ']' in the list %s at column %ld",
                             sched_kinds[kind].name, kd->name, col(ps));
    }
}

/* A scalar word: true/false, one of an enum's choices, or a number ("auto" for lrs). */
static enum lrf_status word_value(struct spec_parser *ps, const struct sched_node *n,
                                  const struct sched_key_def *kd, const char *word, long at,
                                  struct sched_value *v)
{
    const char *kn = sched_kinds[n->kind].name;
    if (kd->type == SCHED_P_BOOL) {
        if (!strcmp(word, "true") || !strcmp(word, "True"))
            v->num = 1;
        else if (!strcmp(word, "false") || !strcmp(word, "False"))
            v->num = 0;
        else
            return lrf_error_set(ps->err, LRF_ERR_INVALID_ARG,
                                 "%s: %s expects true or false, got '%s' (column %ld)", kn,
                                 kd->name, word, at);
        return LRF_OK;
    }
    if (kd->type != SCHED_P_ENUM)
        return word_number(ps, n->kind, kd, word, at, &v->num);
    int idx = 0;
    for (const char *c = kd->choices; *c; idx++) {
        size_t clen = strcspn(c, "|");
        if (clen == strlen(word) && !strncmp(c, word, clen)) {
            v->choice = idx;
            return LRF_OK;
        }
        c += clen + (c[clen] == '|');
    }
    return lrf_error_set(ps->err, LRF_ERR_INVALID_ARG,
                         "%s: %s must be one of %s, got '%s' (column %ld)", kn, kd->name,
                         kd->choices, word, at);
}

static enum lrf_status parse_value(struct spec_parser *ps, struct sched_node *n, int ki)
{
    const struct sched_key_def *kd = &sched_kinds[n->kind].keys[ki];
    const char *kn = sched_kinds[n->kind].name;
    struct sched_value *v = &n->vals[ki];
    skip_ws(ps);
    long at = col(ps);
    enum lrf_status st;
    if (kd->type == SCHED_P_INTLIST || kd->type == SCHED_P_LRLIST) {
        if (*ps->p != '[')
            return lrf_error_set(ps->err, LRF_ERR_INVALID_ARG,
                                 "%s: %s expects a list in brackets, e.g. [30,60] (column %ld)", kn,
                                 kd->name, at);
        if ((st = parse_list(ps, n->kind, kd, v)))
            return st;
        v->set = v->shown = true;
        return LRF_OK;
    }
    char word[SPEC_WORD_MAX];
    size_t len = read_word(ps, word, sizeof word);
    if (len == 0)
        return lrf_error_set(ps->err, LRF_ERR_PARSE, "%s: missing value for %s at column %ld", kn,
                             kd->name, at);
    if (len >= sizeof word)
        return lrf_error_set(ps->err, LRF_ERR_INVALID_ARG, "%s: %s: value too long (column %ld)",
                             kn, kd->name, at);
    if ((kd->flags & SCHED_F_NONE) && (!strcmp(word, "none") || !strcmp(word, "None")))
        return LRF_OK; /* PyTorch's None: left unset */
    if ((st = word_value(ps, n, kd, word, at, v)))
        return st;
    v->set = v->shown = true;
    return LRF_OK;
}

/* Fills defaults and run-length values into the keys the SPEC left out. */
static enum lrf_status fill_defaults(struct spec_parser *ps, struct sched_node *n)
{
    const struct sched_kind_def *kd = &sched_kinds[n->kind];
    long run = ps->opts->run_length;
    for (int i = 0; i < SCHED_KEYS_MAX && kd->keys[i].name; i++) {
        const struct sched_key_def *key = &kd->keys[i];
        struct sched_value *v = &n->vals[i];
        if (v->set)
            continue;
        bool use_run = (key->flags & SCHED_F_RUNLEN) && run > 0;
        if (use_run && n->kind == LRF_SCHED_ONECYCLE)
            use_run = !n->vals[sched_key_index(n->kind, "epochs")].set &&
                      !n->vals[sched_key_index(n->kind, "steps_per_epoch")].set;
        if (use_run && n->kind == LRF_SCHED_WSD)
            use_run = !n->vals[sched_key_index(n->kind, "num_stable_steps")].set;
        if (use_run) {
            v->num = (double)run;
            v->set = v->shown = true;
        } else if (key->def) {
            struct spec_parser dp = *ps;
            dp.spec = dp.p = key->def;
            enum lrf_status st = parse_value(&dp, n, i);
            if (st)
                return st;
            v->shown = false;
        } else if ((key->flags & SCHED_F_REQ) && key->type == SCHED_P_LR &&
                   !isnan(ps->opts->auto_lr)) {
            /* A suggestion is at hand: a required lr left out is that suggestion, as if
             * the SPEC said key=auto (cyclic's lower bound: auto_base_lr when given). */
            bool base = n->kind == LRF_SCHED_CYCLIC && !strcmp(key->name, "base_lr");
            v->num =
                base && !isnan(ps->opts->auto_base_lr) ? ps->opts->auto_base_lr : ps->opts->auto_lr;
            v->set = v->shown = true;
        } else if (key->flags & SCHED_F_REQ) {
            if (key->flags & SCHED_F_RUNLEN)
                return lrf_error_set(ps->err, LRF_ERR_INVALID_ARG,
                                     "%s: missing %s (give it, or a run length)", kd->name,
                                     key->name);
            return lrf_error_set(ps->err, LRF_ERR_INVALID_ARG, "%s: missing required %s", kd->name,
                                 key->name);
        }
    }
    return LRF_OK;
}

static enum lrf_status parse_kind(struct spec_parser *ps, int depth, struct sched_node **out);

/* The kind named ident, or -1. */
static int kind_index(const char *ident)
{
    for (int k = 0; k < LRF_SCHED_KIND_COUNT; k++)
        if (!strcmp(sched_kinds[k].name, ident))
            return k;
    return -1;
}

static enum lrf_status add_child(struct spec_parser *ps, struct sched_node *n, int depth)
{
    struct sched_node *c = NULL;
    enum lrf_status st = parse_kind(ps, depth + 1, &c);
    if (st)
        return st;
    struct sched_node **grown = realloc(n->child, (n->n_child + 1) * sizeof *grown);
    if (!grown) {
        sched_node_free(c);
        return lrf_error_set(ps->err, LRF_ERR_NOMEM, "out of memory");
    }
    n->child = grown;
    n->child[n->n_child++] = c;
    return LRF_OK;
}

static enum lrf_status parse_args(struct spec_parser *ps, struct sched_node *n, int depth)
{
    const char *kn = sched_kinds[n->kind].name;
    skip_ws(ps);
    if (*ps->p == ')') {
        ps->p++;
        return LRF_OK;
    }
    for (;;) {
        char ident[SPEC_WORD_MAX];
        skip_ws(ps);
        const char *start = ps->p;
        long at = col(ps);
        if (!read_ident(ps, ident, sizeof ident))
            return lrf_error_set(ps->err, LRF_ERR_PARSE,
                                 "%s: expected key=value or a nested schedule at column %ld", kn,
                                 at);
        skip_ws(ps);
        enum lrf_status st;
        if (*ps->p == '(' || (kind_index(ident) >= 0 && (*ps->p == ',' || *ps->p == ')'))) {
            if (!sched_kinds[n->kind].composite)
                return lrf_error_set(ps->err, LRF_ERR_PARSE,
                                     "%s takes no nested schedule (column %ld); only seq and "
                                     "chain do",
                                     kn, at);
            ps->p = start;
            st = add_child(ps, n, depth);
        } else if (*ps->p == '=') {
            ps->p++;
            int ki = sched_key_index(n->kind, ident);
            if (ki < 0) {
                char keys[512];
                key_list(n->kind, keys, sizeof keys);
                return lrf_error_set(ps->err, LRF_ERR_INVALID_ARG,
                                     "%s: unknown key '%s' at column %ld (valid keys: %s)", kn,
                                     ident, at, keys);
            }
            if (n->vals[ki].set)
                return lrf_error_set(ps->err, LRF_ERR_PARSE, "%s: %s given twice (column %ld)", kn,
                                     ident, at);
            st = parse_value(ps, n, ki);
        } else {
            return lrf_error_set(ps->err, LRF_ERR_PARSE, "%s: expected '=' after %s at column %ld",
                                 kn, ident, col(ps));
        }
        if (st)
            return st;
        skip_ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == ')') {
            ps->p++;
            return LRF_OK;
        }
        return lrf_error_set(ps->err, LRF_ERR_PARSE, "%s: expected ',' or ')' at column %ld", kn,
                             col(ps));
    }
}

static enum lrf_status parse_kind(struct spec_parser *ps, int depth, struct sched_node **out)
{
    if (depth > SPEC_DEPTH_MAX)
        return lrf_error_set(ps->err, LRF_ERR_PARSE, "schedules nested deeper than %d",
                             SPEC_DEPTH_MAX);
    skip_ws(ps);
    char ident[SPEC_WORD_MAX];
    long at = col(ps);
    if (!read_ident(ps, ident, sizeof ident))
        return lrf_error_set(ps->err, LRF_ERR_PARSE,
                             "expected a schedule kind at column %ld (valid kinds: %s)", at,
                             lrf_sched_kind_list());
    int kind = kind_index(ident);
    if (kind < 0)
        return lrf_error_set(ps->err, LRF_ERR_PARSE,
                             "unknown schedule kind '%s' at column %ld (valid kinds: %s)", ident,
                             at, lrf_sched_kind_list());
    skip_ws(ps);
    /* A bare KIND is KIND(): "cosine" reads as the kind with every key at its default. */
    bool bare = *ps->p == '\0' || *ps->p == ',' || *ps->p == ')';
    if (!bare && *ps->p != '(')
        return lrf_error_set(ps->err, LRF_ERR_PARSE, "%s: expected '(' at column %ld", ident,
                             col(ps));
    ps->p += !bare;
    struct sched_node *n = calloc(1, sizeof *n);
    if (!n)
        return lrf_error_set(ps->err, LRF_ERR_NOMEM, "out of memory");
    n->kind = (enum lrf_sched_kind)kind;
    enum lrf_status st = bare ? LRF_OK : parse_args(ps, n, depth);
    if (!st)
        st = fill_defaults(ps, n);
    if (!st && sched_kinds[kind].composite && n->n_child == 0)
        st = lrf_error_set(ps->err, LRF_ERR_INVALID_ARG, "%s needs at least one schedule inside",
                           ident);
    if (st) {
        sched_node_free(n);
        return st;
    }
    *out = n;
    return LRF_OK;
}

enum lrf_status sched_parse_node(const char *spec, const struct lrf_sched_parse_options *opts,
                                 struct sched_node **out, struct lrf_error *err)
{
    struct spec_parser ps = {spec, spec, opts, err};
    *out = NULL;
    struct sched_node *n = NULL;
    enum lrf_status st = parse_kind(&ps, 0, &n);
    if (st)
        return st;
    skip_ws(&ps);
    if (*ps.p) {
        sched_node_free(n);
        return lrf_error_set(err, LRF_ERR_PARSE, "unexpected '%c' after the schedule at column %ld",
                             *ps.p, col(&ps));
    }
    *out = n;
    return LRF_OK;
}

void sched_node_free(struct sched_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_child; i++)
        sched_node_free(n->child[i]);
    free(n->child);
    for (int i = 0; i < SCHED_KEYS_MAX; i++)
        free(n->vals[i].list);
    free(n->p.milestones);
    free(n);
}
