/* Model configuration: defaults, the --model SPEC ("mlp:512,256:gelu",
 * "cnn:32,64,128") and the checks of a configuration. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lrf/model.h"

static const char *const act_names[LRF_ACT_COUNT] = {"relu", "gelu", "tanh"};
static const char *const kind_names[LRF_LAYER_KIND_COUNT] = {"linear", "conv2d", "batchnorm",
                                                             "maxpool", "avgpool"};
static const char *const loss_names[LRF_LOSS_COUNT] = {"cross_entropy", "mse"};

/* The CNN pinned for image data (docs/model.md): three conv blocks. */
static const int CNN_DEFAULT[] = {32, 64, 128};

/* Wider layers than this are surely a typo and would need gigabytes. */
enum { LAYER_WIDTH_MAX = 1 << 16 };

struct lrf_model_config lrf_model_config_default(void)
{
    struct lrf_model_config c;
    memset(&c, 0, sizeof c);
    c.n_hidden = 2;
    c.hidden[0] = 512;
    c.hidden[1] = 256;
    c.activation = LRF_ACT_RELU;
    c.max_batch = 128;
    return c;
}

const char *lrf_activation_name(enum lrf_activation act)
{
    return (unsigned)act < LRF_ACT_COUNT ? act_names[act] : "unknown";
}

const char *lrf_layer_kind_name(enum lrf_layer_kind kind)
{
    return (unsigned)kind < LRF_LAYER_KIND_COUNT ? kind_names[kind] : "unknown";
}

const char *lrf_loss_name(enum lrf_loss loss)
{
    return (unsigned)loss < LRF_LOSS_COUNT ? loss_names[loss] : "unknown";
}

/* "W1,W2,..." at p into hidden[]; *end past the list. */
static enum lrf_status parse_widths(const char *spec, const char *p, int *hidden, int *n_out,
                                    const char **end_out, struct lrf_error *err)
{
    int n = 0;
    for (;;) {
        char *end;
        errno = 0;
        long w = strtol(p, &end, 10);
        if (end == p || *p == '-' || *p == '+' || errno || w < 1 || w > LAYER_WIDTH_MAX)
            return lrf_error_set(err, LRF_ERR_PARSE,
                                 "model spec '%s' at column %d: expected a layer width in "
                                 "1..%d",
                                 spec, (int)(p - spec) + 1, LAYER_WIDTH_MAX);
        if (n == LRF_MODEL_HIDDEN_MAX)
            return lrf_error_set(err, LRF_ERR_PARSE, "model spec '%s': more than %d layers", spec,
                                 LRF_MODEL_HIDDEN_MAX);
        hidden[n++] = (int)w;
        p = end;
        if (*p != ',')
            break;
        p++;
    }
    *n_out = n;
    *end_out = p;
    return LRF_OK;
}

static void set_widths(struct lrf_model_config *cfg, enum lrf_model_arch arch, const int *w, int n)
{
    cfg->arch = arch;
    cfg->n_hidden = n;
    memcpy(cfg->hidden, w, (size_t)n * sizeof w[0]);
}

static enum lrf_status parse_cnn(const char *spec, struct lrf_model_config *cfg,
                                 struct lrf_error *err)
{
    if (!strcmp(spec, "cnn")) {
        set_widths(cfg, LRF_ARCH_CNN, CNN_DEFAULT, (int)(sizeof CNN_DEFAULT / sizeof(int)));
        return LRF_OK;
    }
    int hidden[LRF_MODEL_HIDDEN_MAX], n;
    const char *p;
    enum lrf_status st = parse_widths(spec, spec + 4, hidden, &n, &p, err);
    if (st)
        return st;
    if (*p)
        return lrf_error_set(err, LRF_ERR_PARSE,
                             "model spec '%s' at column %d: unexpected '%c' (expected ',')", spec,
                             (int)(p - spec) + 1, *p);
    set_widths(cfg, LRF_ARCH_CNN, hidden, n);
    return LRF_OK;
}

enum lrf_status lrf_model_parse_spec(const char *spec, struct lrf_model_config *cfg,
                                     struct lrf_error *err)
{
    if (!spec)
        return lrf_error_set(err, LRF_ERR_INVALID_ARG, "model spec is missing");
    if (!strcmp(spec, "linear")) {
        cfg->arch = LRF_ARCH_MLP;
        cfg->n_hidden = 0;
        return LRF_OK;
    }
    if (!strcmp(spec, "cnn") || !strncmp(spec, "cnn:", 4))
        return parse_cnn(spec, cfg, err);
    if (!strcmp(spec, "mlp")) {
        struct lrf_model_config d = lrf_model_config_default();
        set_widths(cfg, LRF_ARCH_MLP, d.hidden, d.n_hidden);
        cfg->activation = d.activation;
        return LRF_OK;
    }
    if (strncmp(spec, "mlp:", 4) != 0)
        return lrf_error_set(err, LRF_ERR_PARSE,
                             "model spec '%s': expected mlp:WIDTH[,WIDTH...][:relu|gelu|tanh], "
                             "linear, cnn or cnn:WIDTH[,WIDTH...]",
                             spec);
    int hidden[LRF_MODEL_HIDDEN_MAX], n;
    const char *p;
    enum lrf_status st = parse_widths(spec, spec + 4, hidden, &n, &p, err);
    if (st)
        return st;
    enum lrf_activation act = LRF_ACT_RELU;
    if (*p == ':') {
        int k;
        for (k = 0; k < LRF_ACT_COUNT; k++)
            if (!strcmp(p + 1, act_names[k]))
                break;
        if (k == LRF_ACT_COUNT)
            return lrf_error_set(err, LRF_ERR_PARSE,
                                 "model spec '%s': unknown activation '%s' (expected relu, gelu "
                                 "or tanh)",
                                 spec, p + 1);
        act = (enum lrf_activation)k;
    } else if (*p) {
        return lrf_error_set(err, LRF_ERR_PARSE,
                             "model spec '%s' at column %d: unexpected '%c' (expected ',' or ':')",
                             spec, (int)(p - spec) + 1, *p);
    }
    set_widths(cfg, LRF_ARCH_MLP, hidden, n);
    cfg->activation = act;
    return LRF_OK;
}

void lrf_model_format_spec(const struct lrf_model_config *cfg, char *buf, size_t size)
{
    if (!size)
        return;
    bool cnn = cfg->arch == LRF_ARCH_CNN;
    if (cfg->n_hidden == 0 && !cnn) {
        snprintf(buf, size, "linear");
        return;
    }
    size_t len = (size_t)snprintf(buf, size, cnn ? "cnn:" : "mlp:");
    for (int i = 0; i < cfg->n_hidden && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? "," : "", cfg->hidden[i]);
    if (!cnn && cfg->activation != LRF_ACT_RELU && len < size)
        snprintf(buf + len, size - len, ":%s", lrf_activation_name(cfg->activation));
}
